"""S3InventoryReport_CSV_20161130 manifests: manifest.json plus gzip CSV files."""

from __future__ import annotations

import gzip

import pytest

from s3bo_cli.engine.manifests import inventory
from s3bo_cli.engine.manifests.source import ManifestError
from tests.manifests.conftest import gz_csv, put_inventory, tagged, unique


def seed(store, bucket, keys, *, versioning=False):
    store.create_bucket(bucket, versioning=versioning)
    for key in keys:
        store.put_object(bucket, key, key.encode())


def failure(job):
    assert job["Status"] == "Failed", job
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 0
    return [(r["FailureCode"], r["FailureReason"]) for r in job["FailureReasons"]]


def test_inventory_with_several_files_runs_every_listed_object(store, run_job):
    keys = ["a.txt", "dir/b c.txt", "ü/ñ+plus.txt", "d.txt"]
    seed(store, "photos", keys)
    manifest = put_inventory(
        store,
        [
            [("photos", "a.txt", "1"), ("photos", "dir/b c.txt", "2")],
            [("photos", k, "3") for k in keys[2:]],
        ],
    )
    job = run_job(manifest=manifest)
    assert job["Status"] == "Complete", job
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 4
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 4
    assert tagged(store, "photos", keys) == set(keys)


def test_quoted_fields_and_url_encoded_keys(store, run_job):
    keys = ["x,y.txt", 'quote"d.txt', "sp ace.txt"]
    seed(store, "photos", keys)
    # Keys URL-encoded except the comma and quote, so the CSV quoting is what keeps them whole.
    from urllib.parse import quote

    rows = [("photos", quote(k, safe='/,"'), '"etag"', "a,b") for k in keys]
    body = gz_csv(rows)
    manifest = put_inventory(store, [], raw_files=[body], schema="Bucket, Key, ETag, Note")
    job = run_job(manifest=manifest)
    assert job["Status"] == "Complete", job
    assert tagged(store, "photos", keys) == set(keys)


def test_version_ids_are_honoured_and_an_empty_one_fails_its_task(store, run_job):
    store.create_bucket("photos", versioning=True)
    old = store.put_object("photos", "a", b"1").version_id
    store.put_object("photos", "a", b"2")
    store.put_object("photos", "b", b"3")
    schema = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size"
    rows = [("photos", "a", old, "false", "false", "1"), ("photos", "b", "", "true", "false", "1")]
    job = run_job(manifest=put_inventory(store, [rows], schema=schema))
    assert job["Status"] == "Complete", job
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1
    assert store.get_object_tagging("photos", "a", old) == {"batch": "done"}
    assert store.get_object_tagging("photos", "a") == {}  # the latest version is untouched


def test_checksum_mismatch_fails_the_job(store, run_job):
    seed(store, "photos", ["a"])
    manifest = put_inventory(store, [[("photos", "a", "1")]], checksums=["0" * 32])
    [(code, reason)] = failure(run_job(manifest=manifest))
    assert code == "ManifestChecksumMismatch"
    assert "inv/source/config/data/file-0.csv.gz" in reason
    assert store.get_object_tagging("photos", "a") == {}


@pytest.mark.parametrize("file_format", ["ORC", "Parquet"])
def test_orc_and_parquet_inventories_are_refused(store, run_job, file_format):
    seed(store, "photos", ["a"])
    manifest = put_inventory(store, [[("photos", "a", "1")]], file_format=file_format)
    [(code, reason)] = failure(run_job(manifest=manifest))
    assert code == "ManifestFormatNotSupported"
    assert file_format in reason


def test_manifest_json_etag_is_checked(store, run_job):
    seed(store, "photos", ["a"])
    manifest = put_inventory(store, [[("photos", "a", "1")]])
    manifest["Location"]["ETag"] = "f" * 32
    [(code, _)] = failure(run_job(manifest=manifest))
    assert code == "ManifestETagMismatch"


def test_a_data_file_that_is_not_gzip_fails_the_job(store, run_job):
    seed(store, "photos", ["a"])
    manifest = put_inventory(store, [], raw_files=[b'"photos","a","1"\n'])
    [(code, reason)] = failure(run_job(manifest=manifest))
    assert code == "ManifestParseError"
    assert "gzip" in reason


def test_a_missing_data_file_fails_the_job(store, run_job):
    seed(store, "photos", ["a"])
    manifest = put_inventory(store, [[("photos", "a", "1")]])
    store.delete_object("inventory", "inv/source/config/data/file-0.csv.gz")
    [(code, _)] = failure(run_job(manifest=manifest))
    assert code == "ManifestNotFound"


def test_schema_without_a_key_column(store, run_job):
    seed(store, "photos", ["a"])
    manifest = put_inventory(store, [[("photos", "a")]], schema="Bucket, Name")
    [(code, reason)] = failure(run_job(manifest=manifest))
    assert code == "ManifestParseError"
    assert "fileSchema" in reason


def test_inventory_on_s3_through_moto(s3, run_job):
    store, options = s3
    source, inv = unique("inv-src"), unique("inv-dest")
    seed(store, source, ["a b.txt", "c.txt"])
    manifest = put_inventory(
        store, [[(source, "a b.txt", "1")], [(source, "c.txt", "1")]], bucket=inv
    )
    job = run_job(*options, manifest=manifest)
    assert job["Status"] == "Complete", job
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 2
    assert tagged(store, source, ["a b.txt", "c.txt"]) == {"a b.txt", "c.txt"}


def test_checksum_mismatch_on_s3_through_moto(s3, run_job):
    store, options = s3
    source, inv = unique("inv-src"), unique("inv-dest")
    seed(store, source, ["a"])
    manifest = put_inventory(store, [[(source, "a", "1")]], bucket=inv, checksums=["1" * 32])
    [(code, _)] = failure(run_job(*options, manifest=manifest))
    assert code == "ManifestChecksumMismatch"


class TestGunzip:
    """The streaming inflater: bounded output pieces, several members, bad input."""

    def test_output_comes_in_bounded_pieces(self):
        data = b"\0" * (8 * inventory.CHUNK) + b"tail"
        packed = gzip.compress(data)  # ~ 1000:1, so one input chunk holds it all
        pieces = list(inventory.gunzip([packed], name="f"))
        assert b"".join(pieces) == data
        assert max(len(p) for p in pieces) <= inventory.CHUNK

    def test_several_members_and_tiny_chunks(self):
        packed = gzip.compress(b"one\n") + gzip.compress(b"two\n")
        chunks = [packed[i : i + 3] for i in range(0, len(packed), 3)]
        assert b"".join(inventory.gunzip(chunks, name="f")) == b"one\ntwo\n"

    def test_truncated_data(self):
        with pytest.raises(ManifestError, match="truncated"):
            list(inventory.gunzip([gzip.compress(b"x" * 1000)[:-6]], name="f"))

    def test_schema_positions(self):
        report = {"fileSchema": "Bucket, Key, Size, VersionId"}
        assert inventory.schema(report) == {"Bucket": 0, "Key": 1, "VersionId": 3}
        assert inventory.destination_bucket({"destinationBucket": "arn:aws:s3:::d"}) == "d"
