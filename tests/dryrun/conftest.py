"""Engine fixtures (DirStore, burst worker) for the dry-run tests."""

from __future__ import annotations

from tests.engine.conftest import run_worker, store

__all__ = ["run_worker", "store"]
