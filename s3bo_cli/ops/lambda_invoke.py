"""LambdaInvoke: call the job's function once per object, with the service's payloads.

The function is a local handler (see :mod:`s3bo_cli.ops.lambda_handlers` for how
a FunctionArn maps to one). Each task sends an invocation schema 1.0 or 2.0
event with one task, and reads the response's result for that task:

* ``Succeeded``: the task succeeds; ResultMessage is the ``resultString``.
* ``TemporaryFailure``: invoked again (``MAX_ATTEMPTS`` in all, short back-off);
  still failing, the task fails with code ``TemporaryFailure``.
* ``PermanentFailure``: the task fails with code ``PermanentFailure``.

A task missing from ``results`` gets the response's ``treatMissingKeysAs``
(``PermanentFailure`` when absent, s3bo's choice). A function error or timeout
fails the task with ``Lambda returned function error: {...}``, an unusable
response with ``Invalid JSON returned in Lambda payload``; both carry code
``PermanentFailure`` and HTTP status 200, as the function did run. An unmapped
function fails with Lambda's ``ResourceNotFoundException`` (404).
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext
from s3bo_cli.ops.lambda_handlers import FunctionError, call, resolve

MAX_ATTEMPTS = 3
#: Seconds to wait before the second and the third attempt.
RETRY_DELAYS = (0.1, 0.4)
RESULT_CODES = ("Succeeded", "TemporaryFailure", "PermanentFailure")
DEFAULT_MISSING = "PermanentFailure"
INVALID_PAYLOAD = "Invalid JSON returned in Lambda payload"


def _opaque_id(size: int) -> str:
    """An id in the style of the service's invocationId and taskId."""
    return base64.b64encode(os.urandom(size)).decode().rstrip("=")


def build_event(
    ctx: TaskContext, entry: ManifestEntry, invocation_id: str, task_id: str
) -> dict[str, Any]:
    """The event Batch Operations sends for one task (§9.1, §9.2 of the spec)."""
    body = ctx.body
    schema = body.get("InvocationSchemaVersion") or "1.0"
    job: dict[str, Any] = {"id": ctx.job_id}
    task: dict[str, Any] = {
        "taskId": task_id,
        "s3Key": entry.key,  # URL-encoded, as in the manifest
        "s3VersionId": entry.version_id or None,
    }
    if schema == "2.0":
        if body.get("UserArguments"):
            job["userArguments"] = dict(body["UserArguments"])
        task["s3Bucket"] = entry.bucket
    else:
        task["s3BucketArn"] = f"arn:aws:s3:::{entry.bucket}"
    return {
        "invocationSchemaVersion": schema,
        "invocationId": invocation_id,
        "job": job,
        "tasks": [task],
    }


def _invalid(reason: str = "") -> S3Error:
    return S3Error("PermanentFailure", 200, INVALID_PAYLOAD + (f": {reason}" if reason else ""))


def parse_result(payload: bytes, task_id: str) -> tuple[str, str]:
    """(resultCode, resultString) of one task in a function's response."""
    try:
        response = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise _invalid() from None
    if not isinstance(response, dict) or not isinstance(response.get("results", []), list):
        raise _invalid("expected an object with a results list")
    for item in response.get("results") or []:
        if isinstance(item, dict) and item.get("taskId") == task_id:
            code, text = item.get("resultCode"), item.get("resultString")
            break
    else:
        code, text = response.get("treatMissingKeysAs") or DEFAULT_MISSING, ""
    if code not in RESULT_CODES:
        raise _invalid(f"unknown resultCode {code!r}")
    if text is None:
        text = ""
    return code, text if isinstance(text, str) else json.dumps(text)


def invoke(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Run the function for one object, retrying temporary failures."""
    handler = resolve(
        ctx.body["FunctionArn"],
        region=ctx.region,
        account_id=ctx.account_id,
        settings=ctx.settings,
    )
    task_id = _opaque_id(12)
    message = ""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])
        event = build_event(ctx, entry, _opaque_id(36), task_id)
        try:
            payload = call(handler, event)
        except FunctionError as exc:
            detail = json.dumps(exc.payload, separators=(",", ":"))
            raise S3Error(
                "PermanentFailure", 200, f"Lambda returned function error: {detail}"
            ) from None
        code, message = parse_result(payload, task_id)
        if code == "Succeeded":
            return Outcome(200, message)
        if code == "PermanentFailure":
            raise S3Error("PermanentFailure", 200, message)
    raise S3Error("TemporaryFailure", 200, message)
