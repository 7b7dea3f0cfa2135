"""``s3bo serve`` over the test's own state directory, and moto for S3 and STS."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.config import Settings

ACCOUNT = "123456789012"
AWS_CLI = ("--backend", "aws", "--endpoint-url", "http://s3control.local")


@dataclass
class Served:
    """A running ``s3bo serve`` and the environment that sends s3bo's AWS backend to it."""

    port: int

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {"HTTP_PROXY": self.proxy, "AWS_MAX_ATTEMPTS": "1", "S3BO_ACCOUNT_ID": ACCOUNT}


def serve(backend: Any) -> Iterator[Served]:
    from s3bo_cli.server.app import start_in_thread

    running = start_in_thread(backend)
    try:
        yield Served(running.port)
    finally:
        running.stop()


@pytest.fixture
def served(state_dir: Path) -> Iterator[Served]:
    """``s3bo serve`` over the same state directory ``s3bo --backend local`` uses."""
    from s3bo_cli.backends.local import LocalBackend

    yield from serve(LocalBackend(Settings(state_dir=state_dir), autostart=False))


@pytest.fixture
def serve_fake() -> Iterator[Callable[[Any], Served]]:
    """Start ``s3bo serve`` in front of any Backend (a fake that fails on purpose)."""
    stops: list[Callable[[], None]] = []

    def start(backend: Any) -> Served:
        from s3bo_cli.server.app import start_in_thread

        running = start_in_thread(backend)
        stops.append(running.stop)
        return Served(running.port)

    yield start
    for stop in stops:
        stop()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FailingBackend:
    """A Backend that answers every call with one service error (and counts calls)."""

    name = "failing"

    def __init__(self, error: Exception, *, times: int | None = None) -> None:
        self.settings = Settings(region="us-east-1")
        self.error = error
        self.times = times
        self.calls = 0

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.times is None or self.calls <= self.times:
            raise self.error
        return {"Jobs": []}
