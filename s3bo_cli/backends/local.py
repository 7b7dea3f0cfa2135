"""The built-in local backend: the job API over a state directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3bo_cli import validation
from s3bo_cli.config import LOCAL_DEFAULT_ACCOUNT, Settings
from s3bo_cli.engine.jobstore import JobStore
from s3bo_cli.engine.service import JobService
from s3bo_cli.state.layout import Namespace

_METHODS = {
    "CreateJob": JobService.create_job,
    "DescribeJob": JobService.describe_job,
    "ListJobs": JobService.list_jobs,
    "UpdateJobPriority": JobService.update_job_priority,
    "UpdateJobStatus": JobService.update_job_status,
    "GetJobTagging": JobService.get_job_tagging,
    "PutJobTagging": JobService.put_job_tagging,
    "DeleteJobTagging": JobService.delete_job_tagging,
}


class LocalBackend:
    """Runs every job operation against the local engine's state directory."""

    name = "local"

    def __init__(
        self, settings: Settings, *, on_change: Callable[[Namespace, str], None] | None = None
    ) -> None:
        self.settings = settings
        self._on_change = on_change

    @property
    def default_account_id(self) -> str:
        return self.settings.account_id or LOCAL_DEFAULT_ACCOUNT

    def namespace(self, account_id: str) -> Namespace:
        return Namespace(self.settings.state_dir, account_id, self.settings.region)

    def service(self, account_id: str) -> JobService:
        ns = self.namespace(account_id)
        notify = None
        if self._on_change is not None:
            hook = self._on_change

            def notify(job_id: str) -> None:
                hook(ns, job_id)

        return JobService(JobStore(ns), on_change=notify)

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        method = _METHODS.get(operation)
        if method is None:
            raise validation.validation_error(
                "CreateJob", f"Operation {operation} is not supported"
            )
        params = dict(params)
        if operation == "CreateJob" and "ClientRequestToken" not in params:
            import uuid

            params["ClientRequestToken"] = str(uuid.uuid4())
        validation.check_service_side(operation, params)
        return method(self.service(params["AccountId"]), params)
