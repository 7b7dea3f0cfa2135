"""A manifest row as the service reads it: the formats, the fields, the bucket and key rules.

The job's manifest reader and ``s3bo manifest lint`` both apply these rules,
so lint passes exactly the rows a job accepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

CSV_FORMAT = "S3BatchOperations_CSV_20180820"
INVENTORY_FORMAT = "S3InventoryReport_CSV_20161130"
#: The column names ``Spec.Fields`` may use.
FIELD_NAMES = ("Ignore", "Bucket", "Key", "VersionId")
#: An object key, once URL-decoded, is at most this many bytes of UTF-8 (as in S3 itself).
MAX_KEY_BYTES = 1024

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_IP_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class ManifestEntry:
    """One object named by a manifest; ``key`` is as written there (URL-encoded)."""

    bucket: str
    key: str
    version_id: str | None = None  # "" when the manifest has a VersionId column but no value

    @property
    def decoded_key(self) -> str:
        return unquote_plus(self.key)


def fields_problem(fields: Sequence[str]) -> str | None:
    """Why a CSV ``Spec.Fields`` list is unusable (``Fields <problem>``), or None."""
    unknown = [name for name in fields if name not in FIELD_NAMES]
    if unknown:
        return f"names an unknown field {unknown[0]!r} (use {', '.join(FIELD_NAMES)})"
    for required in ("Bucket", "Key"):
        if list(fields).count(required) != 1:
            return f"must name {required} exactly once"
    if list(fields).count("VersionId") > 1:
        return "may name VersionId at most once"
    return None


def bucket_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general purpose bucket name, or None."""
    if not _BUCKET_RE.match(name):
        return "3-63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric"
    if ".." in name:
        return "two adjacent dots"
    if _IP_RE.match(name):
        return "formatted as an IP address"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "a reserved prefix or suffix"
    return None


def key_too_long(key: str) -> bool:
    """Whether a manifest's (URL-encoded) key names a key longer than S3 allows."""
    return len(unquote_plus(key).encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES
