"""Manifest readers: stream a job's manifest into tasks, failing as the service fails.

``READERS`` maps each ``Spec.Format`` to its reader module and ``GENERATORS``
each ``ManifestGenerator`` kind to its generator; the readers share only
:mod:`.source` (the manifest object's ETag check and read failures) and the
row type of :mod:`s3bo_cli.model.manifest`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from s3bo_cli.engine.manifests import csvfile, generator, inventory
from s3bo_cli.engine.manifests.source import ManifestError
from s3bo_cli.model.manifest import CSV_FORMAT, INVENTORY_FORMAT, ManifestEntry
from s3bo_cli.stores.base import ObjectStore

Reader = Callable[[ObjectStore, dict[str, Any]], Iterator[ManifestEntry]]
#: Builds the entries of a job that has a ManifestGenerator instead of a manifest.
Generator = Callable[[ObjectStore, dict[str, Any], dict[str, Any]], Iterator[ManifestEntry]]

READERS: dict[str, Reader] = {CSV_FORMAT: csvfile.entries, INVENTORY_FORMAT: inventory.entries}
GENERATORS: dict[str, Generator] = {generator.KIND: generator.entries}


def entries(store: ObjectStore, manifest: dict[str, Any]) -> Iterator[ManifestEntry]:
    """Every object the manifest names, streamed; ManifestError when it is unusable."""
    reader = READERS.get(manifest["Spec"]["Format"])
    if reader is None:
        raise ManifestError(
            "ManifestFormatNotSupported",
            f"Manifest format {manifest['Spec']['Format']} is not supported by the local engine",
        )
    return reader(store, manifest)


def job_entries(
    store: ObjectStore, job: dict[str, Any], engine: dict[str, Any]
) -> Iterator[ManifestEntry]:
    """The entries of a job, from its manifest or its manifest generator."""
    if "Manifest" in job:
        return entries(store, job["Manifest"])
    kind, spec = next(iter(job["ManifestGenerator"].items()))
    generate = GENERATORS.get(kind)
    if generate is None:
        raise ManifestError(
            "ManifestGeneratorNotSupported",
            f"The local engine cannot generate manifests with {kind} yet",
        )
    return generate(store, spec, job)
