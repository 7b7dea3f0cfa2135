"""The worker: one per state directory, runs every account's and region's jobs.

Scheduling: jobs that need finishing or preparing first, stepped on the worker's
own thread; then Ready, Paused and Active jobs, several at once, each on its own
thread, with the shares of the task slots ``engine.scheduler`` gives them (higher
priorities first, equal ones alike, at most ``max_active_jobs``). The shares are
looked at again every ``scan_interval``: a job whose share is gone goes Pausing →
Paused, and is started again when it gets one back.
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3bo_cli import logs
from s3bo_cli.engine import faults
from s3bo_cli.engine.autostart import settings_path, worker_dir, worker_lock
from s3bo_cli.engine.control import SUSPENDED_TIMEOUT, WORKER_STATUSES, needs_worker
from s3bo_cli.engine.jobindex import Entry, agrees
from s3bo_cli.engine.jobstore import JobStore
from s3bo_cli.engine.lease import leased_elsewhere
from s3bo_cli.engine.lifecycle import Lifecycle, StatusListener
from s3bo_cli.engine.runner import JobRunner
from s3bo_cli.engine.scheduler import Demand, Share, allocate, wanted
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.sweep import sweep
from s3bo_cli.engine.taskstore import store_opener
from s3bo_cli.engine.wakeup import Doorbell
from s3bo_cli.errors import S3boError, StateError
from s3bo_cli.model.statuses import TERMINAL, JobStatus
from s3bo_cli.state.files import write_atomic, write_json_text
from s3bo_cli.state.layout import Namespace, namespaces
from s3bo_cli.state.locks import LockTimeout, holder_pids

S = JobStatus

FINISHING = {S.CANCELLING, S.FAILING, S.COMPLETING, S.PAUSING}
PREPARING = {S.NEW, S.PREPARING}
RUNNABLE = {S.READY, S.PAUSED, S.ACTIVE}
#: The statuses whose jobs may need the worker (the others never will again).
SCANNED = sorted(WORKER_STATUSES | {S.PAUSED, S.SUSPENDED}, key=lambda s: s.value)
SUSPENDED_SECONDS = SUSPENDED_TIMEOUT.total_seconds()
#: The share of a scan interval the scheduler may spend preparing queued jobs that
#: outrank the running ones (they would take slots now), at least one a scan.
INLINE_SHARE = 0.2
#: The share of the time the background preparer takes while jobs run. It shares this
#: process's interpreter with the running jobs' result handling: at a fifth it halved
#: a DirStore job's rate, at a twentieth it does not measurably slow it.
BACKGROUND_SHARE = 0.05
#: Queued jobs prepared at the same time.
PREPARE_AT_ONCE = 8

#: Where a broken job goes, one locked step at a time.
_BROKEN_NEXT = {
    S.NEW: S.FAILING,
    S.PREPARING: S.FAILING,
    S.ACTIVE: S.FAILING,
    S.FAILING: S.FAILED,
    S.CANCELLING: S.CANCELLED,
    S.COMPLETING: S.COMPLETE,
    S.PAUSING: S.PAUSED,
}


class WorkerBusy(Exception):
    """Another worker already serves this state directory."""


@dataclass(frozen=True)
class Candidate:
    """A job the worker could act on now."""

    ns: Namespace
    job_id: str
    status: JobStatus
    priority: int
    created: str
    #: Tasks not yet run (Ready, Paused and Active jobs), and whether they run on S3.
    remaining: int = 0
    remote: bool = False

    @property
    def key(self) -> tuple[Namespace, str]:
        return (self.ns, self.job_id)

    @property
    def urgency(self) -> tuple[int, int, str]:
        if self.status in FINISHING:
            return (0, 0, self.created)
        if self.status in PREPARING or self.status is S.SUSPENDED:
            return (1, -self.priority, self.created)  # a more important job is ready sooner
        return (2, -self.priority, self.created)


@dataclass
class _Run:
    """A job running on its own thread, and its share of the task slots."""

    candidate: Candidate
    share: Share
    thread: threading.Thread


def _candidate(ns: Namespace, record: dict[str, Any]) -> Candidate:
    job = record["job"]
    summary = job.get("ProgressSummary", {})
    done = summary.get("NumberOfTasksSucceeded", 0) + summary.get("NumberOfTasksFailed", 0)
    return Candidate(
        ns,
        job["JobId"],
        JobStatus(job["Status"]),
        job["Priority"],
        job["CreationTime"],
        remaining=max(0, summary.get("TotalNumberOfTasks", 0) - done),
        remote="buckets_dir" not in record.get("engine", {}).get("store", {}),
    )


class Worker:
    """Runs jobs until there is nothing left to do (burst) or it has idled long enough."""

    def __init__(
        self,
        state_dir: Path,
        *,
        settings: EngineSettings | None = None,
        notifier: StatusListener | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.settings = settings or EngineSettings()
        self.notifier = notifier
        self.open_store = store_opener({})
        self._last_scan = 0.0
        self._running: dict[tuple[Namespace, str], _Run] = {}
        self._schedule_lock = threading.RLock()
        #: Set when the scheduler should look again now: a running job ended, or more
        #: important queued jobs wait to be prepared.
        self._wake = threading.Event()
        self._doorbell: Doorbell | None = None  # rung by commands (engine/wakeup.py)
        #: Queued jobs prepared in the background while jobs run, most important first.
        self._backlog: deque[Candidate] = deque()
        self._backlog_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._ended: dict[Path, int] = {}  # job file -> mtime, for jobs that have ended
        self.backoff = faults.Backoff()  # jobs waiting out a storage fault
        self._queue: deque[Candidate] = deque()  # the last scan's jobs, not served yet
        self._queued_at = 0.0
        self._prepare_pool: ThreadPoolExecutor | None = None

    # -- finding work -----------------------------------------------------------

    def candidates(self, statuses: Iterable[JobStatus] = SCANNED) -> list[Candidate]:
        """The jobs that need the worker now, most urgent first.

        From each namespace's job index (engine/jobindex.py): the markers of the
        statuses that may need work give status, priority and creation time
        without reading job files; only Paused jobs (held by a user?) and
        Suspended ones older than the confirmation timeout are read. Chosen jobs
        are checked against their records before they run.
        """
        found: list[Candidate] = []
        for ns in namespaces(self.state_dir):
            jobs = JobStore(ns)
            markers = jobs.listing(statuses)
            if markers is None:  # no index, and none can be built: read the job files
                found += self._scan_files(ns, jobs)
                continue
            entries = [entry for entry in map(Entry.parse, markers) if entry is not None]
            doubled = _doubled(entries)
            seen: set[str] = set()
            for listed in entries:
                if listed.job_id in seen or self.backoff.waiting((ns, listed.job_id)):
                    continue
                seen.add(listed.job_id)
                entry: Entry | None = listed
                if listed.job_id in doubled:
                    entry = _agreeing(jobs, [e for e in entries if e.job_id == listed.job_id])
                if entry is None:
                    continue
                if entry.status is S.SUSPENDED and jobs.index.age(entry) < SUSPENDED_SECONDS:
                    continue  # waiting for its confirmation; cannot have expired yet
                if entry.status in (S.PAUSED, S.SUSPENDED):
                    try:
                        record = jobs.load(entry.job_id)
                    except S3boError:
                        continue
                    if not agrees(entry, record["job"]) or not needs_worker(record):
                        continue
                found.append(
                    Candidate(ns, entry.job_id, entry.status, entry.priority, entry.created)
                )
        return sorted(found, key=lambda c: c.urgency)

    def _scan_files(self, ns: Namespace, jobs: JobStore) -> list[Candidate]:
        """Every job file of a namespace (read-only state directories without an index).

        Ended jobs never need the worker again: their files are remembered by
        modification time and not read again.
        """
        found = []
        for job_id in jobs.job_ids():
            path = ns.job_file(job_id)
            try:
                stamp = path.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if self._ended.get(path) == stamp or self.backoff.waiting((ns, job_id)):
                continue
            try:
                record = jobs.load(job_id)
            except S3boError as exc:
                logs.get().warning("%s (skipped)", exc)
                continue
            job = record["job"]
            status = JobStatus(job["Status"])
            if status in TERMINAL:
                self._ended[path] = stamp
            elif needs_worker(record) and not leased_elsewhere(ns.job_dir(job_id)):
                found.append(
                    Candidate(ns, job["JobId"], status, job["Priority"], job["CreationTime"])
                )
        return found

    def _current(self, candidate: Candidate) -> bool:
        """Whether the job is still what its marker said (a stale marker is skipped,
        and removed once old enough, so that it never makes the worker spin)."""
        jobs = JobStore(candidate.ns)
        try:
            job = jobs.load(candidate.job_id)["job"]
        except S3boError:
            return False
        entry = Entry(candidate.status, candidate.created, candidate.job_id, candidate.priority)
        if agrees(entry, job):
            return True
        jobs.index.drop_if_stale(entry)
        return False

    def runner(self, candidate: Candidate, share: Share | None = None) -> JobRunner:
        return JobRunner(
            JobStore(candidate.ns),
            candidate.job_id,
            open_store=self.open_store,
            settings=self.settings,
            notifier=self.notifier,
            should_yield=lambda job: self._should_yield(),
            share=share,
        )

    def _should_yield(self) -> str | None:
        """At a running job's checkpoint: look at the other jobs, if it is time to and
        no other thread is at it (the job's share says whether it must stop)."""
        if time.monotonic() - self._last_scan >= self.settings.scan_interval:
            try:
                self.schedule(wait=False)
            except Exception:  # the other jobs' trouble must not fail this one
                logs.get().warning("scheduling failed; retried later", exc_info=True)
        return None

    # -- the loop ---------------------------------------------------------------

    def _step(
        self, candidate: Candidate, share: Share | None = None, *, quick: bool = False
    ) -> bool:
        """Step one job; False when another runner holds its lease."""
        key = (candidate.ns, candidate.job_id)
        try:
            stepped = self.runner(candidate, share).step(quick=quick)
        except Exception as exc:  # never let one broken job stop the worker
            if (fault := faults.storage_fault(exc)) is not None:
                self._storage_fault(candidate, fault)
                return True
            logs.get().error(
                "job %s: %s: %s", candidate.job_id, type(exc).__name__, exc, exc_info=True
            )
            self._fail_broken_job(candidate, f"{type(exc).__name__}: {exc}")
            return True
        if stepped and self.backoff.succeeded(key):
            logs.get().warning("job %s: the engine's storage works again", candidate.job_id)
        return stepped

    def _storage_fault(self, candidate: Candidate, fault: str) -> None:
        """Back off the job (one log line per episode) and show why on the job."""
        key = (candidate.ns, candidate.job_id)
        first = self.backoff.first(key)
        delay = self.backoff.failed(key)
        log = logs.get().warning if first else logs.get().debug
        log(
            "job %s waits: the engine's storage failed (%s); retrying in %.0f s",
            candidate.job_id,
            fault,
            delay,
        )
        try:
            with JobStore(candidate.ns).update(candidate.job_id) as record:
                faults.note(record["job"], fault)
        except (OSError, S3boError) as exc:  # the state directory itself is full
            logs.get().debug("job %s: fault not recorded: %s", candidate.job_id, exc)

    def run_once(self, *, together: int = 1) -> bool:
        """Act on the most urgent job; False when there is nothing to do.

        ``together``: prepare up to this many queued jobs at once when the most
        urgent job is one to prepare (the serving loop asks for
        :data:`PREPARE_AT_ONCE`).

        The jobs found by one scan are served in order, and the scan is made
        again when they are all served or ``scan_interval`` has passed: a queue of
        thousands of jobs costs one scan a second, not one per job.
        """
        now = time.monotonic()
        if not self._queue or now - self._queued_at >= self.settings.scan_interval:
            self._queue = deque(self.candidates())
            self._queued_at = now
        while self._queue:
            chosen = self._queue.popleft()
            if not self._ready(chosen):
                continue
            if chosen.status in PREPARING and together > 1:
                if not self._runnable_waits():
                    return self._prepare_together(chosen, together)
                # Jobs can run: they start now, and the queue is prepared beside them
                # (the scheduler prepares at once a queued job that outranks them).
                self._run_together()
                self._queue.clear()
                return True
            if chosen.status in RUNNABLE:
                self._run_together()
                self._queue.clear()  # the scan is old by now
                return True
            if self._step(chosen, quick=True):
                return True
        return False

    def _runnable_waits(self) -> bool:
        """Whether the scan found a job that could run now, behind the queued ones."""
        return any(c.status in RUNNABLE and self._ready(c) for c in self._queue)

    def _run_together(self) -> None:
        """Run the runnable jobs the scheduler picks, together, until none runs.

        The scheduler looks again every ``scan_interval``, and at once when a job ends
        or a command rings the doorbell (a new job, a confirmation, a priority change),
        which is looked at every ``poll_interval``: one ``stat``, no job read.
        """
        tick = max(0.01, min(self.settings.poll_interval, self.settings.scan_interval))
        try:
            self.schedule()
            while self._running:
                woke = self._wake.wait(timeout=tick)
                self._wake.clear()
                rung = self._doorbell is not None and self._doorbell.rung()
                due = time.monotonic() - self._last_scan >= self.settings.scan_interval
                if woke or rung or due:
                    self.schedule()
        finally:
            self._stop_backlog()

    def _ready(self, candidate: Candidate) -> bool:
        """Not backing off, and still what the scan saw."""
        key = (candidate.ns, candidate.job_id)
        return not self.backoff.waiting(key) and self._current(candidate)

    def _prepare_together(self, first: Candidate, together: int) -> bool:
        """Prepare the queued jobs next in line, ``together`` at a time (each under its
        own lease): preparing is mostly waiting for the disk, so a queue goes through
        many times faster than one job at a time. A job is started as soon as one
        finishes (no waiting for the slowest of a batch); new ones stop being started
        once the scan is ``scan_interval`` old, so that the next scan sees what else
        needs the worker."""
        pool = self._preparers()
        pending = {pool.submit(self._step, first, quick=True)}
        stepped = False
        while pending:
            while (
                len(pending) < together
                and self._queue
                and self._queue[0].status in PREPARING
                and time.monotonic() - self._queued_at < self.settings.scan_interval
            ):
                pending.add(pool.submit(self._prepare, self._queue.popleft()))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            stepped = any([stepped, *(future.result() for future in done)])
        return stepped

    def _prepare(self, candidate: Candidate) -> bool:
        """Prepare a queued job if it is still what the scan saw (never run its tasks
        here: if it was prepared meanwhile, the scheduler starts it)."""
        return self._ready(candidate) and self._step(candidate, quick=True)

    def _preparers(self) -> ThreadPoolExecutor:
        """The threads that prepare queued jobs, started once for the worker's life."""
        if self._prepare_pool is None:
            self._prepare_pool = ThreadPoolExecutor(
                PREPARE_AT_ONCE, thread_name_prefix="s3bo-prepare"
            )
        return self._prepare_pool

    def schedule(self, *, wait: bool = True) -> None:
        """Step jobs that need finishing; prepare queued jobs; then give runnable jobs
        their shares: start those that get one, resize the running ones, withdraw the
        rest. With ``wait=False`` (a running job's checkpoint), skip it when another
        thread is scheduling.

        Queued jobs do not hold up the running ones: only one more important than a
        running job is prepared here (it would take slots now; the running job it
        pre-empts loses nothing by waiting for it); the others are prepared in the
        background, taking at most ``BACKGROUND_SHARE`` of the time (see
        :meth:`_prepare_backlog`).
        """
        if not self._schedule_lock.acquire(blocking=wait):
            return
        try:
            self._schedule()
        finally:
            self._schedule_lock.release()

    def _schedule(self) -> None:
        self._last_scan = time.monotonic()
        for ended in [k for k, run in self._running.items() if not run.thread.is_alive()]:
            del self._running[ended]
        queued: list[Candidate] = []
        for candidate in self.candidates():
            if candidate.status in RUNNABLE or candidate.key in self._running:
                continue
            if candidate.status in PREPARING:
                queued.append(candidate)
            elif self._ready(candidate):
                self._step(candidate, quick=True)
        self._prepare_queued(queued)
        waiting = [
            self._refreshed(c)
            for c in self.candidates(RUNNABLE)
            if c.key not in self._running and self._ready(c)
        ]
        waiting = [c for c in waiting if c.status in RUNNABLE]
        running = [self._refreshed(run.candidate) for run in self._running.values()]
        demands = [
            Demand(c.key, c.priority, c.created, wanted(c.remaining, self._ceiling(c)))
            for c in [*running, *waiting]
        ]
        plan = allocate(demands, max_active=self.settings.max_active_jobs)
        for key, run in self._running.items():
            if key in plan:
                run.share.fraction = plan[key]
            else:
                run.share.withdrawn = True  # it goes Pausing, Paused at its next checkpoint
        for candidate in waiting:
            if candidate.key in plan:
                self._start(candidate, Share(plan[candidate.key]))
            elif candidate.status is S.ACTIVE:
                try:
                    self._pause_stale(candidate)
                except OSError as exc:
                    if faults.storage_fault(exc) is None:
                        raise
                    logs.get().debug("pausing job %s: %s", candidate.job_id, exc)

    def _prepare_queued(self, queued: list[Candidate]) -> None:
        """Prepare now the queued jobs that outrank every running job, most important
        first, for at most ``INLINE_SHARE`` of a scan interval (at least one); hand the
        rest to the background preparer."""
        floor = min((run.candidate.priority for run in self._running.values()), default=None)
        until = time.monotonic() + INLINE_SHARE * self.settings.scan_interval
        while queued and (floor is None or queued[0].priority > floor):
            self._prepare(queued.pop(0))
            if time.monotonic() >= until:
                if queued and (floor is None or queued[0].priority > floor):
                    self._wake.set()  # more at once, after the shares are given
                break
        self._backlog = deque(queued)
        if queued and (self._backlog_thread is None or not self._backlog_thread.is_alive()):
            self._stopping.clear()
            self._backlog_thread = threading.Thread(
                target=self._prepare_backlog, name="s3bo-backlog", daemon=True
            )
            self._backlog_thread.start()

    def _prepare_backlog(self) -> None:
        """Prepare queued jobs one at a time while jobs run, resting between them so
        that preparing takes at most ``BACKGROUND_SHARE`` of the time."""
        rest = (1 - BACKGROUND_SHARE) / BACKGROUND_SHARE
        while not self._stopping.is_set():
            try:
                candidate = self._backlog.popleft()
            except IndexError:
                return
            start = time.monotonic()
            try:
                self._prepare(candidate)
            except Exception:  # _step ends a broken job; nothing may stop this thread
                logs.get().warning("preparing job %s failed", candidate.job_id, exc_info=True)
            self._stopping.wait((time.monotonic() - start) * rest)

    def _stop_backlog(self) -> None:
        """No job runs any more: the serving loop prepares the queue at full speed."""
        self._backlog = deque()
        self._stopping.set()
        if self._backlog_thread is not None:
            self._backlog_thread.join()
            self._backlog_thread = None

    def _ceiling(self, candidate: Candidate) -> int:
        return self.settings.ceiling(remote=candidate.remote)

    def _refreshed(self, candidate: Candidate) -> Candidate:
        """A running job as it is now (priority and progress change while it runs)."""
        try:
            return _candidate(candidate.ns, JobStore(candidate.ns).load(candidate.job_id))
        except S3boError:
            return candidate

    def _start(self, candidate: Candidate, share: Share) -> None:
        def run() -> None:
            try:
                self._step(candidate, share)
            finally:
                self._wake.set()

        thread = threading.Thread(target=run, name=f"s3bo-job-{candidate.job_id[:8]}", daemon=True)
        self._running[candidate.key] = _Run(candidate, share, thread)
        thread.start()

    def _pause_stale(self, candidate: Candidate) -> None:
        """A job left Active by a crash, with no share now: it must not look Active."""

        def stop_clock(record: dict[str, Any]) -> None:
            record["engine"]["active_since"] = None  # downtime since the crash is not counted

        self.lifecycle(candidate.ns).move(
            candidate.job_id, {S.ACTIVE}, S.PAUSING, S.PAUSED, change=stop_clock
        )

    def lifecycle(self, ns: Namespace) -> Lifecycle:
        return Lifecycle(JobStore(ns), notifier=self.notifier)

    def _fail_broken_job(self, candidate: Candidate, reason: str) -> None:
        """End a job whose step raised, so that the worker does not retry it forever."""
        lifecycle = self.lifecycle(candidate.ns)
        try:
            while True:
                with lifecycle.edit(candidate.job_id) as edit:
                    target = _BROKEN_NEXT.get(edit.status)
                    if target is None:
                        return
                    if target is S.FAILED:
                        edit.job.setdefault("FailureReasons", []).append(
                            {"FailureCode": "InternalError", "FailureReason": reason[:256]}
                        )
                    edit.move(target)
        except Exception:  # pragma: no cover - the state itself is broken; nothing more to do
            logs.get().error("job %s could not be marked failed", candidate.job_id, exc_info=True)

    def run(self, *, burst: bool = False) -> int:
        """Serve jobs; returns how many steps ran. Raises WorkerBusy if another worker runs."""
        lock = worker_lock(self.state_dir)
        try:
            lock.acquire(timeout=2)
        except LockTimeout:
            pids = ", ".join(map(str, holder_pids(self.state_dir)))
            raise WorkerBusy(
                f"another worker{f' (pid {pids})' if pids else ''} is serving {self.state_dir}"
            ) from None
        self._doorbell = Doorbell(self.state_dir)
        try:
            sweep(self.state_dir)  # what killed processes left behind
        except Exception:  # never a reason not to serve
            logs.get().debug("sweeping temp files failed", exc_info=True)
        steps = 0
        while True:
            try:
                steps += self._serve(burst=burst)
            finally:
                lock.release()
                if self._prepare_pool is not None:
                    self._prepare_pool.shutdown()
                    self._prepare_pool = None
            # A command that ran while this worker was deciding to leave saw the lock
            # held and started no worker: look once more, now that the lock is free.
            if burst or not self.candidates():
                return steps
            if not lock.try_acquire():
                return steps  # another worker took over

    def _serve(self, *, burst: bool) -> int:
        # For people and scripts only: the lock, not these files, says who runs.
        pid_file = worker_dir(self.state_dir) / "worker.pid"
        about = {"pid": os.getpid(), **self.settings.as_dict()}
        try:
            write_atomic(pid_file, f"{os.getpid()}\n".encode())
            write_json_text(settings_path(self.state_dir), json.dumps(about) + "\n")
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):  # may pass: jobs back off
                logs.get().warning("worker: %s: %s", exc.strerror, exc.filename)
                return self._loop(burst=burst)
            raise StateError(  # a read-only state directory, or not ours: nothing can run
                f"cannot run the worker: {exc.strerror or exc}: {exc.filename or pid_file}"
            ) from None
        return self._loop(burst=burst)

    def _loop(self, *, burst: bool) -> int:
        steps, idle_since = 0, time.monotonic()
        while True:
            if self.run_once(together=PREPARE_AT_ONCE):
                steps += 1
                idle_since = time.monotonic()
                continue
            if burst or time.monotonic() - idle_since >= self.settings.idle_timeout:
                return steps
            time.sleep(self.settings.poll_interval)


def _doubled(entries: list[Entry]) -> set[str]:
    """The jobs with more than one marker (a crash between a new marker and its record)."""
    seen: set[str] = set()
    doubled: set[str] = set()
    for entry in entries:
        (doubled if entry.job_id in seen else seen).add(entry.job_id)
    return doubled


def _agreeing(jobs: JobStore, entries: list[Entry]) -> Entry | None:
    """Of one job's markers, the one its record agrees with (the record is the truth:
    whichever marker is listed first, the job is not skipped for an extra one)."""
    try:
        job = jobs.load(entries[0].job_id)["job"]
    except S3boError:
        return None
    return next((entry for entry in entries if agrees(entry, job)), None)
