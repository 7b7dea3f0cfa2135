"""AWS jobs: create-job --snapshot, then s3bo revert runs here against the same S3."""

from __future__ import annotations

import time
from datetime import timedelta

from s3bo_cli import clock
from s3bo_cli.safety import images
from tests.beyond.conftest import job_args
from tests.conftest import ACCOUNT


def test_a_snapshot_job_is_reverted_locally_through_the_s3store(aws, stand_in, run_worker, s3bo):
    photos = stand_in.bucket("photos")
    stand_in.store.put_object(photos, "a.jpg", b"x", tags={"owner": "ann"})
    stand_in.store.put_object(photos, "b.jpg", b"x")
    manifest = stand_in.manifest([f"{photos},a.jpg", f"{photos},b.jpg"])
    created = aws(*job_args(manifest, "--snapshot", "--account-id", ACCOUNT))
    assert created.exit_code == 0, created
    job_id = created.json["JobId"]
    assert [op for op in stand_in.recorder.operations] == ["CreateJob"]
    run_worker()  # the stand-in's engine runs the "AWS" job
    assert stand_in.store.get_object_tagging(photos, "a.jpg") == {"reviewed": "yes"}

    reverted = aws("revert", job_id, "--account-id", ACCOUNT)
    assert reverted.exit_code == 0, reverted
    # The revert asks whether the job has ended, and is itself not sent to AWS.
    assert stand_in.recorder.operations == ["CreateJob", "DescribeJob"]
    run_worker()
    assert stand_in.store.get_object_tagging(photos, "a.jpg") == {"owner": "ann"}
    assert stand_in.store.get_object_tagging(photos, "b.jpg") == {}


def test_without_a_snapshot_revert_says_why_it_cannot(aws, stand_in):
    photos = stand_in.bucket("photos")
    stand_in.put("photos", "a.jpg", b"x")
    manifest = stand_in.manifest([f"{photos},a.jpg"])
    job_id = aws(*job_args(manifest, "--account-id", ACCOUNT)).json["JobId"]
    run = aws("revert", job_id, "--account-id", ACCOUNT)
    assert run.exit_code == 254
    assert "ran on AWS without a snapshot: AWS keeps no before-images" in run.stderr
    assert "create-job --snapshot" in run.stderr


def test_snapshot_is_for_the_aws_backend(s3bo, make_job):
    from tests.conftest import create_args

    run = s3bo(*create_args("--snapshot"))
    assert run.exit_code == 252
    assert run.stderr.startswith("s3bo: error: --snapshot: for --backend aws jobs")


# -- copies ----------------------------------------------------------------------------


def copy_to(bucket: str) -> dict:
    return {"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{bucket}"}}


def copy_setup(stand_in, *, versioning: bool) -> tuple[str, dict]:
    """Sources a, b, c; a destination bucket where only ``a`` exists already."""
    source = stand_in.bucket("src")
    for key in "abc":
        stand_in.store.put_object(source, key, b"copied " + key.encode())
    dest = f"dest{stand_in.suffix}"
    stand_in.store.create_bucket(dest, versioning=versioning)
    stand_in.store.put_object(dest, "a", b"previous data")
    return dest, stand_in.manifest([f"{source},{key}" for key in "abc"])


def snapshot_states(state_dir, job_id: str) -> dict[str, dict]:
    """What the snapshot recorded for each destination key (the local engine's format)."""
    from s3bo_cli.safety.hook import JOURNAL
    from s3bo_cli.safety.journal import Journal

    folder = state_dir / "aws" / "snapshots" / ACCOUNT / job_id
    return {record["k"]: record["s"] for record in Journal(folder, JOURNAL).records()}


def dry_run_losses(aws, manifest: dict, op: dict) -> dict:
    run = aws(*job_args(manifest, "--dry-run", "--account-id", ACCOUNT, operation=op))
    assert run.exit_code == 0, run
    return run.json["Losses"]


def report_rows(stand_in, revert_id: str) -> dict[str, tuple[str, str]]:
    """key -> (TaskStatus, ErrorCode) from the revert's report, next to its manifest."""
    import csv
    import io
    import json

    bucket = stand_in.bucket("manifests")
    with stand_in.store.get_object(bucket, f"job-{revert_id}/manifest.json") as body:
        results = json.loads(body.read())["Results"]
    rows = {}
    for entry in results:
        with stand_in.store.get_object(entry["Bucket"], entry["Key"]) as part:
            for row in csv.reader(io.StringIO(part.read().decode())):
                rows[row[1]] = (row[3], row[5])
    return rows


