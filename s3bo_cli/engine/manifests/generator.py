"""``S3JobManifestGenerator``: list the source bucket, keep what the filter matches.

Filters combine with AND across fields and OR within each ``MatchAny*`` list.
What the object stores can tell decides how faithful each filter is:

* CreatedAfter/CreatedBefore compare the listing's LastModified (strictly);
  sizes compare strictly too.
* MatchAnyObjectEncryption and ObjectReplicationStatuses need a HeadObject
  per listed object (only when one of them is given; one call serves both).
  SSE-C is recognised when HeadObject without the key is refused with 400, as
  Amazon S3 does; the DirStore has no SSE-C objects. An object without a
  replication status counts as ``NONE``; the DirStore records ``COMPLETED`` /
  ``REPLICA`` only for copies made by S3ReplicateObject jobs.
* EligibleForReplication: the source bucket's replication configuration
  (enabled rules, prefix and tag filters) decides; object tags are read only
  when a rule filters on tags.
* Only current versions are listed; entries carry no VersionId.

With EnableManifestOutput the manifest is written, in the
``S3InventoryReport_CSV_20211130`` layout s3bo chose to mirror an inventory
report::

    <ManifestPrefix>/<job-id>/manifest.json        (fileSchema "Bucket, Key")
    <ManifestPrefix>/<job-id>/manifest.checksum    (MD5 of manifest.json)
    <ManifestPrefix>/<job-id>/data/<uuid>.csv.gz   (quoted CSV, URL-encoded keys)

and its location becomes the job's GeneratedManifestDescriptor.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import quote

from s3bo_cli import clock
from s3bo_cli.engine.manifests.source import ManifestError
from s3bo_cli.errors import S3Error
from s3bo_cli.model.arns import bucket_arn_name, bucket_from_arn
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.stores.base import ObjectInfo, ObjectStore, ObjectSummary, Sse

KIND = "S3JobManifestGenerator"
OUTPUT_FORMAT = "S3InventoryReport_CSV_20211130"
NO_KEYS_CODE = "ManifestGenerationNoKeys"
NO_KEYS_REASON = "Manifest generation found no keys matching the filter criteria."
#: Rows per gzip data file of a generated manifest.
ROWS_PER_FILE = 1_000_000

Check = Callable[[ObjectSummary], bool]


def entries(
    store: ObjectStore, spec: dict[str, Any], job: dict[str, Any]
) -> Iterator[ManifestEntry]:
    """The matching objects, streamed; fills in ``job["GeneratedManifestDescriptor"]``."""
    account = job["JobArn"].split(":")[4]
    source = bucket_from_arn(spec["SourceBucket"])
    _check_owner(spec.get("ExpectedBucketOwner"), account, source)
    output = None
    if spec.get("EnableManifestOutput"):
        location = spec.get("ManifestOutputLocation")
        if not location:
            raise _write_failed("EnableManifestOutput needs a ManifestOutputLocation")
        _check_owner(location.get("ExpectedManifestBucketOwner"), account, _output_bucket(location))
        output = ManifestOutput(store, location, job, source)
    flt = spec.get("Filter") or {}
    count = 0
    try:
        checks = filter_checks(store, source, flt)
        for summary in store.list_objects(source, _listing_prefix(flt)):
            if _passes(summary, checks):
                entry = ManifestEntry(source, quote(summary.key, safe="/"))
                if output is not None:
                    output.add(entry)
                count += 1
                yield entry
        if count == 0:
            raise ManifestError(NO_KEYS_CODE, NO_KEYS_REASON)
        if output is not None:
            job["GeneratedManifestDescriptor"] = output.finish()
    except S3Error as exc:
        raise ManifestError(
            "ManifestGenerationFailed", f"Listing the source bucket {source} failed: {exc}"
        ) from None
    finally:
        if output is not None:
            output.discard()


def _passes(summary: ObjectSummary, checks: list[Check]) -> bool:
    try:
        return all(check(summary) for check in checks)
    except _Skip:
        return False


def _output_bucket(location: dict[str, Any]) -> str:
    """The bucket of ``ManifestOutputLocation`` ("" when it names none: writing then fails)."""
    return bucket_arn_name(location.get("Bucket")) or ""


def _check_owner(expected: str | None, account: str, bucket: str) -> None:
    """Every local bucket belongs to the job's account."""
    if expected and expected != account:
        raise ManifestError(
            "ExpectedBucketOwnerMismatch",
            f"The bucket {bucket} is not owned by the expected bucket owner {expected}",
        )


# -- filters ---------------------------------------------------------------------


def _listing_prefix(flt: dict[str, Any]) -> str:
    """List only under the prefixes the filter allows (their common prefix)."""
    prefixes = (flt.get("KeyNameConstraint") or {}).get("MatchAnyPrefix") or []
    # Key prefixes, not paths: the character-wise common prefix is what S3 lists by.
    return os.path.commonprefix(prefixes) if prefixes else ""  # noqa: RUF071


