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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.session
from botocore import parsers, serialize
from botocore.auth import _host_from_url
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.httpsession import get_cert_path
from botocore.parsers import ResponseParserError
from botocore.utils import percent_encode_sequence
from dateutil.tz import tzutc

from s3bo_cli import __version__
from s3bo_cli.errors import S3Error
from s3bo_cli.stores.s3http import HttpError, HttpPool
from s3bo_cli.stores.sigv4 import S3Signer

#: Payload bodies kept per operation (a job sends one; a tag merge, one per object).
_BODIES = 64


@dataclass
class _Operation:
    """An operation's model and what its calls share."""

    model: Any
    #: The input member serialized as the XML body (``Tagging`` …), if any.
    payload: str | None
    #: Whether the call must carry Content-MD5.
    checksum: bool
    #: (lower-case, model) spellings of the response headers the model names.
    header_names: tuple[tuple[str, str], ...]
    bodies: dict[str, bytes] = field(default_factory=dict)


class DirectS3:
    """Calls by operation name (``HeadObject``, ``PutObjectTagging`` …) with boto3's
    parameters and boto3's parsed response."""

    def __init__(self, endpoint: str, region: str, credentials: Any, *, size: int) -> None:
        self._model = _service_model()
        self._region = region
        self._user_agent = f"s3bo/{__version__} botocore/{botocore.__version__}"
        self._signer = S3Signer(credentials, region) if credentials is not None else None
        self._host = _host_from_url(endpoint)
        self._base_path = urlsplit(endpoint).path.rstrip("/")
        self._serializer = serialize.create_serializer("rest-xml", include_validation=False)
        self._parser = parsers.RestXMLParser(timestamp_parser=parse_timestamp)
        self._pool = HttpPool(endpoint, size=size, ssl_context=_ssl_context(endpoint))
        self._operations: dict[str, _Operation] = {}

    def call(self, name: str, **params: Any) -> dict[str, Any]:
        """One S3 call: its parsed response, or botocore's ``ClientError``."""
        operation = self._operations.get(name) or self._operation(name)
        body = None
        if operation.payload is not None and params.get(operation.payload) is not None:
            body = self._body(operation, params.pop(operation.payload))
        request = self._serializer.serialize_to_request(params, operation.model)
        if body is None:
            body = request["body"]
        headers = request["headers"]
        headers["User-Agent"] = self._user_agent
        headers["Host"] = self._host
        if operation.checksum:
            headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
        path, _, query = (self._base_path + request["url_path"]).partition("?")
        if request["query_string"]:
            extra = percent_encode_sequence(request["query_string"])
            query = f"{query}&{extra}" if query else extra
        if self._signer is None:
            raise NoCredentialsError()
        self._signer.sign(request["method"], path, query, headers, body)
        target = f"{path}?{query}" if query else path
        try:
            response = self._pool.request(request["method"], target, headers, body)
        except HttpError as exc:
            raise S3Error("ServiceUnavailable", 503, str(exc)) from None
        found = response.headers
        for lower, named in operation.header_names:
            if lower in found:  # the parser asks by the model's spelling
                found[named] = found[lower]
        raw = {"status_code": response.status, "headers": found, "body": response.body}
        try:
            parsed: dict[str, Any] = self._parser.parse(raw, operation.model.output_shape)
        except ResponseParserError as exc:
            raise S3Error("InternalError", 500, f"{name}: unreadable response: {exc}") from None
        if response.status >= 300:
            raise ClientError(parsed, name)
        return parsed

    def _operation(self, name: str) -> _Operation:
        model = self._model.operation_model(name)
        payload = model.input_shape.serialization.get("payload")
        if payload is not None and model.input_shape.members[payload].type_name != "structure":
            payload = None  # a streamed body: nothing to keep
        output = model.output_shape
        header_names = tuple(
            (member.serialization["name"].lower(), member.serialization["name"])
            for member in (output.members.values() if output is not None else ())
            if member.serialization.get("location") == "header"
            and member.serialization["name"] != member.serialization["name"].lower()
        )
        checksum = bool(
            model.http_checksum_required or model.http_checksum.get("requestChecksumRequired")
        )
        operation = _Operation(model, payload, checksum, header_names)
        self._operations[name] = operation
        return operation

    def _body(self, operation: _Operation, value: Any) -> bytes:
        """The XML body of a payload (a tag set, an ACL, a retention …), serialized once:
        a job sends the same one with every task."""
        key = repr(value)
        body = operation.bodies.get(key)
        if body is None:
            params = {"Bucket": "b", "Key": "k", operation.payload: value}
            body = self._serializer.serialize_to_request(params, operation.model)["body"]
            if len(operation.bodies) >= _BODIES:
                operation.bodies.clear()
            operation.bodies[key] = body
        return body


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
