"""AWS jobs: create-job --snapshot, then s3bo revert runs here against the same S3."""

from __future__ import annotations

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
    assert stand_in.recorder.operations == ["CreateJob"]  # the revert is not sent to AWS
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
