"""One job-API suite, four paths: ``api`` is parametrised over them.

1. ``local``: the local backend in this process;
2. ``boto3-serve``: AwsBackend (real boto3, real HTTP) against ``s3bo serve``;
3. ``awscli-serve``: the stock ``aws`` CLI (a subprocess) against ``s3bo serve``;
4. ``aws``: Amazon S3 itself, only when ``S3BO_TEST_AWS_ACCOUNT`` and friends are set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3bo_cli.cli.context import AppContext
from s3bo_cli.config import Settings
from tests.conformance.drivers import (
    AwsCliServeDriver,
    Boto3ServeDriver,
    Driver,
    LocalDriver,
    RealAwsDriver,
    csv_manifest,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch-ops"
#: Read before the autouse isolation fixture scrubs S3BO_* and AWS_* variables.
REAL_ENV = dict(os.environ)
REAL_AWS_VARS = (
    "S3BO_TEST_AWS_ACCOUNT",
    "S3BO_TEST_AWS_ROLE_ARN",
    "S3BO_TEST_AWS_MANIFEST_ARN",
    "S3BO_TEST_AWS_MANIFEST_ETAG",
)


def real_aws_missing() -> str | None:
    """Why path 4 cannot run, or None when it can."""
    missing = [name for name in REAL_AWS_VARS if not REAL_ENV.get(name)]
    if missing:
        return "real-AWS conformance is opt-in: set " + ", ".join(missing) + " (and credentials)"
    return None


#: Path 4 joins only when configured; test_real_aws.py reports the skip once.
PATHS = ("local", "boto3-serve", "awscli-serve") + (() if real_aws_missing() else ("aws",))


def aws_executable() -> Path:
    return Path(sys.executable).with_name("aws")


def put_manifest(state_dir: Path, bucket: str = "manifests", key: str = "manifest.csv") -> dict:
    """A two-row CSV manifest in the local engine's object store."""
    from s3bo_cli.stores.dirstore import DirStore

    store = DirStore(state_dir / "buckets")
    if not store.bucket_exists(bucket):
        store.create_bucket(bucket)
    body = b"photos,a.jpg\nphotos,b.jpg\n"
    store.put_object(bucket, key, body)
    return csv_manifest(body, bucket=bucket, key=key)


def aws_cli_env(tmp_path: Path, proxy: str) -> dict[str, str]:
    """The stock aws CLI, isolated from the user's config, sent through ``proxy``."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(
        HTTP_PROXY=proxy,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_MAX_ATTEMPTS="1",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
    )
    return env


@pytest.fixture(params=PATHS)
def api(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Driver]:
    """The job API on one path; jobs left on real AWS are cancelled afterwards."""
    path = request.param
    if path == "aws":
        driver: Driver = real_aws_driver(tmp_path, monkeypatch)
        try:
            yield driver
        finally:
            driver.close()
        return
    if path == "awscli-serve" and not aws_executable().exists():
        pytest.skip("the aws CLI is not installed in this venv")
    yield from local_driver(path, tmp_path)


def local_driver(path: str, tmp_path: Path) -> Iterator[Driver]:
    """Paths 1 to 3, over a fresh state directory with a manifest in its object store."""
    from s3bo_cli.backends.local import LocalBackend
    from s3bo_cli.server.app import start_in_thread

    state = tmp_path / "state"
    local = LocalBackend(Settings(state_dir=state), autostart=False)
    common = {"account": ACCOUNT, "role_arn": ROLE, "manifest": put_manifest(state)}
    if path == "local":
        app = AppContext(settings=local.settings, _backend=local)
        yield LocalDriver(app, state, name=path, **common)
        return
    running = start_in_thread(local)
    proxy = f"http://127.0.0.1:{running.port}"
    try:
        if path == "boto3-serve":
            from s3bo_cli.backends.aws import AwsBackend

            settings = Settings(
                backend="aws", state_dir=tmp_path / "client", endpoint_url="http://s3control.local"
            )
            backend = AwsBackend(settings, proxies={"http": proxy})
            app = AppContext(settings=settings, _backend=backend)
            yield Boto3ServeDriver(app, state, name=path, **common)
        else:
            yield AwsCliServeDriver(aws_cli_env(tmp_path, proxy), state, local, name=path, **common)
    finally:
        running.stop()


def real_aws_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Driver:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in REAL_ENV.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    region = REAL_ENV.get("AWS_REGION") or REAL_ENV.get("AWS_DEFAULT_REGION") or "us-east-1"
    settings = Settings(
        backend="aws",
        state_dir=tmp_path / "state",
        region=region,
        profile=REAL_ENV.get("AWS_PROFILE"),
        account_id=REAL_ENV["S3BO_TEST_AWS_ACCOUNT"],
    )
    manifest = {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {
            "ObjectArn": REAL_ENV["S3BO_TEST_AWS_MANIFEST_ARN"],
            "ETag": REAL_ENV["S3BO_TEST_AWS_MANIFEST_ETAG"],
        },
    }
    from s3bo_cli.cli.context import make_backend

    return RealAwsDriver(
        AppContext(settings=settings, _backend=make_backend(settings)),
        name="aws",
        account=REAL_ENV["S3BO_TEST_AWS_ACCOUNT"],
        role_arn=REAL_ENV["S3BO_TEST_AWS_ROLE_ARN"],
        manifest=manifest,
    )
