"""SigV4 verification, checked against botocore's own signer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from s3bo_cli.server import auth

CREDS = auth.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
BOTO_CREDS = BotoCredentials(CREDS.access_key_id, CREDS.secret_access_key)
URL = "http://123456789012.s3control.local/v20180820/jobs/j-123%2Fx/status?requestedJobStatus=Cancelled&statusUpdateReason=a%20b%2Cc"


def signed(
    *, key: str = CREDS.access_key_id, secret: str = CREDS.secret_access_key, body: bytes = b""
) -> tuple[dict[str, str], bytes]:
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"x-amz-account-id": "123456789012"}
    )
    S3SigV4Auth(BotoCredentials(key, secret), "s3", "us-west-2").add_auth(request)
    headers = {k: v for k, v in request.headers.items()}
    headers["Host"] = urlsplit(URL).netloc
    return headers, body


def check(headers: dict[str, str], body: bytes, now: datetime | None = None) -> None:
    parts = urlsplit(URL)
    auth.verify(
        CREDS,
        method="POST",
        path=parts.path,
        query=parts.query,
        headers=headers,
        body=body,
        now=now,
    )


def test_a_botocore_signature_verifies():
    check(*signed())
    check(*signed(body=b"<PutJobTaggingRequest/>"))


def test_wrong_secret_is_signature_does_not_match():
    with pytest.raises(auth.AuthError) as caught:
        check(*signed(secret="not-the-secret"))
    assert (caught.value.code, caught.value.http_status) == ("SignatureDoesNotMatch", 403)


def test_unknown_key_is_invalid_access_key_id():
    with pytest.raises(auth.AuthError) as caught:
        check(*signed(key="AKIDOTHER"))
    assert (caught.value.code, caught.value.http_status) == ("InvalidAccessKeyId", 403)


def test_missing_authorization_is_access_denied():
    headers, body = signed()
    del headers["Authorization"]
    with pytest.raises(auth.AuthError) as caught:
        check(headers, body)
    assert caught.value.code == "AccessDenied"


def test_tampered_signed_header_fails():
    headers, body = signed()
    headers["x-amz-account-id"] = "999999999999"
    with pytest.raises(auth.AuthError, match="signature"):
        check(headers, body)


def test_body_not_matching_its_hash_is_refused():
    headers, _ = signed(body=b"<a/>")
    with pytest.raises(auth.AuthError) as caught:
        check(headers, b"<b/>")
    assert caught.value.code == "XAmzContentSHA256Mismatch"


def test_old_signatures_are_refused():
    headers, body = signed()
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    with pytest.raises(auth.AuthError) as caught:
        check(headers, body, now=later)
    assert caught.value.code == "RequestTimeTooSkewed"


def test_malformed_authorization_header():
    headers, body = signed()
    headers["Authorization"] = "Basic dXNlcjpwYXNz"
    with pytest.raises(auth.AuthError) as caught:
        check(headers, body)
    assert (caught.value.code, caught.value.http_status) == ("AuthorizationHeaderMalformed", 400)


def check_request(request: AWSRequest) -> None:
    parts = urlsplit(request.url)
    headers = {k: v for k, v in request.headers.items()}
    headers["Host"] = parts.netloc
    body = request.body or b""
    data = body if isinstance(body, bytes) else body.encode()
    auth.verify(
        CREDS, method=request.method, path=parts.path, query=parts.query, headers=headers, body=data
    )


def test_headers_and_query_strings_that_need_escaping_verify():
    url = (
        "http://123456789012.s3control.local/v20180820/jobs"
        "?jobStatuses=Active&jobStatuses=New&maxResults=5&nextToken=a%2Bb%2Fc%3D%3D&x=%C3%BC%20%2A"
    )
    request = AWSRequest(
        method="GET",
        url=url,
        headers={
            "x-amz-account-id": "123456789012",
            "x-amz-meta-note": "  several   spaces\tand tabs  ",
            "x-amz-meta-list": "a,b, c",
        },
    )
    S3SigV4Auth(BOTO_CREDS, "s3", "eu-west-1").add_auth(request)
    check_request(request)


def test_headers_botocore_would_not_sign_are_verified_as_the_client_signed_them():
    """Another SDK may sign User-Agent (botocore never does): its SignedHeaders list rules."""

    class SignsEverything(S3SigV4Auth):
        def headers_to_sign(self, request):
            chosen = super().headers_to_sign(request)
            chosen["user-agent"] = request.headers["User-Agent"]
            return chosen

    request = AWSRequest(
        method="GET",
        url="http://123456789012.s3control.local/v20180820/jobs",
        headers={"x-amz-account-id": "123456789012", "User-Agent": "other-sdk/1.0"},
    )
    SignsEverything(BOTO_CREDS, "s3", "us-east-1").add_auth(request)
    assert "user-agent" in request.headers["Authorization"]
    check_request(request)
    request.headers.replace_header("User-Agent", "tampered/2.0")
    with pytest.raises(auth.AuthError, match="signature"):
        check_request(request)


def test_authorization_reads_the_credential_scope():
    headers, _ = signed()
    found = auth.authorization(headers)
    assert found is not None
    assert (found.key_id, found.region, found.service) == (CREDS.access_key_id, "us-west-2", "s3")
    assert "host" in found.signed_headers
    assert auth.authorization({"Host": "x"}) is None
