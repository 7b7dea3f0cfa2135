"""``--output json``: the aws CLI's JSON (4-space indent, response key order)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, TextIO


def _default(obj: Any) -> str:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, bytes):
        return base64.b64encode(obj).decode("utf-8")
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """The JSON text the aws CLI prints for ``value``, with its trailing newline."""
    return json.dumps(value, indent=4, ensure_ascii=False, default=_default) + "\n"


def dumps_line(value: Any) -> str:
    """``value`` as one line of JSON (for JSON lines), with its newline."""
    return json.dumps(value, ensure_ascii=False, default=_default) + "\n"


def format_json(value: Any, stream: TextIO) -> None:
    """Write ``value``; an empty dict prints nothing, as for bodiless responses."""
    if value == {}:
        return
    stream.write(dumps(value))
