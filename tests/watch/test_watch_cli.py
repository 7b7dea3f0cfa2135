"""s3bo watch through the real CLI: plain lines off a terminal, exit codes, the live table."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from itertools import pairwise

from click.testing import CliRunner

from s3bo_cli import config
from s3bo_cli.cli.context import AppContext
from s3bo_cli.cli.watch import watch
from tests.conftest import sigint_default
from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def ended_jobs(s3bo, store, run_worker) -> dict[str, str]:
    """One Complete, one Failed (manifest ETag mismatch) and one Cancelled job."""
    store.create_bucket("photos")
    store.put_object("photos", "a", b"a")
    manifest = put_manifest(store, [("photos", "a"), ("photos", "missing")])
    bad_manifest = dict(manifest, Location=dict(manifest["Location"], ETag="0" * 32))
    jobs = {
        "Complete": s3bo(*job_args(TAG_OP, manifest)).json["JobId"],
        "Failed": s3bo(*job_args(TAG_OP, bad_manifest)).json["JobId"],
        "Cancelled": s3bo(*job_args(TAG_OP, manifest)).json["JobId"],
    }
    s3bo("update-job-status", "--job-id", jobs["Cancelled"], "--requested-job-status", "Cancelled")
    run_worker()
    return jobs


def lines_of(stdout: str, job_id: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(job_id)]


def test_named_jobs_that_ended_print_one_line_each_and_exit_like_wait(s3bo, store, run_worker):
    jobs = ended_jobs(s3bo, store, run_worker)
    run = s3bo("watch", *jobs.values())
    assert run.exit_code == 1  # any Failed
    for status, job_id in jobs.items():
        (line,) = lines_of(run.stdout, job_id)
        assert line.split()[1] == status
    (complete,) = lines_of(run.stdout, jobs["Complete"])
    assert "2/2 (100%)" in complete and "1 failed" in complete
    (failed,) = lines_of(run.stdout, jobs["Failed"])
    assert failed.endswith("failures: ManifestETagMismatch")
    assert run.stdout.splitlines()[-1] == "3 jobs: 1 Cancelled, 1 Complete, 1 Failed"
    assert s3bo("watch", jobs["Complete"], jobs["Cancelled"]).exit_code == 2
    assert s3bo("watch", jobs["Complete"]).exit_code == 0


def test_without_ids_and_nothing_running_there_is_nothing_to_watch(s3bo, store, run_worker):
    ended_jobs(s3bo, store, run_worker)
    run = s3bo("watch")
    assert run.exit_code == 0
    assert run.stdout == ""
    assert "no jobs to watch" in run.stderr


def test_an_unknown_job_is_a_service_error(s3bo):
    run = s3bo("watch", "00000000-0000-4000-8000-000000000000")
    assert run.exit_code == 254
    assert "The specified job does not exist" in run.stderr


def test_interval_must_be_positive(s3bo):
    assert s3bo("watch", "--interval", "0").exit_code == 252


def test_without_ids_follows_every_open_job_until_it_ends(s3bo, store, run_worker, state_dir):
    store.create_bucket("photos")
    keys = [f"k{i}" for i in range(20)]
    for key in keys:
        store.put_object("photos", key, b"x")
    args = job_args(TAG_OP, put_manifest(store, [("photos", k) for k in keys]))
    args.remove("--no-confirmation-required")
    job_id = s3bo(*args).json["JobId"]
    run_worker()  # prepared, then Suspended until confirmed: nothing moves meanwhile
    watcher = subprocess.Popen(
        [sys.executable, "-m", "s3bo_cli", "watch", "--interval", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        assert watcher.stdout is not None
        first = watcher.stdout.readline()  # the watcher has seen the job Suspended
        assert first.split()[:3] == [job_id, "Suspended", "0/20"]
        s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
        run_worker()
        out, err = watcher.communicate(timeout=60)
    finally:
        watcher.kill()
    lines = [first.rstrip("\n"), *out.splitlines()]
    job_lines = lines_of("\n".join(lines), job_id)
    assert job_lines[-1].split()[1:3] == ["Complete", "20/20"]
    assert all(a != b for a, b in pairwise(job_lines))  # a line per change only
    assert lines[-1] == "1 job: 1 Complete"
    assert watcher.returncode == 0
    assert "--requested-job-status Ready" in err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_live_table_is_drawn(s3bo, store, run_worker):
    jobs = ended_jobs(s3bo, store, run_worker)
    screen = Terminal()
    app = AppContext(settings=config.resolve(), stdout=screen)
    result = CliRunner().invoke(watch, list(jobs.values()), obj=app, catch_exceptions=False)
    assert result.exit_code == 1
    drawn = screen.getvalue()
    assert "\x1b[" in drawn  # colours and cursor control
    for job_id in jobs.values():
        assert job_id in drawn  # whole ids, even on an 80-column terminal
    for text in ("Complete", "Failed", "Cancelled", "ManifestETagMismatch", "Ctrl-C to stop"):
        assert text in drawn
    assert result.stdout == ""  # no plain lines besides the table


def test_on_the_aws_backend_watch_polls_the_service(s3bo, store, run_worker, served):
    jobs = ended_jobs(s3bo, store, run_worker)
    aws = ("--backend", "aws", "--endpoint-url", "http://s3control.local")
    run = s3bo(*aws, "watch", "--interval", "0.05", *jobs.values(), env=served.env)
    assert run.exit_code == 1, run
    for status, job_id in jobs.items():
        (line,) = lines_of(run.stdout, job_id)
        assert line.split()[1] == status
    run = s3bo(*aws, "watch", env=served.env)  # ListJobs: nothing left open
    assert (run.exit_code, run.stdout) == (0, "")


def test_ctrl_c_exits_130_without_a_traceback(make_job):
    job_id = make_job()  # New, and no worker runs: the watch would go on forever
    watcher = subprocess.Popen(
        [sys.executable, "-m", "s3bo_cli", "watch", job_id, "--interval", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        preexec_fn=sigint_default,
    )  # fmt: skip
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().split()[:2] == [job_id, "New"]
        watcher.send_signal(signal.SIGINT)
        _, err = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    assert watcher.returncode == 130
    assert "Traceback" not in err
