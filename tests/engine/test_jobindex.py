"""The job index: list-jobs and the worker read only the job files they need."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from s3bo_cli.engine import jobstore
from tests.conftest import create_args
from tests.engine.conftest import statuses
from tests.engine.test_faults import read_only

NS = ("accounts", "123456789012", "us-east-1")


@pytest.fixture
def loads(monkeypatch):
    """How many job files are read (each read of a job record counts)."""
    count = [0]
    real = jobstore.read_json

    def counting(path, *, kind):
        if kind == "job":
            count[0] += 1
        return real(path, kind=kind)

    monkeypatch.setattr(jobstore, "read_json", counting)
    return count


def make_jobs(s3bo, count):
    return [s3bo(*create_args()).json["JobId"] for _ in range(count)]


def listed(s3bo, *args):
    run = s3bo("list-jobs", *args)
    assert run.exit_code == 0, run
    return run.json


def test_a_page_reads_only_its_own_jobs(s3bo, loads):
    ids = make_jobs(s3bo, 30)
    loads[0] = 0
    page = listed(s3bo, "--max-results", "5")
    assert [j["JobId"] for j in page["Jobs"]] == ids[::-1][:5]  # newest first, as before
    assert loads[0] <= 6  # the page and one more (is there a next page?); not all 30
    rest = listed(s3bo, "--max-results", "100", "--next-token", page["NextToken"])
    assert [j["JobId"] for j in rest["Jobs"]] == ids[::-1][5:]


def test_the_index_is_rebuilt_from_the_job_files(s3bo, state_dir):
    ids = make_jobs(s3bo, 4)
    s3bo("update-job-status", "--job-id", ids[0], "--requested-job-status", "Cancelled")
    index = state_dir.joinpath(*NS, "index")
    shutil.rmtree(index)
    assert [j["JobId"] for j in listed(s3bo)["Jobs"]] == ids[::-1]
    assert (index / "complete").is_file()
    cancelled = listed(s3bo, "--job-statuses", "Cancelled")["Jobs"]
    assert [j["JobId"] for j in cancelled] == [ids[0]]


def test_a_marker_left_by_a_crash_is_skipped_then_removed(s3bo, state_dir):
    (job_id,) = make_jobs(s3bo, 1)
    index = state_dir.joinpath(*NS, "index")
    (marker,) = (index / "New").iterdir()
    # A crash after the next status's marker was written, before the record was.
    stale = index / "Active" / marker.name
    stale.parent.mkdir()
    stale.touch()
    assert listed(s3bo, "--job-statuses", "Active")["Jobs"] == []
    assert stale.exists()  # young: it may be a write in progress
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    assert listed(s3bo, "--job-statuses", "Active")["Jobs"] == []
    assert not stale.exists()
    assert [j["JobId"] for j in listed(s3bo, "--job-statuses", "New")["Jobs"]] == [job_id]


def test_the_worker_runs_a_job_whose_killed_runner_left_a_marker_of_the_next_status(
    s3bo, state_dir, store
):
    from s3bo_cli.engine.worker import Worker
    from s3bo_cli.model.statuses import JobStatus
    from tests.engine.conftest import drop_objects, job_args, put_manifest

    tags = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
    manifest = put_manifest(store, drop_objects(store, "photos", 3))
    job_id = s3bo(*job_args(tags, manifest)).json["JobId"]
    Worker(state_dir).run_once()  # prepared: Ready
    index = state_dir.joinpath(*NS, "index")
    (marker,) = (index / "Ready").iterdir()
    # Killed after writing the Active marker, before the record said Active.
    (index / "Active").mkdir(exist_ok=True)
    (index / "Active" / marker.name).touch()
    # Whichever of its markers is listed first, the record decides what the job is.
    found = Worker(state_dir).candidates([JobStatus.ACTIVE, JobStatus.READY])
    assert [(c.job_id, c.status) for c in found] == [(job_id, JobStatus.READY)]
    Worker(state_dir).run(burst=True)
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Complete"


def test_each_status_change_moves_the_marker(s3bo, state_dir):
    (job_id,) = make_jobs(s3bo, 1)
    s3bo("update-job-priority", "--job-id", job_id, "--priority", "42")
    s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
    index = state_dir.joinpath(*NS, "index")
    markers = sorted(p.relative_to(index).as_posix() for p in index.glob("*/*"))
    assert len(markers) == 1 and markers[0].startswith("Cancelled/")
    assert markers[0].endswith(f"~{job_id}~42")


def test_a_read_only_state_directory_without_an_index_lists_from_the_files(s3bo, state_dir):
    ids = make_jobs(s3bo, 3)
    shutil.rmtree(state_dir.joinpath(*NS, "index"))
    with read_only(state_dir):
        assert [j["JobId"] for j in listed(s3bo)["Jobs"]] == ids[::-1]


def test_the_worker_reads_each_queued_job_a_bounded_number_of_times(
    s3bo, state_dir, run_worker, loads
):
    """Scheduling is linear: a longer queue costs no more reads per job."""
    per_job = []
    for count in (5, 25):
        ids = make_jobs(s3bo, count)  # each fails at Preparing: its manifest is missing
        loads[0] = 0
        run_worker()
        per_job.append(loads[0] / count)
        for job_id in ids:
            assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Failed"
    assert per_job[1] <= per_job[0] + 1, per_job


@pytest.fixture
def synced(monkeypatch):
    """The names of the files fsync'd (each os.fsync, by its descriptor's path)."""
    names: list[str] = []
    real = os.fsync

    def counting(fd):
        names.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        return real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return names


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_job_through_preparing_is_fsynced_once(s3bo, state_dir, run_worker, synced):
    """New, Preparing, Failing, Failed are each written and logged; only the last is
    made durable (a power cut before it leaves the job to be prepared again)."""
    [job_id] = make_jobs(s3bo, 1)  # its manifest is missing
    synced.clear()
    run_worker()
    assert statuses(state_dir, job_id) == ["New", "Preparing", "Failing", "Failed"]
    assert sum(name.startswith(".job.json.") for name in synced) == 1, synced


def test_a_manifest_that_cannot_be_read_leaves_no_task_list(s3bo, state_dir, run_worker):
    [job_id] = make_jobs(s3bo, 1)
    run_worker()
    job_dir = state_dir.joinpath(*NS, "jobs", job_id)
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Failed"
    assert not [p.name for p in job_dir.iterdir() if p.name.startswith("tasks")]
