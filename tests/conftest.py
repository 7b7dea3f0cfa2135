"""Every test runs s3bo against its own temporary state directory and config."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from s3bo_cli.cli import cli

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point s3bo at a temp state dir and config; no real AWS credentials; tables laid
    out for a pipe whatever terminal (or parallel test runner) set COLUMNS and LINES."""
    import os

    for name in list(os.environ):
        if name.startswith(("S3BO_", "AWS_")) or name in ("NO_COLOR", "COLUMNS", "LINES"):
            monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    monkeypatch.setenv("S3BO_STATE_DIR", str(state))
    monkeypatch.setenv("S3BO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("S3BO_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("S3BO_NO_AUTOSTART", "1")  # tests drive the worker themselves
    return state


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server over real HTTP on loopback (one per test session)."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def state_dir(isolated_env: Path) -> Path:
    return isolated_env


class Run:
    """The result of one s3bo invocation."""

    def __init__(self, result: Result) -> None:
        self.result = result
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<Run exit={self.exit_code} stdout={self.stdout!r} stderr={self.stderr!r}>"


@pytest.fixture
def s3bo() -> Callable[..., Run]:
    """Run the real CLI in-process: ``s3bo("list-jobs")``."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        runner = CliRunner()
        invoked = runner.invoke(
            cli, list(args), input=input, env=env, catch_exceptions=False, prog_name="s3bo"
        )
        return Run(invoked)

    return run


def manifest_arg(bucket: str = "photos", key: str = "manifest.csv", etag: str = "abc123") -> str:
    return json.dumps(
        {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/{key}", "ETag": etag},
        }
    )


def create_args(*extra: str, priority: int = 10) -> list[str]:
    """A valid create-job command line; ``extra`` adds or overrides options."""
    return [
        "create-job",
        "--operation",
        '{"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}',
        "--manifest",
        manifest_arg(),
        "--report",
        "Enabled=false",
        "--priority",
        str(priority),
        "--role-arn",
        ROLE,
        *extra,
    ]


@pytest.fixture
def make_job(s3bo: Callable[..., Run]) -> Callable[..., str]:
    """Create a job through the CLI and return its id."""

    def make(*extra: str, priority: int = 10) -> str:
        run = s3bo(*create_args(*extra, priority=priority))
        assert run.exit_code == 0, run
        return run.json["JobId"]

    return make


# -- the local engine, for tests that run jobs ------------------------------------------


def sigint_default() -> None:
    """``preexec_fn`` for a child that must take Ctrl-C: it inherits an ignored SIGINT
    when the suite runs from a shell that ignores it (Python then installs no handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def store(state_dir: Path):
    """The DirStore the local backend uses by default (<state-dir>/buckets)."""
    from s3bo_cli.stores.dirstore import DirStore

    return DirStore(state_dir / "buckets")


@pytest.fixture
def engine_settings() -> dict[str, Any]:
    """Fields of the EngineSettings that ``run_worker`` uses (tests may change them)."""
    return {}


@pytest.fixture
def run_worker(state_dir: Path, engine_settings: dict[str, Any]) -> Callable[..., int]:
    """Run the engine in this process until nothing is runnable (burst mode); webhooks
    go through the process's notifier, as from the CLI."""

    def run(concurrency: int = 4) -> int:
        from s3bo_cli.engine.notify import default_notifier
        from s3bo_cli.engine.settings import EngineSettings
        from s3bo_cli.engine.worker import Worker

        settings = EngineSettings(**{"concurrency": concurrency, **engine_settings})
        return Worker(state_dir, settings=settings, notifier=default_notifier()).run(burst=True)

    return run


@pytest.fixture
def act_at_task(engine_settings: dict[str, Any]) -> Callable[..., None]:
    """Run ``action`` once, from inside the ``n``th task to start (as another shell would).

    Checkpoints and pre-emption scans then happen at every chance, so the engine
    notices what ``action`` did at the next task, whatever the timing.
    """
    from s3bo_cli import ops

    def install(n: int, action: Callable[[], Any]) -> None:
        real = ops.get("S3PutObjectTagging")
        calls = {"count": 0}

        def tagging(ctx: Any, entry: Any) -> Any:
            calls["count"] += 1
            if calls["count"] == n:
                action()
            return real(ctx, entry)

        engine_settings.update(
            operations=lambda name: tagging, checkpoint_seconds=0.0, scan_interval=0.0
        )

    return install


# -- file permissions, which root would bypass ------------------------------------------

_NO_BYPASS = "-dac_override,-dac_read_search"


@pytest.fixture
def s3bo_unprivileged(state_dir: Path) -> Callable[..., Any]:
    """Run the real CLI in a subprocess to which file modes apply.

    As root, the child runs without the capabilities that bypass file modes
    (``setpriv``), so a ``chmod 000`` file is unreadable to it; skipped where
    that is impossible.
    """
    import os
    import shutil
    import subprocess
    import sys

    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run without root's file-mode bypass")
        prefix = ["setpriv", f"--inh-caps={_NO_BYPASS}", f"--bounding-set={_NO_BYPASS}"]
        probe = state_dir.parent / "unreadable-probe"
        probe.write_text("x")
        probe.chmod(0)
        check = [*prefix, sys.executable, "-c", f"open({str(probe)!r})"]
        if subprocess.run(check, capture_output=True).returncode == 0:
            pytest.skip("cannot drop root's file-mode bypass here")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, sys.executable, "-m", "s3bo_cli", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    return run
