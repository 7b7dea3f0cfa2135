"""The state directory: corrupt files, concurrent processes, nothing lost or half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import create_args


def job_file(state_dir, job_id):
    return state_dir / "accounts" / "123456789012" / "us-east-1" / "jobs" / job_id / "job.json"


def test_state_files_are_readable_and_versioned(state_dir, make_job):
    job_id = make_job()
    record = json.loads(job_file(state_dir, job_id).read_text())
    assert record["schema_version"] == 1
    assert record["kind"] == "job"
    assert record["job"]["JobId"] == job_id


def test_a_corrupt_job_names_the_file_and_spares_the_others(s3bo, state_dir, make_job):
    good, bad = make_job(), make_job()
    path = job_file(state_dir, bad)
    path.write_text('{"kind": "job", "schema_ver')
    run = s3bo("describe-job", "--job-id", bad)
    assert run.exit_code == 255
    assert str(path) in run.stderr and "corrupt" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    listed = s3bo("list-jobs")
    assert listed.exit_code == 0
    assert [j["JobId"] for j in listed.json["Jobs"]] == [good]
    assert str(path) in listed.stderr  # a warning names the skipped file
    assert s3bo("describe-job", "--job-id", good).exit_code == 0
    assert path.read_text() == '{"kind": "job", "schema_ver'  # left for the user to inspect


@pytest.mark.parametrize("command", [["list-jobs"], ["describe-job", "--job-id", "JOB"]])
def test_an_unreadable_job_says_permission_denied(s3bo_unprivileged, state_dir, make_job, command):
    job_id = make_job()
    path = job_file(state_dir, job_id)
    path.chmod(0)
    run = s3bo_unprivileged(*[job_id if arg == "JOB" else arg for arg in command])
    assert run.returncode == 255, run
    assert "permission denied" in run.stderr and str(path) in run.stderr
    assert "corrupt" not in run.stderr and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_foreign_file_is_refused(s3bo, state_dir, make_job):
    job_id = make_job()
    job_file(state_dir, job_id).write_text('{"hello": "world"}')
    run = s3bo("describe-job", "--job-id", job_id)
    assert run.exit_code == 255
    assert "is not an s3bo job file" in run.stderr


def test_a_newer_schema_asks_for_an_upgrade(s3bo, state_dir, make_job):
    job_id = make_job()
    path = job_file(state_dir, job_id)
    record = json.loads(path.read_text())
    record["schema_version"] = 99
    path.write_text(json.dumps(record))
    run = s3bo("describe-job", "--job-id", job_id)
    assert run.exit_code == 255
    assert "upgrade s3bo" in run.stderr


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "--output", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_concurrent_processes_lose_nothing(state_dir, make_job, s3bo):
    import os

    env = dict(os.environ)
    target = make_job()
    work = [create_args("--client-request-token", f"tok-{i}") for i in range(8)]
    work += [create_args("--client-request-token", "shared") for _ in range(6)]
    work += [
        ["put-job-tagging", "--job-id", target, "--tags", f"Key=writer,Value={i}"] for i in range(6)
    ]
    work += [
        ["update-job-status", "--job-id", target, "--requested-job-status", "Cancelled"]
        for _ in range(4)
    ]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda args: _cli(*args, env=env), work))
    creates = results[:8]
    shared = results[8:14]
    tagging = results[14:20]
    cancels = results[20:]
    assert all(r.returncode == 0 for r in creates + shared + tagging), [r.stderr for r in results]
    assert len({r.stdout for r in shared}) == 1  # one job for one token
    assert sorted(r.returncode for r in cancels) == [0, 254, 254, 254]
    jobs = s3bo("list-jobs").json["Jobs"]
    assert len(jobs) == 1 + 8 + 1
    for job in jobs:  # every record is whole and parses
        assert s3bo("describe-job", "--job-id", job["JobId"]).exit_code == 0
    tags = s3bo("get-job-tagging", "--job-id", target).json["Tags"]
    assert len(tags) == 1 and tags[0]["Key"] == "writer"
    assert s3bo("describe-job", "--job-id", target).json["Job"]["Status"] == "Cancelled"
    leftovers = [p for p in state_dir.rglob("*.tmp")]
    assert leftovers == []


def test_start_up_imports_neither_boto3_nor_rich(state_dir, make_job):
    make_job()
    code = (
        "import sys\n"
        "from s3bo_cli.cli import cli\n"
        "try:\n"
        "    cli.main(['--output', 'json', 'list-jobs'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'rich') if m in sys.modules)\n"
        "print(heavy, file=sys.stderr)\n"
    )
    import os

    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=True,
    )
    assert run.stderr.strip().splitlines()[-1] == "[]"
    assert json.loads(run.stdout)["Jobs"]


def _namespace(state_dir):
    from s3bo_cli.engine.jobstore import JobStore
    from s3bo_cli.state.layout import Namespace

    return JobStore(Namespace(state_dir, "123456789012", "us-east-1"))


def test_a_crash_between_token_and_job_makes_no_second_job(s3bo, state_dir, make_job):
    job_id = make_job("--client-request-token", "tok-crash")
    job_file(state_dir, job_id).unlink()  # as if the process died before writing the job
    again = s3bo(*create_args("--client-request-token", "tok-crash"))
    assert again.json == {"JobId": job_id}
    jobs = s3bo("list-jobs").json["Jobs"]
    assert [j["JobId"] for j in jobs] == [job_id]
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["JobArn"].endswith(job_id)


def test_jobs_ended_more_than_90_days_ago_are_gone(s3bo, state_dir, make_job):
    old, recent = make_job(), make_job()
    for job_id in (old, recent):
        s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")
    with _namespace(state_dir).update(old) as record:
        record["job"]["TerminationDate"] = "2020-01-01T00:00:00.000Z"
    run = s3bo("describe-job", "--job-id", old)
    assert run.exit_code == 254 and "NotFoundException" in run.stderr
    assert [j["JobId"] for j in s3bo("list-jobs").json["Jobs"]] == [recent]
    assert not job_file(state_dir, old).exists()  # deleted, as the service deletes it


def test_one_atomic_writer_leaves_nothing_behind(tmp_path):
    """State files, pid files, the config and DirStore records share one writer."""
    from s3bo_cli.state.files import write_atomic

    target = tmp_path / "deep" / "file.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]
    store_tmp = tmp_path / "tmp"
    write_atomic(target, b"newer", tmp_dir=store_tmp, fsync=False)
    assert target.read_bytes() == b"newer" and list(store_tmp.iterdir()) == []


def _append_many(path, writer_id):
    from s3bo_cli.state import jsonl

    for n in range(100):
        jsonl.append(path, {"writer": writer_id, "n": n, "pad": "é" * 3000})


def test_one_jsonl_appender_never_interleaves_writers(tmp_path):
    """Events and task results share one appender: a line per record, whole."""
    import multiprocessing

    path = tmp_path / "log" / "events.jsonl"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(path, i)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["writer"], r["n"]) for r in records) == [
        (w, n) for w in range(4) for n in range(100)
    ]
