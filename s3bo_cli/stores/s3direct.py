"""Per-object S3 calls for the engine, without botocore's per-call pipeline.

A boto3 call costs about 800 µs of CPU, most of it in machinery a task does not
need once per object: the event hooks, endpoint-rule resolution, retries and
urllib3. :class:`DirectS3` keeps botocore's own parts that give a call its
meaning, the service model's serializer and response parser (so requests, answers
and errors are the ones boto3 would give), signs as botocore does
(:mod:`s3bo_cli.stores.sigv4`) and sends the request over
:mod:`s3bo_cli.stores.s3http`: about a quarter of the CPU.

It serves an explicit endpoint with path-style addressing (MinIO, Ceph, R2, moto,
any S3 endpoint given as a URL), where a bucket's URL needs no resolving. Errors
are raised as botocore's ``ClientError``, exactly as a boto3 call raises them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.session
from botocore import parsers, serialize
from botocore.auth import _host_from_url
from botocore.awsrequest import prepare_request_dict
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.httpsession import get_cert_path
from botocore.parsers import ResponseParserError
from dateutil.tz import tzutc

from s3bo_cli import __version__
from s3bo_cli.errors import S3Error
from s3bo_cli.stores.s3http import HttpError, HttpPool
from s3bo_cli.stores.sigv4 import S3Signer


class DirectS3:
    """Calls by operation name (``HeadObject``, ``PutObjectTagging`` …) with boto3's
    parameters and boto3's parsed response."""

    def __init__(self, endpoint: str, region: str, credentials: Any, *, size: int) -> None:
        self._model = _service_model()
        self._endpoint = endpoint
        self._region = region
        self._user_agent = f"s3bo/{__version__} botocore/{botocore.__version__}"
        self._signer = S3Signer(credentials, region) if credentials is not None else None
        self._host = _host_from_url(self._endpoint)
        self._serializer = serialize.create_serializer("rest-xml", include_validation=False)
        self._parser = parsers.RestXMLParser(timestamp_parser=parse_timestamp)
        self._pool = HttpPool(self._endpoint, size=size, ssl_context=_ssl_context(self._endpoint))
        self._operations: dict[str, Any] = {}

    def call(self, name: str, **params: Any) -> dict[str, Any]:
        """One S3 call: its parsed response, or botocore's ``ClientError``."""
        operation = self._operations.get(name)
        if operation is None:
            operation = self._operations[name] = self._model.operation_model(name)
        request = self._serializer.serialize_to_request(params, operation)
        prepare_request_dict(request, self._endpoint, user_agent=self._user_agent)
        headers = request["headers"]
        headers["Host"] = self._host
        body = request["body"]
        if operation.http_checksum_required or operation.http_checksum.get(
            "requestChecksumRequired"
        ):
            headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
        if self._signer is None:
            raise NoCredentialsError()
        parts = urlsplit(request["url"])
        self._signer.sign(request["method"], parts.path, parts.query, headers, body)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            response = self._pool.request(request["method"], target, headers, body)
        except HttpError as exc:
            raise S3Error("ServiceUnavailable", 503, str(exc)) from None
        raw = {"status_code": response.status, "headers": response.headers, "body": response.body}
        try:
            parsed: dict[str, Any] = self._parser.parse(raw, operation.output_shape)
        except ResponseParserError as exc:
            raise S3Error("InternalError", 500, f"{name}: unreadable response: {exc}") from None
        if response.status >= 300:
            raise ClientError(parsed, name)
        return parsed

    def close(self) -> None:
        self._pool.close()


_MODEL: list[Any] = []
_MODEL_LOCK = threading.Lock()


def _service_model() -> Any:
    """S3's service model, read once per process from botocore's data, and kept apart
    from boto3 clients' (whose handlers rewrite its request URIs for endpoint rules)."""
    with _MODEL_LOCK:
        if not _MODEL:
            _MODEL.append(botocore.session.Session().get_service_model("s3"))
        return _MODEL[0]


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_UTC = tzutc()


def parse_timestamp(value: str) -> datetime:
    """botocore's timestamp parsing, fast for the form S3's headers use (RFC 1123,
    ``Mon, 30 Nov 2026 20:57:19 GMT``: every HeadObject's Last-Modified). botocore's own
    goes through dateutil, a sixth of a HeadObject call's CPU. Same value, same tzinfo."""
    if value.endswith(" GMT"):
        try:
            _, day, month, year, clock, _ = value.split()
            hour, minute, second = clock.split(":")
            return datetime(
                int(year),
                _MONTHS[month],
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=_UTC,
            )
        except (ValueError, KeyError):
            pass
    return parsers.DEFAULT_TIMESTAMP_PARSER(value)


def _ssl_context(endpoint: str) -> ssl.SSLContext | None:
    """For ``https`` endpoints, the certificates botocore would trust (``AWS_CA_BUNDLE``
    or its bundled ones)."""
    if not endpoint.startswith("https"):
        return None
    return ssl.create_default_context(cafile=get_cert_path(os.environ.get("AWS_CA_BUNDLE") or True))
