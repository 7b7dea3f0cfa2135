"""The files of one DirStore bucket: versions, records and data kept consistent on disk.

:class:`BucketFiles` knows where each object version lives and how to replace
it atomically; the S3 rules (validation, Object Lock, restores) stay in
:mod:`s3bo_cli.stores.dirstore`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any

from s3bo_cli.errors import S3Error
from s3bo_cli.state.files import replace_into, temp_file
from s3bo_cli.stores import checksums
from s3bo_cli.stores.dirlayout import (
    META_DIR,
    SCHEMA_VERSION,
    BucketPaths,
    KeyPaths,
    bad_key,
    check_version_id,
    data_fd,
    fingerprint,
    iso,
    new_record,
    new_version_id,
    open_data,
    prune_dirs,
    read_json,
    remove,
    write_json,
)
from s3bo_cli.stores.dirturn import TURN
from s3bo_cli.stores.rules import method_not_allowed, no_such_key, no_such_version

CHUNK = 1024 * 1024


@dataclass
class Target:
    """One object version: its record, where the record lives, where its bytes live."""

    record: dict[str, Any]
    record_path: str
    data_path: str
    current: bool


@dataclass
class Spooled:
    """Bytes written to a temp file, ready to become an object version."""

    path: str
    etag: str
    checksums: dict[str, str]
    stat: os.stat_result


class BucketFiles:
    """Current and noncurrent versions of the objects of one bucket folder."""

    def __init__(
        self, paths: BucketPaths, *, versioning: Callable[[], str | None], fsync: bool
    ) -> None:
        self.paths = paths
        self._versioning = versioning
        self._fsync = fsync

    # -- finding ----------------------------------------------------------------------

    def current(self, key: str, where: KeyPaths, *, locked: bool) -> dict[str, Any] | None:
        """The record of the file at ``key``, or None when there is no such file."""
        try:
            st = os.lstat(where.data)
            if where.folder is not None and not stat.S_ISDIR(os.lstat(where.folder).st_mode):
                return None  # a folder marker whose folder was removed by hand
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        record = read_json(where.meta)
        if record is not None and record.get("file") == fingerprint(st):
            return record
        if not locked:
            # A writer may be between renaming the data and writing its record.
            try:
                with self.paths.lock(key):
                    return self.current(key, where, locked=True)
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise
                # A reader without write access to the lock files: the file as it is now.
        record = new_record(key, "null" if self._versioning() else None, st)
        record["file"] = fingerprint(st)
        return record

    def find(self, key: str, version_id: str | None, *, locked: bool = False) -> Target:
        where = self.paths.key(key)
        current = self.current(key, where, locked=locked)
        if version_id is None:
            if current is None:
                raise no_such_key()
            return Target(current, where.meta, where.data, True)
        check_version_id(version_id)
        if current is not None and (current.get("version_id") or "null") == version_id:
            return Target(current, where.meta, where.data, True)
        folder = self.paths.versions(key)
        record = read_json(os.path.join(folder, version_id + ".json"))
        if record is None:
            raise no_such_version()
        if record.get("delete_marker"):
            raise method_not_allowed()
        return Target(
            record,
            os.path.join(folder, version_id + ".json"),
            os.path.join(folder, version_id),
            False,
        )

    def fill_etag(self, key: str, target: Target) -> bool:
        """Compute a missing ETag into ``target``'s record (not saved); whether it was missing."""
        if target.record.get("etag"):
            return False
        digest = hashlib.md5(usedforsecurity=False)
        size = target.record.get("size") or 0
        fd = data_fd(target.data_path, key)
        # A long read gives the store's turn up; plain reads (a file object costs an
        # fstat, an ioctl and an lseek more), the first one past the recorded size,
        # so that a short read of that size is the end of the file.
        try:
            with TURN.waiting() if size >= CHUNK else contextlib.nullcontext():
                want, total = min(size + 1, CHUNK), 0
                while chunk := os.read(fd, want):
                    digest.update(chunk)
                    total += len(chunk)
                    if total == size and len(chunk) < want:
                        break
                    want = CHUNK
        finally:
            os.close(fd)
        target.record["etag"] = digest.hexdigest()
        return True

    def ensure_etag(self, key: str, target: Target) -> None:
        """Compute a missing ETag (a hand-dropped file) and remember it when possible."""
        if not self.fill_etag(key, target):
            return
        with contextlib.suppress(OSError, S3Error), self.paths.lock(key):
            if target.current:
                fresh = self.current(key, self.paths.key(key), locked=True)
                if fresh is None or fresh.get("file") != target.record.get("file"):
                    return
            else:
                fresh = read_json(target.record_path)
            if fresh is not None and not fresh.get("etag"):
                fresh["etag"] = target.record["etag"]
                self.save(replace(target, record=fresh))

    def walk(self, prefix: str) -> Iterator[tuple[str, Target]]:
        """Every current object under ``prefix``, in S3's (UTF-8 byte) key order."""
        start, key_prefix = self.paths.dir, ""
        parts = prefix.split("/")[:-1]
        if parts and all(p not in ("", ".", "..") for p in parts) and parts[0] != META_DIR:
            start, key_prefix = self.paths.data(parts), "/".join(parts) + "/"
            if key_prefix.startswith(prefix):
                return itertools.chain(
                    self._marker(start, key_prefix), self._walk(start, key_prefix, prefix)
                )
        return self._walk(start, key_prefix, prefix)

    def _marker(self, folder: str, key: str) -> Iterator[tuple[str, Target]]:
        """The folder marker ``key`` of ``folder``, if it has one."""
        if self.paths.has_marker(folder):
            yield from self._found(key)

    def _found(self, key: str) -> Iterator[tuple[str, Target]]:
        """``key`` with its record, unless it was deleted since its folder was read."""
        try:
            target = self.find(key, None)
            self.ensure_etag(key, target)
        except (FileNotFoundError, NotADirectoryError):
            return  # deleted meanwhile
        except S3Error as exc:
            if exc.code != "NoSuchKey":
                raise  # a key through a link, swapped in since the folder was read
            return
        yield key, target

    def _walk(self, folder: str, key_prefix: str, prefix: str) -> Iterator[tuple[str, Target]]:
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        items: list[tuple[bytes, str, os.DirEntry[str], bool]] = []
        for entry in entries:
            if not key_prefix and entry.name == META_DIR:
                continue
            key = key_prefix + entry.name
            try:
                encoded = key.encode("utf-8")
            except UnicodeEncodeError:
                continue  # a file name no key can spell
            if entry.is_dir(follow_symlinks=False):
                sub = key + "/"
                if sub.startswith(prefix) or prefix.startswith(sub):
                    items.append((encoded + b"/", sub, entry, True))
            elif key.startswith(prefix) and entry.is_file(follow_symlinks=False):
                items.append((encoded, key, entry, False))
        items.sort(key=lambda item: item[0])
        for _, key, entry, is_dir in items:
            if is_dir:
                if key.startswith(prefix):
                    yield from self._marker(entry.path, key)
                yield from self._walk(entry.path, key, prefix)
            else:
                yield from self._found(key)

    # -- writing ----------------------------------------------------------------------

    def save(self, target: Target) -> None:
        """Atomically rewrite one version's record (and nothing else)."""
        try:
            write_json(self.paths.tmp, target.record_path, target.record, fsync=self._fsync)
        except (NotADirectoryError, IsADirectoryError, FileExistsError):
            self._clear_stale_records(target.record_path)
            write_json(self.paths.tmp, target.record_path, target.record, fsync=self._fsync)

    def _to_temp(self, write: Callable[[IO[bytes]], None]) -> tuple[str, os.stat_result]:
        """A new temp file filled by ``write`` and made durable; removed if anything fails."""
        fd, tmp = temp_file(self.paths.tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
                fh.flush()
                if self._fsync:
                    TURN.fsync(fh.fileno())
                return tmp, os.fstat(fh.fileno())
        except BaseException:
            remove(tmp)
            raise

    def spool(self, chunks: Iterator[bytes], algorithms: list[str]) -> Spooled:
        """Write a stream to a temp file, hashing it on the way."""
        digest = hashlib.md5(usedforsecurity=False)
        hashers = {name: checksums.new_hasher(name) for name in algorithms}

        def write(fh: IO[bytes]) -> None:
            for chunk in chunks:
                fh.write(chunk)
                digest.update(chunk)
                for hasher in hashers.values():
                    hasher.update(chunk)

        tmp, st = self._to_temp(write)
        sums = {name: checksums.b64(h.digest()) for name, h in hashers.items()}
        return Spooled(tmp, digest.hexdigest(), sums, st)

    def copy_from(self, source: Target, wanted: list[str]) -> Spooled:
        """Copy a version's bytes to a temp file, reusing its ETag and checksums if known."""
        known = source.record.get("checksums") or {}
        with open_data(source.data_path, source.record["key"]) as src:
            if source.record.get("etag") and all(name in known for name in wanted):
                tmp, st = self._to_temp(lambda fh: shutil.copyfileobj(src, fh, CHUNK))
                return Spooled(tmp, source.record["etag"], {n: known[n] for n in wanted}, st)
            return self.spool(iter(lambda: src.read(CHUNK), b""), wanted)

    def install(
        self, key: str, spooled: Spooled, record: dict[str, Any], now: datetime
    ) -> str | None:
        """Make spooled bytes the current version of ``key``; returns its version id."""
        where = self.paths.key(key)
        try:
            with self.paths.lock(key):
                if where.folder is None and os.path.isdir(where.data):
                    raise _conflict(key)
                old = self.current(key, where, locked=True)
                version_id = self._next_version_id()
                if old is not None:
                    self._retire(key, old, version_id)
                record.update(
                    schema_version=SCHEMA_VERSION,
                    key=key,
                    version_id=version_id,
                    size=spooled.stat.st_size,
                    etag=spooled.etag,
                    checksums=spooled.checksums,
                    last_modified=iso(now),
                    seq=time.time_ns(),
                    file=fingerprint(spooled.stat),
                )
                try:
                    if where.folder is not None:
                        os.makedirs(where.folder, exist_ok=True)
                    replace_into(spooled.path, where.data)
                except (NotADirectoryError, FileExistsError, IsADirectoryError):
                    raise _conflict(key) from None
                self.save(Target(record, where.meta, where.data, True))
        finally:
            remove(spooled.path)
        return version_id

    def _next_version_id(self) -> str | None:
        versioning = self._versioning()
        if versioning == "Enabled":
            return new_version_id()
        return "null" if versioning == "Suspended" else None

    def _retire(self, key: str, old: dict[str, Any], new_id: str | None) -> None:
        """Before ``old`` is replaced: keep it as noncurrent, unless a null version replaces it."""
        if new_id is None:
            return
        old_id = old.get("version_id") or "null"
        if (old_id, new_id) != ("null", "null"):
            self._keep_noncurrent(key, old)
        if new_id == "null":
            self.drop_noncurrent(key, "null")

    def _keep_noncurrent(self, key: str, record: dict[str, Any]) -> None:
        folder = self.paths.versions(key)
        os.makedirs(folder, exist_ok=True)
        version_id = record.get("version_id") or "null"
        dest = os.path.join(folder, version_id)
        data = self.paths.key(key).data
        remove(dest)
        try:
            os.link(data, dest)
        except OSError:
            shutil.copy2(data, dest)
        kept = {k: v for k, v in record.items() if k != "file"}
        kept["version_id"] = version_id
        write_json(self.paths.tmp, dest + ".json", kept, fsync=self._fsync)

    def drop_noncurrent(self, key: str, version_id: str) -> None:
        folder = self.paths.versions(key)
        remove(os.path.join(folder, version_id))
        remove(os.path.join(folder, version_id + ".json"))
        prune_dirs(os.path.join(folder, "-"), os.path.join(self.paths.meta_root, "versions"))

    def unlink_current(self, where: KeyPaths) -> None:
        """Remove the current version's bytes and record, and the folders left empty
        (except those that are folder markers themselves)."""
        remove(where.data)
        remove(where.meta)
        keep = self.paths.has_marker
        if where.folder is None:
            prune_dirs(where.data, self.paths.dir, keep)
            prune_dirs(where.meta, os.path.join(self.paths.meta_root, "meta"))
        else:
            prune_dirs(os.path.join(where.folder, "-"), self.paths.dir, keep)
            prune_dirs(where.data, os.path.join(self.paths.meta_root, "folders"))

    def add_delete_marker(self, key: str, current: dict[str, Any] | None, now: datetime) -> str:
        """Hide ``key`` behind a new delete marker; returns the marker's version id."""
        marker_id = self._next_version_id() or "null"
        if current is not None:
            self._retire(key, current, marker_id)
            self.unlink_current(self.paths.key(key))
        elif marker_id == "null":
            self.drop_noncurrent(key, "null")
        marker = {
            "schema_version": SCHEMA_VERSION,
            "key": key,
            "version_id": marker_id,
            "delete_marker": True,
            "last_modified": iso(now),
            "seq": time.time_ns(),
        }
        path = os.path.join(self.paths.versions(key), marker_id + ".json")
        write_json(self.paths.tmp, path, marker, fsync=self._fsync)
        return marker_id

    def promote(self, key: str) -> None:
        """Make the newest noncurrent version current again (after deleting the latest)."""
        folder = self.paths.versions(key)
        try:
            names = [n for n in os.listdir(folder) if n.endswith(".json")]
        except FileNotFoundError:
            return
        records = [r for r in (read_json(os.path.join(folder, n)) for n in names) if r]
        if not records:
            return
        newest = max(records, key=lambda r: r.get("seq", 0))
        if newest.get("delete_marker"):
            return
        where = self.paths.key(key)
        version_id = newest["version_id"]
        if where.folder is not None:
            os.makedirs(where.folder, exist_ok=True)
        replace_into(os.path.join(folder, version_id), where.data)
        newest["file"] = fingerprint(os.stat(where.data))
        self.save(Target(newest, where.meta, where.data, True))
        remove(os.path.join(folder, version_id + ".json"))

    def _clear_stale_records(self, record_path: str) -> None:
        """Remove records of hand-deleted files that block a record path."""
        meta_root = os.path.join(self.paths.meta_root, "meta")
        if os.path.isdir(record_path):
            shutil.rmtree(record_path, ignore_errors=True)
        parent = os.path.dirname(record_path)
        while len(parent) > len(meta_root):
            if os.path.isfile(parent):
                remove(parent)
            parent = os.path.dirname(parent)


def _conflict(key: str) -> S3Error:
    return bad_key(f"Object key {key!r} clashes with a file or folder of another key on disk")
