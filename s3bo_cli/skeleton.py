"""`--generate-cli-skeleton`: a request (or response) template from the model, as the
aws CLI prints it (enums show their first value, so the output is stable)."""

from __future__ import annotations

from typing import Any

from s3bo_cli import apimodel


def _sample(shape_name: str, *, output: bool, name: str, depth: int = 0) -> Any:
    shape = apimodel.shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        if depth > 8:  # the job shapes are not recursive; a guard all the same
            return {}
        return {
            member: _sample(ref["shape"], output=output, name=member, depth=depth + 1)
            for member, ref in shape.get("members", {}).items()
        }
    if kind == "list":
        return [_sample(shape["member"]["shape"], output=output, name=name, depth=depth + 1)]
    if kind == "map":
        return {"KeyName": _sample(shape["value"]["shape"], output=output, name=name)}
    if kind in ("integer", "long"):
        return 0
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return "1970-01-01T00:00:00"
    if "enum" in shape:
        return shape["enum"][0]
    return name if output else ""


def input_skeleton(operation: str) -> dict[str, Any]:
    """Every member of the operation's request, with a placeholder value."""
    return _sample(apimodel.input_shape_name(operation), output=False, name="")


def output_skeleton(operation: str) -> dict[str, Any]:
    """The operation's response, strings showing their member names."""
    shape = apimodel.output_shape_name(operation)
    return _sample(shape, output=True, name="") if shape else {}
