"""S3JobManifestGenerator: every filter, manifest output, failures."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from datetime import datetime, timezone

import pytest

from s3bo_cli.stores.base import Sse
from tests.conftest import ACCOUNT
from tests.manifests.conftest import dirstore_at, tagged, unique

KEYS = ["logs/a.log", "logs/b.txt", "img/c.jpg", "img/d.JPG", "docs/readme.txt", "x y+z.txt"]
NO_KEYS = "Manifest generation found no keys matching the filter criteria."


def spec(source="src", **extra):
    return {"SourceBucket": f"arn:aws:s3:::{source}", "EnableManifestOutput": False, **extra}


@pytest.fixture
def src(store):
    """A source bucket with objects of different sizes (the size is the key's index + 1)."""
    store.create_bucket("src")
    for i, key in enumerate(KEYS):
        store.put_object("src", key, b"x" * (i + 1))
    return store


def matched(run_job, store, flt, bucket="src", keys=KEYS):
    job = run_job(generator=spec(bucket, Filter=flt))
    assert job["Status"] == "Complete", job
    return tagged(store, bucket, keys)


def test_no_filter_takes_every_object(src, run_job):
    job = run_job(generator=spec())
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == len(KEYS)
    assert tagged(src, "src", KEYS) == set(KEYS)
    assert "GeneratedManifestDescriptor" not in job
    assert job["ManifestGenerator"]["S3JobManifestGenerator"]["SourceBucket"] == "arn:aws:s3:::src"


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ({"MatchAnyPrefix": ["logs/"]}, {"logs/a.log", "logs/b.txt"}),
        ({"MatchAnyPrefix": ["logs/", "img/c"]}, {"logs/a.log", "logs/b.txt", "img/c.jpg"}),
        ({"MatchAnySuffix": [".txt"]}, {"logs/b.txt", "docs/readme.txt", "x y+z.txt"}),
        ({"MatchAnySuffix": [".jpg", ".JPG"]}, {"img/c.jpg", "img/d.JPG"}),
        ({"MatchAnySubstring": ["read", "+"]}, {"docs/readme.txt", "x y+z.txt"}),
        ({"MatchAnyPrefix": ["logs/"], "MatchAnySuffix": [".txt"]}, {"logs/b.txt"}),
        (
            {"MatchAnyPrefix": ["logs/", "docs/"], "MatchAnySubstring": ["b", "me"]},
            {"logs/b.txt", "docs/readme.txt"},
        ),
    ],
)
def test_key_name_constraints(src, run_job, constraint, expected):
    assert matched(run_job, src, {"KeyNameConstraint": constraint}) == expected


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"ObjectSizeGreaterThanBytes": 4}, set(KEYS[4:])),
        ({"ObjectSizeLessThanBytes": 3}, set(KEYS[:2])),
        ({"ObjectSizeGreaterThanBytes": 1, "ObjectSizeLessThanBytes": 4}, set(KEYS[1:3])),
    ],
)
def test_object_size(src, run_job, flt, expected):
    assert matched(run_job, src, flt) == expected


def test_created_after_and_before(store, run_job):
    store.create_bucket("src")
    moments = {
        "old": datetime(2020, 1, 1, tzinfo=timezone.utc),
        "mid": datetime(2022, 6, 1, tzinfo=timezone.utc),
        "new": datetime(2024, 12, 31, tzinfo=timezone.utc),
    }
    for key, moment in moments.items():
        dirstore_at(store, lambda m=moment: m).put_object("src", key, b"x")
    keys = list(moments)
    assert matched(run_job, store, {"CreatedAfter": "2021-01-01T00:00:00Z"}, keys=keys) == {
        "mid",
        "new",
    }
    for key in keys:
        store.delete_object_tagging("src", key)
    both = {"CreatedAfter": "2021-01-01T00:00:00Z", "CreatedBefore": "2023-01-01"}
    assert matched(run_job, store, both, keys=keys) == {"mid"}