def _moment(value: Any) -> datetime:
    """A filter timestamp: ISO 8601 text, epoch seconds, or a datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) or str(value).replace(".", "", 1).isdigit():
        moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
    else:
        moment = clock.parse(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def filter_checks(store: ObjectStore, bucket: str, flt: dict[str, Any]) -> list[Check]:
    """One predicate per filter field, cheapest first; an object must pass them all."""
    checks: list[Check] = []
    if flt.get("CreatedAfter") is not None:
        after = _moment(flt["CreatedAfter"])
        checks.append(lambda o: _aware(o.last_modified) > after)
    if flt.get("CreatedBefore") is not None:
        before = _moment(flt["CreatedBefore"])
        checks.append(lambda o: _aware(o.last_modified) < before)
    if flt.get("ObjectSizeGreaterThanBytes") is not None:
        greater = int(flt["ObjectSizeGreaterThanBytes"])
        checks.append(lambda o: o.size > greater)
    if flt.get("ObjectSizeLessThanBytes") is not None:
        less = int(flt["ObjectSizeLessThanBytes"])
        checks.append(lambda o: o.size < less)
    checks += _key_checks(flt.get("KeyNameConstraint") or {})
    if flt.get("MatchAnyStorageClass"):
        classes = frozenset(flt["MatchAnyStorageClass"])
        checks.append(lambda o: o.storage_class in classes)
    if flt.get("EligibleForReplication"):
        checks.append(_replication_check(store, bucket))
    head = _Head(store, bucket)
    if flt.get("ObjectReplicationStatuses"):
        statuses = frozenset(flt["ObjectReplicationStatuses"])
        checks.append(lambda o: replication_status(head(o.key)) in statuses)
    if flt.get("MatchAnyObjectEncryption"):
        wanted = flt["MatchAnyObjectEncryption"]
        checks.append(lambda o: any(encryption_matches(head(o.key), item) for item in wanted))
    return checks


def _key_checks(constraint: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if constraint.get("MatchAnyPrefix"):
        prefixes = tuple(constraint["MatchAnyPrefix"])
        checks.append(lambda o: o.key.startswith(prefixes))
    if constraint.get("MatchAnySuffix"):
        suffixes = tuple(constraint["MatchAnySuffix"])
        checks.append(lambda o: o.key.endswith(suffixes))
    if constraint.get("MatchAnySubstring"):
        parts = tuple(constraint["MatchAnySubstring"])
        checks.append(lambda o: any(part in o.key for part in parts))
    return checks


def encryption_kind(info: ObjectInfo | None) -> str:
    """SSES3, SSEKMS, DSSEKMS or NOTSSE for an object (None: HeadObject refused, SSE-C)."""
    if info is None:
        return "SSEC"
    if info.sse is None:
        return "NOTSSE"
    return {"AES256": "SSES3", "aws:kms": "SSEKMS", "aws:kms:dsse": "DSSEKMS"}.get(
        info.sse.algorithm, "NOTSSE"
    )


def _key_matches(wanted: str | None, sse: Sse | None) -> bool:
    if not wanted:
        return True
    actual = (sse.kms_key_id if sse else None) or ""
    return actual == wanted or wanted.endswith("/" + actual) or actual.endswith("/" + wanted)


def encryption_matches(info: ObjectInfo | None, wanted: dict[str, Any]) -> bool:
    """Whether an object matches one ObjectEncryptionFilter union member."""
    kind = encryption_kind(info)
    if kind not in wanted:
        return False
    detail = wanted[kind] or {}
    sse = info.sse if info is not None else None
    if kind in ("SSEKMS", "DSSEKMS") and not _key_matches(detail.get("KmsKeyArn"), sse):
        return False
    bucket_key = detail.get("BucketKeyEnabled") if kind == "SSEKMS" else None
    return bucket_key is None or bool(sse and sse.bucket_key_enabled) == bucket_key


class _Head:
    """HeadObject of the object being filtered, fetched once for every check that needs it."""

    def __init__(self, store: ObjectStore, bucket: str) -> None:
        self.store = store
        self.bucket = bucket
        self._key: str | None = None
        self._info: ObjectInfo | S3Error | None = None

    def __call__(self, key: str) -> ObjectInfo | None:
        """The object's info; None when S3 refused it with 400 (an SSE-C object)."""
        if key != self._key:
            self._key = key
            try:
                self._info = self.store.head_object(self.bucket, key)
            except S3Error as exc:
                self._info = None if exc.http_status == 400 else exc
        if isinstance(self._info, S3Error):
            raise _Skip from None  # deleted since listed
        return self._info


class _Skip(Exception):
    """The object vanished between the listing and a check: leave it out."""


def replication_status(info: ObjectInfo | None) -> str:
    """COMPLETED, FAILED, REPLICA, PENDING or NONE."""
    return (info.replication_status if info is not None else None) or "NONE"


def _replication_check(store: ObjectStore, bucket: str) -> Check:
    config = store.get_bucket_config(bucket).replication or {}
    rules = [r for r in config.get("Rules", []) if r.get("Status", "Enabled") == "Enabled"]

    def check(summary: ObjectSummary) -> bool:
        tags: dict[str, str] | None = None

        def object_tags() -> dict[str, str]:
            nonlocal tags
            if tags is None:
                tags = store.get_object_tagging(bucket, summary.key)
            return tags

        return any(rule_matches(rule, summary.key, object_tags) for rule in rules)

    return check


