"""Start a background worker when jobs need one and none is running.

The worker lock is an flock on the state directory itself (a
:class:`~s3bo_cli.state.locks.DirLock`): deleting, replacing or truncating
``worker/worker.lock`` or ``worker/worker.pid`` cannot let a second worker in,
and asking whether a worker runs needs no write access.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from s3bo_cli import logs
from s3bo_cli.state.locks import DirLock, dir_locked, holder_pids

#: Set to 1 to never start a worker implicitly (tests, or a supervised worker).
NO_AUTOSTART_ENV = "S3BO_NO_AUTOSTART"
#: Seconds an implicitly started worker waits for more work before it exits.
IDLE_TIMEOUT_ENV = "S3BO_WORKER_IDLE_TIMEOUT"
IDLE_TIMEOUT = 10.0


def worker_dir(state_dir: Path) -> Path:
    return state_dir / "worker"


def worker_lock(state_dir: Path) -> DirLock:
    """The lock only the state directory's one worker holds."""
    state_dir.mkdir(parents=True, exist_ok=True)
    return DirLock(state_dir)


def worker_running(state_dir: Path) -> bool:
    """True while some process holds the state directory's worker lock (read-only is fine)."""
    return dir_locked(state_dir)


def worker_pids(state_dir: Path) -> list[int]:
    """The pid of the running worker, from the kernel's lock table (empty if unknown)."""
    return holder_pids(state_dir) if worker_running(state_dir) else []


def settings_path(state_dir: Path) -> Path:
    """Where a running worker says what it runs with (its pid and settings)."""
    return worker_dir(state_dir) / "worker.json"


def running_settings(state_dir: Path) -> dict[str, Any] | None:
    """The running worker's pid and settings; None when no worker runs."""
    if not worker_running(state_dir):
        return None
    try:
        found = json.loads(settings_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = {}  # it has only just started, or the file was removed
    if not isinstance(found, dict):
        found = {}
    pids = holder_pids(state_dir)  # the kernel's word beats a file anyone can edit
    if pids:
        found["pid"] = ", ".join(map(str, pids))
    return found


def ensure_worker(state_dir: Path) -> bool:
    """Start a detached worker unless one runs or autostart is off; True if started."""
    if os.environ.get(NO_AUTOSTART_ENV, "") not in ("", "0") or worker_running(state_dir):
        return False
    log_path = worker_dir(state_dir) / "worker.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
    except OSError as exc:  # a read-only state directory: reads work, nothing runs
        logs.get().debug("no worker started: %s", exc)
        return False
    with log:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "s3bo_cli",
                "--state-dir",
                str(state_dir),
                "worker",
                "--idle-timeout",
                os.environ.get(IDLE_TIMEOUT_ENV) or str(IDLE_TIMEOUT),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # survives the shell that started it
            close_fds=True,
        )
    return True
