"""The built-in local backend: the job API over a state directory."""

from __future__ import annotations

from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from s3bo_cli import apimodel, validation
from s3bo_cli.config import LOCAL_DEFAULT_ACCOUNT, Settings
from s3bo_cli.engine.jobstore import JobStore
from s3bo_cli.engine.service import JobService
from s3bo_cli.errors import S3boError
from s3bo_cli.state.layout import Namespace

if TYPE_CHECKING:
    from s3bo_cli.backends.preflight import Preflight
    from s3bo_cli.engine.events import EventLog
    from s3bo_cli.engine.lifecycle import Lifecycle, StatusListener

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
    remote = False

    def __init__(
        self,
        settings: Settings,
        *,
        autostart: bool = True,
        notifier: StatusListener | None = None,
    ) -> None:
        self.settings = settings
        self.autostart = autostart
        if notifier is None:
            from s3bo_cli.engine.notify import default_notifier

            notifier = default_notifier()
        #: Told of the status changes this process makes (webhooks).
        self.notifier = notifier

    def default_account_id(self) -> str:
        return self.settings.account_id or LOCAL_DEFAULT_ACCOUNT

    def local_engine(self) -> LocalBackend:
        return self

    def namespace(self, account_id: str) -> Namespace:
        return Namespace(self.settings.state_dir, account_id, self.settings.region)

    @cached_property
    def _absolute_dirs(self) -> tuple[str, str]:
        """The state and buckets folders, resolved once: every call records them, and
        resolving them took a quarter of the time of each DescribeJob."""
        return str(self.settings.state_dir.resolve()), str(self.settings.buckets_dir.resolve())

    def store_spec(self) -> dict[str, Any]:
        """Where a new job's objects live, recorded with the job for the worker."""
        spec: dict[str, Any] = {"region": self.settings.region}
        if self.settings.s3_endpoint_url:
            spec["s3_endpoint_url"] = self.settings.s3_endpoint_url
            spec["profile"] = self.settings.profile
        else:
            spec["buckets_dir"] = self._absolute_dirs[1]
        return spec

    def service(self, account_id: str, engine: dict[str, Any] | None = None) -> JobService:
        defaults = {
            "store": self.store_spec(),
            "state_dir": self._absolute_dirs[0],  # e.g. for lambda.toml
            **(engine or {}),
        }
        return JobService(
            JobStore(self.namespace(account_id)), engine_defaults=defaults, notifier=self.notifier
        )

    def regions(self, account_id: str) -> list[str]:
        """Every region that has jobs for ``account_id`` in this state directory."""
        root = self.settings.state_dir / "accounts" / account_id
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def for_region(self, region: str) -> LocalBackend:
        """The same state directory and options, for the jobs of another region."""
        import dataclasses

        return LocalBackend(
            dataclasses.replace(self.settings, region=region),
            autostart=self.autostart,
            notifier=self.notifier,
        )

    def _lifecycle(self, account_id: str) -> Lifecycle:
        from s3bo_cli.engine.lifecycle import Lifecycle

        return Lifecycle(JobStore(self.namespace(account_id)), notifier=self.notifier)

    # -- the LocalEngine protocol ------------------------------------------------

    def pause(self, account_id: str, job_id: str) -> dict[str, Any]:
        from s3bo_cli.engine import control

        return control.pause_job(self._lifecycle(account_id), job_id)

    def resume(self, account_id: str, job_id: str) -> dict[str, Any]:
        from s3bo_cli.engine import control

        result = control.resume_job(self._lifecycle(account_id), job_id)
        if self.autostart:
            from s3bo_cli.engine.autostart import ensure_worker

            ensure_worker(self.settings.state_dir)
        return result

    def job_status(self, account_id: str, job_id: str) -> str:
        return str(JobStore(self.namespace(account_id)).load(job_id)["job"]["Status"])

    def job_ids(self, account_id: str) -> list[str]:
        try:
            entries = list(self.namespace(account_id).jobs_dir.iterdir())
            entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return []
        return [p.name for p in entries]

    def event_log(self, account_id: str, *, data_events: bool = False) -> EventLog:
        from s3bo_cli.engine.events import EventLog

        return EventLog(self.namespace(account_id), data_events=data_events)

    def run_burst(self) -> bool:
        from s3bo_cli.engine.worker import Worker, WorkerBusy

        try:
            Worker(self.settings.state_dir, notifier=self.notifier).run(burst=True)
        except WorkerBusy:
            return False
        return True

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run one job operation (CreateJob after its preflight)."""
        if operation == "CreateJob":
            return self.create_job(params)
        return self._invoke(operation, params)

    def create_job(
        self,
        params: dict[str, Any],
        preflight: Preflight | None = None,
        *,
        engine: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """CreateJob after its preflight; ``engine`` adds local-only job settings."""
        from s3bo_cli.backends import preflight as checks

        create = partial(self._invoke, "CreateJob", engine=engine)
        return checks.create_job(self.settings, params, preflight, create)

    def _invoke(
        self, operation: str, params: dict[str, Any], *, engine: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        method = _METHODS.get(operation)
        if method is None:
            from s3bo_cli.errors import InvalidRequestException

            raise InvalidRequestException(f"The local engine has no operation {operation}")
        params = dict(params)
        validation.check_service_side(operation, params)
        result = method(self.service(params["AccountId"], engine), params)
        output = apimodel.output_shape_name(operation)
        if output and result:
            result = apimodel.ordered(output, result)  # nested members too, as on the wire
        if self.autostart:
            self._start_worker_if_needed(
                params["AccountId"], _touched_jobs(operation, params, result)
            )
        return result

    def _start_worker_if_needed(
        self, account_id: str, touched: list[tuple[str, str | None]]
    ) -> None:
        """Start a worker when one of these jobs needs it (the worker's own rule)."""
        from s3bo_cli.engine.control import WORKER_STATUSES, needs_worker

        jobs = JobStore(self.namespace(account_id))
        for job_id, status in touched:
            if status is not None and status not in {"Paused", "Suspended"}:
                wanted = status in {s.value for s in WORKER_STATUSES}
            else:  # a held pause or an expired confirmation: the record decides
                try:
                    wanted = needs_worker(jobs.load(job_id))
                except S3boError:
                    continue
            if wanted:
                from s3bo_cli.engine.autostart import ensure_worker

                ensure_worker(self.settings.state_dir)
                return


def _touched_jobs(
    operation: str, params: dict[str, Any], result: dict[str, Any]
) -> list[tuple[str, str | None]]:
    """(JobId, Status if the result shows it) of the jobs a call created, changed or showed."""
    if operation == "ListJobs":
        return [(job["JobId"], job["Status"]) for job in result["Jobs"]]
    if operation == "DescribeJob":
        return [(params["JobId"], result["Job"]["Status"])]
    if operation == "CreateJob":
        return [(result["JobId"], "New")]
    if operation in ("UpdateJobStatus", "UpdateJobPriority"):
        return [(params["JobId"], None)]
    return []
