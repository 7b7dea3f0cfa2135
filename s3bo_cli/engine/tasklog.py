"""A job's tasks on disk: the prepared task list and the append-only results.

The task list (``tasks.csv``) is written once, in Preparing, and never
changes. Each finished task appends one JSON line to ``results.jsonl``, the
results collected together with a single ``write`` on an ``O_APPEND``
descriptor (whole lines, or none), so a killed worker loses at most the tasks
in flight, and a restarted one skips every task that already has a result: no
task is reported twice.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.state.jsonl import JsonlWriter

SUCCEEDED = "succeeded"
FAILED = "failed"


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task, as a completion report row needs it."""

    index: int
    bucket: str
    key: str  # as written in the manifest (URL-encoded)
    version_id: str | None
    status: str  # succeeded | failed
    http_status: int
    error_code: str = ""
    message: str = ""


@dataclass
class Progress:
    """What a restarted runner knows from the results already on disk."""

    done: bytearray  # one bit per task index
    succeeded: int = 0
    failed: int = 0

    def is_done(self, index: int) -> bool:
        return bool(self.done[index >> 3] & (1 << (index & 7)))

    def mark(self, index: int) -> None:
        self.done[index >> 3] |= 1 << (index & 7)


class TaskLog:
    """The task list and results of one job directory."""

    def __init__(self, job_dir: Path) -> None:
        self.job_dir = job_dir
        self.tasks_path = job_dir / "tasks.csv"
        self.results_path = job_dir / "results.jsonl"

    # -- the task list ----------------------------------------------------------

    def write_tasks(self, entries: Iterable[ManifestEntry]) -> int:
        """Write the task list atomically; returns the number of tasks.

        A manifest that cannot be read (missing, malformed at its first line) fails
        before any file is made; one that fails later leaves no temp file behind.
        """
        entries = iter(entries)
        first = next(entries, None)
        tmp = self.tasks_path.with_suffix(".tmp")
        count = 0
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                for entry in itertools.chain(() if first is None else (first,), entries):
                    version = "-" if entry.version_id is None else "v" + entry.version_id
                    writer.writerow((entry.bucket, entry.key, version))
                    count += 1
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.tasks_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return count

    def tasks(self) -> Iterator[tuple[int, ManifestEntry]]:
        with self.tasks_path.open(encoding="utf-8", newline="") as fh:
            for index, (bucket, key, version) in enumerate(csv.reader(fh)):
                yield index, ManifestEntry(bucket, key, None if version == "-" else version[1:])

    # -- results ----------------------------------------------------------------

    def _records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each whole result line as (its length in bytes, its record).

        Stops at the first line a crash cut short: it has no newline or no valid JSON.
        """
        if not self.results_path.exists():
            return
        with self.results_path.open("rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    return
                try:
                    record = json.loads(raw)
                except ValueError:
                    return
                yield len(raw), record

    def recover(self, total: int) -> Progress:
        """Read the results so far, and drop a line cut short by a crash."""
        progress = Progress(bytearray((total + 7) // 8))
        good_bytes = 0
        for size, record in self._records():
            good_bytes += size
            index = record["index"]
            if index < total and not progress.is_done(index):
                progress.mark(index)
                if record["status"] == SUCCEEDED:
                    progress.succeeded += 1
                else:
                    progress.failed += 1
        if self.results_path.exists() and good_bytes != self.results_path.stat().st_size:
            with self.results_path.open("r+b") as fh:
                fh.truncate(good_bytes)
        return progress

    def open_for_append(self) -> ResultWriter:
        return ResultWriter(self.results_path)

    def results(self) -> Iterator[TaskResult]:
        """Every recorded result, each task once (the first line recorded for it)."""
        seen = bytearray()
        for _, record in self._records():
            index = record["index"]
            byte, bit = index >> 3, 1 << (index & 7)
            if byte >= len(seen):
                seen.extend(bytes(byte + 1 - len(seen)))
            if seen[byte] & bit:
                continue
            seen[byte] |= bit
            yield TaskResult(**record)


class ResultWriter:
    """Appends results, one ``write`` each, so that a line is whole or absent."""

    def __init__(self, path: Path) -> None:
        self._log = JsonlWriter(path)

    def append(self, result: TaskResult) -> None:
        self._log.append(vars(result))  # its fields, flat: asdict's deep copy costs 10x

    def append_many(self, results: list[TaskResult]) -> None:
        """Several results with one ``write``: all recorded, or none (OSError)."""
        self._log.append_many(map(vars, results))

    def close(self) -> None:
        self._log.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
