"""Lambda handlers the LambdaInvoke tests map functions to."""

from __future__ import annotations

import json
import threading
from typing import Any

_lock = threading.Lock()
_calls: dict[str, int] = {}
#: Set when a test ends, so that a hanging handler's thread finishes.
release = threading.Event()


def _response(event: dict[str, Any], code: str, text: str) -> dict[str, Any]:
    task = event["tasks"][0]
    return {
        "invocationSchemaVersion": event["invocationSchemaVersion"],
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": event["invocationId"],
        "results": [{"taskId": task["taskId"], "resultCode": code, "resultString": text}],
    }


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Succeed, reporting what the event and context carried."""
    seen = {
        "event": event,
        "function": context.function_name,
        "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis() > 0,
    }
    return _response(event, "Succeeded", json.dumps(seen))


def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """TemporaryFailure twice per task, then success."""
    task_id = event["tasks"][0]["taskId"]
    with _lock:
        _calls[task_id] = count = _calls.get(task_id, 0) + 1
    if count < 3:
        return _response(event, "TemporaryFailure", f"try {count}")
    return _response(event, "Succeeded", f"done after {count}")


#: Task ids ``busy`` was invoked for, one entry per call.
busy_calls: list[str] = []


def busy(event: dict[str, Any], context: Any) -> dict[str, Any]:
    busy_calls.append(event["tasks"][0]["taskId"])
    return _response(event, "TemporaryFailure", "still busy")


def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _response(event, "PermanentFailure", "cannot process " + event["tasks"][0]["s3Key"])


def forget(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Leave the task out of results; treatMissingKeysAs decides."""
    return {"invocationId": event["invocationId"], "treatMissingKeysAs": "Succeeded", "results": []}


def text(event: dict[str, Any], context: Any) -> str:
    return "all good"


def boom(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise ValueError("boom")


def hang(event: dict[str, Any], context: Any) -> dict[str, Any]:
    release.wait(60)
    return _response(event, "Succeeded", "too late")
