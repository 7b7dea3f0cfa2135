"""``s3bo serve`` over HTTP: boto3 end to end, odd requests, the error boundary."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from s3bo_cli.config import Settings
from s3bo_cli.errors import NotFoundException
from s3bo_cli.server import auth
from tests.server.conftest import ACCOUNT, Server, create_job_params, start

NS = 'xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"'


class TestBoto3:
    def test_job_life_through_the_real_client(self, client):
        job_id = client.create_job(**create_job_params(Tags=[{"Key": "a", "Value": "b"}]))["JobId"]
        job = client.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
        assert job["JobId"] == job_id
        assert job["Priority"] == 10
        assert job["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
        assert job["CreationTime"].tzinfo is not None

        listed = client.list_jobs(AccountId=ACCOUNT)["Jobs"]
        assert [j["JobId"] for j in listed] == [job_id]

        updated = client.update_job_priority(AccountId=ACCOUNT, JobId=job_id, Priority=42)
        assert (updated["JobId"], updated["Priority"]) == (job_id, 42)

        assert client.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == [
            {"Key": "a", "Value": "b"}
        ]
        client.put_job_tagging(
            AccountId=ACCOUNT, JobId=job_id, Tags=[{"Key": "ünï café", "Value": "a=b+c/d@e"}]
        )
        assert client.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == [
            {"Key": "ünï café", "Value": "a=b+c/d@e"}
        ]
        client.delete_job_tagging(AccountId=ACCOUNT, JobId=job_id)
        assert client.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == []

        status = client.update_job_status(
            AccountId=ACCOUNT,
            JobId=job_id,
            RequestedJobStatus="Cancelled",
            StatusUpdateReason="no longer needed",
        )
        assert status["JobId"] == job_id
        assert status["Status"] in ("Cancelling", "Cancelled")
        assert status["StatusUpdateReason"] == "no longer needed"

    def test_list_jobs_filters_by_status(self, client):
        client.create_job(**create_job_params())
        assert client.list_jobs(AccountId=ACCOUNT, JobStatuses=["Complete", "Failed"])["Jobs"] == []

    def test_the_same_idempotency_token_returns_the_same_job(self, client):
        first = client.create_job(**create_job_params(ClientRequestToken="tok-1"))["JobId"]
        again = client.create_job(**create_job_params(ClientRequestToken="tok-1"))["JobId"]
        assert first == again

    def test_unknown_job_is_not_found(self, client):
        with pytest.raises(client.exceptions.NotFoundException) as caught:
            client.describe_job(AccountId=ACCOUNT, JobId="no-such-job")
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    def test_service_side_validation_reaches_the_client(self, client):
        with pytest.raises(ClientError) as caught:
            client.update_job_status(
                AccountId=ACCOUNT, JobId="no-such-job", RequestedJobStatus="Bogus"
            )
        error = caught.value.response
        assert error["Error"]["Code"] in ("BadRequestException", "NotFoundException")
        assert error["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)

    def test_accounts_are_kept_apart(self, client):
        client.create_job(**create_job_params())
        assert client.list_jobs(AccountId="210987654321")["Jobs"] == []


class TestRequestForms:
    def test_absolute_form_target_as_sent_through_a_proxy(self, server):
        reply = server.request("GET", f"http://{ACCOUNT}.s3control.local/v20180820/jobs")
        assert reply.status == 200
        assert b"<Jobs" in reply.body

    def test_any_host_header(self, server):
        reply = server.request(
            "GET", "/v20180820/jobs", headers={"Host": f"{ACCOUNT}.localhost:{server.port}"}
        )
        assert reply.status == 200
        assert reply.headers["x-amz-request-id"]

    def test_account_from_the_host_prefix_when_the_header_is_missing(self, server, client):
        client.create_job(**create_job_params())
        reply = server.request(
            "GET",
            f"http://{ACCOUNT}.s3control.local/v20180820/jobs",
            headers={"x-amz-account-id": None},
        )
        assert reply.status == 200
        assert reply.body.count(b"<JobId>") == 1

    def test_keep_alive_connection_serves_several_requests(self, server):
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(3):
                conn.request("GET", "/v20180820/jobs", headers={"x-amz-account-id": ACCOUNT})
                response = conn.getresponse()
                assert response.status == 200
                response.read()
        finally:
            conn.close()


class TestMalformedRequests:
    def assert_still_serving(self, server: Server) -> None:
        assert server.request("GET", "/v20180820/jobs").status == 200

    @pytest.mark.parametrize(
        ("method", "target", "body", "status", "code"),
        [
            ("POST", "/v20180820/jobs", b"<CreateJobRequest><oops>", 400, "BadRequestException"),
            ("POST", "/v20180820/jobs", b"\xff\xfe not xml", 400, "BadRequestException"),
            ("GET", "/v20180820/unknown", b"", 404, "UnknownOperationException"),
            ("GET", "/favicon.ico", b"", 404, "UnknownOperationException"),
            ("DELETE", "/v20180820/jobs", b"", 405, "MethodNotAllowed"),
            ("PATCH", "/v20180820/jobs/abcde", b"", 405, "MethodNotAllowed"),
            ("GET", "/v20180820/jobs?maxResults=lots", b"", 400, "InvalidRequestException"),
            ("POST", "/v20180820/jobs/abcde/priority?priority=x", b"", 400, "BadRequestException"),
            ("GET", "/v20180820/accesspoint/ap", b"", 501, "NotImplemented"),
        ],
    )
    def test_bad_requests_get_xml_errors(self, server, method, target, body, status, code):
        reply = server.request(method, target, body=body)
        assert (reply.status, reply.code) == (status, code)
        assert reply.headers["Content-Type"] == "application/xml"
        self.assert_still_serving(server)

    def test_entity_expansion_bomb(self, server):
        bomb = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {c}{c} "{("&" + c + ";") * 10}">' for c in "a")
            + f"]><CreateJobRequest {NS}><Description>&aa;</Description></CreateJobRequest>"
        )
        reply = server.request("POST", "/v20180820/jobs", body=bomb.encode())
        assert (reply.status, reply.code) == (400, "BadRequestException")
        self.assert_still_serving(server)

    def test_oversize_body_is_refused_unread(self, server):
        from s3bo_cli.server.wire import MAX_BODY_BYTES

        # Only the headers are sent: the server must answer from Content-Length alone,
        # without waiting for (or reading) a body it will refuse.
        head = (
            "POST /v20180820/jobs HTTP/1.1\r\nHost: 123456789012.localhost\r\n"
            "x-amz-account-id: 123456789012\r\n"
            f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(head.encode())
            data = sock.makefile("rb").read()
        assert data.split(b"\r\n", 1)[0].startswith(b"HTTP/1.1 413")
        assert b"<Code>EntityTooLarge</Code>" in data
        self.assert_still_serving(server)

    def test_unsupported_http_method(self, server):
        reply = server.request("BREW", "/v20180820/jobs")
        assert (reply.status, reply.code) == (501, "NotImplemented")
        self.assert_still_serving(server)

    def test_garbage_request_line(self, server):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"THIS IS NOT HTTP AT ALL\r\n\r\n")
            data = sock.makefile("rb").read()
        assert b"400" in data.split(b"\r\n", 1)[0]
        assert b"<Code>BadRequest</Code>" in data
        self.assert_still_serving(server)

    def test_chunked_bodies_are_refused(self, server):
        reply = server.request(
            "PUT",
            "/v20180820/jobs/abcde/tagging",
            body=b"0\r\n\r\n",
            headers={"Transfer-Encoding": "chunked"},
        )
        assert (reply.status, reply.code) == (411, "MissingContentLength")
        self.assert_still_serving(server)


class FailingBackend:
    """A Backend test double whose calls fail in the ways a backend can fail."""

    name = "failing"

    def __init__(self) -> None:
        self.settings = Settings(region="us-east-1")
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        if operation == "DescribeJob":
            raise NotFoundException(f"The specified job does not exist: {params['JobId']}")
        if operation == "GetJobTagging":
            raise RuntimeError("disk on fire")
        return {"Jobs": []}


class TestErrorBoundary:
    @pytest.fixture
    def failing(self):
        yield from start(FailingBackend())

    def test_unexpected_exception_is_a_500_xml_error_and_serving_goes_on(self, failing, caplog):
        with caplog.at_level(logging.INFO, logger="s3bo.serve"):
            reply = failing.request("GET", "/v20180820/jobs/abcde/tagging")
        assert (reply.status, reply.code) == (500, "InternalServiceException")
        assert b"disk on fire" not in reply.body
        assert b"Traceback" not in reply.body
        assert not any(r.exc_info for r in caplog.records)  # no traceback without --debug
        assert failing.request("GET", "/v20180820/jobs").status == 200

    def test_traceback_goes_to_the_log_under_debug(self, caplog):
        with caplog.at_level(logging.INFO, logger="s3bo.serve"):
            for srv in start(FailingBackend(), debug=True):
                assert srv.request("GET", "/v20180820/jobs/abcde/tagging").status == 500
        assert any(r.exc_info for r in caplog.records)

    def test_service_errors_keep_their_code(self, failing):
        reply = failing.request("GET", "/v20180820/jobs/abcde")
        assert (reply.status, reply.code) == (404, "NotFoundException")

    def test_the_backend_gets_boto3_params(self, failing):
        failing.request("GET", "/v20180820/jobs?jobStatuses=Active&maxResults=3")
        assert failing.backend.calls[-1] == (
            "ListJobs",
            {"AccountId": ACCOUNT, "JobStatuses": ["Active"], "MaxResults": 3},
        )

    def test_one_log_line_per_request(self, failing, caplog):
        def lines() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.name == "s3bo.serve"]

        with caplog.at_level(logging.INFO, logger="s3bo.serve"):
            failing.request("GET", "/v20180820/jobs/abcde")
            assert failing.request("GET", "/v20180820/jobs").status == 200
            # Each line is written once its answer is out: wait for both.
            deadline = time.monotonic() + 30
            wanted = ("DescribeJob", "ListJobs")
            while not all(any(op in line for line in lines()) for op in wanted):
                assert time.monotonic() < deadline, f"access-log lines missing: {lines()}"
                time.sleep(0.001)
        assert len(lines()) == 2
        (described,) = [line for line in lines() if "DescribeJob" in line]
        assert described.startswith("GET /v20180820/jobs/abcde DescribeJob 404 ")
        assert described.endswith("ms")


class TestRequireAuth:
    KEY, SECRET = "AKIDSERVE", "serve-secret"

    @pytest.fixture
    def secured(self, local_backend):
        yield from start(local_backend, credentials=auth.Credentials(self.KEY, self.SECRET))

    @pytest.fixture
    def signed_client(self, secured):
        import boto3
        from botocore.config import Config

        def make(key: str = self.KEY, secret: str = self.SECRET) -> Any:
            return boto3.client(
                "s3control",
                region_name="eu-west-1",
                endpoint_url="http://s3control.local",
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                config=Config(proxies={"http": secured.proxy}, retries={"max_attempts": 1}),
            )

        return make

    def test_correctly_signed_requests_pass(self, signed_client):
        c = signed_client()
        job_id = c.create_job(**create_job_params())["JobId"]
        c.put_job_tagging(AccountId=ACCOUNT, JobId=job_id, Tags=[{"Key": "k", "Value": "v v"}])
        status = c.update_job_status(
            AccountId=ACCOUNT,
            JobId=job_id,
            RequestedJobStatus="Cancelled",
            StatusUpdateReason="a, b & c",
        )
        assert status["JobId"] == job_id

    def test_wrong_secret(self, signed_client):
        with pytest.raises(ClientError) as caught:
            signed_client(secret="wrong").list_jobs(AccountId=ACCOUNT)
        assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    def test_unknown_key(self, signed_client):
        with pytest.raises(ClientError) as caught:
            signed_client(key="AKIDOTHER").list_jobs(AccountId=ACCOUNT)
        assert caught.value.response["Error"]["Code"] == "InvalidAccessKeyId"

    def test_unsigned_request(self, secured):
        reply = secured.request("GET", "/v20180820/jobs")
        assert (reply.status, reply.code) == (403, "AccessDenied")


def test_concurrent_clients_each_get_their_own_job(make_client):
    from concurrent.futures import ThreadPoolExecutor

    clients = [make_client() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda c: c.create_job(**create_job_params())["JobId"], clients))
    assert len(set(ids)) == 8
    listed = clients[0].list_jobs(AccountId=ACCOUNT)["Jobs"]
    assert sorted(j["JobId"] for j in listed) == sorted(ids)


def test_a_negative_content_length_is_refused_and_the_connection_closed(server):
    head = (
        "POST /v20180820/jobs HTTP/1.1\r\nHost: 123456789012.localhost\r\n"
        "x-amz-account-id: 123456789012\r\nContent-Length: -5\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        data = sock.makefile("rb").read()  # returns: the server closed the connection
    assert data.split(b"\r\n", 1)[0].startswith(b"HTTP/1.1 400")
    assert b"Content-Length is not a valid length" in data


def test_the_answer_leaves_before_its_access_log_line_is_written(server):
    """A client does not wait for the log: under a burst, its lock and write queue up."""
    answered, logged = threading.Event(), threading.Event()
    seen: list[bool] = []

    class AfterTheAnswer(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "ListJobs 200" in record.getMessage():
                seen.append(answered.wait(30))  # before the fix: the client waits for this
                logged.set()

    logger = logging.getLogger("s3bo.serve")
    handler, level = AfterTheAnswer(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        reply = server.request("GET", "/v20180820/jobs")
        answered.set()
        assert logged.wait(30)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert reply.status == 200
    assert seen == [True]
