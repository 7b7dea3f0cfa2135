"""Both backends name their regions; only the local one has a local engine to ask for."""

from __future__ import annotations

from s3bo_cli import config
from s3bo_cli.backends.local import LocalBackend
from tests.backends.test_aws_backend import ACCOUNT, backend


def test_the_local_backend_names_the_regions_it_has_jobs_in(state_dir, make_job):
    local = LocalBackend(config.resolve(), autostart=False)
    assert local.regions(ACCOUNT) == []
    make_job()
    assert local.regions(ACCOUNT) == ["us-east-1"]
    assert local.for_region("eu-west-1").settings.region == "eu-west-1"


def test_the_aws_backend_names_the_enabled_regions(tmp_path, moto_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", moto_endpoint)
    aws = backend(tmp_path)
    assert {"us-east-1", "eu-west-1"} <= set(aws.regions(ACCOUNT))
    assert aws.for_region("eu-west-1").settings.region == "eu-west-1"


def test_only_the_local_backend_has_a_local_engine(state_dir, tmp_path, make_job):
    local = LocalBackend(config.resolve(), autostart=False)
    assert local.local_engine() is local
    assert backend(tmp_path).local_engine() is None
    assert backend(tmp_path).remote and not local.remote  # how long wait and watch pause
    job_id = make_job()
    assert local.job_ids(ACCOUNT) == [job_id]
    assert local.job_status(ACCOUNT, job_id) == "New"  # no worker has prepared it
