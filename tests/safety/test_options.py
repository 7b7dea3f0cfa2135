"""Opting out of before-images, merging tags, and jobs that cannot be reverted."""

from __future__ import annotations

import pytest

from tests.beyond.conftest import job_args as aws_job_args
from tests.engine.conftest import job_args, put_manifest
from tests.safety.conftest import revert

TAGS = {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}}


def seeded(h) -> tuple[str, list[tuple[str, str]]]:
    bucket = h.bucket("photos")
    h.store.put_object(bucket, "a", b"x", tags={"owner": "ann", "reviewed": "no"})
    h.store.put_object(bucket, "b", b"x")
    return bucket, [(bucket, "a"), (bucket, "b")]


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (("--no-before-images",), "it was created with --no-before-images"),
        (("--tags", "Key=s3bo:before-images,Value=false"), "it recorded no before-images"),
    ],
)
def test_a_job_without_before_images_cannot_be_reverted_and_says_why(dirstore, extra, why):
    _, rows = seeded(dirstore)
    job = dirstore.run(TAGS, rows, *extra)
    assert job.job["Status"] == "Complete"
    run = dirstore.s3bo("revert", job.job["JobId"])
    assert run.exit_code == 254
    assert run.stderr == f"s3bo: error: the job cannot be reverted: {why}\n"


def test_jobs_that_change_nothing_revertible_are_refused(dirstore):
    _, rows = seeded(dirstore)
    job = dirstore.run({"S3ComputeObjectChecksum": {"ChecksumAlgorithm": "CRC32"}}, rows)
    run = dirstore.s3bo("revert", job.job["JobId"])
    assert (run.exit_code, run.stderr) == (
        254,
        "s3bo: error: S3ComputeObjectChecksum jobs change nothing s3bo can put back\n",
    )


def test_merge_tags_keeps_the_others_and_reverts(both):
    bucket, rows = seeded(both)
    manifest = put_manifest(both.store, rows, bucket=both.name("manifests"))
    plan = both.s3bo(
        *both.global_args,
        "--output",
        "json",
        *job_args(TAGS, manifest, "--merge-tags", "--dry-run"),
    ).json
    assert plan["Losses"]["TagKeysDropped"] == {}  # a merge drops nothing
    assert plan["Losses"]["TagValuesReplaced"] == {"reviewed": 1}

    job = both.run(TAGS, rows, "--merge-tags")
    assert both.store.get_object_tagging(bucket, "a") == {"owner": "ann", "reviewed": "yes"}
    assert both.store.get_object_tagging(bucket, "b") == {"reviewed": "yes"}
    revert(both, job.job["JobId"])
    assert both.store.get_object_tagging(bucket, "a") == {"owner": "ann", "reviewed": "no"}
    assert both.store.get_object_tagging(bucket, "b") == {}


def test_merge_tags_is_never_sent_to_aws(aws, stand_in):
    photos = stand_in.bucket("photos")
    manifest = stand_in.manifest([f"{photos},a.jpg"])
    run = aws(*aws_job_args(manifest, "--merge-tags"))
    assert run.exit_code == 252
    assert "cannot add tags while keeping the others in one job" in run.stderr
    assert stand_in.recorder.requests == []


def test_merge_tags_needs_a_tagging_job(dirstore):
    manifest = put_manifest(dirstore.store, [("photos", "a")], bucket=dirstore.name("manifests"))
    run = dirstore.s3bo(*job_args({"S3DeleteObjectTagging": {}}, manifest, "--merge-tags"))
    assert (run.exit_code, run.stderr) == (
        252,
        "s3bo: error: --merge-tags: only S3PutObjectTagging jobs merge tags\n",
    )
