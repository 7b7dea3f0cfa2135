"""How the local engine runs: one value the worker and its runners are given.

Front ends (``s3bo worker``, the autostarted worker, tests, benchmarks) build
it; the engine reads no module-level knobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from s3bo_cli.config import WORKER_SETTINGS

if TYPE_CHECKING:
    from s3bo_cli.engine.inflight import SlotPool
    from s3bo_cli.engine.scheduler import Share
    from s3bo_cli.ops import Operation


#: Fewest DirStore task slots per task process. A process's DirStore work goes one
#: thread at a time (see :mod:`s3bo_cli.stores.dirturn`) except while it waits on
#: the disk: four slots keep one process busy through its fsyncs, and a second
#: process then works while the first waits (measured: 2 processes of 4 slots
#: against 1 of 8, about 1.3x on disk and 1.7x on tmpfs; 4 processes of 2 slower).
LOCAL_SLOTS_PER_PROCESS = 4


@dataclass(frozen=True)
class EngineSettings:
    """The worker's and runners' settings (a job's own settings live in its record).

    ``concurrency`` is the fixed number of tasks at once on a local DirStore, where
    more would only queue on the disk; ``max_in_flight`` is the ceiling on S3
    endpoints, where the number in flight starts at half of it and adapts. Both
    count across the ``processes`` that run a long job's tasks (the `s3bo worker`
    command defaults to one per CPU; this class to the worker's own process only).
    """

    concurrency: int = WORKER_SETTINGS["concurrency"][3]
    max_in_flight: int = WORKER_SETTINGS["max_in_flight"][3]
    processes: int = 1
    #: Slot pools dividing ``max_in_flight`` on one endpoint (a job's task processes,
    #: each with its own): each grows ``1 / pools`` as fast, so that together they
    #: overshoot a throttle point no more than one pool would.
    pools: int = 1
    #: Fewer tasks left than this per process: they run in the worker's own process
    #: (starting processes costs more than they would save).
    min_tasks_per_process: int = 500
    #: Jobs Active at once; task slots go to higher-priority jobs first (engine.scheduler).
    max_active_jobs: int = WORKER_SETTINGS["max_active_jobs"][3]
    #: Seconds between saves of a running job's progress (and checks for a pause,
    #: a cancellation or pre-emption).
    checkpoint_seconds: float = 0.2
    #: Seconds between looks at the other jobs while one runs.
    scan_interval: float = 1.0
    #: A worker that is not in burst mode exits after this long with nothing to do.
    idle_timeout: float = 2.0
    #: Seconds between looks for work while idle.
    poll_interval: float = 0.2
    #: The operation implementing a job's operation name (None: ``ops.get``).
    operations: Callable[[str], Operation | None] | None = None

    def as_dict(self) -> dict[str, int]:
        """The settings by their config names (for `s3bo worker --status`)."""
        return {
            "max_in_flight": self.max_in_flight,
            "concurrency": self.concurrency,
            "worker_processes": self.processes,
            "max_active_jobs": self.max_active_jobs,
        }

    def share(self, processes: int) -> EngineSettings:
        """What each of ``processes`` task processes gets."""
        return replace(
            self,
            concurrency=max(1, -(-self.concurrency // processes)),
            max_in_flight=max(1, -(-self.max_in_flight // processes)),
            processes=1,
            pools=processes,
        )

    def processes_for(self, *, remote: bool) -> int:
        """Task processes for one long job: ``processes`` on an S3 endpoint; on the local
        DirStore no more than leaves each :data:`LOCAL_SLOTS_PER_PROCESS` of the
        ``concurrency`` slots (a process with fewer waits on its fsyncs one at a time)."""
        if remote:
            return self.processes
        return max(1, min(self.processes, self.concurrency // LOCAL_SLOTS_PER_PROCESS))

    def ceiling(self, *, remote: bool) -> int:
        """Most tasks one job may have in flight on a remote or local store."""
        return max(1, self.max_in_flight if remote else self.concurrency)

    def slots(self, *, remote: bool, share: Share | None = None) -> SlotPool:
        """A fresh slot pool for one job's tasks on a remote or local store, held to
        ``share`` of its ceiling when several jobs run at once."""
        from s3bo_cli.engine.scheduler import Share, SharedSlots

        ceiling = self.ceiling(remote=remote)
        initial = max(1, ceiling // 2) if remote else ceiling
        return SharedSlots(
            share or Share(), initial, ceiling=ceiling, adaptive=remote, increase=1 / self.pools
        )
