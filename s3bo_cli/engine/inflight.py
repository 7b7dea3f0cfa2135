"""How many task requests may be in flight at once: a slot pool whose size adapts.

Against a network endpoint the engine is latency-bound unless many requests are
in flight, and an endpoint that is overwhelmed says so by throttling (503
SlowDown, 429) or by answering slower. The pool starts high and adapts the way
TCP does (additive increase, multiplicative decrease): one more slot per round of
``limit`` successful requests; a smaller limit after a throttle (at most once per
round trip, so one burst of throttles counts once) or when the smoothed latency
grows well past the lowest seen. A fixed pool (``adaptive=False``) serves local
disks, where more requests in flight only queue on the same fsync.

The pool only counts: callers ``try_acquire`` a slot before sending a request and
``release`` it with what they saw, so one pool can be shared, or divided, among
whatever runs tasks.
"""

from __future__ import annotations

import threading
import time

#: Throttling: the limit is multiplied by this (at most once per round trip).
THROTTLE_DECREASE = 0.7
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
        self, initial: int, *, ceiling: int | None = None, floor: int = 1, adaptive: bool = True
    ) -> None:
        self.ceiling = max(1, ceiling if ceiling is not None else initial)
        self.floor = max(1, min(floor, self.ceiling))
        self.adaptive = adaptive
        self._limit = float(min(max(initial, self.floor), self.ceiling))
        self._in_use = 0
        self._lock = threading.Lock()
        self._smoothed: float | None = None  # seconds
        self._baseline: float | None = None
        self._last_decrease = 0.0
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
        """Give a slot back, with the request's latency (seconds) and whether it was throttled."""
        with self._lock:
            self._in_use -= 1
            if not self.adaptive:
                return
            if throttled:
                self.throttles += 1
                self._decrease(THROTTLE_DECREASE)
            elif latency is not None:
                self._observe(latency)

    def _observe(self, latency: float) -> None:
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
            self._decrease(LATENCY_DECREASE)
        else:
            self._limit = min(float(self.ceiling), self._limit + 1.0 / self._limit)

    def _decrease(self, factor: float) -> None:
        """Shrink the limit, at most once per round trip."""
        now = time.monotonic()
        if now - self._last_decrease < (self._smoothed or 0.0):
            return
        self._last_decrease = now
        self._limit = max(float(self.floor), self._limit * factor)
