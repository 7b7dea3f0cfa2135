"""Fixtures for the S3 Control codec and ``s3bo serve``."""

from __future__ import annotations

import http.client
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.config import Settings
from s3bo_cli.server import app

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch-ops"
#: What the stock aws CLI sent for every job operation, recorded (one request a line).
WIRE_REQUESTS = Path(__file__).with_name("wire-requests.jsonl")


def wire_requests() -> list[dict[str, Any]]:
    """The requests the stock aws CLI sends, as recorded (skipped when not available)."""
    if not WIRE_REQUESTS.is_file():  # pragma: no cover
        return []
    return [json.loads(line) for line in WIRE_REQUESTS.read_text().splitlines() if line.strip()]


def create_job_params(**overrides: Any) -> dict[str, Any]:
    """A valid boto3 ``create_job`` call for a tagging job."""
    params: dict[str, Any] = {
        "AccountId": ACCOUNT,
        "ConfirmationRequired": True,
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        "Report": {"Enabled": False},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": "arn:aws:s3:::photos/manifest.csv", "ETag": "abc123"},
        },
        "Priority": 10,
        "RoleArn": ROLE,
    }
    params.update(overrides)
    return params


@dataclass
class Reply:
    """A raw HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> str | None:
        from defusedxml.ElementTree import fromstring

        node = fromstring(self.body).find("Error/Code") if self.body else None
        return node.text if node is not None else None


@dataclass
class Server:
    """A running ``s3bo serve`` on loopback."""

    port: int
    backend: Any

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes = b"",
        headers: dict[str, str | None] | None = None,
    ) -> Reply:
        """Send one raw request on a fresh connection (a None header value drops it)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            merged = {"x-amz-account-id": ACCOUNT, **(headers or {})}
            all_headers = {k: v for k, v in merged.items() if v is not None}
            conn.request(method, target, body=body, headers=all_headers)
            response = conn.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            conn.close()


def start(backend: Any, **options: Any) -> Iterator[Server]:
    running = app.start_in_thread(backend, **options)
    try:
        yield Server(running.port, backend)
    finally:
        running.stop()


@pytest.fixture
def local_backend(tmp_path: Path) -> Any:
    from s3bo_cli.backends.local import LocalBackend

    return LocalBackend(Settings(state_dir=tmp_path / "state"))


@pytest.fixture
def server(local_backend: Any) -> Iterator[Server]:
    """``s3bo serve`` over a real LocalBackend in a temporary state directory."""
    yield from start(local_backend)


@pytest.fixture
def make_client(server: Server) -> Callable[..., Any]:
    """boto3 ``s3control`` clients that reach ``server`` through the proxy setting."""
    import boto3
    from botocore.config import Config

    def make(**kwargs: Any) -> Any:
        config = Config(proxies={"http": server.proxy}, retries={"max_attempts": 1})
        options = {"region_name": "us-east-1", **kwargs}
        return boto3.client(
            "s3control", endpoint_url="http://s3control.local", config=config, **options
        )

    return make


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    return make_client()


@pytest.fixture
def aws_env(tmp_path: Path, server: Server) -> dict[str, str]:
    """Environment for the stock aws CLI, pointed at ``server`` through HTTP_PROXY."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(
        HTTP_PROXY=server.proxy,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
    )
    return env


def aws_executable() -> str:
    return str(Path(sys.executable).with_name("aws"))
