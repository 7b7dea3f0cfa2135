"""Verify AWS Signature Version 4 ``Authorization`` headers against one key pair."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote

from s3bo_cli.errors import ServiceError

ALGORITHM = "AWS4-HMAC-SHA256"
#: Requests signed further than this from the server clock are refused, as S3 does.
MAX_SKEW = timedelta(minutes=15)
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


class AuthError(ServiceError):
    """A request the configured credentials do not authorize (403 unless stated)."""

    http_status = 403

    def __init__(self, code: str, message: str, *, http_status: int = 403) -> None:
        super().__init__(message, code=code, http_status=http_status)


@dataclass(frozen=True)
class Credentials:
    """The one access key pair ``s3bo serve --require-auth`` accepts."""

    access_key_id: str
    secret_access_key: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def canonical_query(query: str) -> str:
    """Query parameters decoded, re-encoded the SigV4 way and sorted."""
    pairs = parse_qsl(query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_request(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed: list[str],
    payload_hash: str,
) -> str:
    """The SigV4 canonical request (S3 flavour: the path is used as sent, not re-encoded)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    lines = [f"{name}:{' '.join(lowered.get(name, '').split())}" for name in signed]
    return "\n".join(
        [method, path or "/", canonical_query(query), *lines, "", ";".join(signed), payload_hash]
    )


def verify(
    creds: Credentials,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Return when the request is signed with ``creds``; raise :class:`AuthError` otherwise."""
    lowered = {key.lower(): value for key, value in headers.items()}
    header = lowered.get("authorization")
    if not header:
        raise AuthError("AccessDenied", "Access Denied: the request is not signed")
    match = _AUTH_RE.match(header.strip())
    if not match:
        raise AuthError(
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; expected {ALGORITHM} "
            "Credential=..., SignedHeaders=..., Signature=...",
            http_status=400,
        )
    scope_parts = match["credential"].split("/")
    if len(scope_parts) != 5 or scope_parts[4] != "aws4_request":
        raise AuthError(
            "AuthorizationHeaderMalformed", "The credential scope is malformed", http_status=400
        )
    key_id, date, region, service, _ = scope_parts
    if not hmac.compare_digest(key_id, creds.access_key_id):
        raise AuthError(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    amz_date = lowered.get("x-amz-date", "")
    _check_clock(amz_date, date, now or datetime.now(timezone.utc))
    payload_hash = lowered.get("x-amz-content-sha256") or _sha256(body)
    if payload_hash != "UNSIGNED-PAYLOAD" and payload_hash != _sha256(body):
        raise AuthError(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            http_status=400,
        )
    signed = match["signed"].lower().split(";")
    request = canonical_request(
        method=method,
        path=path,
        query=query,
        headers=lowered,
        signed=signed,
        payload_hash=payload_hash,
    )
    scope = "/".join(scope_parts[1:])
    to_sign = "\n".join([ALGORITHM, amz_date, scope, _sha256(request.encode("utf-8"))])
    key = ("AWS4" + creds.secret_access_key).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"].lower()):
        raise AuthError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )


def _check_clock(amz_date: str, scope_date: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise AuthError(
            "AccessDenied", "AWS authentication requires a valid X-Amz-Date header"
        ) from None
    if not amz_date.startswith(scope_date):
        raise AuthError(
            "SignatureDoesNotMatch", "The credential scope date does not match X-Amz-Date"
        )
    if abs(now - signed_at) > MAX_SKEW:
        raise AuthError(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )
