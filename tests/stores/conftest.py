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


@pytest.fixture(params=["dir", "s3"])
def store(request: pytest.FixtureRequest, tmp_path) -> ObjectStore:
    """The same behavioural tests run against both stores."""
    if request.param == "dir":
        return DirStore(tmp_path / "buckets")
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
