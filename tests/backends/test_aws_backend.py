"""AwsBackend itself: what reaches the wire, manifest ETags, the account id, errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.backends.aws import AwsBackend, plain
from s3bo_cli.backends.aws_errors import translate
from s3bo_cli.config import Settings
from s3bo_cli.errors import (
    ConfigError,
    ExitCode,
    NotFoundException,
    ParamValidationError,
    S3boError,
    ServiceError,
)
from tests.backends.conftest import ACCOUNT, Served, closed_port

ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch"


def backend(tmp_path: Path, served: Served | None = None, **settings: Any) -> AwsBackend:
    values: dict[str, Any] = {"backend": "aws", "state_dir": tmp_path / "client"}
    if served is not None:
        values["endpoint_url"] = "http://s3control.local"
    values.update(settings)
    proxies = {"http": served.proxy} if served is not None else None
    return AwsBackend(Settings(**values), proxies=proxies)


def create_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AccountId": ACCOUNT,
        "Operation": {"S3DeleteObjectTagging": {}},
        "Report": {"Enabled": False},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": "arn:aws:s3:::manifests/m.csv", "ETag": "abc"},
        },
        "Priority": 1,
        "RoleArn": ROLE,
    }
    params.update(overrides)
    return params


def wire_bodies(aws: AwsBackend) -> list[bytes]:
    """Collect the body of every request the S3 Control client sends from now on."""
    bodies: list[bytes] = []

    def capture(request: Any, **_: Any) -> None:
        bodies.append(request.body or b"")

    aws.client("s3control").meta.events.register("before-send.s3-control.*", capture)
    return bodies


class TestTheWire:
    def test_confirmation_required_false_is_sent(self, tmp_path, served):
        aws = backend(tmp_path, served)
        bodies = wire_bodies(aws)
        job_id = aws.invoke("CreateJob", create_params(ConfirmationRequired=False))["JobId"]
        assert b"<ConfirmationRequired>false</ConfirmationRequired>" in bodies[0]
        job = aws.invoke("DescribeJob", {"AccountId": ACCOUNT, "JobId": job_id})["Job"]
        assert job["ConfirmationRequired"] is False

    def test_results_have_no_response_metadata_and_string_timestamps(self, tmp_path, served):
        aws = backend(tmp_path, served)
        job_id = aws.invoke("CreateJob", create_params())["JobId"]
        listed = aws.invoke("ListJobs", {"AccountId": ACCOUNT})
        assert set(listed) == {"Jobs"}
        assert listed["Jobs"][0]["JobId"] == job_id
        assert isinstance(listed["Jobs"][0]["CreationTime"], str)

    def test_an_unsupported_operation_is_refused_before_sending(self, tmp_path):
        with pytest.raises(ServiceError, match="DeleteJob is not supported"):
            backend(tmp_path).invoke("DeleteJob", {"AccountId": ACCOUNT})

    def test_service_errors_keep_their_code_and_status(self, tmp_path, served):
        with pytest.raises(NotFoundException) as caught:
            backend(tmp_path, served).invoke(
                "DescribeJob", {"AccountId": ACCOUNT, "JobId": "no-such-job"}
            )
        assert caught.value.http_status == 404
        assert caught.value.operation == "DescribeJob"

    def test_importing_the_module_does_not_import_boto3(self):
        import subprocess
        import sys

        code = (
            "import sys, s3bo_cli.backends.aws, s3bo_cli.backends.paging; "
            "print([m for m in ('boto3', 'botocore') if m in sys.modules])"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.stdout.strip() == "[]", out.stderr


def test_plain_turns_datetimes_into_the_apis_strings():
    moment = datetime(2026, 11, 24, 2, 34, 2, 123456, tzinfo=timezone.utc)
    assert plain({"A": [{"T": moment}], "N": 1}) == {
        "A": [{"T": "2026-11-24T02:34:02.123Z"}],
        "N": 1,
    }


class TestManifestETag:
    @pytest.fixture
    def manifests(self, moto_endpoint: str) -> Any:
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint)
        s3.create_bucket(Bucket="manifests")
        put = s3.put_object(Bucket="manifests", Key="m.csv", Body=b"photos,a.jpg\n")
        yield put["ETag"].strip('"')
        for item in s3.list_objects_v2(Bucket="manifests").get("Contents", []):
            s3.delete_object(Bucket="manifests", Key=item["Key"])
        s3.delete_bucket(Bucket="manifests")

    def test_a_missing_etag_is_looked_up_with_head_object(
        self, tmp_path, served, moto_endpoint, manifests
    ):
        aws = backend(tmp_path, served, s3_endpoint_url=moto_endpoint)
        params = create_params()
        del params["Manifest"]["Location"]["ETag"]
        job_id = aws.invoke("CreateJob", params)["JobId"]
        job = aws.invoke("DescribeJob", {"AccountId": ACCOUNT, "JobId": job_id})["Job"]
        assert job["Manifest"]["Location"]["ETag"] == manifests
        assert "ETag" not in params["Manifest"]["Location"]  # the caller's dict is untouched

    def test_a_given_etag_is_kept_without_asking_s3(self, tmp_path, served):
        aws = backend(tmp_path, served, s3_endpoint_url=f"http://127.0.0.1:{closed_port()}")
        job_id = aws.invoke("CreateJob", create_params())["JobId"]
        job = aws.invoke("DescribeJob", {"AccountId": ACCOUNT, "JobId": job_id})["Job"]
        assert job["Manifest"]["Location"]["ETag"] == "abc"

    def test_a_missing_manifest_is_a_no_such_key_error(
        self, tmp_path, served, moto_endpoint, manifests
    ):
        aws = backend(tmp_path, served, s3_endpoint_url=moto_endpoint)
        params = create_params()
        params["Manifest"]["Location"] = {"ObjectArn": "arn:aws:s3:::manifests/absent.csv"}
        with pytest.raises(ServiceError) as caught:
            aws.invoke("CreateJob", params)
        assert (caught.value.code, caught.value.http_status) == ("NoSuchKey", 404)
        assert str(caught.value) == (
            "An error occurred (NoSuchKey) when calling the HeadObject operation: cannot look "
            "up the ETag of the manifest s3://manifests/absent.csv: The specified key does "
            "not exist."
        )


class TestAccountId:
    def test_comes_from_sts_and_is_cached_per_profile(self, tmp_path, moto_endpoint, monkeypatch):
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_endpoint)
        assert backend(tmp_path).default_account_id() == "123456789012"
        cache = tmp_path / "client" / "aws" / "account-default.json"
        record = json.loads(cache.read_text())
        assert (record["kind"], record["account_id"]) == ("aws-account", "123456789012")
        assert "testing" not in cache.read_text()  # a digest, not the key itself

        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{closed_port()}")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        assert backend(tmp_path).default_account_id() == "123456789012"  # no STS call

    def test_other_credentials_look_the_account_up_again(self, tmp_path, monkeypatch):
        cache = tmp_path / "client" / "aws" / "account-default.json"
        cache.parent.mkdir(parents=True)
        cache.write_text(
            json.dumps(
                {
                    "kind": "aws-account",
                    "schema_version": 1,
                    "account_id": "111111111111",
                    "access_key_digest": "not-these-credentials",
                }
            )
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{closed_port()}")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        with pytest.raises(S3boError, match="Could not connect to the endpoint URL"):
            backend(tmp_path).default_account_id()

    def test_the_cli_uses_it_when_no_account_is_configured(self, s3bo, served, moto_endpoint):
        env = {
            **served.env,
            "S3BO_ACCOUNT_ID": None,
            "AWS_ENDPOINT_URL_STS": moto_endpoint,
            "NO_PROXY": "127.0.0.1",
        }
        remote = s3bo(
            "--backend", "aws", "--endpoint-url", "http://s3control.local", "list-jobs", env=env
        )
        assert (remote.exit_code, remote.stdout) == (0, '{\n    "Jobs": []\n}\n')


class TestTranslate:
    """botocore's exceptions, one by one."""

    def test_client_errors_become_service_errors(self):
        from botocore.exceptions import ClientError

        response = {
            "Error": {"Code": "JobStatusException", "Message": "no"},
            "ResponseMetadata": {"HTTPStatusCode": 409},
        }
        error = translate(ClientError(response, "UpdateJobStatus"))
        assert isinstance(error, ServiceError)
        assert (error.code, error.http_status, error.exit_code) == ("JobStatusException", 409, 254)
        assert str(error) == (
            "An error occurred (JobStatusException) when calling the UpdateJobStatus operation: no"
        )

    @pytest.mark.parametrize(
        "name, kwargs",
        [
            ("NoCredentialsError", {}),
            ("PartialCredentialsError", {"provider": "env", "cred_var": "AWS_SECRET_ACCESS_KEY"}),
            ("ProfileNotFound", {"profile": "p"}),
            ("CredentialRetrievalError", {"provider": "sso", "error_msg": "expired"}),
            ("TokenRetrievalError", {"provider": "sso", "error_msg": "expired"}),
            ("UnauthorizedSSOTokenError", {}),
            ("NoRegionError", {}),
        ],
    )
    def test_credential_and_config_problems_exit_253(self, name, kwargs):
        from botocore import exceptions

        error = translate(getattr(exceptions, name)(**kwargs))
        assert isinstance(error, ConfigError)
        assert error.exit_code == ExitCode.CONFIG
        assert "\n" not in str(error)

    def test_an_unreachable_endpoint_exits_255(self):
        from botocore.exceptions import EndpointConnectionError

        error = translate(EndpointConnectionError(endpoint_url="http://h"))
        assert type(error) is S3boError
        assert error.exit_code == ExitCode.OTHER
        assert str(error) == 'Could not connect to the endpoint URL: "http://h"'

    def test_botocore_parameter_validation_exits_252(self):
        from botocore.exceptions import ParamValidationError as BotoParamValidationError

        report = "Invalid length for parameter JobId, value: 3, valid min length: 5"
        error = translate(BotoParamValidationError(report=report))
        assert isinstance(error, ParamValidationError)
        assert error.problems == [report]
        assert error.exit_code == ExitCode.USAGE

    def test_other_exceptions_are_left_alone(self):
        assert translate(ValueError("x")) is None
