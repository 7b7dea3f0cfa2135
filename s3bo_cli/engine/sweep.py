"""Remove the temp files a killed process left in the state directory.

Every s3bo temp file lives inside the state directory (job records'
``.job.json.*.tmp``, ``tasks.tmp``, a completion report's ``.report-*`` folder,
the DirStore's ``buckets/*/.s3bo/tmp/*``), so one sweep at worker start finds
them all. Older versions of s3bo built completion reports in the system temp
directory (``s3bo-report-*`` folders), which a killed worker left there: the
sweep removes those too, but only folders that are certainly such reports
(this user's, holding nothing but the report's CSV files). Only stale ones go:
older than :data:`STALE_SECONDS` and open in no process (from ``/proc``;
without it, only those older than a day), so a command writing one right now
is never disturbed.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from s3bo_cli import logs
from s3bo_cli.state.layout import namespaces

STALE_SECONDS = 60.0
NO_PROC_STALE_SECONDS = 86_400.0
#: Temp names in a job folder or the tokens folder.
_JOB_TEMP = re.compile(r"^(\..+\.tmp|tasks\.tmp|\.report-.+)$")
#: A report folder of an older s3bo in the system temp directory (tempfile's random names).
_LEGACY_REPORT = re.compile(r"^s3bo-report-[a-z0-9_]{8}$")
_REPORT_FILES = frozenset({"succeeded.csv", "failed.csv"})


def _open_files() -> set[str] | None:
    """Every path some process has open (Linux); None when that cannot be known."""
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    found: set[str] = set()
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        fd_dir = f"/proc/{pid}/fd"
        try:
            names = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours to look at
        for fd in names:
            try:
                found.add(os.readlink(f"{fd_dir}/{fd}"))
            except OSError:
                continue
    return found


def _candidates(state_dir: Path) -> Iterator[Path]:
    for ns in namespaces(state_dir):
        for folder in (ns.root / "tokens", ns.root):
            yield from _matching(folder)
        try:
            jobs = list(os.scandir(ns.jobs_dir))
        except OSError:
            continue
        for job in jobs:
            if job.is_dir(follow_symlinks=False):
                yield from _matching(Path(job.path))
    buckets = state_dir / "buckets"
    try:
        bucket_dirs = list(os.scandir(buckets))
    except OSError:
        return
    for bucket in bucket_dirs:
        tmp = Path(bucket.path, ".s3bo", "tmp")
        try:
            yield from (Path(entry.path) for entry in os.scandir(tmp))
        except OSError:
            continue


def _legacy_reports(temp_dir: Path) -> Iterator[Path]:
    """Report folders an older s3bo left in the system temp directory: ours, nothing else."""
    try:
        entries = list(os.scandir(temp_dir))
    except OSError:
        return
    for entry in entries:
        if not _LEGACY_REPORT.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            inside = list(os.scandir(entry.path))
        except OSError:
            continue
        if all(f.name in _REPORT_FILES and f.is_file(follow_symlinks=False) for f in inside):
            yield Path(entry.path)


def _matching(folder: Path) -> Iterator[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if _JOB_TEMP.match(entry.name):
            yield Path(entry.path)


def _in_use(path: Path, open_files: set[str]) -> bool:
    if str(path) in open_files:
        return True
    prefix = str(path) + os.sep  # a report folder: any file open inside it
    return any(name.startswith(prefix) for name in open_files)


def sweep(state_dir: Path, *, now: float | None = None, temp_dir: Path | None = None) -> int:
    """Remove stale temp files and folders under ``state_dir``, and old reports in
    ``temp_dir`` (default: the system temp directory); returns how many."""
    temp_dir = Path(tempfile.gettempdir()) if temp_dir is None else temp_dir
    found = [*_candidates(state_dir), *_legacy_reports(temp_dir)]
    if not found:
        return 0
    open_files = _open_files()
    stale_after = STALE_SECONDS if open_files is not None else NO_PROC_STALE_SECONDS
    now = time.time() if now is None else now
    removed = 0
    for path in found:
        try:
            info = path.lstat()
        except OSError:
            continue
        if now - info.st_mtime < stale_after:
            continue
        if open_files is not None and _in_use(path, open_files):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError as exc:
            logs.get().debug("temp file %s not removed: %s", path, exc)
            continue
        removed += 1
    if removed:
        logs.get().info("removed %d stale temp files", removed)
    return removed
