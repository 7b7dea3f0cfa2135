"""Completion in the real shells: bash, zsh and fish, typed into a terminal and TAB pressed.

Each test starts the shell on a pseudo-terminal with s3bo's script loaded the way
the README says, types a command line and a TAB, and reads the screen until the
completed text shows. A shell that is not installed is skipped (.ci/run installs
them where it can).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r|\x07|\x08")
SETUP = {
    "bash": ["bash", "--norc", "--noprofile", "-i"],
    "zsh": ["zsh", "-f", "-i"],  # -f: no compinit beforehand, as on a fresh account
    "fish": ["fish", "--no-config", "-i"],
}
LOAD = {
    "bash": 'eval "$(s3bo completion bash)"',
    "zsh": 'eval "$(s3bo completion zsh)"',
    "fish": "s3bo completion fish | source",
}


def _own_terminal() -> None:
    """In the child: a session of its own, with the pseudo-terminal as its terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Shell:
    """An interactive shell on a pseudo-terminal."""

    def __init__(self, name: str, home: Path, bin_dir: Path, cwd: Path) -> None:
        env = {
            "HOME": str(home),
            "TERM": "xterm",
            "PATH": f"{bin_dir}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "S3BO_STATE_DIR": os.environ["S3BO_STATE_DIR"],
            "S3BO_CONFIG": os.environ["S3BO_CONFIG"],
            "S3BO_NO_AUTOSTART": "1",
            "COLUMNS": "200",
            "LINES": "50",
        }
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        os.set_blocking(self.master, False)
        self.process = subprocess.Popen(
            SETUP[name], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
            preexec_fn=_own_terminal,
        )  # fmt: skip
        os.close(slave)
        self.screen = ""
        self.type(LOAD[name] + "\n")
        self.type("echo loaded-$((6*7))\n" if name != "fish" else "echo loaded-(math 6 \\* 7)\n")
        self.expect("loaded-42")

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Read until ``pattern`` (a regex) shows on the escape-free screen."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, ESCAPES.sub("", self.screen)):
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} never showed:\n{ESCAPES.sub('', self.screen)}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                with contextlib.suppress(OSError):  # the shell went away: the assert says so
                    self.screen += os.read(self.master, 65536).decode(errors="replace")
        return ESCAPES.sub("", self.screen)

    def complete(self, line: str, pattern: str, *, tabs: int = 1) -> str:
        """Type ``line``, press TAB (twice lists the choices), expect ``pattern``; clear."""
        self.screen = ""
        self.type(line + "\t" * tabs)
        try:
            return self.expect(pattern)
        finally:
            self.type("\x05\x15")  # Ctrl-E Ctrl-U: an empty line again

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.master)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    (folder / "specs").mkdir(parents=True)
    (folder / "manifest.csv").write_text("b,k\n")
    (folder / "operation.json").write_text("{}")
    return folder


@pytest.fixture(params=sorted(SETUP))
def shell(request: pytest.FixtureRequest, tmp_path: Path, files: Path) -> Iterator[Shell]:
    name = request.param
    if shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (apt-get install {name})")
    bin_dir, home = tmp_path / "bin", tmp_path / "home"
    bin_dir.mkdir()
    home.mkdir()
    s3bo = bin_dir / "s3bo"  # whichever Python runs the tests
    s3bo.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m s3bo_cli "$@"\n')
    s3bo.chmod(0o755)
    running = Shell(name, home, bin_dir, files)
    try:
        yield running
    finally:
        running.close()


def test_completion_typed_into_the_real_shell(shell: Shell, request: pytest.FixtureRequest) -> None:
    # commands and their own options
    shell.complete("s3bo describ", r"s3bo describe-job")
    shell.complete("s3bo list-jobs --job-st", r"--job-statuses")
    # global options after the command, and their values
    shell.complete("s3bo list-jobs --ou", r"s3bo list-jobs --output")
    shell.complete("s3bo describe-job --output t", r"table\s+text", tabs=2)  # choices listed
    # file names for file arguments
    shell.complete("s3bo manifest lint man", r"lint manifest\.csv")
    shell.complete("s3bo report x --failed-keys oper", r"--failed-keys operation\.json")
    # and after file:// in structure options (a folder takes no space: go on into it)
    shell.complete("s3bo create-job --operation file://oper", r"file://operation\.json")
    shell.complete("s3bo create-job --manifest file://spe", r"file://specs/")
    if request.node.callspec.id == "fish":  # descriptions shown beside the choices
        screen = shell.complete("s3bo p", r"at most 50,", tabs=2)
        assert "Replace a job's tags" in screen
