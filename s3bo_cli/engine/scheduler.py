"""Which jobs are Active at once, and what share of the worker's task slots each gets.

As on AWS, several jobs run at once and task slots go to higher-priority jobs
first: each priority level, highest first, shares what the levels above left, equal
priorities equally (a job never gets more than it can use now: its remaining
tasks). A job left with no share is not started, or, if running, goes Pausing →
Paused; it returns to Active when the jobs above it complete, fail or stop needing
its slots. At most ``max_active`` jobs hold a share.

Shares are fractions of a whole, so one plan serves jobs on the local DirStore (a
fixed number of slots) and on S3 endpoints (an adaptive ceiling) alike: a job's
slot pool lets it use that fraction of its own ceiling.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from s3bo_cli.engine.inflight import SlotPool

#: The grid shares are computed on (a share is a multiple of 1/UNITS).
UNITS = 64


@dataclass(frozen=True)
class Demand:
    """A runnable job as the scheduler sees it."""

    key: Hashable
    priority: int
    created: str
    #: Fraction (0, 1] of its slot ceiling the job could use now (its remaining tasks).
    wanted: float


def allocate(demands: Iterable[Demand], *, max_active: int) -> dict[Hashable, float]:
    """The share of each job that may be Active now; jobs left out get none."""
    order = sorted(demands, key=lambda d: (-d.priority, d.created))
    left = UNITS
    shares: dict[Hashable, float] = {}
    for _, level in groupby(order, key=lambda d: d.priority):
        group = list(level)[: max(0, max_active - len(shares))]
        # Water-filling: the smallest wants are met first, the rest split what is left.
        group.sort(key=lambda d: (d.wanted, d.created))
        for i, demand in enumerate(group):
            if left <= 0:
                break
            fair = max(1, left // (len(group) - i))
            units = min(fair, max(1, math.ceil(demand.wanted * UNITS)))
            shares[demand.key] = units / UNITS
            left -= units
    return shares


def wanted(remaining: int, ceiling: int) -> float:
    """The fraction of a ceiling of ``ceiling`` slots that ``remaining`` tasks can use."""
    return min(1.0, max(1, remaining) / max(1, ceiling))


class Share:
    """One running job's share, changed by the scheduler while the job runs."""

    def __init__(self, fraction: float = 1.0) -> None:
        self.fraction = fraction
        #: Set when a more important job needs every slot this job holds.
        self.withdrawn = False

    def cap(self, ceiling: int) -> int:
        return max(1, math.ceil(self.fraction * ceiling))


class SharedSlots(SlotPool):
    """A job's slot pool, held to the job's share of its ceiling."""

    def __init__(self, share: Share, initial: int, **kwargs: Any) -> None:
        super().__init__(initial, **kwargs)
        self.share = share

    def try_acquire(self) -> bool:
        if self.in_use >= self.share.cap(self.ceiling):
            return False
        return super().try_acquire()


class Pacer:
    """At most ``rate`` task starts per second for one job (``s3bo:max-rps``)."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller may start its request."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)
