"""The object store a job's tasks run on, opened from the spec the job recorded.

The worker and its task processes both open stores this way, so that a job
created with ``--s3-endpoint-url`` runs there whichever process runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3bo_cli.stores.base import ObjectStore


def store_opener(settings_cache: dict[str, ObjectStore]) -> Callable[[dict[str, Any]], ObjectStore]:
    """Open (and cache) the object store a job recorded when it was created.

    ``in_flight`` in the spec asks for a store to run tasks on: as many connections,
    and no retries of its own (the engine retries throttled tasks itself).
    """

    def open_store(spec: dict[str, Any]) -> ObjectStore:
        key = repr(sorted(spec.items()))
        if key not in settings_cache:
            from s3bo_cli.stores import open_recorded

            settings_cache[key] = open_recorded(spec)
        return settings_cache[key]

    return open_store
