"""``--output text``: the aws CLI's tab-separated text format.

Scalars of a structure print on one line in sorted key order, headed by the
structure's key in upper case; nested members follow in sorted key order.
Items of a list of structures share columns (every scalar key of any item,
sorted; a missing value prints empty). A bare list of scalars prints on one
tab-separated line, a lone scalar as is.
"""

from __future__ import annotations

from typing import Any, TextIO


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def format_text(value: Any, stream: TextIO) -> None:
    """Write ``value`` (a response, or what ``--query`` selected) as text."""
    _write(value, stream, None, None)


def _write(value: Any, stream: TextIO, key: str | None, columns: list[str] | None) -> None:
    if isinstance(value, dict):
        _write_dict(value, stream, key, columns)
    elif isinstance(value, list):
        _write_list(value, stream, key)
    else:
        stream.write(f"{value}\n")


def _write_dict(
    value: dict[str, Any], stream: TextIO, key: str | None, columns: list[str] | None
) -> None:
    if columns is None:
        items = sorted(value.items())
        cells = [str(v) for _, v in items if _is_scalar(v)]
        nested = [(k, v) for k, v in items if not _is_scalar(v)]
    else:
        cells = [str(value.get(column, "")) for column in columns]
        nested = [(k, value[k]) for k in sorted(set(value) - set(columns))]
    if cells:
        if key is not None:
            cells.insert(0, key.upper())
        stream.write("\t".join(cells) + "\n")
    for nested_key, nested_value in nested:
        _write(nested_value, stream, nested_key, None)


def _write_list(value: list[Any], stream: TextIO, key: str | None) -> None:
    if not value:
        return
    if any(isinstance(item, dict) for item in value):
        columns = sorted(
            {
                k
                for item in value
                if isinstance(item, dict)
                for k, v in item.items()
                if _is_scalar(v)
            }
        )
        for item in value:
            _write(item, stream, key, columns)
        return
    scalars = [item for item in value if _is_scalar(item)]
    if scalars:
        if key is None:
            stream.write("\t".join(str(item) for item in scalars) + "\n")
        else:
            stream.writelines(f"{key.upper()}\t{item}\n" for item in scalars)
    for item in value:
        if not _is_scalar(item):
            _write(item, stream, key, None)
