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


def test_every_store_command_honours_output_and_query(s3bo, tmp_path: Path) -> None:
    """Lines like ``aws s3`` by default; the S3 API shape once --output or --query is set."""
    source = tmp_path / "a.txt"
    source.write_text("alpha")
    made = s3bo("--output", "json", "store", "mb", "photos")
    assert made.json == {"Location": "/photos"}
    put = s3bo("store", "put", str(source), "s3://photos/in/", "--query", "Uploads[0].Key")
    assert put.json == "in/a.txt"
    etag = s3bo("store", "head", "s3://photos/in/a.txt", "--query", "ETag", "--output", "text")
    assert etag.stdout == '"2c1743a391305fbf367df8e4f069f9f9"\n'
    listed = s3bo("--output", "text", "--query", "Contents[].[Key,Size]", "store", "ls", "photos")
    assert listed.stdout == "in/a.txt\t5\n"
    assert s3bo("--query", "Buckets[].Name", "store", "ls").json == ["photos"]
    out = tmp_path / "out.txt"
    got = s3bo("store", "get", "s3://photos/in/a.txt", str(out), "--query", "ContentLength")
    assert got.json == 5 and out.read_text() == "alpha"
    removed = s3bo("--output", "json", "store", "rm", "s3://photos/in/a.txt")
    assert removed.json == {"Deleted": [{"Key": "in/a.txt"}]}
    assert s3bo("store", "ls", "photos").stdout == ""
    plain = s3bo("store", "mb", "more")
    assert plain.stdout == "make_bucket: more\n"


def test_a_bad_query_on_a_store_command_is_a_usage_error(s3bo) -> None:
    s3bo("store", "mb", "photos")
    run = s3bo("store", "ls", "--query", "Contents[", "photos")
    assert run.exit_code == 252 and "--query" in run.stderr
