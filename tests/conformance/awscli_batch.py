"""Run stock aws CLI command lines one after another in one process.

Reads ``{"argv": [...], "env": {...}}`` per line on stdin (arguments without
``aws``; the environment to run them in); runs each through ``awscli.clidriver``
as the ``aws`` script does (one driver, a client per call); writes
``{"rc", "stdout", "stderr"}`` as one JSON line.
This keeps the aws CLI's parsing, serialisation and output in the conformance
suite without paying an interpreter start-up per call (tests/server/test_awscli.py
runs the ``aws`` executable itself).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

import awscli.clidriver

#: Set by awscli on import (where its own data lives); kept in every environment.
DATA_PATH = {k: v for k, v in os.environ.items() if k == "AWS_DATA_PATH"}


_driver: awscli.clidriver.CLIDriver | None = None


def driver() -> awscli.clidriver.CLIDriver:
    """One aws CLI driver for every call: its command table and the service model are
    loaded once (each call still builds its own client, from the call's environment)."""
    global _driver
    if _driver is None:
        _driver = awscli.clidriver.create_clidriver()
    return _driver


def run(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    os.environ.clear()
    os.environ.update({**env, **DATA_PATH})
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = driver().main(argv)
        except SystemExit as exc:  # argparse usage errors exit
            rc = exc.code if isinstance(exc.code, int) else 1
    return {"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.write(json.dumps(run(request["argv"], request["env"])) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