def test_storage_class(store, run_job):
    store.create_bucket("src")
    classes = {"std": "STANDARD", "ia": "STANDARD_IA", "glacier": "GLACIER", "it": "ONEZONE_IA"}
    for key, storage_class in classes.items():
        store.put_object("src", key, b"x", storage_class=storage_class)
    flt = {"MatchAnyStorageClass": ["STANDARD_IA", "GLACIER"]}
    job = run_job(generator=spec(Filter=flt))
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 2
    assert tagged(store, "src", ["std", "ia", "it"]) == {"ia"}


KMS_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/other"


@pytest.fixture
def encrypted(store):
    store.create_bucket("src")
    objects = {
        "plain": None,
        "s3": Sse("AES256"),
        "kms": Sse("aws:kms", KMS_KEY),
        "kms-bucket-key": Sse("aws:kms", KMS_KEY, bucket_key_enabled=True),
        "kms-other": Sse("aws:kms", OTHER_KEY),
        "dsse": Sse("aws:kms:dsse", KMS_KEY),
    }
    for key, sse in objects.items():
        store.put_object("src", key, b"x", sse=sse)
    return store, list(objects)


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ({"SSES3": {}}, {"plain", "s3"}),  # SSE-S3 is the default, as on S3 since 2023
        ({"SSEKMS": {}}, {"kms", "kms-bucket-key", "kms-other"}),
        ({"SSEKMS": {"KmsKeyArn": KMS_KEY}}, {"kms", "kms-bucket-key"}),
        ({"SSEKMS": {"KmsKeyArn": KMS_KEY, "BucketKeyEnabled": True}}, {"kms-bucket-key"}),
        ({"SSEKMS": {"BucketKeyEnabled": False}}, {"kms", "kms-other"}),
        ({"DSSEKMS": {"KmsKeyArn": KMS_KEY}}, {"dsse"}),
    ],
)
def test_object_encryption(encrypted, run_job, wanted, expected):
    store, keys = encrypted
    flt = {"MatchAnyObjectEncryption": [wanted]}
    assert matched(run_job, store, flt, keys=keys) == expected


@pytest.mark.parametrize("kind", ["SSEC", "NOTSSE"])
def test_sse_c_and_not_sse_match_nothing_on_the_dirstore(encrypted, run_job, kind):
    job = run_job(generator=spec(Filter={"MatchAnyObjectEncryption": [{kind: {}}]}))
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureReason"] == NO_KEYS


def test_filters_combine_with_and(encrypted, run_job):
    store, keys = encrypted
    flt = {
        "KeyNameConstraint": {"MatchAnyPrefix": ["kms"]},
        "MatchAnyObjectEncryption": [{"SSEKMS": {"KmsKeyArn": KMS_KEY}}],
        "MatchAnyStorageClass": ["STANDARD"],
        "ObjectSizeLessThanBytes": 10,
        "CreatedBefore": "2999-01-01T00:00:00Z",
    }
    assert matched(run_job, store, flt, keys=keys) == {"kms", "kms-bucket-key"}


def test_objects_never_replicated_have_status_none(src, run_job):
    assert matched(run_job, src, {"ObjectReplicationStatuses": ["NONE", "FAILED"]}) == set(KEYS)
    job = run_job(generator=spec(Filter={"ObjectReplicationStatuses": ["COMPLETED", "REPLICA"]}))
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "ManifestGenerationNoKeys"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["COMPLETED"], {"logs/a.log"}),
        (["COMPLETED", "FAILED"], {"logs/a.log", "img/c.jpg"}),
        (["NONE"], set(KEYS) - {"logs/a.log", "img/c.jpg"}),
    ],
)
def test_replication_status_recorded_by_the_store(src, run_job, statuses, expected):
    src.put_replication_status("src", "logs/a.log", "COMPLETED")
    src.put_replication_status("src", "img/c.jpg", "FAILED")
    assert matched(run_job, src, {"ObjectReplicationStatuses": statuses}) == expected