def test_a_copy_into_a_versioned_bucket_is_put_back_to_the_previous_versions(
    aws, stand_in, run_worker, state_dir
):
    dest, manifest = copy_setup(stand_in, versioning=True)
    previous = stand_in.store.head_object(dest, "a").version_id
    losses = dry_run_losses(aws, manifest, copy_to(dest))
    assert (losses["Objects"], losses["DestinationVersioned"]) == (1, True)

    created = aws(
        *job_args(manifest, "--snapshot", "--account-id", ACCOUNT, operation=copy_to(dest))
    )
    assert created.exit_code == 0, created
    assert "cannot be put back" not in created.stderr
    job_id = created.json["JobId"]
    states = snapshot_states(state_dir, job_id)
    assert states["a"]["d"][0] == previous
    assert (states["b"], states["c"]) == ({"d": None, "w": True}, {"d": None, "w": True})
    existing = [key for key, state in states.items() if state["d"] is not None]
    assert len(existing) == losses["Objects"]  # the dry run counted what the snapshot keeps

    early = aws("revert", job_id, "--account-id", ACCOUNT)
    assert early.exit_code == 254
    assert "revert it once it has ended" in early.stderr

    run_worker()  # the stand-in's engine runs the "AWS" copy
    assert stand_in.store.get_object(dest, "a").read() == b"copied a"
    forecast = aws("revert", job_id, "--account-id", ACCOUNT, "--dry-run")
    assert (forecast.json["WouldPutBack"], forecast.json["WouldRefuse"]) == (3, {})

    reverted = aws("revert", job_id, "--account-id", ACCOUNT)
    assert reverted.exit_code == 0, reverted
    run_worker()
    assert stand_in.store.head_object(dest, "a").version_id == previous
    assert stand_in.store.get_object(dest, "a").read() == b"previous data"
    assert [o.key for o in stand_in.store.list_objects(dest)] == ["a"]
    assert set(report_rows(stand_in, reverted.json["JobId"]).values()) == {("succeeded", "")}


def test_a_copy_into_a_bucket_without_versioning_says_what_cannot_be_put_back(
    aws, stand_in, run_worker, state_dir
):
    dest, manifest = copy_setup(stand_in, versioning=False)
    losses = dry_run_losses(aws, manifest, copy_to(dest))
    assert (losses["Objects"], losses["DestinationVersioned"]) == (1, False)

    created = aws(
        *job_args(manifest, "--snapshot", "--account-id", ACCOUNT, operation=copy_to(dest))
    )
    assert created.exit_code == 0, created
    assert f"overwrites 1 existing object(s) in s3://{dest}" in created.stderr
    assert "their data cannot be put back" in created.stderr
    job_id = created.json["JobId"]
    states = snapshot_states(state_dir, job_id)
    assert [key for key, state in states.items() if images.unprotected(state)] == ["a"]
    assert not any(state["w"] for state in states.values())
    assert sum(state["d"] is not None for state in states.values()) == losses["Objects"]

    run_worker()
    # c changes after the job ended (in a later second: S3 keeps whole seconds).
    job = aws("describe-job", "--job-id", job_id, "--account-id", ACCOUNT).json["Job"]
    ended = clock.parse(job["TerminationDate"]).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (ended - clock.now()).total_seconds()) + 0.05)
    stand_in.store.put_object(dest, "c", b"a newer change")
    forecast = aws("revert", job_id, "--account-id", ACCOUNT, "--dry-run").json
    assert forecast["WouldPutBack"] == 1
    assert forecast["WouldRefuse"] == {"PreviousDataNotKept": 1, "ObjectChangedSinceJob": 1}
    assert "previous data is gone" in forecast["Refusals"][0]["Reason"]

    reverted = aws("revert", job_id, "--account-id", ACCOUNT)
    assert reverted.exit_code == 0, reverted
    run_worker()
    assert report_rows(stand_in, reverted.json["JobId"]) == {
        "a": ("failed", "PreviousDataNotKept"),
        "b": ("succeeded", ""),
        "c": ("failed", "ObjectChangedSinceJob"),
    }
    assert [o.key for o in stand_in.store.list_objects(dest)] == ["a", "c"]
    assert stand_in.store.get_object(dest, "c").read() == b"a newer change"
