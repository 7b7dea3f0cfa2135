"""Strict HTTP/1.1 framing over a raw socket: an ambiguous request is refused and the
connection closed, so that no body is ever read as a second request."""

from __future__ import annotations

import re
import socket

import pytest

from s3bo_cli.server.framing import printable
from tests.server.conftest import ACCOUNT, Server
from tests.server.test_serve_cli import running

HEAD = f"Host: {ACCOUNT}.localhost\r\nx-amz-account-id: {ACCOUNT}\r\n"
SMUGGLED = f"GET /v20180820/jobs/smuggled HTTP/1.1\r\n{HEAD}\r\n"
N = len(SMUGGLED)


def exchange(server: Server, raw: bytes) -> bytes:
    """Send ``raw`` and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(raw)
        return sock.makefile("rb").read()


def responses(data: bytes) -> list[str]:
    return re.findall(r"HTTP/1\.[01] (\d{3})", data.decode("latin-1"))


@pytest.mark.parametrize(
    ("framing", "status", "code"),
    [
        (f"Content-Length: 0\r\nContent-Length: {N}\r\n", 400, "BadRequest"),
        (f"Content-Length: {N}\r\nContent-Length: 0\r\n", 400, "BadRequest"),
        (f"Content-Length: {N}\r\nContent-Length: {N}\r\n", 400, "BadRequest"),
        (f"Content-Length: 0, {N}\r\n", 400, "BadRequest"),
        (f"Content-Length: +{N}\r\n", 400, "BadRequest"),
        (f"Transfer-Encoding: chunked\r\nContent-Length: {N}\r\n", 400, "BadRequest"),
        (f"Content-Length: {N}\r\nTransfer-Encoding: identity\r\n", 400, "BadRequest"),
        ("Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n", 400, "BadRequest"),
        ("Transfer-Encoding: gzip\r\n", 501, "NotImplemented"),
        ("Transfer-Encoding: chunked\r\n", 411, "MissingContentLength"),
        (f"Content-Length : {N}\r\n", 400, "BadRequest"),
        (f"X-Pad: a\r\nnot a header\r\nContent-Length: {N}\r\n", 400, "BadRequest"),
        (f"X-Pad: a\r\n Content-Length: {N}\r\n", 400, "BadRequest"),
        (f"X-Pad: a\x00b\r\nContent-Length: {N}\r\n", 400, "BadRequest"),
    ],
    ids=[
        "two-lengths-short-first",
        "two-lengths-long-first",
        "repeated-length",
        "length-list",
        "signed-length",
        "chunked-and-length",
        "length-and-identity",
        "two-transfer-encodings",
        "unknown-coding",
        "chunked",
        "space-before-colon",
        "line-without-colon",
        "folded-line",
        "nul-in-value",
    ],
)
def test_an_ambiguous_request_is_refused_and_the_connection_closed(server, framing, status, code):
    request = f"PUT /v20180820/jobs/abcde/tagging HTTP/1.1\r\n{HEAD}{framing}\r\n{SMUGGLED}"
    data = exchange(server, request.encode("latin-1"))
    assert responses(data) == [str(status)]  # one answer: the smuggled request never ran
    assert b"Connection: close" in data
    assert f"<Code>{code}</Code>".encode() in data
    assert server.request("GET", "/v20180820/jobs").status == 200


def test_one_length_per_request_still_frames_keep_alive_requests(server):
    first = f"GET /v20180820/jobs HTTP/1.1\r\n{HEAD}Content-Length: 0\r\n\r\n"
    last = f"GET /v20180820/jobs HTTP/1.1\r\n{HEAD}Connection: close\r\n\r\n"
    assert responses(exchange(server, (first + last).encode())) == ["200", "200"]


def test_control_characters_reach_the_log_escaped():
    with running() as (server, lines, proc):
        target = b"/\x1b[2J\x1b]0;owned\x07\x00\x9b31m"
        exchange(server, b"GET " + target + b" HTTP/1.1\r\nConnection: close\r\n\r\n")
        exchange(server, b"\x1b[31mBREW / HTTP/1.1\r\nConnection: close\r\n\r\n")
        proc.terminate()
        _, rest = proc.communicate(timeout=30)
    log = "".join(lines) + rest
    assert not set(log) & {"\x1b", "\x07", "\x00", "\x9b"}
    assert r"GET /\x1b[2J\x1b]0;owned\x07\x00\x9b31m - 404" in log
    assert r"\x1b[31mBREW / - 501" in log


def test_printable():
    assert printable("a\x1b[0m\x07\x00\n\r\t\x7f\x85é") == r"a\x1b[0m\x07\x00\x0a\x0d\x09\x7f\x85é"
