"""Build a CSV manifest from a bucket listing, streamed through an object store.

Keys are written with :func:`encode_key`, ``quote(key, safe="/")``: spaces become
``%20`` and ``+`` becomes ``%2B``, so the engine's (and the service's)
``unquote_plus`` gives the key back exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from s3bo_cli.stores.base import ObjectStore, ObjectSummary
from s3bo_cli.tools import ManifestWriter

NULL_VERSION = "null"


def encode_key(key: str) -> str:
    """A key as a manifest must hold it (``unquote_plus`` reverses it)."""
    return quote(key, safe="/")


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or time; naive values are UTC. ValueError when unparsable."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class ObjectFilter:
    """Which listed objects go into the manifest (all conditions must hold)."""

    suffixes: tuple[str, ...] = ()
    min_size: int | None = None
    max_size: int | None = None
    modified_after: datetime | None = None
    modified_before: datetime | None = None
    storage_classes: tuple[str, ...] = ()

    def matches(self, item: ObjectSummary) -> bool:
        if self.suffixes and not item.key.endswith(self.suffixes):
            return False
        if self.min_size is not None and item.size < self.min_size:
            return False
        if self.max_size is not None and item.size > self.max_size:
            return False
        modified = _aware(item.last_modified)
        if self.modified_after is not None and modified <= self.modified_after:
            return False
        if self.modified_before is not None and modified >= self.modified_before:
            return False
        return not self.storage_classes or item.storage_class in self.storage_classes


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def rows(
    store: ObjectStore,
    bucket: str,
    prefix: str = "",
    *,
    selection: ObjectFilter | None = None,
    versions: bool = False,
) -> Iterator[tuple[str, ...]]:
    """``(bucket, encoded key[, version id])`` for each matching object, as listed.

    With ``versions`` each object's current version id is looked up (one
    HeadObject each); objects without one get ``null``, as the service expects.
    """
    selection = selection or ObjectFilter()
    for item in store.list_objects(bucket, prefix):
        if not selection.matches(item):
            continue
        if versions:
            version = store.head_object(bucket, item.key).version_id or NULL_VERSION
            yield bucket, encode_key(item.key), version
        else:
            yield bucket, encode_key(item.key)


def fields(versions: bool) -> list[str]:
    return ["Bucket", "Key", "VersionId"] if versions else ["Bucket", "Key"]


def build(
    store: ObjectStore,
    bucket: str,
    prefix: str = "",
    *,
    selection: ObjectFilter | None = None,
    versions: bool = False,
) -> ManifestWriter:
    """The manifest, spooled (the caller closes it); ``count`` and ``etag`` describe it."""
    writer = ManifestWriter()
    try:
        for row in rows(store, bucket, prefix, selection=selection, versions=versions):
            writer.write(row)
    except BaseException:
        writer.close()
        raise
    return writer
