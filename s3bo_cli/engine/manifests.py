"""Manifest readers: stream a manifest object into tasks, failing as the service fails.

Formats: ``S3BatchOperations_CSV_20180820`` (here) and, registered in
``READERS``, any other format a module adds (inventory reports, generators).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from s3bo_cli.engine.requests import CSV_FORMAT, split_object_arn
from s3bo_cli.errors import S3Error
from s3bo_cli.stores.base import ObjectStore

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
MAX_KEY_LENGTH = 1024


@dataclass(frozen=True)
class ManifestEntry:
    """One object named by a manifest; ``key`` is as written there (URL-encoded)."""

    bucket: str
    key: str
    version_id: str | None = None  # "" when the manifest has a VersionId column but no value

    @property
    def decoded_key(self) -> str:
        return unquote_plus(self.key)


class ManifestError(Exception):
    """The manifest cannot be used; the job fails with this code and reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason[:256]


def _lines(store: ObjectStore, bucket: str, key: str, version_id: str | None) -> Iterator[str]:
    """Decode the manifest object as UTF-8 text, chunk by chunk."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    body = store.get_object(bucket, key, version_id)
    pending = ""
    with body:
        for chunk in body.iter_chunks(256 * 1024):
            try:
                pending += decoder.decode(chunk)
            except UnicodeDecodeError:
                raise ManifestError(
                    "ManifestParseError", "Reading the manifest failed: it is not UTF-8 text"
                ) from None
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def read_csv(lines: Iterator[str], fields: list[str]) -> Iterator[ManifestEntry]:
    """``S3BatchOperations_CSV_20180820``: no header, fields in the order ``fields`` names."""
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
        if not _BUCKET_RE.match(bucket):
            hint = " (is it a header row?)" if number == 1 else ""
            raise ManifestError(
                "ManifestParseError",
                f"Reading the manifest failed: line {number}: invalid bucket name {bucket!r}{hint}",
            )
        if not key or len(key) > MAX_KEY_LENGTH * 3:
            raise ManifestError(
                "ManifestParseError", f"Reading the manifest failed: line {number}: invalid key"
            )
        version = row[position["VersionId"]] if "VersionId" in position else None
        yield ManifestEntry(bucket, key, version)


def _check_etag(store: ObjectStore, location: dict[str, Any]) -> tuple[str, str]:
    bucket, key = split_object_arn(location["ObjectArn"])
    try:
        info = store.head_object(bucket, key, location.get("ObjectVersionId"))
    except S3Error as exc:
        raise _read_failure(exc) from None
    expected = location.get("ETag", "").strip('"')
    if expected != info.etag.strip('"'):
        raise ManifestError(
            "ManifestETagMismatch",
            f"The manifest's ETag {expected} does not match the object's ETag {info.etag}",
        )
    return bucket, key


def _read_failure(exc: S3Error) -> ManifestError:
    if exc.http_status == 403:
        return ManifestError(
            "ManifestAccessDenied", f"Reading the manifest is forbidden: {exc.code}"
        )
    if exc.http_status == 404:
        return ManifestError(
            "ManifestNotFound", f"Reading the manifest failed: {exc.code}: {exc.message}"
        )
    return ManifestError("ManifestReadError", f"Reading the manifest failed: {exc.code}")


def _csv_entries(store: ObjectStore, manifest: dict[str, Any]) -> Iterator[ManifestEntry]:
    location = manifest["Location"]
    bucket, key = _check_etag(store, location)
    try:
        yield from read_csv(
            _lines(store, bucket, key, location.get("ObjectVersionId")), manifest["Spec"]["Fields"]
        )
    except S3Error as exc:
        raise _read_failure(exc) from None
    except csv.Error as exc:
        raise ManifestError("ManifestParseError", f"Reading the manifest failed: {exc}") from None


Reader = Callable[[ObjectStore, dict[str, Any]], Iterator[ManifestEntry]]
READERS: dict[str, Reader] = {CSV_FORMAT: _csv_entries}


def entries(store: ObjectStore, manifest: dict[str, Any]) -> Iterator[ManifestEntry]:
    """Every object the manifest names, streamed; ManifestError when it is unusable."""
    reader = READERS.get(manifest["Spec"]["Format"])
    if reader is None:
        raise ManifestError(
            "ManifestFormatNotSupported",
            f"Manifest format {manifest['Spec']['Format']} is not supported by the local engine",
        )
    return reader(store, manifest)


#: Builds the entries of a job that has a ManifestGenerator instead of a manifest.
Generator = Callable[[ObjectStore, dict[str, Any], dict[str, Any]], Iterator[ManifestEntry]]
GENERATORS: dict[str, Generator] = {}


def job_entries(
    store: ObjectStore, job: dict[str, Any], engine: dict[str, Any]
) -> Iterator[ManifestEntry]:
    """The entries of a job, from its manifest or its manifest generator."""
    if "Manifest" in job:
        return entries(store, job["Manifest"])
    kind, spec = next(iter(job["ManifestGenerator"].items()))
    generate = GENERATORS.get(kind)
    if generate is None:
        raise ManifestError(
            "ManifestGeneratorNotSupported",
            f"The local engine cannot generate manifests with {kind} yet",
        )
    return generate(store, spec, job)


# Inventory reports and generators live in their own modules, which use this one.
from s3bo_cli.engine import generator, inventory  # noqa: E402
from s3bo_cli.engine.requests import INVENTORY_FORMAT  # noqa: E402

READERS[INVENTORY_FORMAT] = inventory.entries
GENERATORS[generator.KIND] = generator.entries
