"""Render API-shaped results as the aws CLI does: ``json``, ``text`` or ``table``.

Every command's result is the response dict of its operation. ``--query``
(JMESPath) is applied first; ``json`` and ``text`` then match the aws CLI
byte for byte, while ``table`` is a rich rendering for people. rich is
imported only when a table is actually rendered.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from s3bo_cli.errors import UsageError

FORMATS = ("json", "text", "table")


def resolve_format(fmt: str | None, *, is_tty: bool) -> str:
    """The output format to use: ``fmt``, else ``table`` on a terminal and ``json`` off one."""
    if fmt is None:
        return "table" if is_tty else "json"
    if fmt not in FORMATS:
        raise UsageError(f"Unknown output type: {fmt} (choose from {', '.join(FORMATS)})")
    return fmt


def apply_query(value: Any, query: str) -> Any:
    """Apply a JMESPath expression, as ``--query`` does."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(query).search(value)
    except JMESPathError as exc:
        message = " ".join(str(exc).split())
        raise UsageError(f"Bad value for --query {query}: {message}") from None


def render(
    result: dict[str, Any] | None,
    *,
    operation: str,
    fmt: str | None,
    query: str | None,
    stream: TextIO,
    color: bool,
    is_tty: bool,
) -> None:
    """Write ``result`` (the ``operation`` response) to ``stream`` in the chosen format.

    An empty result (PutJobTagging, DeleteJobTagging) prints nothing. A reader
    that closes the pipe early ends the output quietly.
    """
    fmt = resolve_format(fmt, is_tty=is_tty)
    if not result:
        return
    value: Any = result if query is None else apply_query(result, query)
    try:
        if fmt == "json":
            from s3bo_cli.output.json_format import format_json

            format_json(value, stream)
        elif fmt == "text":
            from s3bo_cli.output.text_format import format_text

            format_text(value, stream)
        else:
            from s3bo_cli.output.table import format_table

            format_table(
                value,
                stream,
                operation=operation,
                queried=query is not None,
                color=color and is_tty,
                is_tty=is_tty,
            )
        stream.flush()
    except BrokenPipeError:
        silence_stdout(stream)


def silence_stdout(stream: TextIO) -> None:
    """After EPIPE on stdout, point it at /dev/null so the exit-time flush stays quiet."""
    if stream is not sys.stdout:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
