"""The AWS backend: the job API through boto3's ``s3control`` client.

boto3 is imported on first use, never when this module loads. Credentials
follow the standard chain (``--profile`` picks a profile); ``--region`` and
``--endpoint-url`` reach the client; retries follow botocore's configuration
(``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``, the profile), in standard mode unless
set. Results are the local backend's: no ``ResponseMetadata``, timestamps as
``2026-11-24T02:34:02.123Z``.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from s3bo_cli import __version__, clock, validation
from s3bo_cli.apimodel import JOB_OPERATIONS
from s3bo_cli.backends import aws_account
from s3bo_cli.backends.aws_errors import NO_CREDENTIALS, translated
from s3bo_cli.config import Settings
from s3bo_cli.errors import ConfigError

if TYPE_CHECKING:
    from s3bo_cli.backends.preflight import Preflight

OPERATIONS = frozenset(JOB_OPERATIONS)


class AwsBackend:
    """Runs every job operation on Amazon S3 Control (or any endpoint speaking it).

    ``proxies`` (``{"http": "http://127.0.0.1:8484"}``) applies to the S3 Control
    client only; ``HTTP_PROXY`` and friends apply to every client, as in botocore.
    """

    name = "aws"
    remote = True

    def __init__(self, settings: Settings, *, proxies: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.proxies = proxies
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def for_region(self, region: str) -> AwsBackend:
        """The same profile and options, for the jobs of another region."""
        import dataclasses

        settings = dataclasses.replace(self.settings, region=region, region_explicit=True)
        return AwsBackend(settings, proxies=self.proxies)

    # -- boto3 ------------------------------------------------------------------

    def session(self) -> Any:
        """The boto3 session for ``settings.profile`` and ``settings.region``."""
        with self._lock:
            if self._session is None:
                with translated():
                    import boto3

                    # No --region, AWS_REGION or config: the AWS profile's region, if any.
                    explicit = self.settings.region_explicit
                    self._session = boto3.session.Session(
                        profile_name=self.settings.profile,
                        region_name=self.settings.region if explicit else None,
                    )
                    if self._session.region_name is None:
                        self._session = boto3.session.Session(
                            profile_name=self.settings.profile, region_name=self.settings.region
                        )
            return self._session

    def client(self, service: str) -> Any:
        """A cached client: ``s3control`` or ``sts`` (objects go through ``stores.open_store``)."""
        session = self.session()
        with self._lock:
            if service not in self._clients:
                with translated():
                    self._clients[service] = session.client(
                        service,
                        endpoint_url=self._endpoint(service),
                        config=self._config(session, service),
                    )
            return self._clients[service]

    def _endpoint(self, service: str) -> str | None:
        if service == "s3control":
            return self.settings.endpoint_url
        return None

    def _config(self, session: Any, service: str) -> Any:
        from botocore.config import Config

        options: dict[str, Any] = {"user_agent_extra": f"s3bo/{__version__}"}
        if service == "s3control" and self.proxies:
            options["proxies"] = self.proxies
        if not _retry_mode_configured(session):
            options["retries"] = {"mode": "standard"}
        return Config(**options)

    # -- the Backend protocol ---------------------------------------------------

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation not in OPERATIONS:
            raise validation.validation_error(
                "CreateJob", f"Operation {operation} is not supported"
            )
        if operation == "CreateJob":
            return self.create_job(params)
        return self._call(operation, params)

    def create_job(
        self, params: dict[str, Any], preflight: Preflight | None = None
    ) -> dict[str, Any]:
        """CreateJob after its preflight, whose object store is the S3 endpoint's."""
        from s3bo_cli.backends import preflight as checks

        create = partial(self._call, "CreateJob")
        return checks.create_job(self.settings, params, preflight, create)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        from botocore import xform_name

        with translated(operation):
            method = getattr(self.client("s3control"), xform_name(operation))
            result = method(**params)
        result.pop("ResponseMetadata", None)
        return plain(result)

    def local_engine(self) -> None:
        """AWS has no API for the local engine's own features."""
        return None

    def regions(self, account_id: str) -> list[str]:
        """The account's enabled regions (EC2 DescribeRegions), else every S3 Control region."""
        session = self.session()
        try:
            reply = session.client("ec2", region_name=self.settings.region).describe_regions()
            return sorted(r["RegionName"] for r in reply["Regions"])
        except Exception:  # no ec2:DescribeRegions permission: fall back to the SDK's list
            return sorted(session.get_available_regions("s3control"))

    def default_account_id(self) -> str:
        """The account of the current credentials (STS GetCallerIdentity, cached)."""
        session = self.session()
        with translated():
            credentials = session.get_credentials()
            if credentials is None:
                raise ConfigError(NO_CREDENTIALS)
            access_key = credentials.get_frozen_credentials().access_key

        def lookup() -> str:
            with translated("GetCallerIdentity"):
                return str(self.client("sts").get_caller_identity()["Account"])

        path = aws_account.cache_file(self.settings.state_dir, self.settings.profile)
        return aws_account.account_id(path=path, access_key=access_key, lookup=lookup)


def _retry_mode_configured(session: Any) -> bool:
    if os.environ.get("AWS_RETRY_MODE"):
        return True
    scoped = session._session.get_scoped_config()  # boto3 exposes no public accessor
    return bool(scoped.get("retry_mode"))


def plain(value: Any) -> Any:
    """A boto3 result with datetimes as the API's ISO strings, as the local backend has them."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return clock.iso(value)
    return value
