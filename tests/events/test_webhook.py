"""Webhooks: the worker POSTs each status event of a tagged job, with retries."""

from __future__ import annotations

from s3bo_cli.engine import notify
from tests.events.test_transitions import COMPLETE_PATH


def delivered(receiver):
    """Wait for the worker's deliveries to finish; (code, body) of every attempt."""
    assert notify.default_notifier().drain(timeout=60)
    return receiver.received()


def status(body):
    return body["detail"]["serviceEventDetails"]["status"]


def test_every_status_event_is_posted(make_job, run_worker, receiver, ns_dir):
    job_id = make_job(tags=[("s3bo:notify-url", receiver.url)])
    run_worker()
    attempts = delivered(receiver)
    assert [status(body) for _, body in attempts] == COMPLETE_PATH
    for code, body in attempts:
        assert code == 200
        assert body["source"] == "aws.s3"
        assert body["detail-type"] == "AWS Service Event via CloudTrail"
        assert body["detail"]["serviceEventDetails"]["jobId"] == job_id
    assert attempts[0][1]["detail"]["eventName"] == "JobCreated"  # written by the CLI
    assert (ns_dir / "notify-cursor.json").exists()


def test_failed_posts_are_retried_with_the_same_id(make_job, run_worker, receiver):
    receiver.script = [503, 500]
    make_job(tags=[("s3bo:notify-url", receiver.url)])
    run_worker()
    attempts = delivered(receiver)
    assert [code for code, _ in attempts[:3]] == [503, 500, 200]
    assert len({body["id"] for _, body in attempts[:3]}) == 1
    assert [status(body) for code, body in attempts if code == 200] == COMPLETE_PATH


def test_a_client_error_is_not_retried(make_job, run_worker, receiver, s3bo):
    receiver.script = [400]
    job_id = make_job(tags=[("s3bo:notify-url", receiver.url)])
    run_worker()
    attempts = delivered(receiver)
    assert [code for code, _ in attempts] == [400] + [200] * 5
    assert [status(body) for _, body in attempts[1:]] == COMPLETE_PATH[1:]
    assert s3bo("describe-job", "--job-id", job_id).json["Job"]["Status"] == "Complete"


def test_confirmation_made_with_the_cli_is_delivered(make_job, run_worker, receiver, s3bo):
    job_id = make_job(confirm=True, tags=[("s3bo:notify-url", receiver.url)])
    run_worker()
    assert [status(b) for _, b in delivered(receiver)] == ["New", "Preparing", "Suspended"]
    s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
    run_worker()
    assert [status(b) for _, b in delivered(receiver)] == COMPLETE_PATH[2:]


def test_only_tagged_jobs_are_posted(make_job, run_worker, receiver, ns_dir):
    make_job(keys=["quiet"])
    run_worker()
    assert notify.default_notifier().drain(timeout=60)
    assert not (ns_dir / "notify-cursor.json").exists()
    loud = make_job(keys=["loud"], tags=[("s3bo:notify-url", receiver.url)])
    run_worker()
    jobs = {b["detail"]["serviceEventDetails"]["jobId"] for _, b in delivered(receiver)}
    assert jobs == {loud}


def test_notify_url_option_instead_of_a_tag(make_job, run_worker, receiver, s3bo):
    job_id = make_job(options=("--notify-url", receiver.url))
    assert s3bo("get-job-tagging", "--job-id", job_id).json == {"Tags": []}
    run_worker()
    assert [status(body) for _, body in delivered(receiver)] == COMPLETE_PATH


def test_notify_url_must_be_http(s3bo):
    from tests.conftest import create_args

    run = s3bo(*create_args("--notify-url", "ftp://example"))
    assert run.exit_code == 252
    assert "--notify-url" in run.stderr
    run = s3bo("--backend", "aws", *create_args("--notify-url", "http://127.0.0.1:1/x"))
    assert run.exit_code == 252
    assert "local engine only" in run.stderr
