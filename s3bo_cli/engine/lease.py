"""The per-job lease: the one thing that lets a process run a job's tasks.

Design (what every runner, thread or process, relies on):

* The lease is an exclusive ``flock`` on the job's *directory*
  (``jobs/<job-id>/``), taken without waiting. Whoever holds it is the job's
  only runner: it alone prepares the task list, appends to ``results.jsonl``,
  truncates a torn last line in recovery and writes the completion report.
  Anyone else who wants to step the job and cannot take the lease leaves it
  alone (:meth:`JobLease.acquire` returns False); that is not an error.
* It lives in the kernel, not in a file: deleting, replacing or truncating any
  file of the state directory (``job.lock``, ``worker.lock``, ``worker.pid``)
  cannot release it or give it to a second runner. Kill -9 of the holder
  releases it, so a crash never leaves a job stuck.
* A child process that inherits the lease's descriptor shares it, and the
  kernel keeps it held until *every* process holding that descriptor has
  exited. Task processes forked by a runner should therefore inherit it
  (``pass_fds=(lease.fileno(),)`` or plain ``fork``): a runner killed while its
  children still run cannot be replaced by a new runner until they are gone,
  so no task is ever run by two processes at once.
* The lease is independent of the job's record lock (``job.lock``): status and
  progress changes still go through ``JobStore.update``, which any process may
  do while another holds the lease (a user's cancellation, a priority change).
"""

from __future__ import annotations

from pathlib import Path

from s3bo_cli.state.locks import DirLock, dir_locked


class JobLease:
    """Hold a job's lease for as long as this object is open."""

    def __init__(self, job_dir: Path) -> None:
        self._lock = DirLock(job_dir)

    def acquire(self) -> bool:
        """Take the lease now, or say False (another runner holds it, or the job is gone)."""
        try:
            return self._lock.try_acquire()
        except FileNotFoundError:
            return False

    def release(self) -> None:
        self._lock.release()

    def fileno(self) -> int:
        """The descriptor holding the lease (for task processes to inherit)."""
        return self._lock.fileno()

    def __enter__(self) -> JobLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def leased_elsewhere(job_dir: Path) -> bool:
    """True while some runner holds the job's lease (a probe: takes nothing)."""
    return dir_locked(job_dir)
