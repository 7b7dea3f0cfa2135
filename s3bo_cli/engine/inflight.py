"""How many task requests may be in flight at once: a slot pool whose size adapts.

Against a network endpoint the engine is latency-bound unless many requests are
in flight, and an endpoint that is overwhelmed says so by throttling (503
SlowDown, 429) or by answering slower. The pool starts high and adapts the way
TCP does (additive increase, multiplicative decrease):

* a throttle multiplies the limit by :data:`THROTTLE_DECREASE`; when more
  requests were throttled than succeeded since the last decrease, a round trip or
  more ago (the pool started far too high, or the endpoint's capacity fell), it
  comes down at once to the number that succeeded, what the endpoint took. A
  throttled request sent before the last decrease is of the same burst and
  changes nothing more (but counts as refused);
* until the first decrease (a throttle or a slow answer), each successful request
  adds a slot, so the limit doubles every round trip up to the ceiling (TCP's slow
  start): an endpoint that takes everything gets it within a few round trips;
* after that, each successful request adds ``increase / limit``, so a round of ``limit``
  requests adds ``increase`` slots. Pools that divide one endpoint (a job's task
  processes) each get ``increase = 1 / pools``, so together they grow by one slot
  a round, as one pool would, and do not overshoot that many times more;
* the limit at the last throttle is remembered: growing back, the pool slows to
  :data:`PROBE_INCREASE` of its pace once within :data:`SETTLE_MARGIN` of it, so it
  settles just under the throttle point instead of running into it every few
  rounds; far below it, it covers half the way each round (at most
  :data:`RECOVERY_STEPS` slots), so a pool that shares an endpoint with another
  which got there first is not left at the few slots that endpoint spared it;
  past the point by that margin without a throttle, the point is forgotten;
* a smoothed latency well past the lowest seen shrinks the limit gently.

A fixed pool (``adaptive=False``) serves local disks, where more requests in
flight only queue on the same fsync. The pool only counts: callers
``try_acquire`` a slot before sending a request and ``release`` it with what they
saw, so one pool can be shared, or divided, among whatever runs tasks. Its clock
is a parameter, so its behaviour can be replayed from a list of events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Throttling: the limit is multiplied by this (once per burst of throttles).
THROTTLE_DECREASE = 0.9
#: Within this fraction of the limit at the last throttle, growth slows ...
SETTLE_MARGIN = 0.1
#: ... to this fraction of its pace.
PROBE_INCREASE = 0.2
#: Far below it (after a drop to what the endpoint took), up to this many times.
RECOVERY_STEPS = 4
#: Latency: smoothed latency above this multiple of the lowest seen shrinks the limit ...
LATENCY_TOLERANCE = 2.5
#: ... by this factor (gently: latency is a weaker signal than a throttle).
LATENCY_DECREASE = 0.9
#: Weight of each new sample in the smoothed latency.
SMOOTHING = 0.05
#: How fast the lowest-seen latency forgets (per sample), so a slower path is learnt.
BASELINE_DRIFT = 0.001


class SlotPool:
    """Slots for requests in flight; the limit adapts between ``floor`` and ``ceiling``."""

    def __init__(
        self,
        initial: int,
        *,
        ceiling: int | None = None,
        floor: int = 1,
        adaptive: bool = True,
        increase: float = 1.0,
        slow_start: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ceiling = max(1, ceiling if ceiling is not None else initial)
        self.floor = max(1, min(floor, self.ceiling))
        self.adaptive = adaptive
        self.increase = increase
        #: Until the first decrease, the limit doubles a round.
        self.slow_start = slow_start
        self.clock = clock
        self._limit = float(min(max(initial, self.floor), self.ceiling))
        self._in_use = 0
        self._lock = threading.Lock()
        self._smoothed: float | None = None  # seconds
        self._baseline: float | None = None
        self._last_decrease: float | None = None
        self._took = self._refused = 0  # requests since the last decrease
        self._throttle_point: float | None = None  # the limit at the last throttle
        self.throttles = 0  # seen so far, for status and benchmarks

    @property
    def limit(self) -> int:
        return int(self._limit)

    @property
    def in_use(self) -> int:
        return self._in_use

    def try_acquire(self) -> bool:
        """Take a slot if one is free."""
        with self._lock:
            if self._in_use >= int(self._limit):
                return False
            self._in_use += 1
            return True

    def release(self, latency: float | None = None, *, throttled: bool = False) -> None:
        """Give a slot back, with the request's latency (seconds; None: a success that
        says nothing of the usual latency, such as a retry's) and whether it was throttled."""
        with self._lock:
            self._in_use -= 1
            if not self.adaptive:
                return
            now = self.clock()
            if throttled:
                self.throttles += 1
                self._refused += 1
                sent = now - (latency if latency is not None else self._round_trip())
                self._throttled(now, sent)
            else:
                self._took += 1
                if latency is None:
                    self._grow()
                else:
                    self._observe(now, latency)

    def _throttled(self, now: float, sent: float) -> None:
        if self._last_decrease is not None and sent < self._last_decrease:
            return  # sent before the last decrease: the same burst
        limit = self._limit * THROTTLE_DECREASE
        last = self._last_decrease
        if last is not None and now - last >= self._round_trip() and self._refused > self._took:
            limit = min(limit, float(self._took))  # far too high: what the endpoint took
        self._throttle_point = self._limit
        self._last_decrease = now
        self.slow_start = False
        self._took = self._refused = 0
        self._limit = max(float(self.floor), limit)

    def _observe(self, now: float, latency: float) -> None:
        smoothed = self._smoothed = (
            latency
            if self._smoothed is None
            else self._smoothed + SMOOTHING * (latency - self._smoothed)
        )
        baseline = self._baseline
        if baseline is None or latency < baseline:
            self._baseline = latency
        else:
            self._baseline = baseline + BASELINE_DRIFT * (smoothed - baseline)
        if self._baseline > 0 and smoothed > LATENCY_TOLERANCE * self._baseline:
            self._decrease(now, LATENCY_DECREASE)
        else:
            self._grow()

    def _grow(self) -> None:
        """Add ``increase`` slots a round: slower near the last throttle point, faster
        (half the way there, up to :data:`RECOVERY_STEPS` times) far below it. Before
        the first decrease (slow start), a slot per success: the limit doubles a round."""
        if self.slow_start:
            self._limit = min(float(self.ceiling), self._limit + 1.0)
            return
        per_round = self.increase
        point = self._throttle_point
        if point is not None:
            below = point * (1 - SETTLE_MARGIN) - self._limit
            if self._limit >= point * (1 + SETTLE_MARGIN):
                self._throttle_point = None  # the endpoint takes more now: forget it
            elif below <= 0:
                per_round *= PROBE_INCREASE
            else:
                per_round = min(RECOVERY_STEPS * per_round, max(per_round, below / 2))
        self._limit = min(float(self.ceiling), self._limit + per_round / self._limit)

    def _round_trip(self) -> float:
        return self._smoothed or 0.0

    def _decrease(self, now: float, factor: float) -> None:
        """Shrink the limit for latency, at most once per round trip."""
        if self._last_decrease is not None and now - self._last_decrease < self._round_trip():
            return
        self._last_decrease = now
        self.slow_start = False
        self._limit = max(float(self.floor), self._limit * factor)
