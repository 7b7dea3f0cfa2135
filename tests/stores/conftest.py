"""Fixtures for the object-store tests: a DirStore in a temp dir and an S3Store on moto."""

from __future__ import annotations

import itertools

import pytest

from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.stores.dirstore import DirStore

_names = itertools.count()


@pytest.fixture(scope="session")
def s3store(moto_endpoint: str) -> ObjectStore:
    from s3bo_cli.stores.s3store import S3Store

    return S3Store(endpoint_url=moto_endpoint, region="us-east-1")


@pytest.fixture(scope="session")
def s3store_direct(moto_endpoint: str) -> ObjectStore:
    """The engine's S3Store: its per-object calls bypass boto3 (stores.s3direct)."""
    from s3bo_cli.stores.s3store import S3Store

    return S3Store(endpoint_url=moto_endpoint, region="us-east-1", in_flight=8)


@pytest.fixture(params=["dir", "s3", "s3-direct"])
def store(request: pytest.FixtureRequest, tmp_path) -> ObjectStore:
    """The same behavioural tests run against both stores (and the engine's S3Store)."""
    if request.param == "dir":
        return DirStore(tmp_path / "buckets")
    if request.param == "s3-direct":
        return request.getfixturevalue("s3store_direct")
    return request.getfixturevalue("s3store")


@pytest.fixture
def bucket_name() -> str:
    """A bucket name unique in the session (the moto server outlives each test)."""
    return f"bkt-{next(_names):04d}"


@pytest.fixture
def bucket(store: ObjectStore, bucket_name: str) -> str:
    store.create_bucket(bucket_name)
    return bucket_name


@pytest.fixture
def versioned(store: ObjectStore, bucket_name: str) -> str:
    store.create_bucket(bucket_name, versioning=True)
    return bucket_name


@pytest.fixture
def locked(store: ObjectStore, bucket_name: str) -> str:
    store.create_bucket(bucket_name, object_lock=True)
    return bucket_name
