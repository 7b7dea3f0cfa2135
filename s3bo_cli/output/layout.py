"""Fit rich tables to the console width without breaking a word, an id or a key.

rich shrinks a table that is too wide column by column, down to widths that
split tokens (``ErrorCod/e``, ``Permanen/tFailure``). Here every column gets at
least its longest word (or its whole text when it must not wrap), spare width
goes to the columns that can use it, and a table whose words cannot fit at all
is reported, so that the caller lays it out another way (stacked records, fewer
columns) instead.
"""

from __future__ import annotations

import os
from functools import lru_cache

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

#: The width of tables written off a terminal, unless ``COLUMNS`` says.
PIPE_WIDTH = 160
#: A width nothing reaches: measures a renderable's natural (unwrapped) size.
UNBOUNDED = 100_000


def pipe_width() -> int:
    """Off a terminal nothing wraps lines, so lay tables out wide unless ``COLUMNS`` says."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH


@lru_cache(maxsize=1)
def _console() -> Console:
    return Console(width=UNBOUNDED, color_system=None, markup=False, emoji=False, highlight=False)


def measure(renderable: RenderableType) -> Measurement:
    """(minimum, maximum) width: the longest word, and the whole content on one line."""
    console = _console()
    return Measurement.get(console, console.options, renderable)


def fits(renderable: RenderableType, width: int) -> bool:
    """Whether ``renderable`` can be drawn ``width`` cells wide without splitting a word."""
    return measure(renderable).minimum <= width


def fit(table: Table, width: int) -> bool:
    """Fix ``table``'s column widths for ``width``; False (table unchanged) if it cannot fit.

    A column that may not wrap needs its whole text; others need their longest
    word. What is left goes first to the columns that need little to show
    their whole text, then evenly to the rest.
    """
    console = _console()
    options = console.options
    # rich's own per-column measure (padding included); private but stable since rich 10
    ranges = [table._measure_column(console, options, column) for column in table.columns]
    lows = [
        r.maximum if c.no_wrap else r.minimum for r, c in zip(ranges, table.columns, strict=True)
    ]
    highs = [max(r.maximum, low) for r, low in zip(ranges, lows, strict=True)]
    extra = (2 if table.box and table.show_edge else 0) + (
        len(table.columns) - 1 if table.box else 0
    )
    spare = width - extra - sum(lows)
    if spare < 0:
        return False
    wants = [high - low for high, low in zip(highs, lows, strict=True)]
    widths = list(lows)
    # water-filling: short columns get all they want (a date stays on one line),
    # the long ones share what is left evenly
    order = sorted(range(len(wants)), key=lambda i: wants[i])
    for left, index in enumerate(order):
        give = min(wants[index], spare // (len(order) - left))
        widths[index] += give
        spare -= give
    for column, cell_width in zip(table.columns, widths, strict=True):
        padding = table._get_padding_width(column._index)
        column.width = max(1, cell_width - padding)
    return True


class Indented:
    """``renderable`` drawn ``indent`` cells in, its lines never cropped.

    rich's Padding crops every line to the width; a token longer than the whole
    line (a report location, a ready-made ``--manifest`` argument) must instead
    stay one line, which the terminal wraps and a copy gets back whole.
    """

    def __init__(self, renderable: RenderableType, indent: int) -> None:
        self.renderable = renderable
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        inner = options.update_width(max(1, options.max_width - self.indent))
        margin = Segment(" " * self.indent)
        for line in Segment.split_lines(console.render(self.renderable, inner)):
            yield margin
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        inner = Measurement.get(console, options, self.renderable)
        return Measurement(inner.minimum + self.indent, inner.maximum + self.indent)


def unbroken(text: Text) -> Text:
    """``text`` that is never wrapped nor cut, however narrow the console."""
    text.no_wrap = True
    text.overflow = "ignore"
    return text
