"""Values for every member of a model shape, to exercise the codec over whole shapes."""

from __future__ import annotations

from typing import Any

from s3bo_cli import apimodel

#: Request timestamps: botocore sends whole seconds back unchanged.
INPUT_TIMESTAMP = "2030-01-01T00:00:00Z"
#: Response timestamps as AWS writes them.
OUTPUT_TIMESTAMP = "2026-11-24T02:34:02.123Z"


def sample(
    shape_name: str, *, timestamp: str, name: str = "", depth: int = 0, variant: int = 0
) -> Any:
    """A value with every body member of ``shape_name`` filled in (located members skipped).

    A union gets one member, chosen by ``variant``; list items use successive variants.
    """
    shape = apimodel.shape(shape_name)
    kind = shape["type"]
    if depth > 12:  # pragma: no cover - the job shapes are not recursive
        raise RecursionError(shape_name)
    if kind == "structure":
        members = [(m, ref) for m, ref in shape["members"].items() if not ref.get("location")]
        if shape.get("union"):
            members = [members[variant % len(members)]]
        return {
            member: sample(
                ref["shape"], timestamp=timestamp, name=member, depth=depth + 1, variant=variant
            )
            for member, ref in members
        }
    if kind == "list":
        item = shape["member"]["shape"]
        return [
            sample(
                item, timestamp=timestamp, name=f"{name}{i}", depth=depth + 1, variant=variant + i
            )
            for i in (0, 1)
        ]
    if kind == "map":
        value = shape["value"]["shape"]
        return {
            f"k{i}": sample(value, timestamp=timestamp, name=f"v{i}", depth=depth + 1)
            for i in (1, 2)
        }
    if kind in ("integer", "long"):
        return 7 + len(name)
    if kind == "boolean":
        return len(name) % 2 == 0
    if kind == "timestamp":
        return timestamp
    if shape.get("enum"):
        return shape["enum"][len(name) % len(shape["enum"])]
    return f"{name} <&> ünï"
