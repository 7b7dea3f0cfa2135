"""Webhooks: the worker POSTs a job's status-change events to the job's URL.

A job opts in with ``create-job --notify-url URL`` (its engine settings) or with
the job tag ``s3bo:notify-url=http://host:port/path``. Each status event goes as
JSON, in the EventBridge envelope, from a background thread (bounded retries with
back-off; it never holds up tasks).

Webhook delivery follows the namespace's ``events.jsonl`` with a cursor
(``notify-cursor.json``, read and advanced under ``notify.lock`` so that the
CLI and the worker never send one event twice): every process that changes a
job's status (the worker, a CLI command, ``s3bo serve``) delivers what is new
right after the change, JobCreated included. An event not delivered before its
process exits is sent with the next change (at least once; ``id`` is stable).
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from pathlib import Path
from typing import Any

from s3bo_cli import logs
from s3bo_cli.engine import events
from s3bo_cli.engine.jobstore import JobStore, job_tag
from s3bo_cli.errors import NotFoundException, StateError
from s3bo_cli.state.files import SCHEMA_VERSION, read_json, write_json
from s3bo_cli.state.layout import Namespace

NOTIFY_URL_TAG = "s3bo:notify-url"
CURSOR_FILE = "notify-cursor.json"
LOCK_FILE = "notify.lock"
STATUS_EVENTS = frozenset({"JobCreated", "JobStatusChanged"})

#: Seconds to wait before each retry of a webhook POST (so 4 attempts in all).
BACKOFF = (0.2, 0.5, 1.0)
POST_TIMEOUT = 5.0
#: How long an exiting worker waits for webhook deliveries still under way.
EXIT_WAIT = 10.0

# -- webhooks ------------------------------------------------------------------------


def post(url: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON; retry connection errors, 429 and 5xx with back-off.

    Raises the last error once every attempt failed, or at once on another 4xx.
    """
    import urllib.error
    import urllib.request

    from s3bo_cli import __version__

    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": f"s3bo/{__version__}"}
    for attempt, delay in enumerate((*BACKOFF, None)):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:
                response.read()
            return
        except urllib.error.HTTPError as exc:
            retry = exc.code == 429 or exc.code >= 500
            if not retry or delay is None:
                raise
        except (urllib.error.URLError, OSError):
            if delay is None:
                raise
        logs.get().debug("webhook %s: attempt %d failed; retrying", url, attempt + 1)
        time.sleep(delay)


def _url(record: dict[str, Any]) -> str | None:
    url = record.get("engine", {}).get("notify_url") or job_tag(record, NOTIFY_URL_TAG)
    return url if url and url.startswith(("http://", "https://")) else None


class Notifier:
    """Delivers namespaces' status events to their jobs' webhooks, on one thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[Namespace] = []
        self._busy = False
        self._active: set[Namespace] = set()
        self._thread: threading.Thread | None = None

    def status_changed(self, ns: Namespace, record: dict[str, Any]) -> None:
        """Called after a status change: deliver what is new, if anyone listens."""
        if ns not in self._active:
            if _url(record) is None and not (ns.root / CURSOR_FILE).exists():
                return
            self._active.add(ns)
        with self._cond:
            if ns not in self._pending:
                self._pending.append(ns)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="s3bo-notify", daemon=True)
                self._thread.start()
                atexit.register(self.drain, EXIT_WAIT)
            self._cond.notify_all()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every delivery asked for is done; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def _serve(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending))
                ns = self._pending.pop(0)
                self._busy = True
            try:
                deliver(ns)
            except Exception:  # never let a broken log or state file kill the thread
                logs.get().warning("webhook delivery for %s failed", ns.root, exc_info=True)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


def deliver(ns: Namespace) -> None:
    """POST the namespace's status events not yet delivered to their jobs' webhooks."""
    from filelock import FileLock

    with FileLock(str(ns.root / LOCK_FILE)):
        _deliver_new(ns)


def _deliver_new(ns: Namespace) -> None:
    cursor = ns.root / CURSOR_FILE
    try:
        offset = int(read_json(cursor, kind="notify-cursor").get("offset", 0))
    except (FileNotFoundError, StateError, ValueError):
        offset = 0
    tail = events.LogTail(ns.root / events.EVENTS_FILE, offset)
    urls: dict[str, str | None] = {}
    for event in tail.read():
        job_id = events.job_id_of(event)
        if event.get("eventName") not in STATUS_EVENTS or not job_id:
            continue
        if job_id not in urls:
            urls[job_id] = _job_url(ns, job_id)
        url = urls[job_id]
        if url is not None:
            _send(url, event)
            _save_cursor(cursor, tail.offset)
    if tail.offset != offset or not cursor.exists():
        _save_cursor(cursor, tail.offset)


def _save_cursor(path: Path, offset: int) -> None:
    write_json(path, {"kind": "notify-cursor", "schema_version": SCHEMA_VERSION, "offset": offset})


def _job_url(ns: Namespace, job_id: str) -> str | None:
    try:
        return _url(JobStore(ns).load(job_id))
    except (NotFoundException, StateError):
        return None


def _send(url: str, event: dict[str, Any]) -> None:
    try:
        post(url, events.eventbridge(event))
    except Exception as exc:  # give up on this event; the worker carries on
        logs.get().warning("webhook %s: event %s not delivered: %s", url, event.get("eventID"), exc)


_default: Notifier | None = None


def default_notifier() -> Notifier:
    """The process's notifier, for the front ends (commands, the server, the worker
    command) to give the engine; engine code takes it as a parameter."""
    global _default
    if _default is None:
        _default = Notifier()
    return _default
