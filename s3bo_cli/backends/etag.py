"""Fill in a CreateJob manifest's ETag, which every caller otherwise looks up by hand.

Any object store will do: :func:`fill_manifest_etag` needs only
``head_object(bucket, key, version_id)`` returning something with an ``etag``
(hex, no quotes), and failures raised as :class:`s3bo_cli.errors.S3Error`,
which is what the ObjectStore protocol of :mod:`s3bo_cli.stores` promises.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from s3bo_cli.errors import S3Error, ServiceError, service_error
from s3bo_cli.model.arns import object_arn_parts


class _Info(Protocol):
    @property
    def etag(self) -> str: ...


class HeadsObjects(Protocol):
    """The one store method the ETag lookup needs."""

    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> _Info: ...


def manifest_object(params: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """``(bucket, key, version_id)`` of a manifest given without an ETag, else None."""
    location = (params.get("Manifest") or {}).get("Location")
    if not isinstance(location, dict) or location.get("ETag"):
        return None
    parts = object_arn_parts(location.get("ObjectArn"))
    if parts is None:
        return None  # not an S3 object ARN: leave it to validation
    return *parts, location.get("ObjectVersionId")


def fill_manifest_etag(params: dict[str, Any], store: HeadsObjects) -> dict[str, Any]:
    """``params`` with ``Manifest.Location.ETag`` set from HeadObject when it is missing.

    Returns ``params`` itself when there is nothing to fill, else a copy. A
    manifest that cannot be read raises the S3 error as a ServiceError
    (``NoSuchKey``, ``AccessDenied``, ...) for the HeadObject operation.
    """
    target = manifest_object(params)
    if target is None:
        return params
    bucket, key, version_id = target
    try:
        etag = store.head_object(bucket, key, version_id).etag
    except S3Error as exc:
        raise lookup_error(exc.code, exc.message, exc.http_status, bucket, key) from None
    filled = copy.deepcopy(params)
    filled["Manifest"]["Location"]["ETag"] = etag.strip('"')
    return filled


def lookup_error(code: str, message: str, status: int, bucket: str, key: str) -> ServiceError:
    text = f"cannot look up the ETag of the manifest s3://{bucket}/{key}: {message}"
    return service_error(code, text, http_status=status, operation="HeadObject")
