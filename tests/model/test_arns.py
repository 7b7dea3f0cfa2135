"""One parser for S3 ARNs and s3:// URIs, strict or lenient as each caller needs."""

from __future__ import annotations

import pytest

from s3bo_cli.errors import BadRequestException, UsageError
from s3bo_cli.model.arns import (
    bucket_arn_name,
    bucket_from_arn,
    object_arn_parts,
    split_object_arn,
    split_s3_uri,
)


@pytest.mark.parametrize(
    ("arn", "parts"),
    [
        ("arn:aws:s3:::b/k", ("b", "k")),
        ("arn:aws:s3:::b/a/b:c", ("b", "a/b:c")),
        ("arn:aws-cn:s3:::b/k", ("b", "k")),
        ("arn:aws:s3:::b", None),
        ("arn:aws:s3:::b/", None),
        ("arn:aws:iam:::b/k", None),
        ("s3://b/k", None),
        (None, None),
    ],
)
def test_object_arn(arn, parts) -> None:
    assert object_arn_parts(arn) == parts
    if parts is None and isinstance(arn, str):
        with pytest.raises(BadRequestException, match="ObjectArn"):
            split_object_arn(arn)


@pytest.mark.parametrize(
    ("arn", "bucket"),
    [("arn:aws:s3:::b", "b"), ("arn:aws:s3:::b/k", None), ("arn:aws:s3:::", None), ("b", None)],
)
def test_bucket_arn(arn, bucket) -> None:
    assert bucket_arn_name(arn) == bucket
    if bucket is None:
        with pytest.raises(BadRequestException, match="bucket ARN"):
            bucket_from_arn(arn)


def test_s3_uri() -> None:
    assert split_s3_uri("s3://b/k/x") == ("b", "k/x")
    assert split_s3_uri("s3://b", need_key=False) == ("b", "")
    assert split_s3_uri("b/k", bare=True) == ("b", "k")
    for uri, options in [("b/k", {}), ("s3://b", {}), ("s3:///k", {"need_key": False})]:
        with pytest.raises(UsageError, match="expected s3://"):
            split_s3_uri(uri, **options)
