"""Runs one job through its life cycle: prepare, run tasks, finish.

Every status change goes through ``engine.lifecycle`` (under the job's lock,
logged and announced); a status the user changed meanwhile (a cancellation)
always wins over what the runner was about to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from s3bo_cli import clock, logs, ops
from s3bo_cli.engine import dataevents, faults, manifests, reports
from s3bo_cli.engine.control import confirmation_expired, is_held
from s3bo_cli.engine.greenpool import GreenTaskPool, on_event_loop
from s3bo_cli.engine.jobstore import JobStore, job_tag
from s3bo_cli.engine.lease import JobLease
from s3bo_cli.engine.lifecycle import (
    Lifecycle,
    StatusListener,
    bank_active_time,
    start_active_clock,
)
from s3bo_cli.engine.manifests.source import ManifestError
from s3bo_cli.engine.scheduler import Pacer, Share
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.tasklog import SUCCEEDED, Progress, TaskLog, TaskResult
from s3bo_cli.engine.taskpool import Retry, RunOne, TaskPool, run_task
from s3bo_cli.engine.taskprocs import ProcessTaskPool
from s3bo_cli.errors import S3Error
from s3bo_cli.greenio import Loop
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.model.statuses import JobStatus
from s3bo_cli.model.threshold import FailureThreshold
from s3bo_cli.safety.hook import TaskHook, task_hook
from s3bo_cli.stores.base import ObjectStore

#: What runs a job's tasks: threads, an event loop, or task processes (one interface).
TaskRunner = TaskPool | GreenTaskPool | ProcessTaskPool

S = JobStatus


class JobRunner:
    """Moves one job forward as far as it can go now."""

    def __init__(
        self,
        jobs: JobStore,
        job_id: str,
        *,
        open_store: Callable[[dict[str, Any]], ObjectStore],
        settings: EngineSettings | None = None,
        notifier: StatusListener | None = None,
        should_yield: Callable[[dict[str, Any]], str | None] = lambda job: None,
        share: Share | None = None,
        now: Callable[[], str] = clock.now_iso,
    ) -> None:
        self.jobs = jobs
        self.job_id = job_id
        self.open_store = open_store
        self.settings = settings or EngineSettings()
        self.lifecycle = Lifecycle(jobs, notifier=notifier, now=now)
        self.should_yield = should_yield
        #: This job's part of the worker's task slots, while several jobs run at once.
        self.share = share or Share()
        self.now = now
        self.log = TaskLog(jobs.ns.job_dir(job_id))
        self._lease: JobLease | None = None
        #: Per-task data events, for jobs that opted in (None keeps the loop free of them).
        self.on_result: Callable[[TaskResult], None] | None = None
        #: The storage fault that stopped the tasks, if one did (see engine/faults.py).
        self.fault: str | None = None

    # -- status changes ---------------------------------------------------------

    def _move(
        self,
        expected: set[JobStatus],
        *targets: JobStatus,
        change: Callable[[dict[str, Any]], None] | None = None,
        durable: bool = True,
    ) -> dict[str, Any] | None:
        return self.lifecycle.move(self.job_id, expected, *targets, change=change, durable=durable)

    def _fail_reason(self, code: str, reason: str) -> Callable[[dict[str, Any]], None]:
        def change(record: dict[str, Any]) -> None:
            reasons = record["job"].setdefault("FailureReasons", [])
            reasons.append({"FailureCode": code[:64], "FailureReason": reason[:256]})

        return change

    def _fail(self, expected: set[JobStatus], code: str, reason: str) -> None:
        """Failing, then Failed, with this failure reason (if the job is still in ``expected``)."""
        self._move(expected, S.FAILING, S.FAILED, change=self._fail_reason(code, reason))

    # -- entry point ------------------------------------------------------------

    def step(self, *, quick: bool = False) -> bool:
        """Do whatever the job's status calls for, holding the job's lease; with
        ``quick``, only what does not run tasks (prepare, finish, expire).

        False when another runner holds the lease (it does the work; see
        :mod:`s3bo_cli.engine.lease`).
        """
        with JobLease(self.jobs.ns.job_dir(self.job_id)) as lease:
            if not lease.acquire():
                logs.get().debug("job %s: another runner holds its lease", self.job_id)
                return False
            self._lease = lease  # task processes inherit it
            try:
                self._step(quick)
            finally:
                self._lease = None
        return True

    def _step(self, quick: bool) -> None:
        record = self.jobs.load(self.job_id)
        status = JobStatus(record["job"]["Status"])
        if status in (S.NEW, S.PREPARING):
            self.prepare(record)
        elif status in (S.READY, S.PAUSED, S.ACTIVE):
            if not quick:  # it became runnable since the worker looked: the scheduler decides
                self.run()
        elif status is S.PAUSING:
            self._move({S.PAUSING}, S.PAUSED)
        elif status in (S.CANCELLING, S.FAILING, S.COMPLETING):
            self.finish()
        elif status is S.SUSPENDED:
            self.expire_suspended(record)

    # -- Preparing --------------------------------------------------------------

    def _store(self, record: dict[str, Any]) -> ObjectStore:
        return self.open_store(record.get("engine", {}).get("store", {}))

    def _task_store(self, record: dict[str, Any], limits: EngineSettings) -> ObjectStore:
        """The store for the tasks' requests: a connection for each request in flight."""
        spec = record.get("engine", {}).get("store", {})
        return self.open_store({**spec, "in_flight": limits.max_in_flight})

    def prepare(self, record: dict[str, Any]) -> None:
        """Read the manifest into the task list, then Ready or Suspended (or Failed)."""
        targets = [S.PREPARING] if record["job"]["Status"] == S.NEW.value else []
        # Not fsync'd: Ready, Suspended or Failed follows at once (a power cut that
        # loses Preparing leaves the job New, and it is prepared again).
        if self._move({S.NEW, S.PREPARING}, *targets, durable=False) is None:
            return
        try:
            store = self._store(record)
            job = record["job"]
            entries = manifests.job_entries(store, job, record.get("engine", {}))
            total = self.log.write_tasks(entries)
        except (ManifestError, S3Error) as exc:
            if faults.storage_fault(exc) is not None:
                raise  # the engine's disk, not the manifest: Preparing waits for it
            if isinstance(exc, S3Error):
                self._fail(
                    {S.PREPARING}, "ManifestReadError", f"Reading the manifest failed: {exc}"
                )
                return
            self._fail({S.PREPARING}, exc.code, exc.reason)
            return

        def prepared(rec: dict[str, Any]) -> None:
            faults.clear(rec["job"])
            rec["job"]["ProgressSummary"]["TotalNumberOfTasks"] = total
            if "GeneratedManifestDescriptor" in job:  # filled in by a manifest generator
                rec["job"]["GeneratedManifestDescriptor"] = job["GeneratedManifestDescriptor"]

        target = S.SUSPENDED if record["job"].get("ConfirmationRequired", True) else S.READY
        self._move({S.PREPARING}, target, change=prepared)

    def expire_suspended(self, record: dict[str, Any]) -> None:
        if confirmation_expired(record["job"]):
            self._move(
                {S.SUSPENDED},
                S.FAILED,
                change=self._fail_reason(
                    "ConfirmationTimeout",
                    "The job was not confirmed within 30 days of entering the Suspended status.",
                ),
            )

    # -- Active -----------------------------------------------------------------

    def run(self) -> None:
        """Run the job's remaining tasks until done, cancelled, failed or pre-empted."""

        record = self._activate()
        if record is None:
            return
        job = record["job"]
        name = next(iter(job["Operation"]))
        operation = (self.settings.operations or ops.get)(name)
        if operation is None:
            self._fail(
                {S.ACTIVE}, "OperationNotSupported", f"The local engine cannot run {name} jobs yet."
            )
            return
        self.on_result = dataevents.task_events(self.jobs.ns, record)
        total = job["ProgressSummary"]["TotalNumberOfTasks"]
        progress = self.log.recover(total)
        threshold = FailureThreshold.of(record.get("engine", {}).get("failure_threshold"))
        self._rate = max_rps(record)
        remaining = total - progress.succeeded - progress.failed
        hook = task_hook(self.log.job_dir, record, operation)  # before-images, reverts, merges
        try:
            with self._task_pool(record, name, operation, remaining, hook) as pool:
                outcome = self._run_tasks(pool, progress, threshold)
        finally:
            if hook is not None:
                hook.close()  # compacts what every task process recorded
        self._after_run(outcome, progress)

    def _task_pool(
        self,
        record: dict[str, Any],
        name: str,
        operation: ops.Operation,
        remaining: int,
        hook: TaskHook | None = None,
    ) -> TaskRunner:
        """This process's threads (or its event loop) for a short job; task processes for a
        long one."""
        context = {
            "job_id": self.job_id,
            "account_id": self.jobs.ns.account_id,
            "region": self.jobs.ns.region,
            "body": record["job"]["Operation"][name] or {},
            "settings": record.get("engine", {}),
        }
        wanted = self.settings.processes_for(remote=self._store(record).remote)
        processes = min(wanted, remaining // self.settings.min_tasks_per_process)
        # An injected operation, or a rate cap: threads in this process.
        if processes <= 1 or self.settings.operations is not None or self._rate is not None:
            store = self._task_store(record, self.settings)
            slots = self.settings.slots(remote=store.remote, share=self.share)
            task_context = ops.TaskContext(store=store, **context)
            run_one: RunOne = partial(run_task, operation, task_context, hook=hook)
            if self._rate is not None:
                pacer = Pacer(self._rate)

                def run_one(
                    index: int, entry: ManifestEntry, *, retry: Retry | None = None
                ) -> TaskResult:
                    def paced(failed: TaskResult) -> bool:  # a retry is a request too
                        if retry is None or not retry(failed):
                            return False
                        pacer.wait()
                        return True

                    pacer.wait()
                    return run_task(operation, task_context, index, entry, hook=hook, retry=paced)

            elif self.settings.operations is None and on_event_loop(store, name):
                return GreenTaskPool(run_one, slots, Loop())
            return TaskPool(run_one, slots)
        # Task processes get this job's share of the slots as it stands when they start
        # (a withdrawn share still stops them at the next checkpoint).
        mine = replace(
            self.settings,
            concurrency=self.share.cap(self.settings.concurrency),
            max_in_flight=self.share.cap(self.settings.max_in_flight),
        )
        share = mine.share(processes)
        spec = record.get("engine", {}).get("store", {})
        job = {
            "operation": name,
            "store": {**spec, "in_flight": share.max_in_flight},
            "context": context,
            "limits": {
                "concurrency": share.concurrency,
                "max_in_flight": share.max_in_flight,
                "pools": share.pools,
            },
            "hook": None if hook is None else hook.spec,
        }
        window = share.slots(remote=self._store(record).remote).ceiling * 2 + 8
        lease = () if self._lease is None else (self._lease.fileno(),)
        return ProcessTaskPool(job, processes, child_window=window, inherit_fds=lease)

    def _activate(self) -> dict[str, Any] | None:
        """Ready or Paused -> Active (an Active job was left by a crash: resume it).

        Decided under the job's lock, so that a `s3bo pause` or a cancellation
        that came after the worker chose this job still wins.
        """
        with self.lifecycle.edit(self.job_id) as edit:
            status = edit.status
            if status is S.PAUSED and is_held(edit.record):
                return None
            if status in (S.READY, S.PAUSED):
                edit.move(S.ACTIVE)
            elif status is S.ACTIVE:
                start_active_clock(edit.record)  # downtime after a crash is not counted
            else:
                return None
            return edit.record

    def _run_tasks(self, pool: TaskRunner, progress: Progress, threshold: FailureThreshold) -> str:
        """Feed the pool, record each result once, checkpoint; why the tasks stopped."""
        every = self.settings.checkpoint_seconds
        stop: str | None = None
        last_checkpoint = time.monotonic()

        def collect(done: list[TaskResult]) -> None:
            nonlocal stop
            recordable = []
            for result in done:
                if result.status == faults.FAULTED or self.fault is not None:
                    # Not the object's failure, or no longer recordable: it runs again later.
                    self.fault = self.fault or result.message
                    stop = "fault"
                    continue
                recordable.append(result)
            try:
                writer.append_many(recordable)  # one write: all recorded, or none
            except OSError as exc:
                if (fault := faults.storage_fault(exc)) is None:
                    raise
                self.fault, stop = fault, "fault"
                return
            for result in recordable:
                if self.on_result is not None:
                    self.on_result(result)
                if result.status == SUCCEEDED:
                    progress.succeeded += 1
                else:
                    progress.failed += 1
                ran = progress.succeeded + progress.failed
                if stop is None and threshold.exceeded(ran, progress.failed):
                    stop = "threshold"

        with self.log.open_for_append() as writer:
            tasks = ((i, e) for i, e in self.log.tasks() if not progress.is_done(i))
            while True:
                while stop is None and pool.pending < pool.window:
                    task = next(tasks, None)
                    if task is None:
                        break
                    pool.submit(*task)
                if not pool.pending:
                    break
                collect(pool.collect(every))
                if time.monotonic() - last_checkpoint >= every:
                    last_checkpoint = time.monotonic()
                    try:
                        stop = stop or self._checkpoint(progress)
                    except OSError as exc:
                        if (fault := faults.storage_fault(exc)) is None:
                            raise
                        self.fault, stop = fault, "fault"
                if stop is not None:
                    pool.stop()  # queued, not started: leave them undone
        return stop or "done"

    def _checkpoint(self, progress: Progress) -> str | None:
        """Save progress; say why to stop, if the job must stop now."""
        with self.jobs.update(self.job_id) as record:
            self._save_progress(record, progress)
            job = record["job"]
        if job["Status"] == S.PAUSING.value:
            return "pause"  # `s3bo pause`
        if job["Status"] != S.ACTIVE.value:
            return "cancel"
        verdict = self.should_yield(job)  # the worker may rebalance shares here
        if verdict is None and self.share.withdrawn:
            return "preempt"  # a more important job needs this job's slots
        return verdict

    def _save_progress(
        self, record: dict[str, Any], progress: Progress, *, running: bool = True
    ) -> None:
        """Counts and the Active timer into the record."""
        summary = record["job"]["ProgressSummary"]
        summary["NumberOfTasksSucceeded"] = progress.succeeded
        summary["NumberOfTasksFailed"] = progress.failed
        bank_active_time(record, running=running)

    def _after_run(self, outcome: str, progress: Progress) -> None:
        """Record where the tasks got to, whatever happened meanwhile; then move on."""
        with self.jobs.update(self.job_id) as record:
            self._save_progress(record, progress, running=False)
            if outcome != "fault":
                faults.clear(record["job"])
        if outcome == "fault":  # the job stays as it is; the worker backs off and retries
            raise faults.StorageFault(self.fault or "storage fault")
        # Every task ran (or too many failed): a pause that came meanwhile has
        # nothing left to hold.
        if outcome == "done":
            self._move({S.ACTIVE, S.PAUSING}, S.COMPLETING)
        elif outcome == "threshold":
            ran = progress.succeeded + progress.failed
            reason = self._fail_reason(
                "TaskFailureThresholdExceeded",
                f"Job failed because the task failure rate exceeded the threshold: "
                f"{progress.failed} of {ran} tasks failed.",
            )
            self._move({S.ACTIVE, S.PAUSING}, S.FAILING, change=reason)
        elif outcome == "preempt":
            self._move({S.ACTIVE}, S.PAUSING, S.PAUSED)
        elif outcome == "pause":
            self._move({S.PAUSING}, S.PAUSED)
        self.finish()  # Completing, Failing or Cancelling (whoever moved it there)

    # -- the end ----------------------------------------------------------------

    def finish(self) -> None:
        """Write the completion report, then Complete, Cancelled or Failed."""
        record = self.jobs.load(self.job_id)
        job = record["job"]
        status = JobStatus(job["Status"])
        final = {S.COMPLETING: S.COMPLETE, S.CANCELLING: S.CANCELLED, S.FAILING: S.FAILED}.get(
            status
        )
        if final is None:
            return
        summary = job["ProgressSummary"]
        # The task log is the truth (the summary may predate a crash).
        progress = self.log.recover(summary.get("TotalNumberOfTasks", 0))
        ran = progress.succeeded + progress.failed
        change = None
        report = job.get("Report", {})
        if report.get("Enabled") and ran > 0:
            try:
                reports.write_report(
                    self._store(record),
                    report=report,
                    job_id=self.job_id,
                    results=self.log.results(),
                    scratch=self.jobs.ns.job_dir(self.job_id),
                )
            except (S3Error, OSError) as exc:
                if faults.storage_fault(exc) is not None:
                    raise  # the engine's own disk: Completing waits for it, the report is owed
                logs.get().warning("job %s: completion report not written: %s", self.job_id, exc)
                change = self._fail_reason(reports.WRITE_FAILED_CODE, reports.WRITE_FAILED_REASON)

        def wrap_up(rec: dict[str, Any]) -> None:
            self._save_progress(rec, progress, running=False)
            faults.clear(rec["job"])
            if change is not None:
                change(rec)

        self._move({status}, final, change=wrap_up)


MAX_RPS_TAG = "s3bo:max-rps"


def max_rps(record: dict[str, Any]) -> float | None:
    """The job's cap on requests started per second (``--max-rps`` or its tag), if any."""
    value: Any = record.get("engine", {}).get("max_rps")
    if value is None:
        value = job_tag(record, MAX_RPS_TAG)
    try:
        rate = float(value) if value is not None else None
    except ValueError:
        logs.get().warning("tag %s=%r is not a number; the job runs uncapped", MAX_RPS_TAG, value)
        return None
    return rate if rate is not None and rate > 0 else None
