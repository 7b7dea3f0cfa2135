"""``s3bo serve``: the S3 Control job API over HTTP, in front of any Backend.

Built on the standard library's HTTP server (botocore computes signatures
under ``--require-auth``). Requests may use any ``Host``
(``123456789012.localhost:8484``) and absolute-form targets
(``GET http://123456789012.s3control.local/...``, what clients send through an
``HTTP_PROXY``); the path picks the operation, the credential scope or an AWS
host name the region (:mod:`s3bo_cli.server.regions`).
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import SplitResult, parse_qs, urlsplit

from s3bo_cli import __version__
from s3bo_cli.backends.base import Backend
from s3bo_cli.errors import ServiceError
from s3bo_cli.server import auth, framing, regions, routes, wire
from s3bo_cli.server.pool import ThreadPool
from s3bo_cli.server.regions import RegionalBackends

log = logging.getLogger("s3bo.serve")


class _Printable(logging.Filter):
    """Every serve log line with the client's control characters escaped."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = framing.printable(record.getMessage()), None
        return True


log.addFilter(_Printable())
#: The GIL switch interval while serving (Python's default is 5 ms).
SWITCH_INTERVAL = 0.0005
_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


class S3ControlServer(ThreadingHTTPServer):
    """A threaded HTTP server holding the backend and the server options."""

    daemon_threads = True
    # socketserver's default backlog is 5: a burst of clients connecting at once
    # overflows it and the kernel drops their SYNs, which clients retry after 1 s,
    # then 3 s. The kernel caps this at net.core.somaxconn.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        backend: Backend,
        *,
        credentials: auth.Credentials | None = None,
        debug: bool = False,
    ) -> None:
        self.backend = backend
        self.backends = RegionalBackends(backend)
        self.credentials = credentials
        self.debug = debug
        self.pool = ThreadPool(idle_seconds=S3ControlHandler.timeout)
        super().__init__(address, S3ControlHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a reused thread (see :mod:`s3bo_cli.server.pool`)."""
        self.pool.submit(lambda: self.process_request_thread(request, client_address))

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke outside the error boundary (client gone): log, keep serving."""
        log.debug("connection from %s failed", client_address, exc_info=True)


class S3ControlHandler(BaseHTTPRequestHandler):
    """One connection; each request goes through :meth:`dispatch`, the error boundary."""

    server: S3ControlServer
    protocol_version = "HTTP/1.1"
    server_version = f"s3bo/{__version__}"

    def version_string(self) -> str:
        return self.server_version

    timeout = 60  # idle keep-alive connections do not hold a thread forever
    # Headers and body go out in two writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms) on every keep-alive request.
    disable_nagle_algorithm = True
    # Buffer each response so that headers and body leave in one write (one
    # packet, one syscall); http.server flushes after every request.
    wbufsize = 64 * 1024

    def dispatch(self) -> None:
        started = time.perf_counter()
        request_id = wire.new_request_id()
        operation: str | None = None
        target = urlsplit(self.path)
        path = target.path or "/"
        try:
            body = self._read_body()
            operation = self._route(target, body)
            status, headers, payload = self._call(operation, target, body)
        except Exception as exc:  # the error boundary: every failure becomes XML
            error = wire.as_service_error(exc, operation)
            if not isinstance(exc, ServiceError):
                where = operation or "request"
                log.error("internal error in %s: %r", where, exc, exc_info=self.server.debug)
            status, headers, payload = wire.render_error(error, request_id)
        elapsed = (time.perf_counter() - started) * 1000
        self._send(status, headers, payload, request_id)
        # Logged once the answer is out: the client does not wait for the log's lock
        # and write (under a burst, fifty threads queue on that lock).
        log.info("%s %s %s %d %.1fms", self.command, path, operation or "-", status, elapsed)

    def _read_body(self) -> bytes:
        try:
            length = framing.body_length(self.headers)
        except framing.FramingError:
            self.close_connection = True  # the request's end is unknown: do not read on
            raise
        return self.rfile.read(length) if length > 0 else b""

    def _route(self, target: SplitResult, body: bytes) -> str:
        if self.server.credentials is not None:
            auth.verify(
                self.server.credentials,
                method=self.command,
                path=target.path or "/",
                query=target.query,
                headers=self._headers(),
                body=body,
            )
        operation, _ = routes.resolve(self.command, target.path or "/")
        return operation

    def _call(
        self, operation: str, target: SplitResult, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        headers = self._headers()
        host = next((v for k, v in headers.items() if k.lower() == "host"), None)
        if host is None and target.netloc:
            headers["Host"] = host = target.netloc
        region = regions.request_region(headers, host or "", self.server.backends.region)
        query = parse_qs(target.query, keep_blank_values=True)
        _, params = wire.parse_request(self.command, target.path or "/", query, headers, body)
        try:
            result = self.server.backends.for_region(region).invoke(operation, params)
        except ServiceError as exc:
            exc.operation = exc.operation or operation
            raise
        return wire.render_response(operation, result or {})

    def _headers(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for key, value in self.headers.items():
            merged[key] = f"{merged[key]},{value}" if key in merged else value
        return merged

    def _send(self, status: int, headers: dict[str, str], payload: bytes, request_id: str) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("x-amz-request-id", request_id)
        self.send_header("x-amz-id-2", request_id)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()  # now, in one write: not after whatever the request does next

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unknown method) as XML too."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unparsable request line: answer in HTTP/1.0
            self.request_version = "HTTP/1.0"
        names = {400: "BadRequest", 414: "RequestURITooLong", 431: "RequestHeaderFieldsTooLarge"}
        error = ServiceError(
            message or explain or "Bad request",
            code=names.get(code, "NotImplemented" if code == 501 else "BadRequest"),
            http_status=code,
        )
        status, headers, payload = wire.render_error(error)
        if not hasattr(self, "command") or self.command is None:
            self.command = ""
        log.info("%s %s - %d", self.command or "-", getattr(self, "path", "-"), code)
        self._send(status, headers, payload, wire.new_request_id())

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Requests are logged once, by :meth:`dispatch`."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


for _method in _METHODS:
    setattr(S3ControlHandler, f"do_{_method}", S3ControlHandler.dispatch)


class Running(NamedTuple):
    """A server started in a background thread: its port and how to stop it."""

    port: int
    stop: Callable[[], None]


def make_server(
    backend: Backend,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: auth.Credentials | None = None,
    debug: bool = False,
) -> S3ControlServer:
    """A bound, not yet serving server (``port=0`` picks a free port)."""
    return S3ControlServer((host, port), backend, credentials=credentials, debug=debug)


def start_in_thread(
    backend: Backend,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: auth.Credentials | None = None,
    debug: bool = False,
) -> Running:
    """Serve in a daemon thread; returns the bound port and an idempotent ``stop()``."""
    server = make_server(backend, host=host, port=port, credentials=credentials, debug=debug)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="s3bo-serve", daemon=True
    )
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if not stopped.is_set():
            stopped.set()
            server.shutdown()
            server.server_close()
            thread.join()

    return Running(server.port, stop)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server private to this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(server: S3ControlServer) -> None:
    """Serve until SIGINT or SIGTERM, then close the socket and return."""

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        # shutdown() waits for serve_forever(), which runs in this very thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    # One thread per connection: with the default 5 ms switch interval, a burst of
    # new connections waits in 5 ms steps for the GIL; short slices keep each
    # request's latency near its own cost.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        sys.setswitchinterval(switch)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
