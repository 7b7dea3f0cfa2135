"""Request validation driven by botocore's s3control model.

Two passes share one walker over the model:

* ``check_client_side`` finds what botocore checks before a request is sent
  (required members, types, minimum lengths and values, unknown members,
  union exclusivity) and raises :class:`ParamValidationError`, worded like
  botocore's messages.
* ``check_service_side`` finds everything, including what only the service
  enforces (enums, maximum lengths and values, patterns), and raises the
  operation's validation exception, worded like AWS validation errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from s3bo_cli import apimodel
from s3bo_cli.errors import (
    BadRequestException,
    InvalidRequestException,
    ParamValidationError,
    ServiceError,
)

_PY_TYPES = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "structure": (dict,),
    "map": (dict,),
    "list": (list, tuple),
    "timestamp": (str, datetime),
}
#: Java/Smithy classes Python's re lacks, mapped to close equivalents.
_PATTERN_FIXES = (("\\p{L}", "\\w"), ("\\p{N}", "\\d"), ("\\p{Z}", " \\u00a0\\u2000-\\u200a"))


@dataclass(frozen=True)
class Problem:
    """One validation failure: ``client`` problems are also caught by botocore."""

    path: str
    client: bool
    client_text: str
    service_text: str


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    for java, python in _PATTERN_FIXES:
        pattern = pattern.replace(java, python)
    try:
        return re.compile(pattern)
    except re.error:  # pragma: no cover - every pattern in the model compiles today
        return None


def _is_iso_timestamp(value: str) -> bool:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _service(path: str, value: Any, constraint: str) -> Problem:
    text = f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"
    return Problem(path, False, "", text)


def _as_any(value: Any) -> Any:
    return value


def _client(path: str, text: str) -> Problem:
    return Problem(path, True, text, text)


def _walk(shape_name: str, value: Any, path: str) -> Iterator[Problem]:
    shape = apimodel.shape(shape_name)
    kind = shape["type"]
    label = path or "input"
    allowed: tuple[type, ...] = _PY_TYPES.get(kind, (object,))
    if isinstance(value, bool) and kind in ("integer", "long"):
        allowed = ()
    if not isinstance(value, allowed):
        names = ", ".join(f"<class '{t.__name__}'>" for t in _PY_TYPES.get(kind, ()))
        yield _client(
            label,
            f"Invalid type for parameter {label}, value: {value}, "
            f"type: <class '{type(value).__name__}'>, valid types: {names}",
        )
        return
    value = _as_any(value)  # checked against the shape's type just above
    if kind == "structure":
        yield from _walk_structure(shape, value, path)
    elif kind == "list":
        yield from _check_size(shape, len(value), label, "length")
        for index, item in enumerate(value):
            yield from _walk(shape["member"]["shape"], item, f"{label}[{index}]")
    elif kind == "map":
        yield from _check_size(shape, len(value), label, "length")
        for key, item in value.items():
            yield from _walk(shape["key"]["shape"], key, f"{label}.key")
            yield from _walk(shape["value"]["shape"], item, f"{label}.{key}")
    elif kind == "string":
        yield from _check_size(shape, len(value), label, "length")
        if "enum" in shape and value not in shape["enum"]:
            choices = ", ".join(shape["enum"])
            yield _service(label, value, f"Member must satisfy enum value set: [{choices}]")
        pattern = shape.get("pattern")
        regex = _compiled(pattern) if pattern else None
        if regex is not None and not regex.fullmatch(value):
            yield _service(
                label, value, f"Member must satisfy regular expression pattern: {pattern}"
            )
    elif kind in ("integer", "long"):
        yield from _check_size(shape, value, label, "value")
    elif kind == "timestamp" and isinstance(value, str) and not _is_iso_timestamp(value):
        yield _client(label, f"Invalid timestamp for parameter {label}, value: {value}")


def _walk_structure(shape: dict[str, Any], value: dict[str, Any], path: str) -> Iterator[Problem]:
    members = shape.get("members", {})
    where = path or "input"
    for name in shape.get("required", []):
        if name not in value:
            yield _client(
                f"{path}.{name}" if path else name,
                f'Missing required parameter in {where}: "{name}"',
            )
    for name in value:
        if name not in members:
            yield _client(
                f"{path}.{name}" if path else name,
                f'Unknown parameter in {where}: "{name}", must be one of: {", ".join(members)}',
            )
    if shape.get("union") and len(value) != 1:
        yield _client(
            where,
            f"Invalid number of parameters set for tagged union structure {where}. "
            f"Can only set one of the following keys: {', '.join(members)}.",
        )
    for name, item in value.items():
        if name in members:
            yield from _walk(members[name]["shape"], item, f"{path}.{name}" if path else name)


def _check_size(shape: dict[str, Any], size: int, label: str, what: str) -> Iterator[Problem]:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and size < low:
        yield _client(
            label,
            f"Invalid {what} for parameter {label}, value: {size}, valid min {what}: {low}",
        )
    if high is not None and size > high:
        constraint = (
            f"Member must have length less than or equal to {high}"
            if what == "length"
            else f"Member must have value less than or equal to {high}"
        )
        yield _service(label, size, constraint)


def problems(operation: str, params: dict[str, Any]) -> list[Problem]:
    """Every problem with ``params`` as the input of ``operation``."""
    return list(_walk(apimodel.input_shape_name(operation), params, ""))


def with_idempotency_tokens(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with a new UUID in each idempotency token left out, as botocore fills them."""
    members = apimodel.shape(apimodel.input_shape_name(operation)).get("members", {})
    missing = [n for n, m in members.items() if m.get("idempotencyToken") and n not in params]
    if not missing:
        return params
    import uuid

    return {**params, **{name: str(uuid.uuid4()) for name in missing}}


def check_client_side(operation: str, params: dict[str, Any]) -> None:
    """Raise what botocore would raise before sending the request."""
    found = [p.client_text for p in problems(operation, params) if p.client]
    if found:
        raise ParamValidationError(found)


def validation_error(operation: str | None, message: str, **kwargs: Any) -> ServiceError:
    """The operation's own validation error: InvalidRequestException where it declares only
    that one (ListJobs), else BadRequestException (also for a request not yet routed)."""
    declared = (
        {e["shape"] for e in apimodel.operation(operation).get("errors", [])}
        if operation
        else set()
    )
    cls = (
        InvalidRequestException
        if "InvalidRequestException" in declared and "BadRequestException" not in declared
        else BadRequestException
    )
    return cls(message, operation=operation, **kwargs)


def check_service_side(operation: str, params: dict[str, Any]) -> None:
    """Raise the error the service returns for an invalid request."""
    found = problems(operation, params)
    if found:
        count = len(found)
        noun = "error" if count == 1 else "errors"
        detail = "; ".join(p.service_text for p in found[:5])
        raise validation_error(operation, f"{count} validation {noun} detected: {detail}")


def shape_problems(shape_name: str, value: Any) -> list[str]:
    """Problems of ``value`` against any model shape (used to check outputs)."""
    return [p.service_text for p in _walk(shape_name, value, "")]
