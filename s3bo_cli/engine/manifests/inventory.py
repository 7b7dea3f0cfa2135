"""``S3InventoryReport_CSV_20161130``: an inventory's ``manifest.json`` and its gzip CSV files.

The job's ObjectArn names ``manifest.json`` (ETag checked as for a CSV
manifest); its ``files`` live in ``destinationBucket`` and ``fileSchema``
gives the columns. Each file is streamed (gzip inflated chunk by chunk, then
a CSV reader), so memory stays flat however big the inventory is; the MD5 of
each file as stored must match its ``MD5checksum`` or the job fails.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from s3bo_cli.engine.manifests.source import ManifestError, check_etag, read_failure
from s3bo_cli.errors import S3Error
from s3bo_cli.model.arns import bucket_arn_name
from s3bo_cli.model.lines import CHUNK, text_lines
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.stores.base import ObjectStore

#: A manifest.json larger than this is not an inventory manifest.
MAX_MANIFEST_JSON = 64 * 1024 * 1024
_GZIP = 16 + zlib.MAX_WBITS


def _parse_error(reason: str) -> ManifestError:
    return ManifestError("ManifestParseError", f"Reading the manifest failed: {reason}")


def entries(store: ObjectStore, manifest: dict[str, Any]) -> Iterator[ManifestEntry]:
    """Every object the inventory lists, file by file, row by row."""
    location = manifest["Location"]
    bucket, key = check_etag(store, location)
    report = _load(store, bucket, key, location.get("ObjectVersionId"))
    columns = schema(report)
    destination = destination_bucket(report)
    for file in report["files"]:
        if not isinstance(file, dict) or not isinstance(file.get("key"), str):
            raise _parse_error("manifest.json has a files entry without a key")
        yield from _file_entries(store, destination, file, columns)


def _load(store: ObjectStore, bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
    try:
        with store.get_object(bucket, key, version_id) as body:
            raw = body.read(MAX_MANIFEST_JSON + 1)
    except S3Error as exc:
        raise read_failure(exc) from None
    if len(raw) > MAX_MANIFEST_JSON:
        raise _parse_error("manifest.json is too large for an inventory manifest")
    try:
        report = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise _parse_error("manifest.json is not valid JSON") from None
    if not isinstance(report, dict) or not isinstance(report.get("files"), list):
        raise _parse_error("manifest.json is not an inventory manifest (no files list)")
    file_format = report.get("fileFormat")
    if file_format != "CSV":
        raise ManifestError(
            "ManifestFormatNotSupported",
            f"Inventory file format {file_format} is not supported: "
            "Batch Operations reads CSV inventory reports only",
        )
    return report


def schema(report: dict[str, Any]) -> dict[str, int]:
    """Column positions of Bucket, Key and (if present) VersionId from ``fileSchema``."""
    text = report.get("fileSchema")
    if not isinstance(text, str):
        raise _parse_error("manifest.json has no fileSchema")
    names = [name.strip() for name in text.split(",")]
    if "Bucket" not in names or "Key" not in names:
        raise _parse_error(f"fileSchema {text!r} names no Bucket or no Key column")
    return {name: names.index(name) for name in ("Bucket", "Key", "VersionId") if name in names}


def destination_bucket(report: dict[str, Any]) -> str:
    """The bucket holding the data files, from the ``destinationBucket`` ARN."""
    arn = report.get("destinationBucket")
    bucket = bucket_arn_name(arn)
    if bucket is None:
        raise _parse_error(f"destinationBucket {arn!r} is not a bucket ARN")
    return bucket


def _file_entries(
    store: ObjectStore, bucket: str, file: dict[str, Any], columns: dict[str, int]
) -> Iterator[ManifestEntry]:
    key = file["key"]
    digest = hashlib.md5(usedforsecurity=False)
    width = max(columns.values()) + 1
    try:
        with store.get_object(bucket, key) as body:
            chunks = _hashed(body.iter_chunks(CHUNK), digest)
            rows = csv.reader(text_lines(gunzip(chunks, name=key)))
            for number, row in enumerate(rows, start=1):
                if not row or row == [""]:
                    continue
                if len(row) < width:
                    raise _parse_error(
                        f"{key} line {number} has {len(row)} fields, expected {width} or more"
                    )
                entry_bucket, entry_key = row[columns["Bucket"]], row[columns["Key"]]
                if not entry_bucket or not entry_key:
                    raise _parse_error(f"{key} line {number} has no bucket or no key")
                version = row[columns["VersionId"]] if "VersionId" in columns else None
                yield ManifestEntry(entry_bucket, entry_key, version)
    except S3Error as exc:
        raise read_failure(exc) from None
    except csv.Error as exc:
        raise _parse_error(f"{key}: {exc}") from None
    except UnicodeDecodeError:
        raise _parse_error("an inventory file is not UTF-8 text") from None
    expected = str(file.get("MD5checksum", "")).strip('"').lower()
    if expected and expected != digest.hexdigest():
        raise ManifestError(
            "ManifestChecksumMismatch",
            f"The inventory file {key} does not match its MD5checksum in manifest.json "
            f"({expected}, but the object's MD5 is {digest.hexdigest()})",
        )


def _hashed(chunks: Iterable[bytes], digest: Any) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def gunzip(chunks: Iterable[bytes], *, name: str) -> Iterator[bytes]:
    """Inflate gzip data (several members allowed) without holding more than a chunk."""
    inflater = zlib.decompressobj(_GZIP)
    fed = False  # the current member has input it has not finished
    try:
        for data in chunks:
            while data:
                if inflater.eof:  # a member ended; another one follows
                    inflater = zlib.decompressobj(_GZIP)
                fed = True
                out = inflater.decompress(data, CHUNK)
                if out:
                    yield out
                data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
                while not data and not inflater.eof and len(out) == CHUNK:
                    out = inflater.decompress(b"", CHUNK)  # output still pending
                    if out:
                        yield out
    except zlib.error:
        raise _parse_error(f"{name} is not gzip-compressed CSV") from None
    if fed and not inflater.eof:
        raise _parse_error(f"{name} is truncated (incomplete gzip data)")
