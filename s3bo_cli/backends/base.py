"""The contract every backend honours, and the one only the local engine adds.

:class:`Backend` is the job API (boto3-shaped dicts in, dicts out) that both the
local engine and AWS serve. :class:`LocalEngine` is what only the local engine
can do, for which AWS has no API: commands ask ``backend.local_engine()`` for
it and refuse (exit 252) when it is None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from s3bo_cli.backends.preflight import Preflight
    from s3bo_cli.config import Settings
    from s3bo_cli.engine.events import EventLog


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
    #: The settings the backend was made with (region, profile, endpoints, ...).
    settings: Settings
    #: Whether each call crosses the network to a service (pollers then wait longer).
    remote: bool

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def create_job(
        self, params: dict[str, Any], preflight: Preflight | None = None
    ) -> dict[str, Any]:
        """CreateJob after :mod:`~s3bo_cli.backends.preflight` (``invoke`` runs it too)."""
        ...

    def default_account_id(self) -> str:
        """The account used when neither ``--account-id`` nor the config names one."""
        ...

    def regions(self, account_id: str) -> list[str]:
        """The regions that may hold the account's jobs."""
        ...

    def for_region(self, region: str) -> Backend:
        """The same backend in another region."""
        ...

    def local_engine(self) -> LocalEngine | None:
        """The local engine's own features, or None where there are none (AWS)."""
        ...


class LocalEngine(Protocol):
    """What only the local engine can do: AWS has no API for any of it."""

    def create_job(
        self,
        params: dict[str, Any],
        preflight: Preflight | None = None,
        *,
        engine: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """CreateJob with local-only job settings (failure threshold, webhooks, ...)."""
        ...

    def pause(self, account_id: str, job_id: str) -> dict[str, Any]:
        """Hold a Ready or running job until :meth:`resume`."""
        ...

    def resume(self, account_id: str, job_id: str) -> dict[str, Any]: ...

    def job_status(self, account_id: str, job_id: str) -> str:
        """The job's status, read without side effects (NotFoundException if unknown)."""
        ...

    def job_ids(self, account_id: str) -> list[str]:
        """The account's job ids in this region, most recently changed first."""
        ...

    def event_log(self, account_id: str, *, data_events: bool = False) -> EventLog:
        """The CloudTrail-shaped events of the account's jobs in this region."""
        ...

    def run_burst(self) -> bool:
        """Run every runnable job in this process; False when a worker already serves them."""
        ...
