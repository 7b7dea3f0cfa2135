"""`s3bo serve` for the watch tests (the engine fixtures come from tests/conftest.py)."""

from __future__ import annotations

from tests.backends.conftest import served

__all__ = ["served"]
