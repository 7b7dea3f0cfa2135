"""s3bo events: JSON lines, text, table, filters, the EventBridge envelope, --follow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

from tests.conftest import sigint_default
from tests.events.conftest import statuses
from tests.events.test_transitions import COMPLETE_PATH


def lines(run):
    assert run.exit_code == 0, run
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_json_lines_when_piped(s3bo, make_job, run_worker):
    first, second = make_job(), make_job(keys=["z"])
    run_worker()
    records = lines(s3bo("events"))
    assert len(records) == 12
    assert {r["serviceEventDetails"]["jobId"] for r in records} == {first, second}
    assert records == lines(s3bo("--output", "json", "events"))


def test_one_job(s3bo, make_job, run_worker):
    job_id = make_job()
    make_job(keys=["other"])
    run_worker()
    records = lines(s3bo("events", job_id))
    assert [r["serviceEventDetails"]["status"] for r in records] == COMPLETE_PATH
    assert {r["serviceEventDetails"]["jobId"] for r in records} == {job_id}


def test_since(s3bo, make_job, run_worker):
    make_job()
    run_worker()
    assert len(lines(s3bo("events", "--since", "2000-01-01T00:00:00Z"))) == 6
    assert lines(s3bo("events", "--since", "2999-01-01T00:00:00Z")) == []
    bad = s3bo("events", "--since", "yesterday")
    assert bad.exit_code == 252
    assert "--since" in bad.stderr


def test_eventbridge_envelope(s3bo, make_job, run_worker):
    job_id = make_job()
    run_worker()
    plain = lines(s3bo("events", job_id))
    wrapped = lines(s3bo("events", job_id, "--eventbridge"))
    assert [w["detail"] for w in wrapped] == plain
    for envelope, record in zip(wrapped, plain, strict=True):
        assert envelope["version"] == "0"
        assert envelope["source"] == "aws.s3"
        assert envelope["detail-type"] == "AWS Service Event via CloudTrail"
        assert envelope["account"] == "123456789012"
        assert envelope["region"] == "us-east-1"
        assert envelope["time"] == record["eventTime"]
        assert envelope["resources"] == []
    assert len({w["id"] for w in wrapped}) == 6


def test_text_output(s3bo, make_job, run_worker):
    job_id = make_job()
    run_worker()
    run = s3bo("--output", "text", "events", job_id)
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    assert [row[3] for row in rows] == COMPLETE_PATH
    assert {row[1] for row in rows} == {job_id}
    assert rows[0][2] == "JobCreated"


def test_table_output(s3bo, make_job, run_worker):
    job_id = make_job()
    empty = make_job(keys=[])  # a manifest with no rows: nothing to run, still Complete
    run_worker()
    run = s3bo("--output", "table", "events")
    assert run.exit_code == 0, run
    for heading in ("Time", "Job", "Event", "Status", "Failure codes"):
        assert heading in run.stdout
    for status in COMPLETE_PATH:
        assert status in run.stdout
    assert job_id in run.stdout and empty in run.stdout
    one = s3bo("--output", "table", "events", job_id)
    assert "Job " not in one.stdout  # the job column is left out for one job
    assert one.stdout.count("JobStatusChanged") == 5


def test_table_shows_failure_codes(s3bo, run_worker):
    from tests.manifests.conftest import create_args

    generator = {"SourceBucket": "arn:aws:s3:::nobucket", "EnableManifestOutput": False}
    job_id = s3bo(*create_args(generator=generator)).json["JobId"]
    run_worker()
    run = s3bo("--output", "table", "events", job_id)
    assert "ManifestGenerationFailed" in run.stdout


def test_follow_a_job_that_already_ended(s3bo, make_job, run_worker):
    job_id = make_job()
    run_worker()
    records = lines(s3bo("events", job_id, "--follow"))
    assert [r["serviceEventDetails"]["status"] for r in records] == COMPLETE_PATH


def test_follow_a_job_while_the_worker_runs_it(s3bo, make_job, run_worker, ns_dir):
    job_id = make_job(keys=[f"k{i}" for i in range(30)])
    worker = threading.Thread(target=run_worker)
    worker.start()
    try:
        run = s3bo("--output", "text", "events", job_id, "--follow")
    finally:
        worker.join()
    assert [line.split("\t")[3] for line in run.stdout.splitlines()] == COMPLETE_PATH
    assert statuses(ns_dir, job_id) == COMPLETE_PATH


def test_follow_table_prints_one_line_per_event(s3bo, make_job, run_worker):
    job_id = make_job()
    run_worker()
    run = s3bo("--output", "table", "events", job_id, "--follow")
    body = run.stdout.splitlines()
    assert body[0].split()[:2] == ["Time", "Job"]
    assert [line.split()[4] for line in body[1:]] == COMPLETE_PATH


def test_follow_everything_until_ctrl_c(make_job, state_dir):
    make_job()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "s3bo_cli", "--output", "json", "events", "--follow"]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        preexec_fn=sigint_default,
    ) as proc:
        first = json.loads(proc.stdout.readline())  # blocks until the command is following
        assert first["eventName"] == "JobCreated"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr


def test_unknown_job(s3bo):
    run = s3bo("events", "00000000-0000-0000-0000-000000000000")
    assert run.exit_code == 254
    assert "does not exist" in run.stderr


def test_aws_backend_is_refused(s3bo):
    run = s3bo("--backend", "aws", "events")
    assert run.exit_code == 252
    assert "local" in run.stderr


def test_no_events_yet(s3bo):
    assert s3bo("events").stdout == ""
    assert "no events" in s3bo("--output", "table", "events").stdout
