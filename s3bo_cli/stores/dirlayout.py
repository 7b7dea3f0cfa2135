"""On-disk layout of a DirStore bucket: key-to-path mapping, atomic writes, records.

::

    <root>/<bucket>/<key>                      the current version's bytes
    <root>/<bucket>/.s3bo/bucket.json          versioning, object lock, replication
    <root>/<bucket>/.s3bo/meta/<key>           JSON record of the current version
    <root>/<bucket>/.s3bo/versions/<hh>/<h>/   noncurrent versions: <vid> bytes, <vid>.json
    <root>/<bucket>/.s3bo/folders/<hh>/<h>     a folder marker (a key ending in '/'): its
                                               bytes, and <h>.json its record; the folder
                                               <root>/<bucket>/<key> exists beside it
    <root>/<bucket>/.s3bo/tmp/                 temp files, renamed into place
    <root>/<bucket>/.s3bo/locks/               striped per-object lock files
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import inspect
import json
import os
import re
import secrets
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import IO, Any, TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # no fcntl on Windows: filelock instead

from s3bo_cli.errors import S3Error
from s3bo_cli.state.files import write_atomic
from s3bo_cli.stores.dirturn import TURN
from s3bo_cli.stores.rules import access_denied, check_key
from s3bo_cli.stores.types import (
    Acl,
    Grant,
    ObjectInfo,
    ObjectMetadata,
    RestoreStatus,
    Retention,
    Sse,
)

META_DIR = ".s3bo"
SCHEMA_VERSION = 1
LOCK_STRIPES = 256
_NAME_MAX = 255
_VERSION_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_thread_locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
#: Forks so far in this process's line (a child's lock descriptors are its parent's):
#: counted at each fork rather than asking the pid, a system call, for each lock.
_forks = [0]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))
#: The store's own entries in a bucket's ``.s3bo`` folder (none may be a link).
INTERNALS = ("bucket.json", "tmp", "locks", "meta", "versions", "folders")
#: A check of the ``.s3bo`` folder's entries stays good while the folder is unchanged,
#: provided its last change was this long before the check: file times are coarse, so a
#: change in the same tick as an earlier one could leave the folder's times as they were.
SETTLED_NS = 2_000_000_000


def bad_key(message: str) -> S3Error:
    return S3Error("InvalidArgument", 400, message)


def key_segments(key: str) -> list[str]:
    """The path segments of a key, or S3Error when it cannot live inside a bucket folder."""
    check_key(key)
    if "\x00" in key:
        raise bad_key("Object key must not contain a NUL character")
    if key.startswith("/"):
        raise bad_key(f"Object key {key!r} is an absolute path; the directory store cannot hold it")
    # A folder marker (``dir/``) is the folder ``dir`` and a record of its own.
    segments = (key[:-1] if key.endswith("/") else key).split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise bad_key(
                f"Object key {key!r} has an empty, '.' or '..' segment; "
                "the directory store cannot hold it"
            )
        size = len(segment.encode("utf-8", "surrogatepass"))
        if size > _NAME_MAX:
            raise bad_key(
                f"Object key {key[:40]!r}... has a segment of {size:,} bytes between '/'s; "
                f"the directory store keeps each segment as a file or folder name, "
                f"at most {_NAME_MAX} bytes (S3 itself allows keys up to 1,024 bytes)"
            )
    if segments[0] == META_DIR:
        raise bad_key(f"Object keys under {META_DIR}/ are reserved by the directory store")
    return segments


@dataclass(frozen=True)
class KeyPaths:
    """Where one key's current version lives."""

    data: str  # its bytes
    meta: str  # its record
    folder: str | None = None  # a folder marker's folder, which must exist too


def link_refused(relative: str) -> S3Error:
    """AccessDenied for a key whose path leads through a symbolic link."""
    return S3Error(
        "AccessDenied",
        403,
        f"{access_denied().message}: {relative!r} is or passes through a symbolic link, "
        "which the directory store does not follow",
    )


def open_data(path: str, key: str) -> IO[bytes]:
    """Open an object's bytes for reading, never through a link at the last step.

    The path was confined when it was made; ``O_NOFOLLOW`` closes the gap for a
    link swapped in since.
    """
    return os.fdopen(data_fd(path, key), "rb")


