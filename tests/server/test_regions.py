"""Jobs are regional through ``s3bo serve``: the request's credential scope, else the host
name it names, else the server's own region."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from s3bo_cli.backends.local import LocalBackend
from s3bo_cli.config import Settings
from s3bo_cli.server import regions
from tests.server.conftest import ACCOUNT, ROLE, Server, aws_executable, create_job_params, start


def arn_region(arn: str) -> str:
    return arn.split(":")[3]


def test_the_signing_region_picks_the_jobs(make_client):
    west = make_client(region_name="us-west-2")
    job_id = west.create_job(**create_job_params())["JobId"]
    job = west.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    assert arn_region(job["JobArn"]) == "us-west-2"

    with pytest.raises(ClientError) as caught:
        make_client(region_name="eu-west-1").describe_job(AccountId=ACCOUNT, JobId=job_id)
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    assert make_client(region_name="us-east-1").list_jobs(AccountId=ACCOUNT)["Jobs"] == []
    assert [j["JobId"] for j in west.list_jobs(AccountId=ACCOUNT)["Jobs"]] == [job_id]


def test_an_unsigned_request_is_for_the_servers_region(tmp_path):
    backend = LocalBackend(Settings(state_dir=tmp_path / "s", region="eu-central-1"))
    for server in start(backend):
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        config = Config(proxies={"http": server.proxy}, signature_version=UNSIGNED)
        client = boto3.client(
            "s3control", region_name="ap-south-1", endpoint_url="http://s3control.local",
            config=config,
        )  # fmt: skip
        job_id = client.create_job(**create_job_params())["JobId"]
        job = client.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
        assert arn_region(job["JobArn"]) == "eu-central-1"


def test_the_host_name_names_the_region_of_an_unsigned_request(server: Server, make_client):
    job_id = make_client(region_name="us-west-2").create_job(**create_job_params())["JobId"]
    for host in (
        f"{ACCOUNT}.s3-control.us-west-2.amazonaws.com",
        "s3-control.us-west-2.amazonaws.com:80",
        f"{ACCOUNT}.s3-control-fips.dualstack.us-west-2.amazonaws.com",
    ):
        reply = server.request("GET", f"/v20180820/jobs/{job_id}", headers={"Host": host})
        assert reply.status == 200, (host, reply.body)
    reply = server.request(
        "GET",
        f"/v20180820/jobs/{job_id}",
        headers={"Host": f"{ACCOUNT}.s3-control.eu-west-1.amazonaws.com"},
    )
    assert (reply.status, reply.code) == (404, "NotFoundException")


def test_a_scope_and_a_host_that_disagree_are_refused(server: Server):
    reply = server.request(
        "GET",
        "/v20180820/jobs",
        headers={
            "Host": "s3-control.us-west-2.amazonaws.com",
            "Authorization": authorization("eu-west-1"),
        },
    )
    assert (reply.status, reply.code) == (400, "AuthorizationHeaderMalformed")
    assert b"the region 'eu-west-1' is wrong; expecting 'us-west-2'" in reply.body


@pytest.mark.parametrize("region", ["..", "a/b", "US-EAST-1", "-x", "x" * 51])
def test_a_region_that_is_not_a_region_name_is_refused(server: Server, tmp_path, region):
    reply = server.request(
        "GET", "/v20180820/jobs", headers={"Authorization": authorization(region)}
    )
    assert (reply.status, reply.code) == (400, "AuthorizationHeaderMalformed")
    state = server.backend.settings.state_dir
    assert not any(p.name not in ("us-east-1",) for p in (state / "accounts" / ACCOUNT).glob("*"))


def authorization(region: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20261130/{region}/s3/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("s3-control.us-west-2.amazonaws.com", "us-west-2"),
        ("123456789012.s3-control.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("123456789012.S3-Control.EU-West-1.amazonaws.com:443", "eu-west-1"),
        ("123456789012.s3control.local", None),
        ("127.0.0.1:8484", None),
        ("s3-control.us-west-2.amazonaws.com.evil.example", None),
    ],
)
def test_host_region(host, region):
    assert regions.host_region(host) == region


@pytest.mark.skipif(not Path(aws_executable()).exists(), reason="the aws CLI is not installed")
def test_the_stock_aws_cli_region_option(aws_env: dict[str, Any]):
    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        command = [aws_executable(), *args, "--endpoint-url", "http://s3control.local"]
        return subprocess.run(command, env=aws_env, capture_output=True, text=True, timeout=60)

    manifest = {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": "arn:aws:s3:::photos/manifest.csv", "ETag": "abc123"},
    }
    created = aws(
        "--region", "us-west-2", "s3control", "create-job",
        "--account-id", ACCOUNT,
        "--operation", "S3PutObjectTagging={TagSet=[{Key=k,Value=v}]}",
        "--manifest", json.dumps(manifest),
        "--report", "Enabled=false",
        "--priority", "10",
        "--role-arn", ROLE,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    job_id = json.loads(created.stdout)["JobId"]
    describe = ["s3control", "describe-job", "--account-id", ACCOUNT, "--job-id", job_id]
    here = aws("--region", "us-west-2", *describe)
    assert arn_region(json.loads(here.stdout)["Job"]["JobArn"]) == "us-west-2"
    elsewhere = aws("--region", "eu-west-1", *describe)
    assert elsewhere.returncode == 255
    assert "NotFoundException" in elsewhere.stderr
