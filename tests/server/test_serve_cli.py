"""The ``s3bo serve`` command: help, start-up, warnings, auth options, clean shutdown."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from s3bo_cli.cli import cli
from s3bo_cli.cli.serve import _backend, serve
from s3bo_cli.server.app import is_loopback
from tests.conftest import sigint_default
from tests.server.conftest import ACCOUNT, Server

LISTENING = re.compile(r"listening on http://[^:]+:(\d+)")


@contextmanager
def running(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[Server, list[str], subprocess.Popen[str]]]:
    """``s3bo serve --port 0 ARGS`` in a subprocess; yields the server and its stderr so far."""
    command = [sys.executable, "-m", "s3bo_cli", "serve", "--port", "0", *args]
    proc = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=sigint_default
    )
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            match = LISTENING.search(line)
            if match:
                yield Server(int(match.group(1)), None), lines, proc
                break
        else:
            pytest.fail("s3bo serve exited early: " + "".join(lines))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_help_ends_with_client_examples():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "HTTP_PROXY=http://127.0.0.1:8484 aws s3control list-jobs" in result.output
    assert "--endpoint-url http://s3control.local" in result.output
    assert 'Config(proxies={"http": "http://127.0.0.1:8484"})' in result.output
    for option in ("--host", "--port", "--require-auth"):
        assert option in result.output


def test_importing_the_command_loads_no_server_or_botocore():
    code = (
        "import sys, s3bo_cli.cli.serve; "
        "print(sorted(m for m in sys.modules if m.startswith(('botocore', 'boto3', "
        "'s3bo_cli.server', 's3bo_cli.backends.local'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_logs_and_stops_cleanly_on_a_signal(sig):
    with running() as (server, lines, proc):
        reply = server.request("GET", f"http://{ACCOUNT}.s3control.local/v20180820/jobs")
        assert reply.status == 200
        proc.send_signal(sig)
        _, rest = proc.communicate(timeout=30)
        assert proc.returncode == 0
    log = "".join(lines) + rest
    assert re.search(r"GET /v20180820/jobs ListJobs 200 [\d.]+ms", log)
    assert "stopped" in log
    assert "Traceback" not in log


def test_warns_when_not_bound_to_loopback():
    with running("--host", "0.0.0.0") as (_, lines, proc):
        proc.terminate()
    assert "warning: binding 0.0.0.0" in "".join(lines)
    assert "--require-auth" in "".join(lines)


def test_require_auth_takes_the_key_pair_from_the_environment(tmp_path: Path):
    import os

    env = {
        **os.environ,
        "S3BO_SERVE_ACCESS_KEY_ID": "AKIDSERVE",
        "S3BO_SERVE_SECRET_ACCESS_KEY": "secret",
    }
    with running("--require-auth", env=env) as (server, _, proc):
        reply = server.request("GET", "/v20180820/jobs")
        assert (reply.status, reply.code) == (403, "AccessDenied")
        proc.terminate()


def test_require_auth_without_a_key_pair_is_a_usage_error():
    result = CliRunner().invoke(cli, ["serve", "--require-auth"])
    assert result.exit_code == 252
    assert "--auth-key-id" in result.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_without_a_root_context_the_backend_is_local_on_the_resolved_settings(state_dir):
    from s3bo_cli.backends.local import LocalBackend

    backend = _backend(click.Context(serve, obj=None))
    assert isinstance(backend, LocalBackend)
    assert backend.settings.state_dir == state_dir


def test_the_root_context_backend_is_used():
    class Obj:
        backend = object()

    assert _backend(click.Context(serve, obj=Obj())) is Obj.backend
