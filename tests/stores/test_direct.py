"""The engine's direct S3 path: its signatures, its HTTP client and its parsing.

What the calls do is checked by the behaviour tests, which run on the engine's
S3Store too (the ``s3-direct`` store); here are the parts beneath them.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import DEFAULT_TIMESTAMP_PARSER

from s3bo_cli.errors import S3Error
from s3bo_cli.greenio import Loop
from s3bo_cli.stores.s3direct import parse_timestamp
from s3bo_cli.stores.s3http import HttpError, HttpPool
from s3bo_cli.stores.sigv4 import S3Signer

NOW = dt.datetime(2026, 11, 30, 21, 5, 7)
ENDPOINT = Path(__file__).resolve().parents[2] / "bench" / "s3endpoint.py"


class _Frozen:
    def __init__(self, creds: Credentials) -> None:
        self.creds = creds

    def get_frozen_credentials(self) -> Credentials:
        return self.creds


@pytest.mark.parametrize(
    ("method", "url", "headers", "body"),
    [
        ("PUT", "http://127.0.0.1:9000/data/k?tagging", {"Content-MD5": "abc=="}, b"<Tagging/>"),
        (
            "HEAD",
            "http://minio.lan/data/a%20b/%C3%A9%2B%3Fx",
            {"x-amz-checksum-mode": "ENABLED"},
            b"",
        ),
        ("GET", "https://s3.example.com:8443/data/k?versionId=v%2B1&tagging", {}, b""),
        (
            "PUT",
            "http://127.0.0.1:9000/data/k?retention&versionId=3",
            {"x-amz-bypass-governance-retention": "true", "User-Agent": "s3bo/1  x"},
            b"<Retention/>",
        ),
    ],
)
@pytest.mark.parametrize("token", [None, "session-token"])
def test_signature_is_botocores(monkeypatch, method, url, headers, body, token) -> None:
    from urllib.parse import urlsplit

    from botocore.auth import _host_from_url

    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: NOW)
    theirs = AWSRequest(method, url, {"Host": _host_from_url(url), **headers}, body)
    S3SigV4Auth(creds, "s3", "eu-west-1").add_auth(theirs)

    ours = {"Host": _host_from_url(url), **headers}
    parts = urlsplit(url)
    stamp = NOW.replace(tzinfo=dt.timezone.utc).timestamp()
    S3Signer(_Frozen(creds), "eu-west-1").sign(
        method, parts.path, parts.query, ours, body, now=stamp
    )
    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["X-Amz-Content-SHA256"] == theirs.headers["X-Amz-Content-SHA256"]
    assert ours.get("X-Amz-Security-Token") == theirs.headers.get("X-Amz-Security-Token")


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 30 Nov 2026 20:57:19 GMT",
        "Tue, 1 Dec 2026 01:02:03 GMT",
        "2026-12-03T20:59:55Z",
        "2026-12-03T20:59:55.123Z",
        "2026-12-03T20:59:55",
    ],
)
def test_timestamps_parse_as_botocore_parses_them(value: str) -> None:
    ours, theirs = parse_timestamp(value), DEFAULT_TIMESTAMP_PARSER(value)
    assert (ours, repr(ours.tzinfo)) == (theirs, repr(theirs.tzinfo))


# -- the HTTP client, against a scripted server ------------------------------------------


class Server:
    """A loopback server that answers each request with the next scripted reply."""

    def __init__(
        self,
        replies: list[bytes | Callable[[socket.socket], None]],
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.replies = list(replies)
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.replies:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except ssl.SSLError:  # the client refused the certificate
                    conn.close()
                    continue
            with conn:
                reader = conn.makefile("rb")
                while self.replies:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = reader.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    self.requests.append(head + reader.read(length))
                    reply = self.replies.pop(0)
                    if callable(reply):
                        reply(conn)
                        break
                    conn.sendall(reply)
                    if b"Connection: close" in reply:
                        break

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(
        *replies: bytes | Callable[[socket.socket], None], tls: ssl.SSLContext | None = None
    ) -> Server:
        started.append(Server(list(replies), tls))
        return started[-1]

    yield start
    for s in started:
        s.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-amz-version-id: v1\r\n\r\nhi"


def on_loop(function: Callable[[], Any]) -> Any:
    """``function()`` run as a task of an event loop (its waits switch to the hub)."""
    loop = Loop()
    outcome: list[tuple[Any, BaseException | None]] = []

    def task() -> None:
        try:
            outcome.append((function(), None))
        except Exception as exc:
            outcome.append((None, exc))
        loop.interrupt()

    loop.spawn(task)
    while not outcome:
        loop.run(60)
    loop.close()
    value, error = outcome[0]
    if error is not None:
        raise error
    return value


@pytest.fixture(params=["thread", "event loop"])
def call(request) -> Callable[[Callable[[], Any]], Any]:
    """Runs a request on a plain thread (it blocks) or as a task of an event loop."""
    if request.param == "thread":
        return lambda function: function()
    return on_loop


def test_keeps_the_connection_alive(server, call) -> None:
    srv = server(OK, OK, OK)
    pool = HttpPool(srv.url)
    bodies = [
        call(lambda i=i: pool.request("GET", f"/b/k{i}", {"Host": "x"})).body for i in range(3)
    ]
    assert bodies == [b"hi"] * 3
    assert srv.connections == 1
    assert srv.requests[0].startswith(b"GET /b/k0 HTTP/1.1\r\nHost: x\r\n")


def test_reads_chunked_bodies_and_repeated_headers(server, call) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n"
        b"3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nTrailer: t\r\n\r\n"
    )
    srv = server(chunked, OK)
    pool = HttpPool(srv.url)
    response = call(lambda: pool.request("GET", "/b/k", {}))
    assert (response.status, response.body, response.headers["x-a"]) == (200, b"abcdefg", "1, 2")
    assert (
        call(lambda: pool.request("GET", "/b/k", {})).body == b"hi"
    )  # the chunked body was read whole
    assert srv.connections == 1


def test_head_has_no_body_and_close_ends_the_connection(server, call) -> None:
    head = b"HTTP/1.1 404 Not Found\r\nContent-Length: 120\r\n\r\n"
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    srv = server(head, closing, OK)
    pool = HttpPool(srv.url)
    assert call(lambda: pool.request("HEAD", "/b/k", {})).status == 404
    assert call(lambda: pool.request("PUT", "/b/k?tagging", {}, b"<x/>")).status == 200
    assert call(lambda: pool.request("GET", "/b/k", {})).body == b"hi"
    assert srv.connections == 2
    assert b"Content-Length: 4\r\n" in srv.requests[1]


def test_an_idle_connection_the_server_closed_is_replaced(server, call) -> None:
    def hang_up(conn: socket.socket) -> None:
        conn.shutdown(socket.SHUT_RDWR)  # as a server does with an idle keep-alive

    srv = server(OK, hang_up, OK)
    pool = HttpPool(srv.url)
    assert call(lambda: pool.request("GET", "/b/1", {})).body == b"hi"
    assert (
        call(lambda: pool.request("GET", "/b/2", {})).body == b"hi"
    )  # sent again, on a new connection
    assert srv.connections == 2


def test_a_new_connection_that_fails_is_an_error(server, call) -> None:
    def hang_up(conn: socket.socket) -> None:
        conn.shutdown(socket.SHUT_RDWR)

    srv = server(hang_up, OK)
    with pytest.raises(HttpError):
        call(lambda: HttpPool(srv.url).request("GET", "/b/k", {}))


def test_garbage_is_an_error(server, call) -> None:
    srv = server(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(HttpError, match="not an HTTP response"):
        call(lambda: HttpPool(srv.url).request("GET", "/b/k", {}))


def test_an_endpoint_that_drops_the_connection_is_service_unavailable(server, monkeypatch, call):
    """A network failure reaches the engine as 503 ServiceUnavailable, which it retries."""
    from s3bo_cli.stores.s3store import S3Store

    def hang_up(conn: socket.socket) -> None:
        conn.shutdown(socket.SHUT_RDWR)

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    srv = server(hang_up)
    store = S3Store(endpoint_url=srv.url, region="us-east-1", in_flight=2)
    with pytest.raises(S3Error) as caught:
        call(lambda: store.put_object_tagging("data", "k", {"a": "b"}))
    assert (caught.value.code, caught.value.http_status) == ("ServiceUnavailable", 503)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate (and its key, in the same PEM file) for 127.0.0.1."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("tls") / "cert.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def test_https_endpoints_are_verified_and_kept_alive(server, call, certificate) -> None:
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(certificate)
    srv = server(OK, OK, tls=serving)
    trusting = ssl.create_default_context(cafile=str(certificate))
    pool = HttpPool(srv.url, ssl_context=trusting)
    assert call(lambda: pool.request("GET", "/b/1", {"Host": "x"})).body == b"hi"
    assert call(lambda: pool.request("GET", "/b/2", {"Host": "x"})).body == b"hi"
    assert srv.connections == 1


def test_an_https_endpoint_with_an_untrusted_certificate_is_refused(
    server, call, certificate
) -> None:
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(certificate)
    srv = server(OK, tls=serving)
    with pytest.raises(HttpError, match="CERTIFICATE_VERIFY_FAILED"):
        call(lambda: HttpPool(srv.url).request("GET", "/b/k", {}))  # default trust store


def test_a_response_that_arrives_in_pieces_is_read_whole(server, call) -> None:
    def trickle(conn: socket.socket) -> None:
        for piece in (b"HTTP/1.1 200 OK\r\nContent-", b"Length: 5\r\n\r", b"\nhel", b"lo"):
            conn.sendall(piece)
            time.sleep(0.02)  # each piece a packet of its own

    srv = server(trickle)
    assert call(lambda: HttpPool(srv.url).request("GET", "/b/k", {})).body == b"hello"


def test_an_endpoint_that_never_answers_times_out(server, call) -> None:
    def silent(conn: socket.socket) -> None:
        conn.recv(1)  # holds the connection open, answering nothing
        time.sleep(5)

    srv = server(silent)
    with pytest.raises(HttpError, match="timed out"):
        call(lambda: HttpPool(srv.url, timeout=0.1).request("GET", "/b/k", {}))


def test_on_an_event_loop_every_task_has_its_request_in_flight_at_once() -> None:
    """Fifty tasks on one thread: the endpoint sees all fifty requests at the same time."""
    endpoint = subprocess.Popen(
        [sys.executable, str(ENDPOINT), "--latency", "0.3"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = endpoint.stdout.readline().strip()
        pool = HttpPool(url, size=50)
        assert pool.request("PUT", "/data", {"Host": "x"}).status == 200  # the bucket
        loop = Loop()
        answers: list[int] = []

        def task(i: int) -> None:
            answers.append(pool.request("HEAD", f"/data/k{i}", {"Host": "x"}).status)
            loop.interrupt()

        for i in range(50):
            loop.spawn(task, i)
        while len(answers) < 50:
            loop.run(60)
        assert answers == [200] * 50
    finally:
        endpoint.terminate()
        counters = json.loads(endpoint.communicate(timeout=30)[0].strip().splitlines()[-1])
    assert counters["peak_in_flight"] == 50


def test_the_engine_store_sends_per_object_calls_itself(moto_endpoint: str) -> None:
    from s3bo_cli.stores.s3store import S3Store

    store = S3Store(endpoint_url=moto_endpoint, region="us-east-1", in_flight=2)
    store.create_bucket("direct-path")
    store.put_object("direct-path", "k", b"x")
    sent: list[str] = []
    pool = store._direct._pool  # type: ignore[union-attr]
    original = pool.request

    def recording(method: str, target: str, *args, **kwargs):
        sent.append(f"{method} {target}")
        return original(method, target, *args, **kwargs)

    pool.request = recording  # type: ignore[method-assign]
    store.put_object_tagging("direct-path", "k", {"a": "b"})
    assert store.get_object_tagging("direct-path", "k") == {"a": "b"}
    assert store.head_object("direct-path", "k").size == 1
    assert sent == [
        "PUT /direct-path/k?tagging",
        "GET /direct-path/k?tagging",
        "HEAD /direct-path/k",
    ]


@pytest.mark.parametrize(
    "key",
    [
        "a b+c",
        "é/ü/日本",
        "q?x=1&y",
        "hash#frag",
        "~tilde/%41",
        "dir//double",
        "/lead",
        "semi;colon",
    ],
)
def test_awkward_keys_reach_the_same_object_as_boto3(moto_endpoint: str, key: str) -> None:
    from s3bo_cli.stores.s3store import S3Store

    plain = S3Store(endpoint_url=moto_endpoint, region="us-east-1")
    direct = S3Store(endpoint_url=moto_endpoint, region="us-east-1", in_flight=2)
    if not plain.bucket_exists("awkward-keys"):
        plain.create_bucket("awkward-keys")
    plain.put_object("awkward-keys", key, b"x")
    direct.put_object_tagging("awkward-keys", key, {"k": "v"})
    assert plain.get_object_tagging("awkward-keys", key) == {"k": "v"}
    assert (
        direct.head_object("awkward-keys", key).etag == plain.head_object("awkward-keys", key).etag
    )
    direct.delete_object("awkward-keys", key)
    assert [o.key for o in plain.list_objects("awkward-keys") if o.key == key] == []