def data_fd(path: str, key: str) -> int:
    """:func:`open_data`'s descriptor, for plain reads."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise link_refused(key) from None
        raise


def permission_denied(exc: PermissionError) -> S3Error:
    """AccessDenied for a file of the store this user may not read or write."""
    return S3Error("AccessDenied", 403, f"Access Denied: permission denied: {exc.filename}")


_Method = TypeVar("_Method", bound=Callable[..., Any])


def access_checked(method: _Method) -> _Method:
    """Report a file the user may not read or write as AccessDenied, naming the file.

    Unreadable data is never presented as absent: the error reaches the caller
    (a command exits non-zero, a task fails with AccessDenied).
    """
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(*args, **kwargs)
            except PermissionError as exc:
                raise permission_denied(exc) from None

        return generator  # type: ignore[return-value]

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except PermissionError as exc:
            raise permission_denied(exc) from None

    return call  # type: ignore[return-value]


def check_version_id(version_id: str) -> None:
    if not _VERSION_ID.match(version_id):
        raise S3Error("InvalidArgument", 400, "Invalid version id specified")


def new_version_id() -> str:
    return secrets.token_urlsafe(24)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class BucketPaths:
    """Paths inside one bucket folder."""

    def __init__(self, bucket_dir: str) -> None:
        self.dir = bucket_dir
        self.meta_root = os.path.join(bucket_dir, META_DIR)
        self.config = os.path.join(self.meta_root, "bucket.json")
        self.tmp = os.path.join(self.meta_root, "tmp")
        self._locks = _StripeLocks(os.path.join(self.meta_root, "locks"))
        self._meta_dir = os.path.join(self.meta_root, "meta")
        #: ``.s3bo``'s device, inode and times when its entries were last found links-free.
        self._checked: tuple[int, int, int, int] | None = None

    # Every path handed out below is confined: no symbolic link on the way to it.

    def data(self, segments: list[str]) -> str:
        return self.confine(os.path.join(self.dir, *segments))

    def meta(self, segments: list[str]) -> str:
        path = os.path.join(self._meta_dir, *segments)
        if self._checked is not None:  # .s3bo/meta is known to be no link: look below it
            return self.confine(path, below=self._meta_dir)
        return self.confine(path)

    def key(self, key: str) -> KeyPaths:
        """The paths of ``key``'s current version (validated, confined)."""
        segments = key_segments(key)
        if not key.endswith("/"):
            return KeyPaths(self.data(segments), self.meta(segments))
        base = os.path.join(self.meta_root, "folders", *_digest_path(key))
        return KeyPaths(self.confine(base), self.confine(base + ".json"), self.data(segments))

    def has_marker(self, folder: str) -> bool:
        """Whether the folder at ``folder`` (below the bucket folder) has a marker object."""
        key = os.path.relpath(folder, self.dir).replace(os.sep, "/") + "/"
        base = os.path.join(self.meta_root, "folders", *_digest_path(key))
        return os.path.isfile(base)

    def versions(self, key: str) -> str:
        return self.confine(os.path.join(self.meta_root, "versions", *_digest_path(key)))

    def confine(self, path: str, *, below: str | None = None) -> str:
        """Refuse a path below the bucket folder that is, or passes through, a symbolic link.

        The bucket folder is the boundary: nothing the store reads, writes or deletes
        may lie outside it, so no link below it is followed, wherever it points.
        ``below``: a folder on the way already known to be no link (nor pass through one).
        """
        relative = path[len(self.dir) + 1 :]
        current = below or self.dir
        for part in path[len(current) + 1 :].split(os.sep):
            current = current + os.sep + part
            try:
                mode = os.lstat(current).st_mode
            except (FileNotFoundError, NotADirectoryError):
                break  # nothing deeper exists, so nothing deeper can be a link
            if stat.S_ISLNK(mode):
                raise link_refused(relative)
        return path

    def confine_internals(self) -> bool:
        """Refuse a bucket whose own ``.s3bo`` folders have been replaced by links; whether
        the bucket has a ``.s3bo`` folder.

        One ``lstat`` while ``.s3bo`` is unchanged since its entries were last checked:
        replacing an entry by a link changes the folder's times.
        """
        try:
            st = os.lstat(self.meta_root)
        except (FileNotFoundError, NotADirectoryError):
            self._checked = None
            return False
        if stat.S_ISLNK(st.st_mode):
            self._checked = None
            raise link_refused(META_DIR)
        seen = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        if seen == self._checked:
            return True
        self._checked = None
        for name in INTERNALS:
            self.confine(os.path.join(self.meta_root, name), below=self.meta_root)
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLED_NS:
            self._checked = seen
        return True

    def lock(self, key: str) -> contextlib.AbstractContextManager[None]:
        """Hold the lock for one key (striped: a few keys share each lock file)."""
        stripe = zlib.crc32(key.encode("utf-8", "surrogatepass")) % LOCK_STRIPES
        return self._locks.hold(stripe)