def rule_matches(rule: dict[str, Any], key: str, tags: Callable[[], dict[str, str]]) -> bool:
    """Whether a replication rule's filter (V1 Prefix, or Filter) covers an object."""
    if "Filter" not in rule:
        return key.startswith(rule.get("Prefix", ""))
    flt = rule["Filter"] or {}
    condition = flt.get("And", flt)
    if not key.startswith(condition.get("Prefix", "")):
        return False
    wanted = list(condition.get("Tags", [])) + ([flt["Tag"]] if "Tag" in flt else [])
    return not wanted or all(tags().get(t["Key"]) == t["Value"] for t in wanted)


# -- EnableManifestOutput -----------------------------------------------------------


def _sse(encryption: dict[str, Any] | None) -> Sse | None:
    if not encryption:
        return None
    if "SSEKMS" in encryption:
        return Sse("aws:kms", encryption["SSEKMS"].get("KeyId"))
    return Sse("AES256")


class _DataFile:
    """One gzip CSV data file, spooled to a temporary file until it is uploaded."""

    def __init__(self) -> None:
        self.raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed by its owner
        self._text = io.TextIOWrapper(
            gzip.GzipFile(fileobj=self.raw, mode="wb", mtime=0), encoding="utf-8", newline=""
        )
        self._csv = csv.writer(self._text, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.rows = 0

    def write(self, entry: ManifestEntry) -> None:
        self._csv.writerow((entry.bucket, entry.key))
        self.rows += 1

    def finish(self) -> tuple[int, str]:
        """End the gzip stream; (size, MD5 hex) of the file, rewound for upload."""
        self._text.close()  # ends the gzip stream; the raw file stays open
        size, digest = self.raw.tell(), hashlib.md5(usedforsecurity=False)
        self.raw.seek(0)
        while chunk := self.raw.read(1024 * 1024):
            digest.update(chunk)
        self.raw.seek(0)
        return size, digest.hexdigest()


class ManifestOutput:
    """Writes the generated manifest's data files as entries come, then manifest.json."""

    def __init__(
        self, store: ObjectStore, location: dict[str, Any], job: dict[str, Any], source: str
    ) -> None:
        self.store = store
        self.location = location
        self.bucket = _output_bucket(location)
        self.source = source
        prefix = (location.get("ManifestPrefix") or "").strip("/")
        self.base = f"{prefix}/{job['JobId']}" if prefix else job["JobId"]
        self.sse = _sse(location.get("ManifestEncryption"))
        self.files: list[dict[str, Any]] = []
        self._data: _DataFile | None = None
        if not store.bucket_exists(self.bucket):
            raise _write_failed(f"the bucket {self.bucket} does not exist")

    def add(self, entry: ManifestEntry) -> None:
        if self._data is None or self._data.rows >= ROWS_PER_FILE:
            self._upload()
            self._data = _DataFile()
        self._data.write(entry)

    def _upload(self) -> None:
        """Upload the data file being written, if any."""
        data, self._data = self._data, None
        if data is None:
            return
        with data.raw:
            size, md5 = data.finish()
            key = f"{self.base}/data/{uuid.uuid4()}.csv.gz"
            self._put(key, data.raw)
        self.files.append({"key": key, "size": size, "MD5checksum": md5})

    def discard(self) -> None:
        """Drop a data file not uploaded (generation failed)."""
        if self._data is not None:
            self._data.raw.close()
            self._data = None

    def _put(self, key: str, body: bytes | IO[bytes]) -> Any:
        try:
            return self.store.put_object(self.bucket, key, body, sse=self.sse)
        except S3Error as exc:
            raise _write_failed(f"{exc.code}: {exc.message}") from None

    def finish(self) -> dict[str, Any]:
        """Write manifest.json; returns the GeneratedManifestDescriptor."""
        self._upload()
        manifest = {
            "sourceBucket": self.source,
            "destinationBucket": f"arn:aws:s3:::{self.bucket}",
            "version": "2021-11-30",
            "creationTimestamp": str(int(time.time() * 1000)),
            "fileFormat": "CSV",
            "fileSchema": "Bucket, Key",
            "files": self.files,
        }
        body = (json.dumps(manifest, indent=2) + "\n").encode()
        key = f"{self.base}/manifest.json"
        written = self._put(key, body)
        checksum = hashlib.md5(body, usedforsecurity=False).hexdigest()
        self._put(f"{self.base}/manifest.checksum", checksum.encode())
        location = {"ObjectArn": f"arn:aws:s3:::{self.bucket}/{key}", "ETag": written.etag}
        if written.version_id:
            location["ObjectVersionId"] = written.version_id
        return {"Format": OUTPUT_FORMAT, "Location": location}


def _write_failed(detail: str) -> ManifestError:
    return ManifestError(
        "ManifestOutputWriteFailed", f"Writing the generated manifest failed: {detail}"
    )
