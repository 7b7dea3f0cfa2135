"""DirStore: buckets as folders, objects as plain files, metadata as JSON beside them.

Users can drop files in with ``cp`` and read results with ordinary tools; a file
with no (or a stale) record behaves as a STANDARD object whose ETag is the MD5
of its bytes. The layout is described in :mod:`s3bo_cli.stores.dirlayout`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from s3bo_cli.errors import S3Error
from s3bo_cli.stores.dirfiles import CHUNK, BucketFiles, Spooled
from s3bo_cli.stores.dirlayout import (
    SCHEMA_VERSION,
    BucketPaths,
    access_checked,
    acl_from_json,
    acl_to_json,
    check_version_id,
    fingerprint,
    iso,
    key_segments,
    metadata_to_json,
    open_data,
    read_json,
    record_to_info,
    restore_status,
    retention_from_json,
    retention_to_json,
    write_json,
)
from s3bo_cli.stores.dirturn import TURN
from s3bo_cli.stores.rules import (
    MAX_COPY_SIZE,
    access_denied,
    canned_grants,
    check_acl,
    check_checksum_algorithm,
    check_lock,
    check_metadata,
    check_storage_class,
    check_tags,
    lock_not_enabled,
    no_such_bucket,
    no_such_key,
)
from s3bo_cli.stores.types import (
    ARCHIVE_CLASSES,
    Acl,
    Body,
    BucketConfig,
    Directive,
    Grant,
    ObjectBody,
    ObjectInfo,
    ObjectLock,
    ObjectMetadata,
    ObjectSummary,
    Retention,
    Sse,
    WriteResult,
)

#: The canonical user that owns everything in a DirStore.
LOCAL_OWNER_ID = "5f3b0c1d2e4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"
LOCAL_OWNER_NAME = "s3bo"
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_EXISTING_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


#: Seconds a DirStore restore takes before the object can be read (default 0).
RESTORE_DELAY_ENV = "S3BO_RESTORE_DELAY_SECONDS"


#: Told an object's ETag, version id and tags under the object's lock, just before a
#: tag write replaces them: a before-image costs no read of its own, and is taken
#: (write-ahead) before the change is saved. Raising leaves the object unchanged.
TagsObserver = Callable[[str, "str | None", dict[str, str]], None]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DirStore:
    """The embedded object store: one folder per bucket under ``root``."""

    #: Requests go to a local disk: a few in flight overlap fsyncs; more only queue.
    remote = False
    encrypts_in_place = True
    #: Tag writes take a ``before`` observer (see :data:`TagsObserver`).
    observes_tag_writes = True

    def __init__(
        self,
        root: Path | str,
        *,
        clock: Callable[[], datetime] = _utcnow,
        restore_delay: timedelta | None = None,
        fsync: bool = True,
    ) -> None:
        self.root = os.path.abspath(os.fspath(root))
        self._clock = clock
        if restore_delay is None:  # restores complete this long after they are requested
            restore_delay = timedelta(seconds=float(os.environ.get(RESTORE_DELAY_ENV) or 0))
        self._restore_delay = restore_delay
        self._fsync = fsync
        self._buckets: dict[str, BucketFiles] = {}
        self._configs: dict[str, tuple[int, BucketConfig]] = {}

    # -- buckets --------------------------------------------------------------------

    def _files(self, bucket: str) -> BucketFiles:
        files = self._buckets.get(bucket)
        if files is None:
            if not _EXISTING_BUCKET.match(bucket):
                raise S3Error("InvalidBucketName", 400, "The specified bucket is not valid.")
            paths = BucketPaths(os.path.join(self.root, bucket))
            files = BucketFiles(
                paths,
                versioning=lambda: self._config(paths, bucket).versioning,
                fsync=self._fsync,
            )
        if not files.paths.confine_internals() and not os.path.isdir(files.paths.dir):
            raise no_such_bucket()
        self._buckets[bucket] = files
        return files

    def _bucket(self, bucket: str) -> BucketPaths:
        return self._files(bucket).paths

    @access_checked
    def create_bucket(
        self, bucket: str, *, versioning: bool = False, object_lock: bool = False
    ) -> None:
        if not _BUCKET_NAME.match(bucket) or ".." in bucket:
            raise S3Error("InvalidBucketName", 400, "The specified bucket is not valid.")
        path = os.path.join(self.root, bucket)
        try:
            os.makedirs(path)
        except FileExistsError:
            raise S3Error(
                "BucketAlreadyOwnedByYou",
                409,
                "Your previous request to create the named bucket succeeded "
                "and you already own it.",
            ) from None
        paths = self._bucket(bucket)
        self._write_config(
            paths,
            {
                "versioning": "Enabled" if versioning or object_lock else None,
                "object_lock": object_lock,
                "replication": None,
            },
        )
        # Made now rather than by the first write: while ``.s3bo`` keeps changing, every
        # call checks each of its entries for links again (see confine_internals).
        for folder in ("locks", "meta"):
            os.makedirs(os.path.join(paths.meta_root, folder), exist_ok=True)

    @access_checked
    def bucket_exists(self, bucket: str) -> bool:
        try:
            self._bucket(bucket)
        except S3Error:
            return False
        return True

    @access_checked
    def list_buckets(self) -> list[str]:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        return sorted(
            name
            for name in names
            if _EXISTING_BUCKET.match(name) and os.path.isdir(os.path.join(self.root, name))
        )

    @access_checked
    def get_bucket_config(self, bucket: str) -> BucketConfig:
        return self._config(self._bucket(bucket), bucket)

    def _config(self, paths: BucketPaths, bucket: str) -> BucketConfig:
        try:
            mtime = os.stat(paths.config).st_mtime_ns
        except FileNotFoundError:
            return BucketConfig(name=bucket)
        cached = self._configs.get(bucket)
        if cached and cached[0] == mtime:
            return cached[1]
        data = read_json(paths.config) or {}
        config = BucketConfig(
            name=bucket,
            versioning=data.get("versioning"),
            object_lock=bool(data.get("object_lock")),
            replication=data.get("replication"),
        )
        self._configs[bucket] = (mtime, config)
        return config

    def _write_config(self, paths: BucketPaths, values: dict[str, Any]) -> None:
        data = {**(read_json(paths.config) or {}), **values, "schema_version": SCHEMA_VERSION}
        write_json(paths.tmp, paths.config, data, fsync=self._fsync, indent=2)

    @access_checked
    def put_bucket_versioning(self, bucket: str, status: str) -> None:
        paths = self._bucket(bucket)
        if status not in ("Enabled", "Suspended"):
            raise S3Error(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate "
                "against our published schema",
            )
        if status == "Suspended" and self._config(paths, bucket).object_lock:
            raise S3Error(
                "InvalidBucketState",
                409,
                "An Object Lock configuration is present on this bucket, "
                "so the versioning state cannot be changed.",
            )
        with paths.lock(""):
            self._write_config(paths, {"versioning": status})

    @access_checked
    def put_bucket_replication(self, bucket: str, config: Mapping) -> None:
        paths = self._bucket(bucket)
        if self._config(paths, bucket).versioning != "Enabled":
            raise S3Error(
                "InvalidRequest",
                400,
                "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
            )
        with paths.lock(""):
            self._write_config(paths, {"replication": dict(config)})

    # -- reading ----------------------------------------------------------------------

    @access_checked
    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        files = self._files(bucket)
        target = files.find(key, version_id)
        files.ensure_etag(key, target)
        return record_to_info(bucket, target.record, self._clock())

    @access_checked
    def head_object_and_tags(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> tuple[ObjectInfo, dict[str, str]]:
        """HeadObject and GetObjectTagging from one read of the record (for before-images)."""
        files = self._files(bucket)
        target = files.find(key, version_id)
        files.ensure_etag(key, target)
        info = record_to_info(bucket, target.record, self._clock())
        return info, dict(target.record.get("tags") or {})

    @access_checked
    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectBody:
        files = self._files(bucket)
        for _ in range(3):
            target = files.find(key, version_id)
            info = record_to_info(bucket, target.record, self._clock())
            if info.archived:
                raise S3Error(
                    "InvalidObjectState",
                    403,
                    "The operation is not valid for the object's storage class",
                )
            try:
                fh = open_data(target.data_path, key)
            except FileNotFoundError:
                continue
            if not target.current or fingerprint(os.fstat(fh.fileno())) == target.record["file"]:
                files.ensure_etag(key, target)
                return ObjectBody(record_to_info(bucket, target.record, self._clock()), fh)
            fh.close()  # replaced between reading the record and opening: look again
        raise no_such_key()

    @access_checked
    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectSummary]:
        for key, target in self._files(bucket).walk(prefix):
            info = record_to_info(bucket, target.record, self._clock())
            yield ObjectSummary(key, info.size, info.etag, info.last_modified, info.storage_class)

    # -- writing whole objects ------------------------------------------------------------

    def _prepare(
        self,
        paths: BucketPaths,
        bucket: str,
        *,
        storage_class: str | None,
        checksum_algorithm: str | None,
        metadata: ObjectMetadata | None,
        lock: ObjectLock | None,
    ) -> BucketConfig:
        check_storage_class(storage_class)
        check_checksum_algorithm(checksum_algorithm)
        check_metadata(metadata)
        check_lock(lock)
        config = self._config(paths, bucket)
        if lock is not None and lock.requested:
            if not config.object_lock:
                raise lock_not_enabled()
            if lock.retain_until is not None and lock.retain_until <= self._clock():
                raise _past_retention()
        return config

    def _acl_json(self, acl: Acl | str | None) -> dict[str, Any] | None:
        if acl is None:
            return None
        if isinstance(acl, str):
            acl = Acl(
                LOCAL_OWNER_ID,
                canned_grants(acl, LOCAL_OWNER_ID, LOCAL_OWNER_NAME),
                LOCAL_OWNER_NAME,
            )
        check_acl(acl)
        return acl_to_json(acl)

    @access_checked
    def put_object(
        self,
        bucket: str,
        key: str,
        body: Body,
        *,
        metadata: ObjectMetadata | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        checksum_algorithm: str | None = None,
        sse: Sse | None = None,
        acl: Acl | str | None = None,
        lock: ObjectLock | None = None,
    ) -> WriteResult:
        files = self._files(bucket)
        files.paths.key(key)  # refused before the body is read: a link, a bad key
        self._prepare(
            files.paths,
            bucket,
            storage_class=storage_class,
            checksum_algorithm=checksum_algorithm,
            metadata=metadata,
            lock=lock,
        )
        record = {
            "tags": check_tags(tags or {}),
            "acl": self._acl_json(acl),
            "storage_class": storage_class or "STANDARD",
            "metadata": metadata_to_json(metadata or ObjectMetadata()),
            "sse": _sse_json(sse),
            **_lock_json(lock),
        }
        spooled = files.spool(_chunks(body), [checksum_algorithm] if checksum_algorithm else [])
        return self._install(files, key, spooled, record)

    @access_checked
    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dest_bucket: str,
        dest_key: str,
        *,
        src_version_id: str | None = None,
        metadata_directive: Directive = "COPY",
        metadata: ObjectMetadata | None = None,
        tagging_directive: Directive = "COPY",
        tags: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        acl: Acl | str | None = None,
        sse: Sse | None = None,
        checksum_algorithm: str | None = None,
        lock: ObjectLock | None = None,
    ) -> WriteResult:
        dest = self._files(dest_bucket)
        dest.paths.key(dest_key)  # refused before the copy: a link, a bad key
        source_files = self._files(src_bucket)
        config = self._prepare(
            dest.paths,
            dest_bucket,
            storage_class=storage_class,
            checksum_algorithm=checksum_algorithm,
            metadata=metadata,
            lock=lock,
        )
        source = source_files.find(src_key, src_version_id)
        src = source.record
        if src["size"] > MAX_COPY_SIZE:
            raise S3Error(
                "InvalidRequest",
                400,
                "The specified copy source is larger than the maximum allowable size "
                f"for a copy source: {MAX_COPY_SIZE}",
            )
        if record_to_info(src_bucket, src, self._clock()).archived:
            raise S3Error(
                "InvalidObjectState",
                403,
                "Operation is not valid for the source object's storage class",
            )
        in_place = (src_bucket, src_key) == (dest_bucket, dest_key)
        changes = (
            storage_class,
            sse,
            metadata_directive == "REPLACE",
            src_version_id and config.versioning is not None,
        )
        if in_place and not any(changes):
            raise S3Error(
                "InvalidRequest",
                400,
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes.",
            )
        if metadata_directive == "REPLACE":
            new_metadata = metadata_to_json(metadata or ObjectMetadata())
        else:
            new_metadata = src.get("metadata") or metadata_to_json(ObjectMetadata())
        new_tags = check_tags(tags or {}) if tagging_directive == "REPLACE" else src.get("tags", {})
        record = {
            "tags": dict(new_tags),
            "acl": self._acl_json(acl),
            "storage_class": storage_class or "STANDARD",
            "metadata": new_metadata,
            "sse": _sse_json(sse),
            **_lock_json(lock),
        }
        wanted = [checksum_algorithm] if checksum_algorithm else list(src.get("checksums") or {})
        return self._install(dest, dest_key, dest.copy_from(source, wanted), record)

    def _install(
        self, files: BucketFiles, key: str, spooled: Spooled, record: dict[str, Any]
    ) -> WriteResult:
        now = self._clock()
        version_id = files.install(key, spooled, record, now)
        return WriteResult(spooled.etag, version_id, now, dict(spooled.checksums))

    # -- per-object metadata ------------------------------------------------------------

    def _update(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        change: Callable[[dict[str, Any]], None],
        before: TagsObserver | None = None,
    ) -> None:
        """Read-modify-write one version's record under the object's lock, in the store's
        turn (one thread at a time between waits: see :mod:`s3bo_cli.stores.dirturn`)."""
        with TURN.held():
            files = self._files(bucket)
            key_segments(key)  # a bad key is refused before a lock file is made
            with files.paths.lock(key):
                target = files.find(key, version_id, locked=True)
                if before is not None:
                    files.fill_etag(key, target)  # a hand-dropped file's: saved with the change
                    record = target.record
                    before(record["etag"], record.get("version_id"), dict(record.get("tags") or {}))
                change(target.record)
                files.save(target)

    def _record(self, bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
        return self._files(bucket).find(key, version_id).record

    @access_checked
    def get_object_tagging(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, str]:
        return dict(self._record(bucket, key, version_id).get("tags") or {})

    @access_checked
    def put_object_tagging(
        self,
        bucket: str,
        key: str,
        tags: Mapping[str, str],
        *,
        version_id: str | None = None,
        before: TagsObserver | None = None,
    ) -> None:
        new_tags = check_tags(tags)
        self._update(bucket, key, version_id, lambda record: record.update(tags=new_tags), before)

    @access_checked
    def delete_object_tagging(
        self,
        bucket: str,
        key: str,
        version_id: str | None = None,
        *,
        before: TagsObserver | None = None,
    ) -> None:
        self._update(bucket, key, version_id, lambda record: record.update(tags={}), before)

    @access_checked
    def get_object_acl(self, bucket: str, key: str, version_id: str | None = None) -> Acl:
        data = self._record(bucket, key, version_id).get("acl")
        if data:
            return acl_from_json(data)
        owner = Grant("FULL_CONTROL", "CanonicalUser", LOCAL_OWNER_ID, LOCAL_OWNER_NAME)
        return Acl(LOCAL_OWNER_ID, (owner,), LOCAL_OWNER_NAME)

    @access_checked
    def put_object_acl(
        self, bucket: str, key: str, acl: Acl | str, *, version_id: str | None = None
    ) -> None:
        data = self._acl_json(acl)
        self._update(bucket, key, version_id, lambda record: record.update(acl=data))

    def _require_lock(self, bucket: str) -> None:
        if not self.get_bucket_config(bucket).object_lock:
            raise lock_not_enabled()

    @access_checked
    def get_object_retention(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> Retention | None:
        self._require_lock(bucket)
        return retention_from_json(self._record(bucket, key, version_id).get("retention"))

    @access_checked
    def put_object_retention(
        self,
        bucket: str,
        key: str,
        retention: Retention | None,
        *,
        version_id: str | None = None,
        bypass_governance: bool = False,
    ) -> None:
        self._require_lock(bucket)
        now = self._clock()
        if retention is not None and retention.retain_until <= now:
            raise _past_retention()

        def change(record: dict[str, Any]) -> None:
            old = retention_from_json(record.get("retention"))
            if old is not None and old.retain_until > now:
                weaker = (
                    retention is None
                    or retention.retain_until < old.retain_until
                    or (old.mode == "COMPLIANCE" and retention.mode != "COMPLIANCE")
                )
                if weaker and (old.mode == "COMPLIANCE" or not bypass_governance):
                    raise access_denied()
            record["retention"] = retention_to_json(retention)

        self._update(bucket, key, version_id, change)

    @access_checked
    def get_object_legal_hold(self, bucket: str, key: str, version_id: str | None = None) -> bool:
        self._require_lock(bucket)
        return bool(self._record(bucket, key, version_id).get("legal_hold"))

    @access_checked
    def put_object_legal_hold(
        self, bucket: str, key: str, on: bool, *, version_id: str | None = None
    ) -> None:
        self._require_lock(bucket)
        self._update(bucket, key, version_id, lambda record: record.update(legal_hold=on))

    @access_checked
    def update_object_encryption(
        self, bucket: str, key: str, sse: Sse, *, version_id: str | None = None
    ) -> None:
        """Change one version's encryption in place: same bytes, version, ETag and dates."""
        data = _sse_json(sse)
        self._update(bucket, key, version_id, lambda record: record.update(sse=data))

    @access_checked
    def put_replication_status(
        self, bucket: str, key: str, status: str, *, version_id: str | None = None
    ) -> None:
        """Record a version's replication status (COMPLETED, FAILED, REPLICA, ...)."""
        self._update(
            bucket, key, version_id, lambda record: record.update(replication_status=status)
        )

    @access_checked
    def restore_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        days: int | None = 1,
        tier: str = "Standard",
    ) -> int:
        """Start (202) or extend (200) a restore; it completes after ``restore_delay``."""
        status = 202

        def change(record: dict[str, Any]) -> None:
            nonlocal status
            if record.get("storage_class") not in ARCHIVE_CLASSES:
                raise S3Error(
                    "InvalidObjectState",
                    403,
                    "Restore is not allowed for the object's current storage class",
                )
            if not days or days < 1:
                raise S3Error("InvalidArgument", 400, "Days must be specified and at least 1")
            now = self._clock()
            state = restore_status(record, now)
            if state is not None and state.ongoing:
                raise S3Error(
                    "RestoreAlreadyInProgress", 409, "Object restore is already in progress"
                )
            if state is not None:
                record["restore"]["expiry"] = iso(now + timedelta(days=days))
                status = 200
                return
            ready = now + self._restore_delay
            record["restore"] = {
                "requested": iso(now),
                "ready": iso(ready),
                "expiry": iso(ready + timedelta(days=days)),
                "days": days,
                "tier": tier,
            }

        self._update(bucket, key, version_id, change)
        return status

    # -- deleting -----------------------------------------------------------------------

    @access_checked
    def delete_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        bypass_governance: bool = False,
    ) -> str | None:
        """Delete an object (or one version); returns the version id S3 would report."""
        files = self._files(bucket)
        where = files.paths.key(key)
        versioning = self._config(files.paths, bucket).versioning
        if version_id is not None:
            check_version_id(version_id)
        with files.paths.lock(key):
            current = files.current(key, where, locked=True)
            if version_id is None:
                if versioning is None:
                    if current is not None:
                        files.unlink_current(where)
                    return None
                return files.add_delete_marker(key, current, self._clock())
            is_current = current is not None and (current.get("version_id") or "null") == version_id
            if current is not None and is_current:
                self._check_deletable(current, bypass_governance)
                files.unlink_current(where)
            else:
                record = read_json(os.path.join(files.paths.versions(key), version_id + ".json"))
                if record is None:
                    return version_id
                if not record.get("delete_marker"):
                    self._check_deletable(record, bypass_governance)
                files.drop_noncurrent(key, version_id)
            if current is None or is_current:
                files.promote(key)
        return version_id

    def _check_deletable(self, record: dict[str, Any], bypass_governance: bool) -> None:
        if record.get("legal_hold"):
            raise access_denied()
        retention = retention_from_json(record.get("retention"))
        if retention is None or retention.retain_until <= self._clock():
            return
        if retention.mode == "COMPLIANCE" or not bypass_governance:
            raise access_denied()


# -- helpers ----------------------------------------------------------------------------


def _chunks(body: Body) -> Iterator[bytes]:
    if isinstance(body, (bytes, bytearray, memoryview)):
        yield bytes(body)
        return
    while chunk := body.read(CHUNK):
        yield chunk


def _sse_json(sse: Sse | None) -> dict[str, Any] | None:
    if sse is None:
        return None
    return {
        "algorithm": sse.algorithm,
        "kms_key_id": sse.kms_key_id,
        "bucket_key_enabled": sse.bucket_key_enabled,
    }


def _lock_json(lock: ObjectLock | None) -> dict[str, Any]:
    retention = None
    if lock is not None and lock.mode and lock.retain_until:
        retention = Retention(lock.mode, lock.retain_until)
    return {
        "retention": retention_to_json(retention),
        "legal_hold": bool(lock and lock.legal_hold),
    }


def _past_retention() -> S3Error:
    return S3Error("InvalidArgument", 400, "The retain until date must be in the future!")
