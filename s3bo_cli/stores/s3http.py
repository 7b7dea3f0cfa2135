"""A lean HTTP/1.1 client for the engine's per-object S3 requests.

A task sends one to three small requests, and at a thousand tasks a second the
client's own CPU is what bounds the engine: urllib3 spends about 240 µs of CPU on a
keep-alive request and ``http.client`` about 120, most of it building and parsing
headers through the ``email`` package. S3 answers are simple (a status line, a few
headers, a ``Content-Length`` or chunked body), so this client writes each request in
one write and reads the answer off its own buffer: about 30 µs.

Sockets are non-blocking and every wait goes through :mod:`s3bo_cli.greenio`, so the
same client serves threads (each blocks as with a socket timeout) and a task
process's event loop (hundreds of requests in flight on one thread).

Connections are kept alive and reused, newest first; a reused connection the server
has closed meanwhile is replaced and the request sent again once (every request
sent through it is idempotent). Network failures raise :class:`HttpError`.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from s3bo_cli import greenio

#: botocore's defaults for connecting and for waiting on a response.
TIMEOUT = 60.0
_MAX_HEAD = 65536
_READ_SIZE = 65536
_NO_BODY = frozenset({204, 304})


class HttpError(OSError):
    """The request could not be sent or its response read (not an HTTP error status)."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    #: By lower-case name; a repeated header's values joined by ", ".
    headers: dict[str, str]
    body: bytes


class _Connection:
    """A non-blocking socket and what has been read from it but not yet used.

    Every wait goes through :func:`greenio.wait_io`: on a loop's task it lets the
    other tasks run; on a plain thread it blocks, as a socket with a timeout does.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.timeout = timeout
        self.buffer = bytearray()
        self.used = False

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[self.sock.send(view) :]
            except (BlockingIOError, ssl.SSLWantWriteError):
                greenio.wait_io(self.sock.fileno(), write=True, timeout=self.timeout)
            except ssl.SSLWantReadError:
                greenio.wait_io(self.sock.fileno(), timeout=self.timeout)

    def fill(self) -> None:
        """Read what the peer has sent (waiting for some); ConnectionResetError at its end."""
        while True:
            try:
                data = self.sock.recv(_READ_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError):
                greenio.wait_io(self.sock.fileno(), timeout=self.timeout)
                continue
            except ssl.SSLWantWriteError:
                greenio.wait_io(self.sock.fileno(), write=True, timeout=self.timeout)
                continue
            if not data:
                raise ConnectionResetError("the server closed the connection")
            self.buffer += data
            return

    def until(self, marker: bytes) -> bytes:
        """The bytes up to and including ``marker`` (a line's end, a head's end)."""
        start = 0
        while (found := self.buffer.find(marker, start)) < 0:
            if len(self.buffer) > _MAX_HEAD:
                raise ValueError("a response line or head too long")
            start = max(0, len(self.buffer) - len(marker) + 1)
            self.fill()
        end = found + len(marker)
        data = bytes(self.buffer[:end])
        del self.buffer[:end]
        return data

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.fill()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def rest(self) -> bytes:
        """Everything up to the connection's end (a body without a length)."""
        while True:
            try:
                self.fill()
            except ConnectionResetError:
                data = bytes(self.buffer)
                self.buffer.clear()
                return data


class HttpPool:
    """Keep-alive connections to one ``http://`` or ``https://`` origin, for many threads."""

    def __init__(
        self,
        endpoint: str,
        *,
        size: int = 10,
        timeout: float = TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {endpoint}")
        self.secure = parts.scheme == "https"
        self.hostname = parts.hostname
        self.port = parts.port or (443 if self.secure else 80)
        self.size = max(1, size)
        self.timeout = timeout
        self._context = ssl_context or (ssl.create_default_context() if self.secure else None)
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._address: tuple[Any, ...] | None = None  # resolved once

    def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> Response:
        """Send one request (``target`` is the path and query) and read its whole response."""
        head = [f"{method} {target} HTTP/1.1\r\n"]
        head += [f"{name}: {value}\r\n" for name, value in headers.items()]
        if body or method in ("PUT", "POST"):
            head.append(f"Content-Length: {len(body)}\r\n")
        data = "".join(head).encode("latin-1") + b"\r\n" + body
        for attempt in (0, 1):
            conn = self._take()
            reused = conn.used
            try:
                conn.send(data)
                response, keep = _read_response(conn, method)
            except (OSError, ValueError) as exc:
                conn.close()
                if reused and attempt == 0 and not isinstance(exc, TimeoutError):
                    continue  # the server closed an idle connection: once more, afresh
                raise HttpError(f"{method} {self.hostname}:{self.port}: {exc}") from None
            if keep:
                conn.used = True
                self._give(conn)
            else:
                conn.close()
            return response
        raise AssertionError("unreachable")

    def _take(self) -> _Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            return self._connect()
        except OSError as exc:
            raise HttpError(f"cannot connect to {self.hostname}:{self.port}: {exc}") from None

    def _connect(self) -> _Connection:
        """A new connection, its connect (and TLS handshake) waited for as reads are."""
        if self._address is None:
            self._address = socket.getaddrinfo(self.hostname, self.port, type=socket.SOCK_STREAM)[0]
        family, kind, proto, _, address = self._address
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            if (error := sock.connect_ex(address)) not in (0, errno.EINPROGRESS):
                raise OSError(error, os.strerror(error))
            greenio.wait_io(sock.fileno(), write=True, timeout=self.timeout)
            if error := sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                raise OSError(error, os.strerror(error))
            if self._context is not None:
                sock = self._context.wrap_socket(
                    sock, server_hostname=self.hostname, do_handshake_on_connect=False
                )
                _handshake(sock, self.timeout)
        except BaseException:
            sock.close()
            raise
        return _Connection(sock, self.timeout)

    def _give(self, conn: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()


def _handshake(sock: ssl.SSLSocket, timeout: float) -> None:
    while True:
        try:
            sock.do_handshake()
            return
        except ssl.SSLWantReadError:
            greenio.wait_io(sock.fileno(), timeout=timeout)
        except ssl.SSLWantWriteError:
            greenio.wait_io(sock.fileno(), write=True, timeout=timeout)


def _read_response(conn: _Connection, method: str) -> tuple[Response, bool]:
    """The response on ``conn`` and whether the connection may be used again."""
    while True:
        lines = conn.until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/") or not code.isdigit():
            raise ValueError(f"not an HTTP response: {lines[0][:80]!r}")
        status = int(code)
        headers = _headers(lines[1:-2])
        if status != 100:
            break  # a 100 Continue is followed by the real response
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in _NO_BODY or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(conn)
    elif "content-length" in headers:
        body = conn.exactly(int(headers["content-length"]))
    else:
        body, keep = conn.rest(), False  # delimited by the connection's end
    return Response(status, reason, headers, body), keep


def _headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line: {line[:80]!r}")
        name, value = name.strip().lower(), value.strip()
        old = headers.get(name)
        headers[name] = value if old is None else f"{old}, {value}"
    return headers


def _read_chunked(conn: _Connection) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(conn.until(b"\r\n").split(b";", 1)[0].strip() or b"x", 16)
        if size == 0:
            trailers = conn.until(b"\r\n")  # trailers, up to the closing blank line
            while trailers != b"\r\n":
                trailers = conn.until(b"\r\n")
            return b"".join(parts)
        chunk = conn.exactly(size + 2)
        parts.append(chunk[:-2])
