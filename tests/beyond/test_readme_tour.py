"""The README's "A short tour" runs as written and prints what the README shows.

Every ``$ `` command of the tour's sh blocks runs, in order, in one bash, with the
local engine and its background worker. Each command's stdout must read as the
lines under it in the README (``...`` stands for any lines; job ids and times are
compared by position), and its exit status must be 0, or N where its comment says
``exit N``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "\x1e"  # ends each command's stdout, followed by its exit status
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
EITHER_ORDER = re.compile(r"img-[56]\.jpg")  # the two failing tasks finish in either order


@dataclass
class Step:
    command: str
    expected: list[str]

    @property
    def exit_code(self) -> int:
        said = re.search(r"#.*\bexit (\d+)", self.command)
        return int(said.group(1)) if said else 0


def tour_steps(readme: str) -> list[Step]:
    """The commands of the tour's sh blocks, each with the output lines shown under it."""
    section = readme.split("\n### A short tour\n", 1)[1].split("\n### ", 1)[0]
    steps: list[Step] = []
    for block in re.findall(r"^```sh\n(.*?)^```$", section, flags=re.M | re.S):
        lines = block.splitlines()
        while lines:
            line = lines.pop(0)
            if line.startswith("$ "):
                command = line[2:]
                while command.endswith("\\"):
                    command += "\n" + lines.pop(0)
                steps.append(Step(command, []))
            else:
                steps[-1].expected.append(line)
    return steps


def normalized(lines: list[str], ids: dict[str, str]) -> str:
    """Without trailing blanks, times, or the failed keys' order; job ids numbered in ``ids``."""
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    text = UUID.sub(lambda m: ids.setdefault(m[0], f"<job {len(ids) + 1}>".ljust(36)), text)
    return EITHER_ORDER.sub("img-?.jpg", ISO_TIME.sub("<time>", text))


def as_shown(expected: str, actual: str) -> bool:
    """``actual`` reads as ``expected``, where a ``...`` line stands for any lines."""
    parts = [
        r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + r"\n"
        for line in expected.splitlines()
    ]
    return re.fullmatch("".join(parts), actual + "\n" if actual else "") is not None


@dataclass
class TourRun:
    results: list[tuple[int, str]]  # each command's exit status and stdout
    stderr: str
    state_dir: Path  # the tour's own S3BO_STATE_DIR


def run_tour(steps: list[Step], tmp_path: Path) -> TourRun:
    """Run the commands in one bash, as a terminal 100 columns wide would, with autostart."""
    script = [f"{step.command}\nprintf '{MARK}%d\\n' $?" for step in steps]
    script.append('printf "%s" "$S3BO_STATE_DIR"')
    work, bin_dir, tmp = tmp_path / "work", tmp_path / "bin", tmp_path / "tmp"
    for folder in (work, bin_dir, tmp):
        folder.mkdir()
    s3bo = bin_dir / "s3bo"  # whichever Python runs the tests
    s3bo.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m s3bo_cli "$@"\n')
    s3bo.chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("S3BO_NO_AUTOSTART", "S3BO_STATE_DIR", "S3BO_OUTPUT")
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        TMPDIR=str(tmp),
        COLUMNS="100",
        NO_COLOR="1",
        S3BO_OUTPUT="table",  # what a terminal gets
        S3BO_WORKER_IDLE_TIMEOUT="0.5",
    )
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    chunks = done.stdout.split(MARK)  # output, then "status\n" + the next output, ...
    assert len(chunks) == len(steps) + 1, done.stderr
    results: list[tuple[int, str]] = []
    output = chunks[0]
    for chunk in chunks[1:]:
        code, _, following = chunk.partition("\n")
        results.append((int(code), output))
        output = following
    return TourRun(results, done.stderr, Path(output))


def test_the_readme_tour_runs_as_shown(tmp_path: Path):
    steps = tour_steps(README.read_text())
    assert len(steps) >= 15
    tour = run_tour(steps, tmp_path)
    shown_ids: dict[str, str] = {}
    run_ids: dict[str, str] = {}
    try:
        for step, (code, output) in zip(steps, tour.results, strict=True):
            assert code == step.exit_code, f"$ {step.command}\n-> exit {code}\n{tour.stderr}"
            expected = normalized(step.expected, shown_ids)
            actual = normalized(output.splitlines(), run_ids)
            if "\n...\n" in f"\n{expected}\n":
                assert as_shown(expected, actual), f"$ {step.command}\n{actual}"
            else:
                assert actual == expected, f"$ {step.command}"

        from s3bo_cli.stores.dirstore import DirStore

        photos = DirStore(tour.state_dir / "buckets")
        for n in range(1, 7):  # four by the job, the two put back by its retry
            assert photos.get_object_tagging("photos", f"img-{n}.jpg") == {"reviewed": "yes"}
    finally:
        wait_for_the_worker_to_exit(tour.state_dir)


def wait_for_the_worker_to_exit(state: Path) -> None:
    """The tour's background worker goes idle, then exits: before its directory goes."""
    from s3bo_cli.engine.autostart import worker_running

    deadline = time.monotonic() + 20
    while state.is_dir() and worker_running(state) and time.monotonic() < deadline:
        time.sleep(0.1)