def test_eligible_for_replication_follows_the_bucket_rules(store, run_job):
    store.create_bucket("src", versioning=True)
    store.create_bucket("replica", versioning=True)
    store.put_object("src", "logs/a", b"x")
    store.put_object("src", "data/tagged", b"x", tags={"replicate": "yes"})
    store.put_object("src", "data/untagged", b"x")
    store.put_object("src", "other", b"x")
    store.put_bucket_replication(
        "src",
        {
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [
                {
                    "ID": "logs",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": "logs/"},
                    "Destination": {"Bucket": "arn:aws:s3:::replica"},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                },
                {
                    "ID": "tagged",
                    "Status": "Enabled",
                    "Priority": 2,
                    "Filter": {
                        "And": {"Prefix": "data/", "Tags": [{"Key": "replicate", "Value": "yes"}]}
                    },
                    "Destination": {"Bucket": "arn:aws:s3:::replica"},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                },
                {
                    "ID": "off",
                    "Status": "Disabled",
                    "Priority": 3,
                    "Filter": {"Prefix": "other"},
                    "Destination": {"Bucket": "arn:aws:s3:::replica"},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                },
            ],
        },
    )
    keys = ["logs/a", "data/tagged", "data/untagged", "other"]
    job = run_job(generator=spec(Filter={"EligibleForReplication": True}))
    assert job["Status"] == "Complete", job
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 2
    # The tagging job replaced the tag set, so look at which objects carry the job's tag.
    assert {k for k in keys if store.get_object_tagging("src", k).get("batch")} == {
        "logs/a",
        "data/tagged",
    }


def test_eligible_for_replication_without_a_configuration_finds_nothing(src, run_job):
    job = run_job(generator=spec(Filter={"EligibleForReplication": True}))
    assert job["FailureReasons"] == [
        {"FailureCode": "ManifestGenerationNoKeys", "FailureReason": NO_KEYS}
    ]


def test_no_keys_matched_fails_the_job(src, run_job):
    job = run_job(generator=spec(Filter={"KeyNameConstraint": {"MatchAnyPrefix": ["nothing/"]}}))
    assert job["Status"] == "Failed"
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 0
    assert job["FailureReasons"] == [
        {"FailureCode": "ManifestGenerationNoKeys", "FailureReason": NO_KEYS}
    ]


def test_expected_bucket_owner(src, run_job):
    assert run_job(generator=spec(ExpectedBucketOwner=ACCOUNT))["Status"] == "Complete"
    job = run_job(generator=spec(ExpectedBucketOwner="111122223333"))
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "ExpectedBucketOwnerMismatch"
    assert "111122223333" in job["FailureReasons"][0]["FailureReason"]


def test_missing_source_bucket(store, run_job):
    job = run_job(generator=spec("nobucket"))
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "ManifestGenerationFailed"
    assert "NoSuchBucket" in job["FailureReasons"][0]["FailureReason"]


# -- EnableManifestOutput -------------------------------------------------------------


def output_spec(bucket="out", prefix="generated", **location):
    return spec(
        EnableManifestOutput=True,
        ManifestOutputLocation={
            "Bucket": f"arn:aws:s3:::{bucket}",
            "ManifestPrefix": prefix,
            "ManifestFormat": "S3InventoryReport_CSV_20211130",
            **location,
        },
        Filter={"KeyNameConstraint": {"MatchAnySuffix": [".txt"]}},
    )


def read_generated(store, job):
    """manifest.json and the rows of its data files, checked against their checksums."""
    descriptor = job["GeneratedManifestDescriptor"]
    bucket, key = descriptor["Location"]["ObjectArn"].removeprefix("arn:aws:s3:::").split("/", 1)
    body = store.get_object(bucket, key).read()
    assert descriptor["Location"]["ETag"] == store.head_object(bucket, key).etag
    manifest = json.loads(body)
    checksum_key = key.replace("manifest.json", "manifest.checksum")
    assert store.get_object(bucket, checksum_key).read().decode() == hashlib.md5(body).hexdigest()
    rows = []
    for file in manifest["files"]:
        data = store.get_object(bucket, file["key"]).read()
        assert hashlib.md5(data).hexdigest() == file["MD5checksum"]
        assert len(data) == file["size"]
        text = gzip.decompress(data).decode()
        assert text.startswith('"')  # every field quoted, as inventory files are
        rows += list(csv.reader(io.StringIO(text)))
    return key, manifest, rows


