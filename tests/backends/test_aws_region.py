"""--backend aws takes the region from --region/env/config, else from the AWS profile."""

from __future__ import annotations

from s3bo_cli.backends.aws import AwsBackend
from s3bo_cli.config import resolve


def _profile_file(tmp_path, monkeypatch):
    path = tmp_path / "aws-config"
    path.write_text("[profile work]\nregion = eu-west-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)


def test_profile_region_is_used_when_nothing_names_one(tmp_path, monkeypatch):
    _profile_file(tmp_path, monkeypatch)
    backend = AwsBackend(resolve(backend="aws", profile="work"))
    assert backend.session().region_name == "eu-west-2"


def test_an_explicit_region_wins_over_the_profile(tmp_path, monkeypatch):
    _profile_file(tmp_path, monkeypatch)
    backend = AwsBackend(resolve(backend="aws", profile="work", region="ap-south-1"))
    assert backend.session().region_name == "ap-south-1"


def test_no_region_anywhere_falls_back_to_us_east_1(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    backend = AwsBackend(resolve(backend="aws"))
    assert backend.session().region_name == "us-east-1"
