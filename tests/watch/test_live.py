"""wait and watch as a person sees them: every width, every ending, piped logs, resizes."""

from __future__ import annotations

import io
import re
import threading
import time

import pytest
from click.testing import CliRunner
from rich.console import Console

from s3bo_cli import config
from s3bo_cli.cli.context import AppContext
from s3bo_cli.cli.wait import wait
from s3bo_cli.cli.watch import watch
from s3bo_cli.output.live import LiveScreen, WatchView, final_line, status_line
from s3bo_cli.tracking import JobTrack, Tracker
from tests.engine.conftest import job_args, put_manifest
from tests.watch.test_watch_cli import TAG_OP, ended_jobs
from tests.watch.test_watchview import job

WIDTHS = (50, 80, 100, 120)
IDS = ["bce9827b-5861-44af-921f-0c81006b5a41", "93735294-df46-44d5-8638-6356f335324e"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def draw(renderable, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def busy_tracker() -> Tracker:
    tracker = Tracker()
    timers = {"summary": {"Timers": {"ElapsedTimeInActiveSeconds": 125}}}
    tracker.observe(job(IDS[0], "Active", 5_000, 700, 8, **timers), now=0.0)
    tracker.observe(job(IDS[0], "Active", 5_000, 800, 8, **timers), now=2.0)
    tracker.observe(job(IDS[1], "Suspended", 5_000), now=2.0)
    return tracker


@pytest.mark.parametrize("width", WIDTHS)
def test_the_watch_view_keeps_ids_headings_and_values_whole(width):
    hints = {IDS[1]: f"job {IDS[1]} is Suspended: confirm it"}
    out = draw(WatchView(busy_tracker(), interval=0.5, hints=hints), width)
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), out
    for whole in (*IDS, "808/5,000", "Suspended", "0/5,000"):
        assert any(whole in line for line in lines), (whole, out)
    header = next((line for line in lines if line.startswith("Job ")), "")
    headings = {"Job", "Status", "Progress", "Tasks", "%", "Failed", "Tasks/s", "ETA", "Elapsed"}
    assert set(header.split()) <= headings, out  # none cut
    if "Elapsed" in header:
        assert "2m05s" in out  # the job's own elapsed time, not the watcher's
    assert "…" not in out
    assert "is Suspended: confirm it" in " ".join(out.split())


def test_wide_watch_shows_every_column_and_narrow_stacks_each_job():
    wide = draw(WatchView(busy_tracker(), interval=0.5, hints={}), 140)
    assert all(h in wide for h in ("Progress", "Tasks/s", "ETA", "Elapsed", "━"))
    narrow = draw(WatchView(busy_tracker(), interval=0.5, hints={}), 50)
    assert IDS[0] + "\n" in narrow and "  Active" in narrow


@pytest.mark.parametrize("width", WIDTHS)
def test_the_wait_line_fits_and_drops_the_least_useful_parts_first(width):
    track = busy_tracker().jobs[IDS[0]]
    out = draw(status_line(track, width), width)
    (line,) = out.splitlines()
    assert len(line.rstrip()) <= width
    for part in ("Active", "808/5,000", "16%", "8 failed"):
        assert part in line
    if width >= 100:
        assert all(p in line for p in ("ETA 1m24s", "50.0/s", "2m05s elapsed", "━"))


def test_final_lines_for_every_ending():
    failed = JobTrack("j")
    reasons = [{"FailureCode": "ManifestETagMismatch", "FailureReason": "ETag differs"}]
    failed.observe(job("j", "Failed", FailureReasons=reasons), now=0.0)
    assert final_line(failed).plain == "Failed  0/0  0 failed  ManifestETagMismatch: ETag differs"
    cancelled = JobTrack("j")
    cancelled.observe(job("j", "Cancelled", 10, 2, StatusUpdateReason="wrong set"), now=0.0)
    assert final_line(cancelled).plain == "Cancelled  2/10 (20%)  0 failed  wrong set"
    complete = JobTrack("j")
    timers = {"summary": {"Timers": {"ElapsedTimeInActiveSeconds": 95}}}
    complete.observe(job("j", "Complete", 10, 9, 1, **timers), now=0.0)
    assert final_line(complete).plain == "Complete  10/10 (100%)  1 failed  elapsed 1m35s"


def test_off_a_terminal_progress_is_logged_per_tenth_of_the_tasks():
    track = JobTrack("j")
    printed = 0
    for done in range(0, 1001, 5):
        track.observe(job("j", "Active", 1000, done), now=done / 10)
        printed += track.changed()
    track.observe(job("j", "Completing", 1000, 1000), now=200.0)
    printed += track.changed()
    assert printed == 12  # 0%, 10%, ... 90%, all done, then Completing


def test_a_resize_redraws_from_a_cleared_screen():
    screen = Terminal()
    live = LiveScreen(screen, color=False)
    with live:
        live.console.width = 100
        live.show(WatchView(busy_tracker(), interval=0.5, hints={}))
        assert "\x1b[2J" not in screen.getvalue()
        live.console.width = 50
        live.show(WatchView(busy_tracker(), interval=0.5, hints={}))
    assert "\x1b[2J" in screen.getvalue()


def run_on_terminal(command, args, **streams):
    app = AppContext(settings=config.resolve(), **streams)
    return CliRunner().invoke(command, args, obj=app, catch_exceptions=False)


def test_wait_on_a_terminal_ends_with_a_clean_line_for_each_status(s3bo, store, run_worker):
    for status, job_id in ended_jobs(s3bo, store, run_worker).items():
        screen = Terminal()
        result = run_on_terminal(wait, [job_id], stderr=screen, stdout=io.StringIO())
        assert result.exit_code == {"Complete": 0, "Failed": 1, "Cancelled": 2}[status]
        drawn = ANSI.sub("", screen.getvalue()).replace("\r", "\n")
        final = drawn[drawn.rindex(f"\n{status}  ") :]  # printed once the live line went
        assert re.match(rf"\n{status}  \d", final)
        assert "━" not in final
        if status == "Failed":
            assert "ManifestETagMismatch:" in final


def test_piped_wait_prints_a_line_per_change(s3bo, store, run_worker):
    jobs = ended_jobs(s3bo, store, run_worker)
    run = s3bo("wait", jobs["Complete"])
    (line,) = run.stderr.splitlines()
    assert line.split()[:3] == [jobs["Complete"], "Complete", "2/2"]


def test_watch_keeps_the_suspended_hint_on_screen_and_stderr_quiet(s3bo, store, run_worker):
    store.create_bucket("photos")
    store.put_object("photos", "a", b"a")
    args = job_args(TAG_OP, put_manifest(store, [("photos", "a")]))
    args.remove("--no-confirmation-required")
    job_id = s3bo(*args).json["JobId"]
    run_worker()  # Suspended
    screen, errors = Terminal(), io.StringIO()

    def cancel_once_seen() -> None:
        deadline = time.monotonic() + 30
        while "is Suspended: confirm it with" not in screen.getvalue():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Cancelled")

    canceller = threading.Thread(target=cancel_once_seen)
    canceller.start()
    result = run_on_terminal(watch, [job_id, "--interval", "0.05"], stdout=screen, stderr=errors)
    canceller.join()
    assert result.exit_code == 2
    assert errors.getvalue() == ""  # nothing written around the live table
    drawn = ANSI.sub("", screen.getvalue())
    assert f"--job-id {job_id} --requested-job-status Ready" in " ".join(drawn.split())
