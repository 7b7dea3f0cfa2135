"""`s3bo events` output: JSON lines, tab-separated text, or a table laid out for the width.

Followed on a terminal, each event is a line as it comes (under one heading);
otherwise the table comes at the end, whole job ids and all, or one record per
event when its columns cannot fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TextIO

#: Table columns; events printed when following are padded to these widths.
COLUMNS = ("Time", "Job", "Event", "Status", "Failure codes")
_FOLLOW_WIDTHS = (19, 36, 20)

Envelope = Callable[[dict[str, Any]], dict[str, Any]]


def row(event: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """Time, job, event, status and failure codes of a status or data event."""
    from s3bo_cli.engine.events import job_id_of

    moment = str(event.get("eventTime", "")).replace("T", " ").rstrip("Z")
    details = event.get("serviceEventDetails")
    if details is not None:
        codes = ", ".join(details.get("failureCodes") or [])
        job = details.get("jobId", "")
        return moment, job, event.get("eventName", ""), details.get("status", ""), codes
    params = event.get("requestParameters") or {}
    target = f"s3://{params.get('bucketName', '')}/{params.get('key', '')}"
    if params.get("versionId"):
        target += f"?versionId={params['versionId']}"
    status = "Failed" if event.get("errorCode") else "Succeeded"
    name = f"{event.get('eventName', '')} {target}"
    return moment, job_id_of(event) or "", name, status, event.get("errorCode", "")


class EventPrinter:
    """Prints batches of events in ``fmt``; a table is drawn when the printer closes."""

    def __init__(
        self,
        stream: TextIO,
        *,
        fmt: str,
        follow: bool,
        one_job: bool,
        color: bool,
        envelope: Envelope | None = None,
    ) -> None:
        self.stream = stream
        self.fmt = fmt
        self.follow = follow
        self.one_job = one_job
        self.color = color and stream.isatty()
        self.envelope = envelope
        self.rows: list[tuple[str, ...]] = []
        self.console: Any = None

    def __enter__(self) -> EventPrinter:
        return self

    def show(self, batch: Iterable[dict[str, Any]]) -> None:
        from s3bo_cli.output.json_format import dumps_line

        for event in batch:
            if self.fmt == "json":
                self.stream.write(dumps_line(self.envelope(event) if self.envelope else event))
            elif self.fmt == "text":
                self.stream.write("\t".join(row(event)) + "\n")
            elif self.follow:
                self._line(row(event))
            else:
                self.rows.append(row(event))
        self.stream.flush()

    def _console(self) -> Any:
        if self.console is None:
            from rich.console import Console

            from s3bo_cli.output.layout import pipe_width

            tty = self.stream.isatty()
            self.console = Console(
                file=self.stream,
                width=None if tty else pipe_width(),
                force_terminal=tty,
                color_system="auto" if self.color else None,
                highlight=False,
                markup=False,
                emoji=False,
            )
        return self.console

    def _line(self, cells: tuple[str, ...]) -> None:
        from rich.text import Text

        from s3bo_cli.output.cells import status_text

        if self.console is None:
            header = "  ".join(_pad(COLUMNS[:3])) + f"  {COLUMNS[3]:<11}{COLUMNS[4]}"
            self._console().print(Text(header, style="bold"), soft_wrap=True)
        text = Text("  ".join(_pad(cells[:3])) + "  ")
        text.append_text(status_text(cells[3]))
        text.append(" " * max(0, 11 - len(cells[3])) + cells[4], style="red")
        self._console().print(text, soft_wrap=True)

    def __exit__(self, *exc: object) -> None:
        if self.fmt != "table" or self.follow or exc[0] is not None:
            return
        self._console().print(self._table(self._console().width), crop=False)

    def _table(self, width: int) -> Any:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        from s3bo_cli.output.cells import status_text
        from s3bo_cli.output.generic import generic
        from s3bo_cli.output.layout import fit

        shown = [i for i in range(len(COLUMNS)) if i != 1 or not self.one_job]
        table = Table(title="Events", box=box.SIMPLE_HEAD, title_justify="left")
        for i in shown:
            table.add_column(COLUMNS[i], no_wrap=COLUMNS[i] in ("Time", "Job", "Status"))
        for cells in self.rows:
            styled: list[str | Text] = [*cells[:3], status_text(cells[3]), cells[4]]
            table.add_row(*(styled[i] for i in shown))
        if not self.rows:
            table.caption = "no events"
        if fit(table, width):
            return table
        records = [{COLUMNS[i]: cells[i] for i in shown if cells[i]} for cells in self.rows]
        return generic(records, width=width, title="Events")


def _pad(cells: tuple[str, ...]) -> list[str]:
    return [cell.ljust(width) for cell, width in zip(cells, _FOLLOW_WIDTHS, strict=True)]
