"""Atomic, versioned JSON files: the only way s3bo writes state."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from s3bo_cli.errors import StateError, StatePermissionError

SCHEMA_VERSION = 1


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` so that readers see the old file or the new one, never a mix."""
    write_json_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_json_text(path: Path, payload: str) -> None:
    """Atomically replace ``path`` with ``payload`` (temp file, fsync, rename)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, *, kind: str) -> dict[str, Any]:
    """Read a state file written by :func:`write_json`; anything else is a StateError."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except PermissionError:
        raise StatePermissionError(f"permission denied: cannot read state file {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"state file {path} is corrupt: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise StateError(f"state file {path} is not an s3bo {kind} file")
    version = data.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise StateError(
            f"state file {path} has schema version {version!r}; "
            f"this s3bo reads up to {SCHEMA_VERSION}: upgrade s3bo"
        )
    return data