def test_manifest_output_layout_and_descriptor(src, run_job):
    src.create_bucket("out")
    job = run_job(generator=output_spec())
    assert job["Status"] == "Complete", job
    descriptor = job["GeneratedManifestDescriptor"]
    assert descriptor["Format"] == "S3InventoryReport_CSV_20211130"
    key, manifest, rows = read_generated(src, job)
    assert key == f"generated/{job['JobId']}/manifest.json"
    assert descriptor["Location"]["ObjectArn"] == f"arn:aws:s3:::out/{key}"
    assert {k: manifest[k] for k in ("sourceBucket", "destinationBucket", "fileFormat")} == {
        "sourceBucket": "src",
        "destinationBucket": "arn:aws:s3:::out",
        "fileFormat": "CSV",
    }
    assert manifest["fileSchema"] == "Bucket, Key"
    assert manifest["creationTimestamp"].isdigit()
    [file] = manifest["files"]
    assert file["key"].startswith(f"generated/{job['JobId']}/data/")
    assert file["key"].endswith(".csv.gz")
    assert sorted(rows) == [
        ["src", "docs/readme.txt"],
        ["src", "logs/b.txt"],
        ["src", "x%20y%2Bz.txt"],
    ]


def test_generated_manifest_is_usable_as_an_inventory_manifest(src, run_job):
    src.create_bucket("out")
    first = run_job(generator=output_spec(prefix="gen/"))
    location = first["GeneratedManifestDescriptor"]["Location"]
    for key in KEYS:
        src.delete_object_tagging("src", key)
    manifest = {"Spec": {"Format": "S3InventoryReport_CSV_20161130"}, "Location": location}
    again = run_job(manifest=manifest)
    assert again["Status"] == "Complete", again
    assert tagged(src, "src", KEYS) == {"docs/readme.txt", "logs/b.txt", "x y+z.txt"}


def test_manifest_output_encryption(src, run_job):
    src.create_bucket("out")
    job = run_job(generator=output_spec(ManifestEncryption={"SSES3": {}}))
    key, manifest, _ = read_generated(src, job)
    assert src.head_object("out", key).sse.algorithm == "AES256"
    assert src.head_object("out", manifest["files"][0]["key"]).sse.algorithm == "AES256"


def test_manifest_output_to_a_missing_bucket_fails(src, run_job):
    job = run_job(generator=output_spec(bucket="nobucket"))
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "ManifestOutputWriteFailed"
    assert "GeneratedManifestDescriptor" not in job


def test_manifest_output_owner_mismatch_fails(src, run_job):
    src.create_bucket("out")
    job = run_job(generator=output_spec(ExpectedManifestBucketOwner="111122223333"))
    assert job["FailureReasons"][0]["FailureCode"] == "ExpectedBucketOwnerMismatch"


def test_no_keys_writes_no_manifest(src, run_job):
    src.create_bucket("out")
    generator = output_spec()
    generator["Filter"] = {"KeyNameConstraint": {"MatchAnyPrefix": ["none/"]}}
    job = run_job(generator=generator)
    assert job["FailureReasons"][0]["FailureReason"] == NO_KEYS
    assert list(src.list_objects("out")) == []


def test_generator_with_output_on_s3_through_moto(s3, run_job):
    store, options = s3
    source, out = unique("gen-src"), unique("gen-out")
    store.create_bucket(source)
    store.create_bucket(out)
    for key in KEYS:
        store.put_object(source, key, b"data")
    generator = output_spec(bucket=out)
    generator["SourceBucket"] = f"arn:aws:s3:::{source}"
    job = run_job(*options, generator=generator)
    assert job["Status"] == "Complete", job
    assert tagged(store, source, KEYS) == {"docs/readme.txt", "logs/b.txt", "x y+z.txt"}
    key, manifest, rows = read_generated(store, job)
    assert key == f"generated/{job['JobId']}/manifest.json"
    assert sorted(r[1] for r in rows) == ["docs/readme.txt", "logs/b.txt", "x%20y%2Bz.txt"]
    assert manifest["sourceBucket"] == source
