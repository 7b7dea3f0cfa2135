"""A small S3 endpoint that answers after a set latency, and can throttle.

It stands for an endpoint across a network (S3 from outside its region, MinIO or
Ceph over a LAN): every request is answered after ``--latency`` seconds, and with
``--throttle-above N`` a PutObjectTagging request (a task's) that arrives while N
requests are already being served is answered at once with ``503 SlowDown``, as S3
does when a prefix is too busy.

It keeps buckets and objects in memory and serves what a tagging job needs:
CreateBucket, HeadBucket, PutObject, HeadObject, GetObject, GetObjectTagging (always
empty) and PutObjectTagging. Every key counts as existing for HeadObject and the
tagging calls, so a job can tag (and keep before-images of) a million objects that
were never uploaded. Authentication is not checked.

    python bench/s3endpoint.py [--latency 0.05] [--throttle-above N] [--port 0]

prints ``http://127.0.0.1:PORT`` on its first line once it listens, then serves
until killed; on SIGTERM it prints its counters (and the CPU time it used) as JSON
and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import signal
import sys
import time
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

EMPTY_TAGGING = b'<?xml version="1.0" encoding="UTF-8"?><Tagging><TagSet></TagSet></Tagging>'
EMPTY_ETAG = hashlib.md5(b"").hexdigest()


class Endpoint:
    """The in-memory S3 state and the rules for answering."""

    def __init__(self, latency: float, throttle_above: int | None) -> None:
        self.latency = latency
        self.throttle_above = throttle_above
        self.buckets: set[str] = set()
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.in_flight = 0
        self.counters = {
            "requests": 0,
            "throttled": 0,
            "tagged": 0,
            "tag_reads": 0,
            "peak_in_flight": 0,
        }

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await read_request(reader, writer)
                if request is None:
                    return
                method, target, body = request
                response = await self.answer(method, target, body)
                writer.write(response)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def answer(self, method: str, target: str, body: bytes) -> bytes:
        self.counters["requests"] += 1
        if (
            self.throttle_above is not None
            and self.in_flight >= self.throttle_above
            and method == "PUT"
            and "tagging" in target
        ):
            self.counters["throttled"] += 1
            return error(503, "SlowDown", "Please reduce your request rate.")
        self.in_flight += 1
        self.counters["peak_in_flight"] = max(self.counters["peak_in_flight"], self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return self.act(method, target, body)
        finally:
            self.in_flight -= 1

    def act(self, method: str, target: str, body: bytes) -> bytes:
        parts = urlsplit(target)
        bucket, _, key = parts.path.lstrip("/").partition("/")
        key = unquote(key)
        query = parts.query
        if not key:
            if method == "PUT":
                self.buckets.add(bucket)
                return response(200, headers={"Location": f"/{bucket}"})
            if method == "HEAD":
                return response(200 if bucket in self.buckets else 404)
            return error(405, "MethodNotAllowed", "Not supported here.")
        if "tagging" in query and method == "PUT":
            self.counters["tagged"] += 1
            return response(200)
        if "tagging" in query and method == "GET":  # a before-image's read: no tags yet
            self.counters["tag_reads"] += 1
            return response(200, EMPTY_TAGGING, headers={"Content-Type": "application/xml"})
        if method == "PUT":
            etag = hashlib.md5(body).hexdigest()
            self.objects[(bucket, key)] = (body, etag)
            return response(200, headers={"ETag": f'"{etag}"'})
        if method in ("GET", "HEAD"):
            found = self.objects.get((bucket, key))
            if found is None and method == "HEAD" and bucket in self.buckets:
                found = (b"", EMPTY_ETAG)  # every key counts as existing, as for tagging
            if found is None:
                return error(404, "NoSuchKey", "The specified key does not exist.", method)
            data, etag = found
            headers = {
                "ETag": f'"{etag}"',
                "Last-Modified": formatdate(usegmt=True),
                "Content-Type": "binary/octet-stream",
            }
            if method == "HEAD":
                return response(200, headers=headers, length=len(data))
            return response(200, data, headers=headers)
        return error(405, "MethodNotAllowed", "Not supported here.")


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> tuple[str, str, bytes] | None:
    """One HTTP/1.1 request: method, target and body; None when the client hung up."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += (await reader.readexactly(size + 2))[:-2]
        while await reader.readuntil(b"\r\n") != b"\r\n":
            pass  # trailers
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, target, body


def response(
    status: int,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> bytes:
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Slow Down"}
    lines = [f"HTTP/1.1 {status} {reason.get(status, 'Error')}"]
    fields = {
        "x-amz-request-id": "0",
        "Content-Length": str(len(body) if length is None else length),
    }
    fields.update(headers or {})
    lines += [f"{name}: {value}" for name, value in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def error(status: int, code: str, message: str, method: str = "GET") -> bytes:
    if method == "HEAD":
        return response(status)
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>0</RequestId></Error>"
    ).encode()
    return response(status, body, headers={"Content-Type": "application/xml"})


async def serve(args: argparse.Namespace) -> None:
    endpoint = Endpoint(args.latency, args.throttle_above)
    server = await asyncio.start_server(endpoint.handle, "127.0.0.1", args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with server:
        await stop
    print(json.dumps({**endpoint.counters, "cpu_seconds": time.process_time()}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--throttle-above", type=int, help="503 SlowDown above this many")
    parser.add_argument("--port", type=int, default=0)
    try:
        asyncio.run(serve(parser.parse_args()))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
