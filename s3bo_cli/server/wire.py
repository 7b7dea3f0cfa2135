"""The S3 Control REST-XML wire format of the job operations, driven by the model.

``parse_request`` turns an HTTP request into ``(operation, params)`` with the
keyword arguments boto3 would have been called with; ``render_response`` and
``render_error`` turn results and errors into what botocore expects back.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException

from s3bo_cli import apimodel
from s3bo_cli.errors import (
    ExitCode,
    S3boError,
    ServiceError,
    service_error,
)
from s3bo_cli.server import routes, xmlcodec
from s3bo_cli.server.framing import MAX_BODY_BYTES as MAX_BODY_BYTES
from s3bo_cli.validation import validation_error

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
Headers = dict[str, str]


def _host_label(host: str) -> str | None:
    """The first DNS label of ``Host`` when it is a name with a prefix, as in ``{AccountId}.h``."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ipaddress.ip_address(name.strip("[]"))
        return None
    except ValueError:
        pass
    label, dot, rest = name.partition(".")
    return label if dot and label and rest else None


def parse_request(
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> tuple[str, dict[str, Any]]:
    """``(operation, params)`` for one HTTP request, or a ServiceError the client understands.

    ``path`` is the raw (still URL-encoded) path; ``query`` is already decoded,
    one list of values per name, as :func:`urllib.parse.parse_qs` returns it.
    """
    operation, labels = routes.resolve(method, path)
    lowered = {key.lower(): value for key, value in headers.items()}
    shape = apimodel.shape(apimodel.input_shape_name(operation))
    params: dict[str, Any] = {}
    try:
        for name, ref in shape["members"].items():
            value = _located(ref, labels, query, lowered)
            if value is None and ref.get("hostLabel"):
                value = _host_label(lowered.get("host", ""))
            if value is not None:
                params[name] = _convert(ref, value)
        if body and _has_body_members(shape):
            params.update(_parse_body(operation, shape, body))
    except xmlcodec.ValueProblem as exc:
        raise validation_error(operation, str(exc)) from None
    return operation, params


def _located(
    ref: dict[str, Any],
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
) -> str | list[str] | None:
    where, name = ref.get("location"), ref.get("locationName", "")
    if where == "uri":
        return labels.get(name)
    if where == "header":
        return headers.get(name.lower())
    if where == "querystring":
        values = query.get(name)
        if not values:
            return None
        return list(values) if apimodel.shape(ref["shape"])["type"] == "list" else values[-1]
    return None


def _convert(ref: dict[str, Any], value: str | list[str]) -> Any:
    shape = apimodel.shape(ref["shape"])
    where = ref.get("locationName", "")
    if shape["type"] == "list":
        items = value if isinstance(value, list) else [value]
        return [xmlcodec.from_text(shape["member"]["shape"], item, where) for item in items]
    return xmlcodec.from_text(ref["shape"], value if isinstance(value, str) else value[-1], where)


def _has_body_members(shape: dict[str, Any]) -> bool:
    return any(not ref.get("location") for ref in shape["members"].values())


def _parse_body(operation: str, shape: dict[str, Any], body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise validation_error(operation, f"The request body exceeds {MAX_BODY_BYTES} bytes")
    try:
        root = xmlcodec.parse_xml(body)
    except DefusedXmlException:
        raise validation_error(
            operation, "The XML you provided uses DTDs or entities, which are not allowed"
        ) from None
    except (ParseError, ValueError) as exc:
        raise validation_error(
            operation,
            f"The XML you provided was not well-formed or did not validate: {exc}",
        ) from None
    expected = apimodel.operation(operation)["input"].get("locationName")
    if expected and xmlcodec.local_name(root.tag) != expected:
        raise validation_error(
            operation, f"Expected root element {expected}, got {xmlcodec.local_name(root.tag)}"
        )
    return xmlcodec.decode_members(shape, root, "")


def render_response(operation: str, result: Mapping[str, Any]) -> tuple[int, Headers, bytes]:
    """``(status, headers, body)`` for a successful call; empty body when the output has none."""
    name = apimodel.output_shape_name(operation)
    shape = apimodel.shape(name) if name else {"members": {}}
    headers: Headers = {}
    status = 200
    for member, ref in shape["members"].items():
        value = result.get(member)
        if value is None:
            continue
        if ref.get("location") == "header":
            headers[ref["locationName"]] = xmlcodec.to_text(ref["shape"], value)
        elif ref.get("location") == "statusCode":
            status = int(value)
    if not name or not _has_body_members(shape):
        return status, headers, b""
    tag = shape.get("locationName", name)
    body = xmlcodec.document(tag, shape, dict(result), apimodel.XML_NAMESPACE)
    headers["Content-Type"] = "application/xml"
    return status, headers, XML_DECLARATION + body.encode()


def render_error(error: ServiceError, request_id: str | None = None) -> tuple[int, Headers, bytes]:
    """``(status, headers, body)`` of an S3 Control ``<ErrorResponse>``."""
    request_id = request_id or new_request_id()
    root = Element("ErrorResponse")
    node = SubElement(root, "Error")
    SubElement(node, "Code").text = error.code
    SubElement(node, "Message").text = error.message
    SubElement(root, "RequestId").text = request_id
    headers = {"Content-Type": "application/xml"}
    allow = getattr(error, "allow", None)
    if allow:
        headers["Allow"] = ", ".join(allow)
    return error.http_status, headers, XML_DECLARATION + tostring(root, encoding="unicode").encode()


def as_service_error(exc: BaseException, operation: str | None = None) -> ServiceError:
    """Any exception as the ServiceError a client should see.

    Service errors pass through; other s3bo errors (parameter validation and
    the like) become the operation's 400; anything else is a 500.
    """
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, S3boError) and exc.exit_code == ExitCode.USAGE:
        return validation_error(operation, exc.message)
    if isinstance(exc, S3boError):
        return service_error("InternalServiceException", exc.message, operation=operation)
    return service_error(
        "InternalServiceException",
        "We encountered an internal error. Please try again.",
        operation=operation,
    )


def new_request_id() -> str:
    """A request id in the style S3 uses (16 upper-case hex digits)."""
    return uuid.uuid4().hex[:16].upper()
