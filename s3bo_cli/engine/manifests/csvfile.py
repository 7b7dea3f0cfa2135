"""``S3BatchOperations_CSV_20180820``: one object a line, no header, columns as ``Fields`` says."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from s3bo_cli.engine.manifests.source import ManifestError, check_etag, read_failure
from s3bo_cli.errors import S3Error
from s3bo_cli.model.lines import CHUNK, text_lines
from s3bo_cli.model.manifest import ManifestEntry, bucket_problem, key_too_long
from s3bo_cli.stores.base import ObjectStore


def _lines(store: ObjectStore, bucket: str, key: str, version_id: str | None) -> Iterator[str]:
    """The manifest object as UTF-8 lines, streamed."""
    with store.get_object(bucket, key, version_id) as body:
        try:
            yield from text_lines(body.iter_chunks(CHUNK))
        except UnicodeDecodeError:
            raise ManifestError(
                "ManifestParseError", "Reading the manifest failed: it is not UTF-8 text"
            ) from None


def read_csv(lines: Iterator[str], fields: list[str]) -> Iterator[ManifestEntry]:
    """The rows of ``lines``, in the order ``fields`` names their columns."""
    position = {
        name: fields.index(name) for name in ("Bucket", "Key", "VersionId") if name in fields
    }
    width = len(fields)
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or row == [""]:
            continue  # blank lines, e.g. a trailing newline pair
        if len(row) < width:
            raise ManifestError(
                "ManifestParseError",
                f"Reading the manifest failed: line {number} has {len(row)} fields, "
                f"expected {width} ({', '.join(fields)})",
            )
        bucket, key = row[position["Bucket"]], row[position["Key"]]
        if bucket_problem(bucket):
            hint = " (is it a header row?)" if number == 1 else ""
            raise ManifestError(
                "ManifestParseError",
                f"Reading the manifest failed: line {number}: invalid bucket name {bucket!r}{hint}",
            )
        if not key or key_too_long(key):
            raise ManifestError(
                "ManifestParseError", f"Reading the manifest failed: line {number}: invalid key"
            )
        version = row[position["VersionId"]] if "VersionId" in position else None
        yield ManifestEntry(bucket, key, version)


def entries(store: ObjectStore, manifest: dict[str, Any]) -> Iterator[ManifestEntry]:
    """Every object a CSV manifest names, streamed."""
    location = manifest["Location"]
    bucket, key = check_etag(store, location)
    try:
        yield from read_csv(
            _lines(store, bucket, key, location.get("ObjectVersionId")), manifest["Spec"]["Fields"]
        )
    except S3Error as exc:
        raise read_failure(exc) from None
    except csv.Error as exc:
        raise ManifestError("ManifestParseError", f"Reading the manifest failed: {exc}") from None
