"""S3 ARNs and ``s3://`` URIs: the one parser of each.

``object_arn_parts`` and ``bucket_arn_name`` answer None for anything else;
``split_object_arn`` and ``bucket_from_arn`` refuse it as the service does
(BadRequest), ``split_s3_uri`` as a command line does (exit 252).
"""

from __future__ import annotations

from s3bo_cli.errors import BadRequestException, UsageError


def _resource(arn: object) -> str | None:
    """The resource of an ``arn:PARTITION:s3:REGION:ACCOUNT:RESOURCE``, else None."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "s3":
        return None
    return parts[5]


def object_arn_parts(arn: object) -> tuple[str, str] | None:
    """``arn:aws:s3:::bucket/key`` -> (bucket, key); None for anything else."""
    bucket, _, key = (_resource(arn) or "").partition("/")
    return (bucket, key) if bucket and key else None


def bucket_arn_name(arn: object) -> str | None:
    """``arn:aws:s3:::bucket`` -> bucket; None for anything else."""
    bucket = _resource(arn)
    return bucket if bucket and "/" not in bucket else None


def split_object_arn(arn: str) -> tuple[str, str]:
    """``arn:aws:s3:::bucket/key`` -> (bucket, key), or a BadRequest naming the ARN."""
    parts = object_arn_parts(arn)
    if parts is None:
        raise BadRequestException(
            f"Invalid manifest ObjectArn {arn!r}: expected arn:aws:s3:::bucket/key"
        )
    return parts


def bucket_from_arn(arn: str) -> str:
    """``arn:aws:s3:::bucket`` -> bucket, or a BadRequest naming the ARN."""
    bucket = bucket_arn_name(arn)
    if bucket is None:
        raise BadRequestException(f"Invalid bucket ARN {arn!r}: expected arn:aws:s3:::bucket")
    return bucket


def split_s3_uri(uri: str, *, need_key: bool = True, bare: bool = False) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); ``bare`` also takes ``bucket/key``.

    UsageError (exit 252) for anything else, or for no key when ``need_key``.
    """
    wanted = "s3://BUCKET/KEY" if need_key else "s3://BUCKET[/PREFIX]"
    if not bare and not uri.startswith("s3://"):
        raise UsageError(f"expected {wanted}, got {uri!r}")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or (need_key and not key):
        raise UsageError(f"expected {wanted}, got {uri!r}")
    return bucket, key
