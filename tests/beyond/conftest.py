"""``s3bo --backend aws`` against ``s3bo serve``, with moto's S3 server holding the objects.

The stand-in is the README's "complete offline stand-in": ``s3bo serve`` runs jobs on
the local engine, whose store is moto (shared by the test session, so every test gets
buckets of its own), and records each S3 Control request it receives.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.backends.local import LocalBackend
from s3bo_cli.config import Settings
from s3bo_cli.stores.s3store import S3Store
from tests.backends.conftest import AWS_CLI, Served, serve
from tests.conftest import ROLE, Run

TAGGING = {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}}

_suffixes = itertools.count()


def job_args(manifest: dict, *extra: str, operation: dict = TAGGING) -> list[str]:
    """A create-job command line that runs without confirmation, no report."""
    return [
        "create-job",
        "--no-confirmation-required",
        "--operation",
        json.dumps(operation),
        "--manifest",
        json.dumps(manifest),
        "--report",
        "Enabled=false",
        "--priority",
        "10",
        "--role-arn",
        ROLE,
        *extra,
    ]


class RecordingBackend:
    """The local backend, keeping every (operation, params) that reached the server."""

    name = "recording"

    def __init__(
        self, backend: LocalBackend, requests: list[tuple[str, dict[str, Any]]] | None = None
    ) -> None:
        self.backend = backend
        self.settings = backend.settings
        self.requests = requests if requests is not None else []

    def for_region(self, region: str) -> RecordingBackend:
        """The local backend of another region, recorded in the same list."""
        return RecordingBackend(self.backend.for_region(region), self.requests)

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.requests.append((operation, params))
        return self.backend.invoke(operation, params)

    @property
    def operations(self) -> list[str]:
        return [operation for operation, _ in self.requests]


@dataclass
class StandIn:
    """``s3bo serve`` over the local engine, objects in moto; how the CLI reaches both."""

    served: Served
    recorder: RecordingBackend
    s3_url: str
    store: S3Store
    suffix: str = field(default_factory=lambda: f"-beyond-{next(_suffixes):03d}")

    @property
    def env(self) -> dict[str, str]:
        """The proxy to ``s3bo serve``, and moto reached directly (loopback)."""
        return {**self.served.env, "NO_PROXY": "127.0.0.1"}

    @property
    def aws(self) -> tuple[str, ...]:
        return (*AWS_CLI, "--s3-endpoint-url", self.s3_url)

    @property
    def local(self) -> tuple[str, ...]:
        return ("--backend", "local", "--s3-endpoint-url", self.s3_url)

    def bucket(self, name: str) -> str:
        """This test's bucket ``name`` in moto, created if need be."""
        bucket = f"{name}{self.suffix}"
        if not self.store.bucket_exists(bucket):
            self.store.create_bucket(bucket)
        return bucket

    def put(self, bucket: str, key: str, body: bytes) -> str:
        """Put an object in this test's ``bucket``; returns its ETag."""
        self.store.put_object(self.bucket(bucket), key, body)
        return hashlib.md5(body).hexdigest()

    def manifest(self, lines: list[str], *, key: str = "manifest.csv", etag: bool = True) -> dict:
        """A CSV manifest in moto, written as given; its JobManifest (ETag left out on request)."""
        body = "".join(f"{line}\n" for line in lines).encode()
        bucket = self.bucket("manifests")
        md5 = self.put("manifests", key, body)
        location = {"ObjectArn": f"arn:aws:s3:::{bucket}/{key}"}
        if etag:
            location["ETag"] = md5
        return {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": location,
        }


@pytest.fixture
def stand_in(state_dir: Path, moto_endpoint: str) -> Iterator[StandIn]:
    recorder = RecordingBackend(
        LocalBackend(Settings(state_dir=state_dir, s3_endpoint_url=moto_endpoint), autostart=False)
    )
    store = S3Store(endpoint_url=moto_endpoint, region="us-east-1")
    server = serve(recorder)
    try:
        yield StandIn(next(server), recorder, moto_endpoint, store)
    finally:
        server.close()


@pytest.fixture
def aws(s3bo: Callable[..., Run], stand_in: StandIn) -> Callable[..., Run]:
    """``s3bo --backend aws ...`` against the stand-in."""
    return lambda *args: s3bo(*stand_in.aws, *args, env=stand_in.env)


@pytest.fixture
def local(s3bo: Callable[..., Run], stand_in: StandIn) -> Callable[..., Run]:
    """``s3bo --backend local ...`` on the stand-in's state directory and objects."""
    return lambda *args: s3bo(*stand_in.local, *args, env=stand_in.env)
