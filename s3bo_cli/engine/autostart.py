"""Start a background worker when jobs need one and none is running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from filelock import FileLock

#: Set to 1 to never start a worker implicitly (tests, or a supervised worker).
NO_AUTOSTART_ENV = "S3BO_NO_AUTOSTART"
#: Seconds an implicitly started worker waits for more work before it exits.
IDLE_TIMEOUT_ENV = "S3BO_WORKER_IDLE_TIMEOUT"
IDLE_TIMEOUT = 10.0


def worker_dir(state_dir: Path) -> Path:
    return state_dir / "worker"


def worker_lock(state_dir: Path) -> FileLock:
    from filelock import FileLock

    path = worker_dir(state_dir) / "worker.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path))


def worker_running(state_dir: Path) -> bool:
    """True while some process holds the state directory's worker lock."""
    from filelock import Timeout

    lock = worker_lock(state_dir)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


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
        return {}  # it has only just started
    return found if isinstance(found, dict) else {}


def ensure_worker(state_dir: Path) -> bool:
    """Start a detached worker unless one runs or autostart is off; True if started."""
    if os.environ.get(NO_AUTOSTART_ENV, "") not in ("", "0") or worker_running(state_dir):
        return False
    log_path = worker_dir(state_dir) / "worker.log"
    with log_path.open("ab") as log:
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
