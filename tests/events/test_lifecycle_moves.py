"""Every status change, whichever path makes it, is written once, logged as exactly one
event and POSTed as exactly one webhook by the time the change returns.

Each test drives one or more paths (a command, the runner, pre-emption, the worker's
clean-up after a crash, a broken job) and checks after every action: the notifier was
told once per JobStatusChanged event, in order; the receiver got one POST per event,
in order (no later move needed to flush it); each job's statuses follow the table.
The last test checks that together they cover every transition of the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from s3bo_cli import clock
from s3bo_cli.engine import notify
from s3bo_cli.engine.jobstore import JobStore
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.states import TRANSITIONS
from s3bo_cli.engine.worker import Worker
from s3bo_cli.state.layout import Namespace
from tests.events.conftest import read_events

Edge = tuple[str, str]
COVERED: dict[str, set[Edge]] = {}


def covers(*edges: Edge) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The transitions a test must see (the last test adds them all up)."""

    def mark(test: Callable[..., None]) -> Callable[..., None]:
        COVERED[test.__name__] = set(edges)
        return pytest.mark.parametrize("expected", [set(edges)])(test)

    return mark


class Recorder(notify.Notifier):
    """The real notifier, counting what it is told."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def status_changed(self, ns: Namespace, record: dict[str, Any]) -> None:
        self.calls.append((record["job"]["JobId"], record["job"]["Status"]))
        super().status_changed(ns, record)


@dataclass
class Moves:
    s3bo: Any
    make_job: Any
    receiver: Any
    state_dir: Path
    ns_dir: Path
    settings: dict[str, Any]
    recorder: Recorder
    posted: list[dict[str, Any]] = field(default_factory=list)
    seen: set[Edge] = field(default_factory=set)
    #: job -> (how many events it had, the status a crash left it in)
    forced: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: Set while acting from inside a task: the worker's other threads are mid-move.
    quiet: bool = False

    @property
    def jobs(self) -> JobStore:
        return JobStore(Namespace(self.state_dir, "123456789012", "us-east-1"))

    def job(self, **kwargs: Any) -> str:
        job_id = self.make_job(tags=[("s3bo:notify-url", self.receiver.url)], **kwargs)
        self.check()
        return job_id

    def cli(self, *args: str) -> Any:
        run = self.s3bo(*args)
        assert run.exit_code == 0, run
        self.check()
        return run

    def cancel(self, job_id: str) -> None:
        self.cli("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")

    def worker(self) -> Worker:
        return Worker(
            self.state_dir, settings=EngineSettings(**self.settings), notifier=self.recorder
        )

    def step(self) -> None:
        self.worker().run_once()
        self.check()

    def run(self) -> None:
        self.worker().run(burst=True)
        self.check()

    def force(self, job_id: str, status: str) -> None:
        """Leave a job in ``status`` as a killed worker would (no event, no webhook)."""
        logged = [
            e for e in read_events(self.ns_dir / "events.jsonl")
            if e["serviceEventDetails"]["jobId"] == job_id
        ]  # fmt: skip
        self.forced.setdefault(job_id, []).append((len(logged), status))
        with self.jobs.lock(job_id):
            record = self.jobs.load(job_id)
            record["job"]["Status"] = status
            self.jobs.save(record)

    def status(self, job_id: str) -> str:
        return str(self.jobs.load(job_id)["job"]["Status"])

    def check(self) -> None:
        if self.quiet:
            return
        assert self.recorder.drain(timeout=60)
        events = read_events(self.ns_dir / "events.jsonl")
        changes = [
            (e["serviceEventDetails"]["jobId"], e["serviceEventDetails"]["status"]) for e in events
        ]
        # Told once per creation and move. The calls' order may differ from the log's when
        # a job created on one thread is moved at once on the worker's (the doorbell):
        # what goes out, the webhooks below, follows the log's order.
        assert sorted(self.recorder.calls) == sorted(changes)
        self.posted += [body for _, body in self.receiver.received()]
        assert [b["detail"]["eventID"] for b in self.posted] == [e["eventID"] for e in events]
        paths: dict[str, list[str]] = {}
        for e in events:
            details = e["serviceEventDetails"]
            paths.setdefault(details["jobId"], []).append(details["status"])
        for job_id, path in paths.items():
            assert path[0] == "New"
            forced = set()
            for at, status in reversed(self.forced.get(job_id, [])):
                path.insert(at, status)
                forced.add(at)
            for at, (before, after) in enumerate(itertools.pairwise(path), start=1):
                if at in forced:
                    continue  # a crash left it there: no event for that
                assert after in TRANSITIONS_BY_NAME[before], (before, after, path)
                self.seen.add((before, after))
            assert path[-1] == self.status(job_id)


TRANSITIONS_BY_NAME = {a.value: {b.value for b in targets} for a, targets in TRANSITIONS.items()}


@pytest.fixture
def moves(s3bo, make_job, receiver, state_dir, ns_dir, engine_settings, monkeypatch) -> Moves:
    recorder = Recorder()
    monkeypatch.setattr(notify, "_default", recorder)  # what the CLI's backend is given
    return Moves(s3bo, make_job, receiver, state_dir, ns_dir, engine_settings, recorder)


def at_task(moves: Moves, n: int, action: Callable[[], Any]) -> None:
    """Run ``action`` inside the ``n``th task (as a user in another shell would)."""
    from s3bo_cli import ops

    real = ops.get("S3PutObjectTagging")
    calls = [0]

    def tagging(ctx: Any, entry: Any) -> Any:
        calls[0] += 1
        if calls[0] == n:
            moves.quiet = True
            try:
                action()
            finally:
                moves.quiet = False
        return real(ctx, entry)

    moves.settings.update(
        operations=lambda name: tagging, checkpoint_seconds=0.0, scan_interval=0.0, concurrency=1
    )


@covers(
    ("New", "Preparing"),
    ("Preparing", "Ready"),
    ("Ready", "Active"),
    ("Active", "Completing"),
    ("Completing", "Complete"),
)
def test_the_runner_takes_a_job_through(moves, expected):
    job_id = moves.job()
    while moves.status(job_id) != "Complete":
        moves.step()
    assert expected <= moves.seen


@covers(("Preparing", "Suspended"), ("Suspended", "Ready"), ("Ready", "Cancelled"))
def test_confirmation_and_cancellation_by_command(moves, expected):
    job_id = moves.job(confirm=True)
    moves.step()
    moves.cli("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
    moves.cancel(job_id)
    assert expected <= moves.seen


@covers(("New", "Cancelled"), ("Suspended", "Cancelled"), ("Suspended", "Failed"))
def test_commands_and_the_confirmation_deadline_end_waiting_jobs(moves, expected):
    moves.cancel(moves.job(keys=["new"]))
    cancelled, expired = moves.job(keys=["s1"], confirm=True), moves.job(keys=["s2"], confirm=True)
    moves.step()
    moves.step()
    moves.cancel(cancelled)
    with moves.jobs.update(expired) as record:
        record["job"]["SuspendedDate"] = clock.iso(clock.now() - timedelta(days=31))
    moves.step()
    assert moves.status(expired) == "Failed"
    assert expected <= moves.seen


@covers(("Preparing", "Cancelled"), ("Preparing", "Failing"), ("Failing", "Failed"))
def test_preparing_ends_by_command_or_by_a_missing_manifest(moves, store, expected):
    job_id = moves.job(keys=["p"])
    worker = moves.worker()
    real_open = worker.open_store

    def open_while_cancelled(spec: dict[str, Any]) -> Any:
        moves.cancel(job_id)  # while the job is Preparing
        return real_open(spec)

    worker.open_store = open_while_cancelled
    worker.run_once()
    moves.check()
    assert moves.status(job_id) == "Cancelled"
    missing = moves.job(keys=["q", "r"])
    store.delete_object("manifests", "m2-q-r.csv")
    moves.run()
    assert moves.status(missing) == "Failed"
    assert expected <= moves.seen


@covers(("Ready", "Paused"), ("Paused", "Active"), ("Paused", "Cancelling"))
def test_user_pause_resume_and_cancel_of_a_paused_job(moves, expected):
    resumed, cancelled = moves.job(keys=["a"]), moves.job(keys=["b"])
    moves.step()
    moves.step()
    moves.cli("pause", resumed)
    moves.cli("pause", cancelled)
    moves.cli("resume", resumed)
    moves.cancel(cancelled)
    moves.run()
    assert (moves.status(resumed), moves.status(cancelled)) == ("Complete", "Cancelled")
    assert expected <= moves.seen


@covers(("Active", "Pausing"), ("Pausing", "Paused"))
def test_a_user_pause_of_a_running_job(moves, expected):
    job_id = moves.job(keys=[f"k{i}" for i in range(5)])
    at_task(moves, 2, lambda: moves.cli("pause", job_id))
    moves.run()
    assert moves.status(job_id) == "Paused"
    moves.cli("resume", job_id)
    moves.run()
    assert moves.status(job_id) == "Complete"
    assert expected <= moves.seen


@covers(("Active", "Cancelling"), ("Cancelling", "Cancelled"), ("Pausing", "Cancelling"))
def test_cancelling_a_running_and_a_pausing_job(moves, expected):
    running = moves.job(keys=[f"k{i}" for i in range(5)])
    at_task(moves, 2, lambda: moves.cancel(running))
    moves.run()
    pausing = moves.job(keys=[f"j{i}" for i in range(5)])
    at_task(moves, 2, lambda: (moves.cli("pause", pausing), moves.cancel(pausing)))
    moves.run()
    assert (moves.status(running), moves.status(pausing)) == ("Cancelled", "Cancelled")
    assert expected <= moves.seen


@covers(("Active", "Failing"), ("Pausing", "Completing"), ("Pausing", "Failing"))
def test_a_pause_during_the_last_task_or_past_the_threshold(moves, expected):
    threshold = ("--failure-threshold", "10%:3")
    failing = moves.job(keys=[], missing=["x", "y", "z", "w"], options=threshold)
    moves.run()
    assert moves.status(failing) == "Failed"
    # No checkpoint until the tasks are over: the pause is seen only afterwards.
    done = moves.job(keys=["d1", "d2"])
    at_task(moves, 2, lambda: moves.cli("pause", done))
    moves.settings["checkpoint_seconds"] = 60.0
    moves.run()
    assert moves.status(done) == "Complete"
    over = moves.job(keys=[], missing=["m1", "m2", "m3", "m4"], options=threshold)
    at_task(moves, 3, lambda: moves.cli("pause", over))
    moves.settings["checkpoint_seconds"] = 60.0
    moves.run()
    assert moves.status(over) == "Failed"
    assert expected <= moves.seen


@covers(("Active", "Pausing"), ("Pausing", "Paused"), ("Paused", "Active"))
def test_pre_emption_by_a_more_important_job(moves, expected):
    low = moves.job(keys=[f"k{i}" for i in range(6)], priority=1)
    created: list[str] = []
    at_task(moves, 2, lambda: created.append(moves.job(keys=["h"], priority=50)))
    moves.run()
    assert moves.status(low) == moves.status(created[0]) == "Complete"
    events = read_events(moves.ns_dir / "events.jsonl")
    low_path = [e["serviceEventDetails"]["status"] for e in events
                if e["serviceEventDetails"]["jobId"] == low]  # fmt: skip
    assert low_path[3:7] == ["Active", "Pausing", "Paused", "Active"]
    assert expected <= moves.seen


@covers(("Active", "Pausing"), ("Pausing", "Paused"), ("Paused", "Active"))
def test_the_worker_pauses_a_job_a_crash_left_active(moves, expected):
    stale = moves.job(keys=["s"], priority=1)
    important = moves.job(keys=[f"i{n}" for n in range(12)], priority=9)  # needs every slot
    moves.step()
    moves.step()
    moves.force(stale, "Active")
    moves.force(important, "Active")
    moves.step()  # the important job runs; the other stops looking Active until it is done
    events = read_events(moves.ns_dir / "events.jsonl")
    path = [e["serviceEventDetails"]["status"] for e in events
            if e["serviceEventDetails"]["jobId"] == stale]  # fmt: skip
    assert path[3:] == ["Pausing", "Paused", "Active", "Completing", "Complete"]
    assert expected <= moves.seen


@covers(("New", "Failing"), ("Active", "Failing"), ("Failing", "Failed"))
def test_a_broken_job_is_failed_through_the_table(moves, monkeypatch, expected):
    new, active = moves.job(keys=["n"]), moves.job(keys=["a"])
    moves.force(active, "Active")
    worker = moves.worker()

    def broken(candidate: Any) -> Any:
        raise RuntimeError("broken")

    monkeypatch.setattr(worker, "runner", broken)
    worker.run(burst=True)
    moves.check()
    assert moves.status(new) == moves.status(active) == "Failed"
    assert expected <= moves.seen


def test_together_the_paths_cover_every_transition_of_the_table():
    table = {(a, b) for a, targets in TRANSITIONS_BY_NAME.items() for b in targets}
    assert set().union(*COVERED.values()) == table


def test_a_creation_is_announced_as_new_when_the_woken_worker_moves_the_job_at_once(
    moves, monkeypatch
):
    """create-job rings the worker before it returns; a worker that moves the job on
    straight away must not turn the creation's announcement into a second Preparing."""
    woken: list[bool] = []

    def worker_moves_it_now(jobs: JobStore) -> None:
        if not woken:
            woken.append(True)
            moves.worker().run_once()  # New -> Preparing -> Ready, before create-job returns

    monkeypatch.setattr(JobStore, "wake_worker", worker_moves_it_now)
    job_id = moves.job(keys=["a"])  # its check: one announcement per event in the log
    assert woken
    announced = [status for job, status in moves.recorder.calls if job == job_id]
    assert "New" in announced
    assert announced.count("Preparing") == 1