class _StripeLocks:
    """Inter-process locks on a bucket's lock files, threads queued in front of them.

    Where ``fcntl`` exists the lock files stay open and are flock()ed, which costs
    far less than opening one per operation; elsewhere :mod:`filelock` is used.
    """

    def __init__(self, lock_dir: str) -> None:
        self.dir = lock_dir
        self._fds: dict[int, int] = {}
        self._forks = _forks[0]  # the process that opened these descriptors

    def _path(self, stripe: int) -> str:
        return os.path.join(self.dir, f"{stripe:03d}.lock")

    def _fd(self, stripe: int) -> int:
        if self._forks != _forks[0]:  # a forked child must not share the parent's locks
            self._fds, self._forks = {}, _forks[0]
        fd = self._fds.get(stripe)
        if fd is None:
            flags = (
                os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
            )
            try:
                fd = os.open(self._path(stripe), flags, 0o644)
            except FileNotFoundError:
                os.makedirs(self.dir, exist_ok=True)
                fd = os.open(self._path(stripe), flags, 0o644)
            self._fds[stripe] = fd
        return fd

    @contextlib.contextmanager
    def hold(self, stripe: int) -> Iterator[None]:
        """Hold one stripe; the DirStore's turn is given up while another holder is
        waited for (see :mod:`s3bo_cli.stores.dirturn`)."""
        thread_lock = _thread_locks[stripe]
        if not thread_lock.acquire(blocking=False):
            with TURN.waiting():
                thread_lock.acquire()
        try:
            if fcntl is None:  # pragma: no cover - Windows
                os.makedirs(self.dir, exist_ok=True)
                with TURN.waiting():
                    from filelock import FileLock  # only here: 14 ms to import

                    lock = FileLock(self._path(stripe))
                    lock.acquire()
                try:
                    yield
                finally:
                    lock.release()
                return
            fd = self._fd(stripe)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another process holds it
                with TURN.waiting():
                    fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            thread_lock.release()

    def __del__(self) -> None:
        if self._forks == _forks[0]:
            for fd in self._fds.values():
                with contextlib.suppress(OSError):
                    os.close(fd)


# -- atomic file writes: s3bo's one writer, with the bucket's own temp area --------------


#: One encoder for every record (``json.dumps`` with options builds one per call).
_RECORD_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def write_json(
    tmp_dir: str, dest: str, data: dict[str, Any], *, fsync: bool = True, indent: int | None = None
) -> None:
    """Atomically replace ``dest`` with ``data`` (records stay on one line: faster to encode)."""
    if indent is None:
        text = _RECORD_ENCODER.encode(data) + "\n"
    else:
        text = json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(dest, text.encode(), tmp_dir=tmp_dir, fsync=fsync, sync=TURN.fsync)


