"""Engine fixtures (DirStore, burst worker) and `s3bo serve` for the watch tests."""

from __future__ import annotations

from tests.backends.conftest import served
from tests.engine.conftest import run_worker, store

__all__ = ["run_worker", "served", "store"]
