"""Any JSON value as nested tables, laid out for the width it gets.

The first choice is the compact one: a boxed key/value table for a structure,
one row per item for a list of structures. When that cannot fit without
splitting a word, a structure becomes aligned ``key  value`` rows (a value too
wide to sit beside its key goes below it, indented) and a list of structures
becomes one such record per item. Reports, manifest results and ``--query``
selections of any shape thereby stay readable at 50 columns.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from s3bo_cli.output.cells import scalar_text, status_text
from s3bo_cli.output.layout import Indented, fit, fits, measure, unbroken

#: Indentation of a value placed below its key.
INDENT = 2
#: Columns a boxed key/value table adds around its two cells.
BOX_EXTRA = 7


def generic(value: Any, *, width: int, title: str | None = None) -> RenderableType:
    """Nested tables for any JSON value, ``width`` cells wide at most."""
    return layout(value, width, title=title)[0]


def layout(
    value: Any, width: int, *, title: str | None = None, key: str = ""
) -> tuple[RenderableType, bool]:
    """The rendering of ``value`` and whether it took its compact (first-choice) form."""
    if isinstance(value, dict):
        return _structure(value, width, title)
    if isinstance(value, list):
        return _list(value, width, title)
    text = _scalar(key, value)
    if fits(text, width):
        return _titled(text, title), True
    return _titled(unbroken(text) if " " not in text.plain else text, title), False


def _scalar(key: str, value: Any) -> Text:
    if key in ("Status", "JobStatus") and isinstance(value, str):
        return status_text(value)
    return Text(scalar_text(value))


def _titled(renderable: RenderableType, title: str | None) -> RenderableType:
    return Group(Text(title, style="bold"), renderable) if title else renderable


def _nested(value: Any) -> bool:
    return isinstance(value, (dict, list))


# -- structures --------------------------------------------------------------------


def _structure(value: dict[str, Any], width: int, title: str | None) -> tuple[RenderableType, bool]:
    if not value:
        return _titled(Text(""), title), True
    key_width = max(len(str(k)) for k in value)
    boxed = Table(title=title, title_justify="left", show_header=False, box=box.ROUNDED)
    boxed.add_column(style="bold", no_wrap=True)
    boxed.add_column()
    compact = True
    for key, item in value.items():
        cell, ok = layout(item, width - key_width - BOX_EXTRA, key=str(key))
        compact = compact and ok
        boxed.add_row(str(key), cell)
    if compact and fit(boxed, width):
        return boxed, True
    return _titled(_rows(value, width, key_width), title), False


def _rows(value: dict[str, Any], width: int, key_width: int) -> RenderableType:
    """``key  value`` rows with aligned values; a value too wide goes below its key."""
    beside = width - key_width - INDENT
    pairs: list[tuple[str, RenderableType, RenderableType | None]] = []
    for key, item in value.items():
        cell, ok = layout(item, beside, key=str(key)) if beside > 0 else (Text(""), False)
        below = None
        if not ok:
            below, below_ok = layout(item, width - INDENT, key=str(key))
            if not below_ok and fits(cell, beside):
                below = None
        pairs.append((str(key), cell, below))
    return aligned_rows(pairs, width)


def aligned_rows(
    pairs: list[tuple[str, RenderableType, RenderableType | None]], width: int
) -> RenderableType:
    """Rows of (key, value beside it, or else the value to put below the key)."""
    key_width = max((len(key) for key, _, _ in pairs), default=0)
    beside = max(1, width - key_width - INDENT)
    rows: list[RenderableType] = []
    for key, cell, below in pairs:
        if below is None and not fits(cell, beside):
            below = cell
        if below is not None:
            rows.append(Text(key, style="bold"))
            rows.append(Indented(below, INDENT))
            continue
        grid = Table.grid(padding=(0, INDENT))
        grid.add_column(style="bold", no_wrap=True, width=key_width)
        grid.add_column(width=max(1, min(beside, _natural(cell))))
        grid.add_row(key, cell)
        rows.append(grid)
    return Group(*rows)


def _natural(renderable: RenderableType) -> int:
    return measure(renderable).maximum


# -- lists -------------------------------------------------------------------------


def _list(items: list[Any], width: int, title: str | None) -> tuple[RenderableType, bool]:
    if items and all(isinstance(item, dict) for item in items):
        return _records(items, width, title)
    if (
        items
        and all(isinstance(item, list) for item in items)
        and not any(_nested(cell) for row in items for cell in row)
    ):
        table = Table(title=title, title_justify="left", show_header=False, box=box.SIMPLE)
        for _ in range(max(len(row) for row in items)):
            table.add_column()
        for row in items:
            table.add_row(*(_scalar("", cell) for cell in row))
        if fit(table, width):
            return table, True
        return _stack([Text("  ".join(map(scalar_text, row))) for row in items], title), False
    if any(_nested(item) for item in items):
        parts = [layout(item, width) for item in items]
        return _titled(Group(*(part for part, _ in parts)), title), all(ok for _, ok in parts)
    text = Text("\n".join(scalar_text(item) for item in items))
    return _titled(text, title), fits(text, width)


def _records(
    items: list[dict[str, Any]], width: int, title: str | None
) -> tuple[RenderableType, bool]:
    """One row per item when the words fit, else one key/value record per item."""
    columns: list[str] = []
    for item in items:
        columns += [k for k in item if k not in columns]
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for column in columns:
        table.add_column(column)
    rows_ok = True
    for item in items:
        cells = []
        for column in columns:
            if column in item:
                cell, ok = layout(item[column], width, key=column)
                rows_ok = rows_ok and (ok or not _nested(item[column]))
                cells.append(cell)
            else:
                cells.append(Text(""))
        table.add_row(*cells)
    if rows_ok and fit(table, width):
        return table, True
    records = [layout(item, width)[0] for item in items]
    return _stack(records, title), False


def _stack(records: list[RenderableType], title: str | None) -> RenderableType:
    """Records one after the other, a blank line between them."""
    parts: list[RenderableType] = [Text(title, style="bold")] if title else []
    for number, record in enumerate(records):
        if number:
            parts.append(Text(""))
        parts.append(record)
    return Group(*parts)
