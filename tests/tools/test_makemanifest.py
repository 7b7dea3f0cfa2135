"""`s3bo manifest make`: listings into manifests that create-job and the engine accept."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_plus

import pytest

from s3bo_cli.tools.makemanifest import encode_key
from tests.engine.conftest import job_args
from tests.tools.conftest import TAGGING, describe

KEYS = ["a b.jpg", "x+y.jpg", "100%.jpg", "nü/ß.jpg", "q?#&=.jpg", "~t,il'de.jpg", "doc.txt"]


@pytest.mark.parametrize("key", [*KEYS, "+", " ", "%2B", "a%20b", "é+é é"])
def test_encoding_round_trips_through_the_readers_decoding(key):
    encoded = encode_key(key)
    assert unquote_plus(encoded) == key
    assert all(c.isascii() and c not in ' ,+"' for c in encoded)


@pytest.fixture
def photos(store):
    store.create_bucket("photos")
    store.create_bucket("manifests")
    for size, key in enumerate(KEYS, start=1):
        store.put_object("photos", key, b"x" * size)
    store.put_object("photos", "cold/old.jpg", b"x" * 50, storage_class="GLACIER")
    return store


def make(s3bo, *args: str):
    run = s3bo("--output", "json", "manifest", "make", *args)
    assert run.exit_code == 0, run
    return run.json


def test_make_create_job_and_run(s3bo, photos, run_worker):
    made = make(s3bo, "s3://photos", "-o", "s3://manifests/all.csv")
    body = photos.get_object("manifests", "all.csv").read()
    assert made["Count"] == len(KEYS) + 1
    assert made["ETag"] == hashlib.md5(body).hexdigest()
    assert (made["Bucket"], made["Key"]) == ("manifests", "all.csv")
    assert made["Fields"] == ["Bucket", "Key"]
    manifest = json.loads(made["ManifestArgument"])
    arn = "arn:aws:s3:::manifests/all.csv"
    assert manifest["Location"] == {"ObjectArn": arn, "ETag": made["ETag"]}
    lint = s3bo("--output", "json", "manifest", "lint", "s3://manifests/all.csv")
    assert (lint.exit_code, lint.json["Findings"]) == (0, [])

    args = job_args(TAGGING, manifest)
    args[args.index("--manifest") + 1] = made["ManifestArgument"]  # used as printed
    job_id = s3bo(*args).json["JobId"]
    run_worker()
    job = describe(s3bo, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == len(KEYS) + 1
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    for key in KEYS:
        assert photos.get_object_tagging("photos", key) == {"reviewed": "yes"}


def test_filters(s3bo, photos):
    def count(*options: str) -> int:
        return make(s3bo, "s3://photos", "-o", "s3://manifests/f.csv", *options)["Count"]

    assert count("--suffix", ".jpg") == 7
    assert count("--suffix", ".txt", "--suffix", ".nope") == 1
    assert count("--min-size", "3", "--max-size", "5") == 3
    assert count("--storage-class", "GLACIER") == 1
    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert count("--modified-after", future) == 0
    assert count("--modified-before", future) == 8
    assert count("--modified-after", "2000-01-01") == 8
    assert make(s3bo, "s3://photos/cold/", "-o", "s3://manifests/c.csv")["Count"] == 1


def test_file_and_stdout_destinations(s3bo, photos, tmp_path):
    path = tmp_path / "m.csv"
    made = make(s3bo, "s3://photos/n", "-o", str(path))
    assert made == {
        "File": str(path),
        "ETag": hashlib.md5(path.read_bytes()).hexdigest(),
        "Count": 1,
        "Fields": ["Bucket", "Key"],
    }
    assert path.read_text() == "photos,n%C3%BC/%C3%9F.jpg\n"
    run = s3bo("manifest", "make", "s3://photos/x", "-o", "-")
    assert run.stdout == "photos,x%2By.jpg\n"


def test_versions_column(s3bo, store, run_worker):
    store.create_bucket("vers", versioning=True)
    store.create_bucket("plain")
    store.create_bucket("manifests")
    version = store.put_object("vers", "a b", b"x").version_id
    store.put_object("plain", "p", b"x")
    made = make(s3bo, "s3://vers", "--versions", "-o", "s3://manifests/v.csv")
    assert made["Fields"] == ["Bucket", "Key", "VersionId"]
    assert store.get_object("manifests", "v.csv").read().decode() == f"vers,a%20b,{version}\n"
    run = s3bo("manifest", "make", "s3://plain", "--versions", "-o", "-")
    assert run.stdout == "plain,p,null\n"
    job_id = s3bo(*job_args(TAGGING, json.loads(made["ManifestArgument"]))).json["JobId"]
    run_worker()
    assert describe(s3bo, job_id)["ProgressSummary"]["NumberOfTasksSucceeded"] == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("photos", "-o", "-"), "s3://BUCKET"),
        (("s3://photos", "-o", "s3://manifests"), "s3://BUCKET/KEY"),
        (("s3://photos", "-o", "-", "--modified-after", "yesterday"), "--modified-after"),
        (("s3://photos", "-o", "-", "--min-size", "-1"), "--min-size"),
    ],
)
def test_usage_errors(s3bo, photos, args, needle):
    run = s3bo("manifest", "make", *args)
    assert run.exit_code == 252, run
    assert needle in run.stderr


def test_missing_bucket(s3bo, store):
    run = s3bo("manifest", "make", "s3://nobucket", "-o", "-")
    assert run.exit_code != 0
    assert "NoSuchBucket" in run.stderr
