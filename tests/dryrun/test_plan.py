"""dryrun.plan on the DirStore: tasks, likely failures, manifest errors and cost."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from s3bo_cli import clock, dryrun
from s3bo_cli.config import Settings
from s3bo_cli.errors import ServiceError
from s3bo_cli.output.plan import money, render_plan_lines
from s3bo_cli.pricing import GIB
from s3bo_cli.stores.base import MAX_COPY_SIZE, ObjectInfo, ObjectLock
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ACCOUNT, ROLE
from tests.engine.conftest import put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
MANIFEST_READ = 2 * 0.0004 / 1000  # HEAD (ETag check) + GET of the manifest
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:f"


def request(operation: dict, *, manifest=None, generator=None, report=None, **extra) -> dict:
    """A CreateJob request as create-job builds it."""
    params = {
        "AccountId": ACCOUNT,
        "ConfirmationRequired": False,
        "Operation": operation,
        "Report": report or {"Enabled": False},
        "Priority": 10,
        "RoleArn": ROLE,
        "ClientRequestToken": "dry-run-test",
        **extra,
    }
    if manifest is not None:
        params["Manifest"] = manifest
    if generator is not None:
        params["ManifestGenerator"] = {"S3JobManifestGenerator": generator}
    return params


@pytest.fixture
def plan(state_dir: Path, store: DirStore):
    def make(params: dict, **options) -> dict:
        result = dryrun.plan(Settings(state_dir=state_dir), params, store=store, **options)
        json.dumps(result)  # JSON-able
        return result

    return make


def seed(store: DirStore, bucket: str, objects: dict[str, bytes], **put) -> None:
    if not store.bucket_exists(bucket):
        store.create_bucket(bucket)
    for key, body in objects.items():
        store.put_object(bucket, key, body, **put)


def failures(result: dict) -> dict[str, str]:
    return {f["Key"]: f["ErrorCode"] for f in result["LikelyFailures"]}


def test_tagging_plan_counts_samples_and_finds_missing_keys(store, plan):
    keys = [f"photo {i}.jpg" for i in range(12)]
    seed(store, "photos", {key: b"x" for key in keys})
    rows = [("photos", key) for key in keys] + [("photos", "gone.jpg"), ("photos", "lost.jpg")]
    result = plan(request(TAG_OP, manifest=put_manifest(store, rows)), sample=5)
    assert result["Operation"] == "S3PutObjectTagging"
    assert result["TotalTasks"] == 14
    assert result["SampleKeys"] == [{"Bucket": "photos", "Key": key} for key in keys[:5]]
    assert (result["ObjectsChecked"], result["CheckLimit"]) == (14, dryrun.DEFAULT_CHECK_LIMIT)
    assert result["LikelyFailures"] == [
        {
            "Bucket": "photos",
            "Key": key,
            "Reason": "The specified key does not exist.",
            "ErrorCode": "NoSuchKey",
        }
        for key in ("gone.jpg", "lost.jpg")
    ]
    assert result["LikelyFailureCounts"] == {"NoSuchKey": 2}
    assert result["ManifestErrors"] == [] and result["Warnings"] == []
    cost = result["EstimatedCost"]
    assert cost["Currency"] == "USD" and cost["JobFee"] == 0.25
    assert cost["ObjectOperations"] == pytest.approx(14 / 1e6)
    assert cost["RequestCharges"]["PutObjectTagging"]["Requests"] == 14
    # 0.25 + 14 operations at $1/M + 14 PUTs at $0.005/1000 + the manifest's HEAD and GET
    assert cost["Total"] == pytest.approx(0.25 + 0.000014 + 0.00007 + 0.0000008)
    assert cost["Region"] == "us-east-1"


class HugeObjects(DirStore):
    """The DirStore, with ``*.huge`` objects reported 1 byte over CopyObject's limit.

    (A sparse 5 GiB file would do, but its first HeadObject computes a 5 GiB MD5.)
    """

    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        info = super().head_object(bucket, key, version_id)
        return replace(info, size=MAX_COPY_SIZE + 1) if key.endswith(".huge") else info


def test_copy_plan_finds_archived_huge_and_missing_objects(store, state_dir):
    seed(store, "photos", {"a.jpg": b"a", "video.huge": b"v"})
    seed(store, "photos", {"cold.jpg": b"c", "thawed.jpg": b"t"}, storage_class="GLACIER")
    store.restore_object("photos", "thawed.jpg", days=1)  # restored at once (no delay)
    store.create_bucket("backup")
    keys = ["a.jpg", "cold.jpg", "thawed.jpg", "video.huge", "gone.jpg"]
    manifest = put_manifest(store, [("photos", key) for key in keys])
    operation = {
        "S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::backup", "StorageClass": "STANDARD_IA"}
    }
    result = dryrun.plan(
        Settings(state_dir=state_dir),
        request(operation, manifest=manifest),
        store=HugeObjects(state_dir / "buckets"),
    )
    assert result["TotalTasks"] == 5
    assert failures(result) == {
        "cold.jpg": "InvalidObjectState",
        "video.huge": "InvalidRequest",
        "gone.jpg": "NoSuchKey",
    }
    reasons = {f["Key"]: f["Reason"] for f in result["LikelyFailures"]}
    assert "5 GiB" in reasons["video.huge"] and "restored" in reasons["cold.jpg"]
    copy = result["EstimatedCost"]["RequestCharges"]["CopyObject"]
    assert (copy["StorageClass"], copy["PricePer1000"]) == ("STANDARD_IA", 0.01)
    expected = 0.25 + 5 / 1e6 + 5 * 0.01 / 1000 + MANIFEST_READ
    assert result["EstimatedCost"]["Total"] == pytest.approx(expected)
    assert list(store.list_objects("backup")) == []  # nothing copied


def test_copy_to_a_missing_bucket_fails_every_task(store, plan):
    seed(store, "photos", {"a": b"a", "b": b"b"})
    manifest = put_manifest(store, [("photos", "a"), ("photos", "b"), ("photos", "c")])
    operation = {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::nowhere"}}
    result = plan(request(operation, manifest=manifest))
    assert failures(result) == {"a": "NoSuchBucket", "b": "NoSuchBucket", "c": "NoSuchKey"}


def test_restore_plan_counts_what_would_be_restored_and_what_would_fail(store, plan, state_dir):
    seed(store, "cold", {"g1": b"1" * 1000, "g2": b"2" * 3000}, storage_class="GLACIER")
    seed(store, "cold", {"d1": b"d" * 2000}, storage_class="DEEP_ARCHIVE")
    seed(store, "cold", {"busy": b"b"}, storage_class="GLACIER")
    seed(store, "cold", {"warm": b"w"})
    slow = DirStore(state_dir / "buckets", restore_delay=timedelta(hours=5))
    slow.restore_object("cold", "busy", days=1)
    keys = ["g1", "g2", "d1", "busy", "warm", "gone"]
    manifest = put_manifest(store, [("cold", key) for key in keys])
    operation = {"S3InitiateRestoreObject": {"ExpirationInDays": 7, "GlacierJobTier": "STANDARD"}}
    result = plan(request(operation, manifest=manifest))
    assert failures(result) == {
        "busy": "RestoreAlreadyInProgress",
        "warm": "InvalidObjectState",
        "gone": "NoSuchKey",
    }
    restore = result["EstimatedCost"]["RequestCharges"]["RestoreObject"]
    glacier = 2 * 0.05 / 1000 + 4000 / GIB * 0.01
    deep = 1 * 0.10 / 1000 + 2000 / GIB * 0.02
    assert restore["ByStorageClass"]["GLACIER"]["Requests"] == 2
    assert restore["ByStorageClass"]["GLACIER"]["Cost"] == pytest.approx(glacier, abs=1e-8)
    assert restore["ByStorageClass"]["DEEP_ARCHIVE"]["Cost"] == pytest.approx(deep, abs=1e-8)
    expected = 0.25 + 6 / 1e6 + glacier + deep + MANIFEST_READ
    assert result["EstimatedCost"]["Total"] == pytest.approx(expected, abs=1e-8)


def test_restore_without_days_and_extrapolation_past_the_check_limit(store, plan):
    seed(store, "cold", {f"g{i}": b"x" * 100 for i in range(8)}, storage_class="GLACIER")
    manifest = put_manifest(store, [("cold", f"g{i}") for i in range(8)])
    bulk = {"S3InitiateRestoreObject": {"ExpirationInDays": 1, "GlacierJobTier": "BULK"}}
    result = plan(request(bulk, manifest=manifest), check_limit=2)
    assert result["ObjectsChecked"] == 2
    restore = result["EstimatedCost"]["RequestCharges"]["RestoreObject"]
    assert restore["Tier"] == "BULK"
    assert restore["ByStorageClass"]["GLACIER"]["Requests"] == 8  # 2 checked, scaled to 8
    assert restore["Cost"] == 0  # bulk restores from GLACIER are free
    no_days = {"S3InitiateRestoreObject": {"GlacierJobTier": "STANDARD"}}
    result = plan(request(no_days, manifest=manifest))
    assert result["LikelyFailureCounts"] == {"InvalidArgument": 8}


def _lock(mode: str, days: int) -> ObjectLock:
    return ObjectLock(mode=mode, retain_until=clock.now() + timedelta(days=days))


def test_retention_plan_finds_locked_objects_and_buckets_without_object_lock(store, plan):
    store.create_bucket("locked", object_lock=True)
    store.put_object("locked", "free", b"f")
    store.put_object("locked", "gov", b"g", lock=_lock("GOVERNANCE", 10))
    store.put_object("locked", "comp", b"c", lock=_lock("COMPLIANCE", 10))
    store.put_object("locked", "short", b"s", lock=_lock("GOVERNANCE", 2))
    seed(store, "plain", {"p": b"p"})
    rows = [("locked", k) for k in ("free", "gov", "comp", "short")] + [("plain", "p")]
    manifest = put_manifest(store, rows)
    until = clock.iso(clock.now() + timedelta(days=5))
    retention = {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    result = plan(request({"S3PutObjectRetention": {"Retention": retention}}, manifest=manifest))
    assert failures(result) == {
        "gov": "AccessDenied",
        "comp": "AccessDenied",
        "p": "InvalidRequest",
    }
    reasons = {f["Key"]: f["Reason"] for f in result["LikelyFailures"]}
    assert reasons["comp"].startswith("The object is locked in COMPLIANCE mode until ")
    bypass = {"Retention": retention, "BypassGovernanceRetention": True}
    result = plan(request({"S3PutObjectRetention": bypass}, manifest=manifest))
    assert failures(result) == {"comp": "AccessDenied", "p": "InvalidRequest"}
    cost = result["EstimatedCost"]
    assert cost["Total"] == pytest.approx(0.25 + 5 / 1e6 + 5 * 0.005 / 1000 + MANIFEST_READ)


def test_legal_hold_plan_needs_object_lock(store, plan):
    store.create_bucket("locked", object_lock=True)
    store.put_object("locked", "a", b"a")
    seed(store, "plain", {"b": b"b"})
    manifest = put_manifest(store, [("locked", "a"), ("plain", "b")])
    hold = {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}}
    assert failures(plan(request(hold, manifest=manifest))) == {"b": "InvalidRequest"}


def test_lambda_plan_flags_archived_objects(store, plan):
    seed(store, "photos", {"a": b"a"})
    seed(store, "photos", {"cold": b"c"}, storage_class="DEEP_ARCHIVE")
    manifest = put_manifest(store, [("photos", "a"), ("photos", "cold")])
    operation = {"LambdaInvoke": {"FunctionArn": FUNCTION}}
    result = plan(request(operation, manifest=manifest))
    assert failures(result) == {"cold": "InvalidObjectState"}
    cost = result["EstimatedCost"]
    assert cost["RequestCharges"]["Invoke"]["Cost"] == pytest.approx(2 * 0.20 / 1e6)
    assert any("duration" in note for note in cost["Notes"])


def test_a_manifest_whose_etag_does_not_match_is_a_manifest_error(store, plan):
    seed(store, "photos", {"a": b"a"})
    manifest = put_manifest(store, [("photos", "a")])
    manifest["Location"]["ETag"] = "0" * 32
    result = plan(request(TAG_OP, manifest=manifest))
    assert [e["Code"] for e in result["ManifestErrors"]] == ["ManifestETagMismatch"]
    assert "does not match" in result["ManifestErrors"][0]["Reason"]
    assert (result["TotalTasks"], result["SampleKeys"], result["LikelyFailures"]) == (0, [], [])
    assert result["EstimatedCost"]["Total"] == pytest.approx(0.25 + MANIFEST_READ)


def test_a_missing_manifest_is_a_manifest_error(plan):
    manifest = {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": "arn:aws:s3:::nowhere/manifest.csv", "ETag": "abc"},
    }
    result = plan(request(TAG_OP, manifest=manifest))
    assert [e["Code"] for e in result["ManifestErrors"]] == ["ManifestNotFound"]


def test_invalid_requests_raise_what_create_job_raises(store, plan):
    manifest = put_manifest(store, [("photos", "a")])
    with pytest.raises(ServiceError) as exc:
        plan(request(TAG_OP, manifest=manifest, Priority=-1))
    assert exc.value.exit_code == 254 and "Priority" in str(exc.value)
    both = request(TAG_OP, manifest=manifest, generator={"SourceBucket": "arn:aws:s3:::photos"})
    both["ManifestGenerator"]["S3JobManifestGenerator"]["EnableManifestOutput"] = False
    with pytest.raises(ServiceError, match="either a Manifest or a ManifestGenerator"):
        plan(both)


def test_generator_filters_are_applied_and_nothing_is_written(store, plan):
    seed(store, "src", {"logs/a.log": b"a", "logs/b.txt": b"b", "img/c.jpg": b"c"})
    store.create_bucket("out")
    generator = {
        "SourceBucket": "arn:aws:s3:::src",
        "EnableManifestOutput": True,
        "ManifestOutputLocation": {
            "Bucket": "arn:aws:s3:::out",
            "ManifestFormat": "S3InventoryReport_CSV_20211130",
        },
        "Filter": {"KeyNameConstraint": {"MatchAnyPrefix": ["logs/"]}},
    }
    result = plan(request(TAG_OP, generator=generator))
    assert result["TotalTasks"] == 2
    assert {s["Key"] for s in result["SampleKeys"]} == {"logs/a.log", "logs/b.txt"}
    assert list(store.list_objects("out")) == []
    charges = result["EstimatedCost"]["RequestCharges"]
    assert "GetObject (manifest)" not in charges
    assert charges["ListObjectsV2 (manifest generator)"]["Requests"] == 1
    expected = 0.25 + 2 / 1e6 + 2 * 0.005 / 1000 + 0.005 / 1000
    assert result["EstimatedCost"]["Total"] == pytest.approx(expected)
    generator["Filter"] = {"KeyNameConstraint": {"MatchAnyPrefix": ["nothing/"]}}
    result = plan(request(TAG_OP, generator=generator))
    assert [e["Code"] for e in result["ManifestErrors"]] == ["ManifestGenerationNoKeys"]


def test_check_limit_caps_head_requests_and_listed_failures(store, plan):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", f"gone{i}") for i in range(30)])
    result = plan(request(TAG_OP, manifest=manifest), check_limit=10)
    assert (result["TotalTasks"], result["ObjectsChecked"]) == (30, 10)
    assert result["LikelyFailureCounts"] == {"NoSuchKey": 10}
    assert result["Warnings"] == [
        "Only the first 10 of 30 objects were checked (raise the check limit to check more)"
    ]
    result = plan(request(TAG_OP, manifest=manifest))
    assert result["LikelyFailureCounts"] == {"NoSuchKey": 30}
    assert len(result["LikelyFailures"]) == dryrun.MAX_LISTED_FAILURES


def test_warnings_for_the_failure_threshold_and_a_missing_report_bucket(store, plan):
    store.create_bucket("photos")
    manifest = put_manifest(store, [("photos", f"gone{i}") for i in range(1000)])
    report = {
        "Enabled": True,
        "Bucket": "arn:aws:s3:::reports",
        "Format": "Report_CSV_20180820",
        "ReportScope": "AllTasks",
    }
    result = plan(request(TAG_OP, manifest=manifest, report=report), sample=0)
    assert result["SampleKeys"] == []
    warnings = " | ".join(result["Warnings"])
    assert "report bucket reports does not exist" in warnings
    assert "1000 of 1000 checked objects would fail" in warnings


def test_version_ids_are_kept_and_plain_lines_summarise_the_plan(store, plan):
    store.create_bucket("photos", versioning=True)
    written = store.put_object("photos", "a", b"a")
    manifest = put_manifest(store, [("photos", "a", written.version_id), ("photos", "b", "v0")])
    result = plan(request(TAG_OP, manifest=manifest))
    assert result["SampleKeys"][0] == {
        "Bucket": "photos",
        "Key": "a",
        "VersionId": written.version_id,
    }
    lines = render_plan_lines(result)
    text = "\n".join(lines)
    assert lines[0] == "Operation:        S3PutObjectTagging"
    assert "Tasks:            2" in text
    assert "Likely failures:  1 (" in text and "s3://photos/b (v0)" in text
    assert "Estimated cost:   $0.25" in text and "us-east-1 list prices of " in text
    assert "PutObjectTagging (PUT)" in text and "(2 requests)" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0"),
        (0.25, "$0.25"),
        (0.0000004, "<$0.000001"),
        (0.00617, "$0.00617"),
        (31.254, "$31.25"),
    ],
)
def test_money(value, text):
    assert money(value) == text


def test_a_versioned_row_without_a_version_is_a_likely_failure(s3bo, state_dir):
    import hashlib
    import json as _json

    from s3bo_cli.stores.dirstore import DirStore

    store = DirStore(state_dir / "buckets")
    store.create_bucket("vsrc", versioning=True)
    store.put_object("vsrc", "a b.txt", b"x")
    store.create_bucket("man")
    body = b"vsrc,a%20b.txt,\n"
    store.put_object("man", "m.csv", body)
    manifest = {
        "Spec": {
            "Format": "S3BatchOperations_CSV_20180820",
            "Fields": ["Bucket", "Key", "VersionId"],
        },
        "Location": {"ObjectArn": "arn:aws:s3:::man/m.csv", "ETag": hashlib.md5(body).hexdigest()},
    }
    run = s3bo(
        "create-job", "--dry-run", "--no-lint", "--no-confirmation-required", "--priority", "1",
        "--role-arn", "arn:aws:iam::123456789012:role/r", "--report", "Enabled=false",
        "--operation", "S3PutObjectTagging={TagSet=[{Key=k,Value=v}]}",
        "--manifest", _json.dumps(manifest),
    )  # fmt: skip
    assert run.exit_code == 0, run
    assert run.json["LikelyFailureCounts"] == {"InvalidRequest": 1}
