"""Helpers for event tests: jobs through the real CLI, a burst worker, a webhook receiver."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.engine.conftest import job_args, put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
NAMESPACE = ("accounts", "123456789012", "us-east-1")


@pytest.fixture
def ns_dir(state_dir: Path) -> Path:
    """The namespace directory of the default account and region."""
    return state_dir.joinpath(*NAMESPACE)


@pytest.fixture
def make_job(s3bo, store) -> Callable[..., str]:
    """A tagging job over ``keys`` (``missing`` are in the manifest only); returns its id."""

    def make(
        keys=("a", "b c"),
        *,
        missing=(),
        tags=(),
        confirm=False,
        versions=False,
        options=(),
        priority=10,
    ) -> str:
        if not store.bucket_exists("photos"):
            store.create_bucket("photos", versioning=versions)
        rows = []
        for key in keys:
            version = store.put_object("photos", key, b"x").version_id
            rows.append(("photos", key, version) if versions else ("photos", key))
        rows += [("photos", key, "") if versions else ("photos", key) for key in missing]
        # One manifest per job (a job checks its manifest's ETag when it is prepared).
        manifest = put_manifest(store, rows, key=f"m{len(rows)}-{'-'.join(keys)}.csv")
        # --no-lint: empty manifests, versions
        args = job_args(TAG_OP, manifest, "--no-lint", *options, priority=priority)
        if confirm:
            args.remove("--no-confirmation-required")
        for key, value in tags:
            args += ["--tags", f"Key={key},Value={value}"]
        run = s3bo(*args)
        assert run.exit_code == 0, run
        return run.json["JobId"]

    return make


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def statuses(ns_dir: Path, job_id: str) -> list[str]:
    return [
        e["serviceEventDetails"]["status"]
        for e in read_events(ns_dir / "events.jsonl")
        if e["serviceEventDetails"]["jobId"] == job_id
    ]


class Receiver:
    """A loopback HTTP endpoint that records POSTs and answers from a script of codes."""

    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[int, dict]] = queue.Queue()
        self.script: list[int] = []  # status codes for the next requests, then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                code = receiver.script.pop(0) if receiver.script else 200
                receiver.requests.put((code, body))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/s3bo"

    def received(self) -> list[tuple[int, dict]]:
        items = []
        while not self.requests.empty():
            items.append(self.requests.get_nowait())
        return items


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        endpoint.server.shutdown()
        endpoint.server.server_close()
