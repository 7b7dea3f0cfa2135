"""Verify AWS Signature Version 4 ``Authorization`` headers against one key pair.

The expected signature is computed by botocore's own S3 signer (the code the
aws CLI and boto3 signed the request with) over the request as received; this
module only reads the header, checks the key id, the dates and the scope, and
compares.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from hashlib import sha256
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

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


class Authorization(NamedTuple):
    """A SigV4 ``Authorization`` header, read but not yet verified."""

    key_id: str
    date: str
    region: str
    service: str
    signed_headers: list[str]
    signature: str


def authorization(headers: Mapping[str, str]) -> Authorization | None:
    """The request's SigV4 header, None when it has none, or a 400 when it is malformed."""
    header = _lowered(headers).get("authorization")
    if not header:
        return None
    match = _AUTH_RE.match(header.strip())
    if not match:
        raise AuthError(
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; expected {ALGORITHM} "
            "Credential=..., SignedHeaders=..., Signature=...",
            http_status=400,
        )
    scope = match["credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise AuthError(
            "AuthorizationHeaderMalformed", "The credential scope is malformed", http_status=400
        )
    key_id, date, region, service, _ = scope
    signed = match["signed"].lower().split(";")
    return Authorization(key_id, date, region, service, signed, match["signature"].lower())


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
    """Return when the request is signed with ``creds``; raise :class:`AuthError` otherwise.

    ``path`` and ``query`` are as received (still URL-encoded); ``headers`` has
    each name once (repeated headers joined with commas).
    """
    auth = authorization(headers)
    if auth is None:
        raise AuthError("AccessDenied", "Access Denied: the request is not signed")
    if not hmac.compare_digest(auth.key_id, creds.access_key_id):
        raise AuthError(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    lowered = _lowered(headers)
    amz_date = lowered.get("x-amz-date", "")
    _check_clock(amz_date, auth.date, now or datetime.now(timezone.utc))
    payload_hash = lowered.get("x-amz-content-sha256")
    if payload_hash not in (None, "UNSIGNED-PAYLOAD") and payload_hash != sha256(body).hexdigest():
        raise AuthError(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            http_status=400,
        )
    expected = _signature(creds, auth, method, path, query, lowered, body, amz_date)
    if not hmac.compare_digest(expected, auth.signature):
        raise AuthError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )


def _signature(
    creds: Credentials,
    auth: Authorization,
    method: str,
    path: str,
    query: str,
    lowered: Mapping[str, str],
    body: bytes,
    amz_date: str,
) -> str:
    """The signature botocore's S3 signer gives the request as received."""
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    # The query is decoded here and re-encoded by the signer, as it encodes a
    # client's parameters; the path is signed as sent (S3 does not normalize it).
    request = AWSRequest(
        method=method.upper(),
        url=f"http://{lowered.get('host') or 'localhost'}{path or '/'}",
        data=body,
        params=parse_qsl(query, keep_blank_values=True),
        headers={name: lowered.get(name, "") for name in auth.signed_headers},
    )
    request.context["timestamp"] = amz_date
    signer = _signer_class()(
        BotoCredentials(creds.access_key_id, creds.secret_access_key),
        auth.service,
        auth.region,
        auth.signed_headers,
    )
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))


_SIGNER: Any = None


def _signer_class() -> Any:
    """botocore's ``S3SigV4Auth``, told which headers the client chose to sign.

    botocore picks the headers itself when it signs (all but a few); a verifier
    must use the client's ``SignedHeaders`` list instead, whatever client sent it.
    """
    global _SIGNER
    if _SIGNER is None:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import HTTPHeaders

        class ReceivedRequestSigner(S3SigV4Auth):
            def __init__(
                self, credentials: Any, service: str, region: str, signed: list[str]
            ) -> None:
                super().__init__(credentials, service, region)
                self._signed = signed

            def headers_to_sign(self, request: Any) -> Any:
                chosen = HTTPHeaders()
                for name in self._signed:
                    chosen[name] = request.headers.get(name, "")
                return chosen

        _SIGNER = ReceivedRequestSigner
    return _SIGNER


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


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