def read_json(path: str) -> dict[str, Any] | None:
    """A record, or None when there is none; an unreadable one is an error, never absent."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:  # plain reads: a file object would cost an fstat, an ioctl and an lseek more
        chunks = [os.read(fd, 65536)]
        while chunks[-1]:
            chunks.append(os.read(fd, 65536))
    except IsADirectoryError:
        return None
    finally:
        os.close(fd)
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None  # corrupt (torn by hand): treated like a file without metadata


def remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(path)


def _digest_path(key: str) -> tuple[str, str]:
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:2], digest


def prune_dirs(path: str, stop: str, keep: Callable[[str], bool] = lambda _: False) -> None:
    """Remove now-empty folders from ``path`` up to (not including) ``stop`` or a ``keep``."""
    path = os.path.dirname(path)
    while len(path) > len(stop) and path.startswith(stop) and not keep(path):
        try:
            os.rmdir(path)
        except OSError:
            return
        path = os.path.dirname(path)


def fingerprint(st: os.stat_result) -> list[int]:
    """What ties a record to the file it describes; a hand-edited file no longer matches."""
    return [st.st_size, st.st_mtime_ns, st.st_ino]


# -- records: the JSON kept for each object version -------------------------------------


_DEFAULT_METADATA = {"content_type": ObjectMetadata().content_type, "user": {}}


def new_record(key: str, version_id: str | None, st: os.stat_result) -> dict[str, Any]:
    """The record of a file that has none (dropped into the bucket by hand)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "key": key,
        "version_id": version_id,
        "size": st.st_size,
        "etag": None,
        "last_modified": iso(datetime.fromtimestamp(st.st_mtime_ns / 1e9, timezone.utc)),
        "seq": st.st_mtime_ns,
        "storage_class": "STANDARD",
        "metadata": {**_DEFAULT_METADATA, "user": {}},
        "tags": {},
        "acl": None,
        "checksums": {},
        "sse": None,
        "restore": None,
        "retention": None,
        "legal_hold": False,
    }


def metadata_to_json(metadata: ObjectMetadata) -> dict[str, Any]:
    data = asdict(metadata)
    data["expires"] = iso(metadata.expires)
    return {k: v for k, v in data.items() if v is not None}


def metadata_from_json(data: dict[str, Any]) -> ObjectMetadata:
    values = dict(data)
    values["expires"] = parse_iso(values.get("expires"))
    return ObjectMetadata(**values)


def acl_to_json(acl: Acl) -> dict[str, Any]:
    return {
        "owner_id": acl.owner_id,
        "owner_name": acl.owner_name,
        "grants": [asdict(grant) for grant in acl.grants],
    }


def acl_from_json(data: dict[str, Any]) -> Acl:
    grants = tuple(Grant(**grant) for grant in data["grants"])
    return Acl(owner_id=data["owner_id"], owner_name=data.get("owner_name"), grants=grants)


def retention_to_json(retention: Retention | None) -> dict[str, Any] | None:
    if retention is None:
        return None
    return {"mode": retention.mode, "retain_until": iso(retention.retain_until)}


def retention_from_json(data: dict[str, Any] | None) -> Retention | None:
    if not data:
        return None
    until = parse_iso(data["retain_until"])
    assert until is not None
    return Retention(mode=data["mode"], retain_until=until)


def restore_status(record: dict[str, Any], now: datetime) -> RestoreStatus | None:
    """The restore state at ``now``: ongoing until ready, then restored until expiry."""
    restore = record.get("restore")
    if not restore:
        return None
    ready, expiry = parse_iso(restore["ready"]), parse_iso(restore["expiry"])
    assert ready is not None and expiry is not None
    if now < ready:
        return RestoreStatus(ongoing=True)
    if now < expiry:
        return RestoreStatus(ongoing=False, expiry=expiry)
    return None


def record_to_info(bucket: str, record: dict[str, Any], now: datetime) -> ObjectInfo:
    last_modified = parse_iso(record["last_modified"])
    assert last_modified is not None
    sse = record.get("sse")
    return ObjectInfo(
        bucket=bucket,
        key=record["key"],
        version_id=record.get("version_id"),
        size=record["size"],
        etag=record["etag"] or "",
        last_modified=last_modified,
        storage_class=record.get("storage_class", "STANDARD"),
        metadata=metadata_from_json(record.get("metadata") or {}),
        checksums=dict(record.get("checksums") or {}),
        sse=Sse(**sse) if sse else Sse(),
        restore=restore_status(record, now),
        retention=retention_from_json(record.get("retention")),
        legal_hold=bool(record.get("legal_hold")),
        replication_status=record.get("replication_status"),
    )
