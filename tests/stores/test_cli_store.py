"""`s3bo store` commands, run through click against a DirStore in a temp state dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from s3bo_cli.cli.store import store
from s3bo_cli.errors import S3Error, UsageError


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("S3BO_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("S3BO_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("S3BO_S3_ENDPOINT_URL", "S3BO_STORE_DIR", "S3BO_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "state"


def run(*args: str) -> Result:
    result = CliRunner().invoke(store, list(args), catch_exceptions=True)
    return result


def test_round_trip(state: Path, tmp_path: Path) -> None:
    assert run("mb", "photos", "--versioning").exit_code == 0
    source = tmp_path / "report.csv"
    source.write_text("a,b\n")
    result = run("put", str(source), "s3://photos/reports/", "--tag", "team=x")
    assert result.exit_code == 0, result.output
    assert (state / "buckets/photos/reports/report.csv").read_text() == "a,b\n"

    head = json.loads(run("head", "s3://photos/reports/report.csv").output)
    assert head["ContentType"] == "text/csv" and head["ContentLength"] == 4
    assert head["ETag"].startswith('"') and head["VersionId"]

    assert run("get", "s3://photos/reports/report.csv", "-").output == "a,b\n"
    out = tmp_path / "out.csv"
    assert run("get", "s3://photos/reports/report.csv", str(out)).exit_code == 0
    assert out.read_text() == "a,b\n"

    assert run("ls").output.split() == ["photos"]
    assert "reports/report.csv" in run("ls", "s3://photos/reports/").output
    assert run("rm", "s3://photos/reports/report.csv").exit_code == 0
    assert run("ls", "photos").output == ""


def test_put_a_folder_recursively(state: Path, tmp_path: Path) -> None:
    run("mb", "site")
    (tmp_path / "www/css").mkdir(parents=True)
    (tmp_path / "www/index.html").write_text("<p>")
    (tmp_path / "www/css/a.css").write_text("p{}")
    assert run("put", str(tmp_path / "www"), "s3://site/v1").exit_code == 0
    listing = run("ls", "s3://site").output
    assert "v1/css/a.css" in listing and "v1/index.html" in listing
    assert run("rm", "--recursive", "s3://site/v1/").exit_code == 0
    assert run("ls", "s3://site").output == ""


def test_errors_are_s3bo_errors(state: Path) -> None:
    result = run("head", "s3://nobucket/k")
    assert isinstance(result.exception, S3Error) and result.exception.code == "NoSuchBucket"
    result = run("head", "s3://")
    assert isinstance(result.exception, UsageError)


def test_every_command_has_an_example() -> None:
    for name, command in store.commands.items():
        assert command.help and "Example:" in command.help, name
