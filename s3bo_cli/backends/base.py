"""The contract every backend honours: boto3-shaped dicts in, dicts out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from s3bo_cli.backends.preflight import Preflight


class Backend(Protocol):
    """An S3 Control job API.

    ``operation`` is an API operation name (``CreateJob``, ``DescribeJob``, ...);
    ``params`` are exactly the keyword arguments boto3's ``s3control`` client
    method takes, ``AccountId`` included. The result is exactly what boto3
    returns, without ``ResponseMetadata``; timestamps are ISO 8601 strings
    (``2026-11-24T02:34:02.123Z``). Errors are raised as
    :class:`s3bo_cli.errors.ServiceError` subclasses.
    """

    name: str

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def create_job(
        self, params: dict[str, Any], preflight: Preflight | None = None
    ) -> dict[str, Any]:
        """CreateJob after :mod:`~s3bo_cli.backends.preflight` (``invoke`` runs it too)."""
        ...
