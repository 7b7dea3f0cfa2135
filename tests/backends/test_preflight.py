"""CreateJob's preflight runs inside each backend: whoever calls gets the ETag, lint, dry run."""

from __future__ import annotations

from typing import Any

import pytest

from s3bo_cli import config
from s3bo_cli.backends.local import LocalBackend
from s3bo_cli.backends.preflight import Preflight
from s3bo_cli.errors import UsageError
from s3bo_cli.stores.s3store import S3Store
from tests.backends.test_aws_backend import ACCOUNT, backend, create_params
from tests.engine.conftest import put_manifest

TAG_OP = {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def request(manifest: dict[str, Any]) -> dict[str, Any]:
    return create_params(Operation=TAG_OP, Manifest=manifest)


@pytest.fixture
def local(state_dir) -> LocalBackend:
    return LocalBackend(config.resolve(), autostart=False)


def jobs(local: LocalBackend) -> list[str]:
    return [job["JobId"] for job in local.invoke("ListJobs", {"AccountId": ACCOUNT})["Jobs"]]


def test_the_local_backend_looks_up_a_missing_etag(local, store):
    manifest = put_manifest(store, [("photos", "a.jpg")])
    etag = manifest["Location"].pop("ETag")
    job_id = local.invoke("CreateJob", request(manifest))["JobId"]
    job = local.invoke("DescribeJob", {"AccountId": ACCOUNT, "JobId": job_id})["Job"]
    assert job["Manifest"]["Location"]["ETag"] == etag


def test_lint_refuses_only_when_asked(local, store):
    manifest = put_manifest(store, [("Bucket", "Key"), ("photos", "a.jpg")])
    with pytest.raises(UsageError, match="line 1: header-row"):
        local.create_job(request(manifest), Preflight(lint=True))
    assert jobs(local) == []
    local.invoke("CreateJob", request(manifest))  # the service accepts it, the job fails later
    assert len(jobs(local)) == 1


def test_a_dry_run_plans_and_creates_nothing(local, store):
    manifest = put_manifest(store, [("photos", "a.jpg"), ("photos", "b.jpg")])
    del manifest["Location"]["ETag"]
    plan = local.create_job(request(manifest), Preflight(dry_run=True))
    assert plan["TotalTasks"] == 2
    assert jobs(local) == []


def test_the_aws_backend_heads_the_manifest_once(
    tmp_path, served, moto_endpoint, monkeypatch
) -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket="preflight")
    etag = s3.put_object(Bucket="preflight", Key="m.csv", Body=b"photos,a.jpg\n")["ETag"]
    heads: list[str] = []
    real = S3Store.head_object

    def counted(self: S3Store, bucket: str, key: str, version_id: str | None = None) -> Any:
        heads.append(f"{bucket}/{key}")
        return real(self, bucket, key, version_id)

    monkeypatch.setattr(S3Store, "head_object", counted)
    aws = backend(tmp_path, served, s3_endpoint_url=moto_endpoint)
    params = create_params()
    params["Manifest"]["Location"] = {"ObjectArn": "arn:aws:s3:::preflight/m.csv"}
    job_id = aws.create_job(params, Preflight(lint=True))["JobId"]
    job = aws.invoke("DescribeJob", {"AccountId": ACCOUNT, "JobId": job_id})["Job"]
    assert job["Manifest"]["Location"]["ETag"] == etag.strip('"')
    assert heads == ["preflight/m.csv"]
