"""create-job --dry-run counts what each operation would destroy, and the job then does."""

from __future__ import annotations

from datetime import timedelta

from s3bo_cli import clock
from tests.beyond.conftest import job_args as aws_job_args
from tests.engine.conftest import job_args, put_manifest

TAGS = {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}}


def dry_run(h, operation: dict, rows: list[tuple[str, ...]], *extra: str) -> dict:
    manifest = put_manifest(h.store, rows, bucket=h.name("manifests"))
    run = h.s3bo(
        *h.global_args, "--output", "json", *job_args(operation, manifest, "--dry-run", *extra)
    )
    assert run.exit_code == 0, run
    return run.json


def test_tagging_losses_match_what_the_job_drops(both):
    bucket = both.bucket("photos")
    before = {
        "a": {"reviewed": "yes", "owner": "ann"},
        "b": {"reviewed": "no"},
        "c": {},
        "d": {"reviewed": "yes"},
        "e": {"owner": "bob", "team": "x"},
    }
    for key, tags in before.items():
        both.store.put_object(bucket, key, b"x", tags=tags)
    rows = [(bucket, key) for key in before]
    plan = dry_run(both, TAGS, rows)
    losses = plan["Losses"]
    assert losses["Objects"] == 3
    assert losses["TagKeysDropped"] == {"owner": 2, "team": 1}
    assert losses["TagValuesReplaced"] == {"reviewed": 1}
    assert losses["Sampled"] is False
    assert plan["EstimatedCost"]["DryRunRequests"]["GetObjectTagging"]["Requests"] == 5

    both.run(TAGS, rows)
    changed = [k for k in before if both.store.get_object_tagging(bucket, k) != before[k]]
    dropped = [
        t for k in before for t in before[k] if t not in both.store.get_object_tagging(bucket, k)
    ]
    assert len([k for k in changed if before[k]]) == losses["Objects"]
    assert sorted(dropped) == ["owner", "owner", "team"]


def test_sample_is_said_when_it_is_not_the_whole_manifest(dirstore):
    bucket = dirstore.bucket("photos")
    for i in range(5):
        dirstore.store.put_object(bucket, f"k{i}", b"x", tags={"old": "1"})
    rows = [(bucket, f"k{i}") for i in range(5)]
    plan = dry_run(dirstore, TAGS, rows, "--dry-run-check-limit", "2")
    assert plan["Losses"] == {
        "Objects": 2,
        "ObjectsChecked": 2,
        "Sampled": True,
        "TagKeysDropped": {"old": 2},
        "TagValuesReplaced": {},
    }
    manifest = put_manifest(dirstore.store, rows, bucket=dirstore.name("manifests"))
    text = dirstore.s3bo(
        "--no-color",
        "--output",
        "table",
        *job_args(TAGS, manifest, "--dry-run", "--dry-run-check-limit", "2"),
    ).stdout
    assert "Would lose:       2 objects carry tags the new set drops or changes" in text
    assert "tags dropped:   old x2" in text
    assert "counted on a sample: the first 2 of 5 objects" in text


def test_delete_tagging_lists_the_tags_that_go(both):
    bucket = both.bucket("photos")
    both.store.put_object(bucket, "a", b"x", tags={"owner": "ann", "pii": "1"})
    both.store.put_object(bucket, "b", b"x", tags={"owner": "bob"})
    both.store.put_object(bucket, "c", b"x")
    rows = [(bucket, k) for k in "abc"]
    losses = dry_run(both, {"S3DeleteObjectTagging": {}}, rows)["Losses"]
    assert losses["Objects"] == 2
    assert losses["TagKeysDropped"] == {"owner": 2, "pii": 1}
    both.run({"S3DeleteObjectTagging": {}}, rows)
    assert all(both.store.get_object_tagging(bucket, k) == {} for k in "abc")


def test_acl_counts_objects_whose_grants_change(both):
    bucket = both.bucket("photos")
    both.store.put_object(bucket, "private", b"x")
    both.store.put_object(bucket, "public", b"x", acl="public-read")
    rows = [(bucket, "private"), (bucket, "public")]
    op = {"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "private"}}}
    grants = {
        k: both.store.get_object_acl(bucket, k).grants for k, _ in [("private", 0), ("public", 0)]
    }
    assert dry_run(both, op, rows)["Losses"]["Objects"] == 1
    both.run(op, rows)
    after = {k: both.store.get_object_acl(bucket, k).grants for k in grants}
    assert [k for k in grants if after[k] != grants[k]] == ["public"]


def test_copy_counts_existing_destinations_and_says_whether_they_survive(both):
    source = both.bucket("src")
    plain = both.bucket("plain")
    versioned = both.bucket("versioned", versioning=True)
    for key in ("a", "b", "c"):
        both.store.put_object(source, key, b"new " + key.encode())
    for bucket in (plain, versioned):
        both.store.put_object(bucket, "a", b"old a")
    rows = [(source, k) for k in "abc"]
    for bucket, survives in ((plain, False), (versioned, True)):
        op = {"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{bucket}"}}
        manifest = put_manifest(both.store, rows, bucket=both.name("manifests"))
        run = both.s3bo(*both.global_args, "--output", "json", *job_args(op, manifest, "--dry-run"))
        losses = run.json["Losses"]
        assert (losses["Objects"], losses["DestinationVersioned"]) == (1, survives)
        text = both.s3bo(
            *both.global_args,
            "--no-color",
            "--output",
            "table",
            *job_args(op, manifest, "--dry-run"),
        ).stdout
        assert ("the old versions survive" in text) is survives
        assert ("the old data would be gone" in text) is not survives


def test_legal_hold_and_retention_count_objects_whose_settings_differ(both):
    bucket = both.bucket("locked", object_lock=True)
    for key in "abc":
        both.store.put_object(bucket, key, b"x")
    both.store.put_object_legal_hold(bucket, "a", True)
    until = clock.now().replace(microsecond=0) + timedelta(days=3)
    rows = [(bucket, k) for k in "abc"]
    hold = {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}}
    assert dry_run(both, hold, rows)["Losses"]["Objects"] == 2
    both.run(hold, rows)
    assert all(both.store.get_object_legal_hold(bucket, k) for k in "abc")

    from s3bo_cli.stores.base import Retention

    both.store.put_object_retention(bucket, "b", Retention("GOVERNANCE", until))
    retention = {
        "S3PutObjectRetention": {
            "Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": clock.iso(until)}
        }
    }
    assert dry_run(both, retention, rows)["Losses"]["Objects"] == 2
    both.run(retention, rows)
    assert all(both.store.get_object_retention(bucket, k) is not None for k in "abc")


def test_on_the_aws_backend_the_reads_use_s3_and_are_priced(aws, stand_in):
    photos = stand_in.bucket("photos")
    stand_in.store.put_object(photos, "a.jpg", b"x", tags={"owner": "ann"})
    stand_in.store.put_object(photos, "b.jpg", b"x")
    manifest = stand_in.manifest([f"{photos},a.jpg", f"{photos},b.jpg"])
    run = aws("--output", "json", *aws_job_args(manifest, "--dry-run"))
    assert run.exit_code == 0, run
    assert run.json["Losses"]["TagKeysDropped"] == {"owner": 1}
    reads = run.json["EstimatedCost"]["DryRunRequests"]
    assert {api: charge["Requests"] for api, charge in reads.items()} == {
        "HeadObject": 2,
        "GetObjectTagging": 2,
    }
    assert reads["GetObjectTagging"]["Cost"] == round(2 * 0.0004 / 1000, 8)
    assert stand_in.recorder.requests == []
