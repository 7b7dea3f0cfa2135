"""The eight job operations over a JobStore: boto3-shaped dicts in and out."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from operator import itemgetter
from typing import Any

from s3bo_cli import clock, logs
from s3bo_cli.engine import requests
from s3bo_cli.engine.jobindex import Entry, Marker, agrees
from s3bo_cli.engine.jobstore import JobStore, not_found
from s3bo_cli.engine.lifecycle import Lifecycle, StatusListener
from s3bo_cli.engine.states import CANCEL_VIA_CANCELLING, CANCELLABLE
from s3bo_cli.errors import (
    InvalidNextTokenException,
    JobStatusException,
    NotFoundException,
    StateError,
    StatePermissionError,
)
from s3bo_cli.model.statuses import TERMINAL, JobStatus

#: Jobs are listed (and kept) for this long after they end.
RETENTION = timedelta(days=90)
DEFAULT_MAX_RESULTS = 1000
LIST_FIELDS = (
    "JobId",
    "Description",
    "Operation",
    "Priority",
    "Status",
    "CreationTime",
    "TerminationDate",
    "ProgressSummary",
)


def request_hash(params: dict[str, Any]) -> str:
    """A digest of a CreateJob request, token excluded, for idempotency checks."""
    body = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _expired(job: dict[str, Any]) -> bool:
    """Ended more than 90 days ago: the service has deleted it."""
    if job["Status"] not in {s.value for s in TERMINAL}:
        return False
    ended = job.get("TerminationDate", job["CreationTime"])
    return clock.parse(ended) < clock.now() - RETENTION


def _encode_token(job: dict[str, Any]) -> str:
    raw = json.dumps([job["CreationTime"], job["JobId"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[str, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        created, job_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return str(created), str(job_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidNextTokenException("The continuation token provided is invalid.") from None


class JobService:
    """S3 Control's job API for one account and region of a state directory."""

    def __init__(
        self,
        store: JobStore,
        *,
        now: Callable[[], str] = clock.now_iso,
        engine_defaults: dict[str, Any] | None = None,
        notifier: StatusListener | None = None,
    ) -> None:
        self.store = store
        self.engine_defaults = engine_defaults or {}
        self.now = now
        self.lifecycle = Lifecycle(store, notifier=notifier, now=now)

    @property
    def account_id(self) -> str:
        return self.store.ns.account_id

    @property
    def region(self) -> str:
        return self.store.ns.region

    # -- CreateJob --------------------------------------------------------------

    def create_job(self, params: dict[str, Any]) -> dict[str, Any]:
        import uuid

        requests.check_create_job(params)
        job_id = str(uuid.uuid4())
        now = self.now()
        confirmation = params.get("ConfirmationRequired")
        job: dict[str, Any] = {
            "JobId": job_id,
            # Omitted means required, as the user guide's CLI walkthrough shows.
            "ConfirmationRequired": True if confirmation is None else bool(confirmation),
            "Description": params.get("Description"),
            "JobArn": f"arn:aws:s3:{self.region}:{self.account_id}:job/{job_id}",
            "Status": JobStatus.NEW.value,
            "Manifest": params.get("Manifest"),
            "Operation": params["Operation"],
            "Priority": params["Priority"],
            "ProgressSummary": {
                "TotalNumberOfTasks": 0,
                "NumberOfTasksSucceeded": 0,
                "NumberOfTasksFailed": 0,
                "Timers": {"ElapsedTimeInActiveSeconds": 0},
            },
            "FailureReasons": [],
            "Report": params["Report"],
            "CreationTime": now,
            "RoleArn": params["RoleArn"],
            "ManifestGenerator": params.get("ManifestGenerator"),
        }
        job = {k: v for k, v in job.items() if v is not None}
        created_id = self.lifecycle.create(
            job=job,
            tags=list(params.get("Tags", [])),
            token=params["ClientRequestToken"],
            request_hash=request_hash(params),
            engine=dict(self.engine_defaults),
        )
        return {"JobId": created_id}

    # -- reading ----------------------------------------------------------------

    def describe_job(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self.store.load(params["JobId"])
        if _expired(record["job"]):
            raise not_found(params["JobId"])  # deleted 90 days after it ended
        return {"Job": record["job"]}

    def list_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        statuses = set(params.get("JobStatuses") or ())
        # MaxResults 0 is in the model's range and asks for no particular page size.
        limit = params.get("MaxResults") or DEFAULT_MAX_RESULTS
        after = _decode_token(params["NextToken"]) if params.get("NextToken") else None
        wanted = [s for s in JobStatus if not statuses or s.value in statuses]
        markers = self.store.listing(wanted)
        if markers is not None:
            return self._page(self._indexed(markers, after, limit), limit)
        jobs = []
        for record in self.store.records():
            job = record["job"]
            if _expired(job):
                self.store.delete(job["JobId"])  # past its retention, as the service does
                continue
            if statuses and job["Status"] not in statuses:
                continue
            jobs.append(job)
        # Newest first; JobId breaks ties so that paging is stable.
        jobs.sort(key=lambda j: (j["CreationTime"], j["JobId"]), reverse=True)
        if after is not None:
            jobs = [j for j in jobs if (j["CreationTime"], j["JobId"]) < after]
        return self._page(jobs, limit)

    def _indexed(
        self, markers: list[Marker], after: tuple[str, str] | None, limit: int
    ) -> list[dict[str, Any]]:
        """Up to ``limit + 1`` jobs, newest first, reading only their own files."""
        markers.sort(key=itemgetter(0), reverse=True)  # names sort by time, then id
        index = self.store.index
        jobs: list[dict[str, Any]] = []
        seen: set[str] = set()
        for marker in markers:
            if len(jobs) > limit:
                break
            entry = Entry.parse(marker)
            if entry is None or entry.job_id in seen:
                continue
            if after is not None and entry.order >= after:
                continue
            try:
                job = self.store.load(entry.job_id)["job"]
            except StatePermissionError:
                raise
            except NotFoundException:
                index.drop_if_stale(entry)  # a job deleted, or one being created
                continue
            except StateError as exc:
                logs.get().warning("%s (skipped)", exc)
                continue
            if not agrees(entry, job):
                index.drop_if_stale(entry)  # its true marker is elsewhere
                continue
            seen.add(entry.job_id)
            if _expired(job):
                self.store.delete(job["JobId"])  # past its retention, as the service does
                continue
            jobs.append(job)
        return jobs

    def _page(self, jobs: list[dict[str, Any]], limit: int) -> dict[str, Any]:
        page = jobs[:limit]
        result: dict[str, Any] = {}
        if len(jobs) > limit:
            result["NextToken"] = _encode_token(page[-1])
        result["Jobs"] = [self._list_descriptor(job) for job in page]
        return result

    @staticmethod
    def _list_descriptor(job: dict[str, Any]) -> dict[str, Any]:
        summary = {k: job[k] for k in LIST_FIELDS if k in job and k != "Operation"}
        summary["Operation"] = next(iter(job["Operation"]))
        return {k: summary[k] for k in LIST_FIELDS if k in summary}

    # -- changing ---------------------------------------------------------------

    def update_job_priority(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.store.update(params["JobId"]) as record:
            record["job"]["Priority"] = params["Priority"]
        self.store.wake_worker()  # it may take slots from a running job, or give them
        return {"JobId": params["JobId"], "Priority": params["Priority"]}

    def update_job_status(self, params: dict[str, Any]) -> dict[str, Any]:
        job_id, requested = params["JobId"], params["RequestedJobStatus"]
        reason = params.get("StatusUpdateReason")
        with self.lifecycle.edit(job_id) as edit:
            current = edit.status
            if requested == JobStatus.READY.value:
                if current is not JobStatus.SUSPENDED:
                    raise JobStatusException(
                        f"Job {job_id} is in status {current}; only a Suspended job "
                        "can be confirmed (set to Ready)"
                    )
                target = JobStatus.READY
            else:
                if current not in CANCELLABLE:
                    raise JobStatusException(
                        f"Job {job_id} is in status {current} and cannot be cancelled"
                    )
                target = (
                    JobStatus.CANCELLING
                    if current in CANCEL_VIA_CANCELLING
                    else JobStatus.CANCELLED
                )
            edit.move(target)
            if reason is not None:
                edit.job["StatusUpdateReason"] = reason
        if target is JobStatus.READY:
            self.store.wake_worker()
        result = {"JobId": job_id, "Status": target.value}
        if reason is not None:
            result["StatusUpdateReason"] = reason
        return result

    # -- tagging ----------------------------------------------------------------

    def get_job_tagging(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": list(self.store.load(params["JobId"])["tags"])}

    def put_job_tagging(self, params: dict[str, Any]) -> dict[str, Any]:
        requests.check_put_tags(params["Tags"])
        with self.store.update(params["JobId"]) as record:
            record["tags"] = list(params["Tags"])
        return {}

    def delete_job_tagging(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.store.update(params["JobId"]) as record:
            record["tags"] = []
        return {}
