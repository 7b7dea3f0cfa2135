"""Rate, ETA, change detection and the rich view of s3bo watch, with given sample times."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from s3bo_cli.output.live import WatchView, duration_text, line
from s3bo_cli.tracking import JobTrack, Tracker


def job(job_id: str, status: str, total: int = 0, ok: int = 0, bad: int = 0, **extra) -> dict:
    summary = {
        "TotalNumberOfTasks": total,
        "NumberOfTasksSucceeded": ok,
        "NumberOfTasksFailed": bad,
    }
    summary.update(extra.pop("summary", {}))
    return {"JobId": job_id, "Status": status, "ProgressSummary": summary, **extra}


def render(tracker: Tracker, width: int = 120, hints: dict[str, str] | None = None) -> str:
    out = StringIO()
    view = WatchView(tracker, interval=0.5, hints=hints or {})
    Console(file=out, force_terminal=True, width=width).print(view)
    return out.getvalue()


def test_rate_and_eta_come_from_successive_samples():
    track = JobTrack("j")
    track.observe(job("j", "Active", 1000, 100), now=0.0)
    track.observe(job("j", "Active", 1000, 280, 20), now=10.0)
    assert track.rate == pytest.approx(20.0)  # (300 - 100) tasks in 10 s
    assert track.eta == pytest.approx(35.0)  # 700 left
    assert line(track) == "j  Active      300/1,000 (30%)  20 failed  20.0 tasks/s  ETA 35s"


def test_first_sample_uses_the_jobs_own_average_and_stalls_show_no_eta():
    track = JobTrack("j")
    active = {"summary": {"Timers": {"ElapsedTimeInActiveSeconds": 50}}}
    track.observe(job("j", "Active", 1000, 500, **active), now=0.0)
    assert track.rate == pytest.approx(10.0)
    assert track.eta == pytest.approx(50.0)
    track.observe(job("j", "Active", 1000, 500, **active), now=5.0)
    assert track.rate == 0.0
    assert track.eta is None


def test_the_rate_window_forgets_old_samples():
    track = JobTrack("j")
    track.observe(job("j", "Active", 10_000, 0), now=0.0)
    for second in range(1, 20):  # slow at first, then 100 tasks/s
        track.observe(job("j", "Active", 10_000, second * 100), now=float(second))
    assert track.rate == pytest.approx(100.0)


def test_no_rate_outside_running_statuses_and_unknown_totals_while_preparing():
    track = JobTrack("j")
    track.observe(job("j", "Preparing"), now=0.0)
    assert track.total is None and track.rate is None
    assert line(track) == "j  Preparing   0/?  0 failed"
    track.observe(job("j", "Suspended", 40), now=1.0)
    assert track.rate is None
    assert line(track) == "j  Suspended   0/40 (0%)  0 failed"


def test_changed_once_per_change():
    track = JobTrack("j")
    track.observe(job("j", "Active", 10, 1), now=0.0)
    assert track.changed()
    track.observe(job("j", "Active", 10, 1), now=1.0)
    assert not track.changed()
    failure = {"FailureReasons": [{"FailureCode": "X", "FailureReason": "why"}]}
    track.observe(job("j", "Active", 10, 1, **failure), now=2.0)
    assert track.changed()


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["Complete", "Complete"], 0),
        (["Complete", "Cancelled"], 2),
        (["Cancelled", "Failed", "Complete"], 1),
    ],
)
def test_exit_codes_are_those_of_wait(statuses, code):
    tracker = Tracker()
    for number, status in enumerate(statuses):
        tracker.observe(job(f"j{number}", status), now=0.0)
    assert tracker.exit_code() == code
    assert not tracker.pending()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (59.4, "59s"), (185, "3m05s"), (7620, "2h07m")]
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_view_shows_status_colours_progress_rate_eta_and_failure_reasons():
    tracker = Tracker()
    tracker.observe(job("active-job", "Active", 1000, 100), now=0.0)
    tracker.observe(job("active-job", "Active", 1000, 280, 20), now=10.0)
    reasons = [{"FailureCode": "ManifestETagMismatch", "FailureReason": "ETag differs"}]
    tracker.observe(job("failed-job", "Failed", FailureReasons=reasons), now=10.0)
    tracker.observe(job("done-job", "Complete", 5, 5), now=10.0)
    tracker.observe(job("new-job", "New"), now=10.0)
    drawn = render(tracker)
    assert "\x1b[36mActive" in drawn  # cyan, as in the describe-job table
    assert "\x1b[1;31mFailed" in drawn  # bold red
    assert "\x1b[1;32mComplete" in drawn  # bold green
    for text in (
        "300/1,000",
        "30%",
        "20.0",
        "35s",
        "5/5",
        "100%",
        "0/?",
        "ManifestETagMismatch: ETag differs",
        "4 jobs: 1 Active, 1 Complete, 1 Failed, 1 New",
        "━",  # progress bars
    ):
        assert text in drawn, text
