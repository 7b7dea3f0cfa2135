"""Check a CSV manifest before a job reads it.

Use it from any command that is about to submit a manifest::

    from s3bo_cli.tools.lint import lint_manifest, lint_object

    result = lint_manifest(open("manifest.csv", "rb"), ["Bucket", "Key"])
    result = lint_object(store, "manifests", "manifest.csv", ["Bucket", "Key"])
    if result.errors:  # or result.failed(strict=True) to count warnings too
        raise ...  # result.findings[0].message says what is wrong, and where

``lines`` may be bytes (best: non-UTF-8 text and BOMs are then detected
exactly) or str, one physical line each, line endings kept. The check streams:
memory stays flat except for duplicate detection, which keeps an 8-byte digest
of every (bucket, decoded key, version) in a compact open-addressing table
(about 16 bytes a row, so 10 million rows take about 160 MB). Two rows are
reported as duplicates when their 64-bit digests collide, which for 10 million
rows happens by chance with a probability of about 1 in 300,000.

Every finding has a line number, a severity and one of the ``CODES`` below.
"""

from __future__ import annotations

import csv
import hashlib
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from s3bo_cli.model.lines import body_lines
from s3bo_cli.model.manifest import MAX_KEY_BYTES, bucket_problem, fields_problem, key_too_long
from s3bo_cli.stores.base import ObjectStore

ERROR, WARNING = "error", "warning"

#: code -> (severity, what it means)
CODES: dict[str, tuple[str, str]] = {
    "not-utf8": (ERROR, "the line is not UTF-8 text"),
    "csv-syntax": (ERROR, "the line is not valid CSV (unbalanced quotes)"),
    "header-row": (ERROR, "the first line looks like a header row; manifests have none"),
    "column-count": (ERROR, "fewer columns than --fields names"),
    "invalid-bucket": (ERROR, "not a valid bucket name"),
    "empty-key": (ERROR, "the key is empty"),
    "key-not-encoded": (ERROR, "the key has characters that must be URL-encoded"),
    "key-too-long": (ERROR, f"the decoded key is longer than {MAX_KEY_BYTES} bytes"),
    "empty-version-id": (ERROR, "no version id in a versioned manifest (use null)"),
    "version-id-whitespace": (ERROR, "the version id has leading or trailing whitespace"),
    "empty-manifest": (ERROR, "the manifest has no rows"),
    "key-double-encoded": (WARNING, "the key contains %25XX: encoded twice?"),
    "key-plus": (WARNING, "a raw '+' in the key reads as a space; write %2B for a plus"),
    "extra-columns": (WARNING, "more columns than --fields names (a raw comma in a key?)"),
    "duplicate": (WARNING, "the same object appears on an earlier line"),
    "mixed-buckets": (WARNING, "rows name more than one bucket"),
    "blank-line": (WARNING, "an empty line"),
    "bom": (WARNING, "the file starts with a UTF-8 byte order mark"),
    "crlf": (WARNING, "the line ends with CRLF"),
}

_RAW = re.compile(r"[\x00-\x20\x7f-\U0010ffff,\"]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DOUBLE = re.compile(r"%25[0-9A-Fa-f]{2}")
_HEADER_WORDS = frozenset({"bucket", "bucketname", "key", "objectkey", "object", "versionid"})
_BUCKET_WORDS = frozenset({"bucket", "bucketname", "s3bucket"})
_MAX_BUCKETS_TRACKED = 1000


@dataclass(frozen=True)
class Finding:
    line: int
    severity: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "Line": self.line,
            "Severity": self.severity,
            "Code": self.code,
            "Message": self.message,
        }


@dataclass
class LintResult:
    """Findings (at most ``max_findings`` listed per code) and the full counts."""

    fields: list[str]
    lines: int = 0
    rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.counts.items() if CODES[code][0] == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for code, n in self.counts.items() if CODES[code][0] == WARNING)

    def failed(self, *, strict: bool = False) -> bool:
        """True when there are errors (or, with ``strict``, any finding)."""
        return bool(self.errors or (strict and self.warnings))

    def to_dict(self) -> dict[str, Any]:
        listed = len(self.findings)
        return {
            "Fields": self.fields,
            "Lines": self.lines,
            "Rows": self.rows,
            "Errors": self.errors,
            "Warnings": self.warnings,
            "ByCode": dict(sorted(self.counts.items())),
            "Findings": [f.to_dict() for f in self.findings],
            "NotListed": sum(self.counts.values()) - listed,
        }


class DigestSet:
    """A set of 64-bit digests in one ``array('Q')`` (open addressing, linear probing)."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._size = 0

    def add(self, digest: int) -> bool:
        """Insert; False when it was already there."""
        digest = digest or 1  # 0 marks an empty slot
        slots, mask = self._slots, self._mask
        index = digest & mask
        while slots[index]:
            if slots[index] == digest:
                return False
            index = (index + 1) & mask
        slots[index] = digest
        self._size += 1
        if self._size * 10 > len(slots) * 7:
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._mask = len(self._slots) - 1
        self._size = 0
        for digest in old:
            if digest:
                self.add(digest)


def _digest(*parts: str) -> int:
    data = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _columns(count: int) -> str:
    return f"{count} column" if count == 1 else f"{count} columns"


def _word(cell: str) -> str:
    return cell.strip().strip('"').lower().replace("_", "").replace(" ", "")


def check_fields(fields: Sequence[str]) -> list[str]:
    """Validate a ``Fields`` list; ValueError names the problem."""
    problem = fields_problem(fields)
    if problem:
        raise ValueError(f"fields {problem}")
    return list(fields)


def key_problem(key: str) -> str | None:
    """Why an encoded key is not URL-encoded properly, or None."""
    raw = _RAW.search(key)
    if raw:
        return f"raw {raw.group()!r} at position {raw.start() + 1}"
    if _BAD_PERCENT.search(key):
        return "'%' not followed by two hex digits"
    return None


class _Linter:
    def __init__(
        self, fields: list[str], max_findings: int | None, *, duplicates: bool = True
    ) -> None:
        self.result = LintResult(fields=fields)
        self.max_findings = max_findings
        self.position = {
            name: fields.index(name) for name in ("Bucket", "Key", "VersionId") if name in fields
        }
        self.seen = DigestSet() if duplicates else None
        self.buckets: set[str] = set()
        self.first_row = True

    def report(self, line: int, code: str, message: str | None = None) -> None:
        severity, meaning = CODES[code]
        self.result.counts[code] += 1
        if self.max_findings is None or self.result.counts[code] <= self.max_findings:
            self.result.findings.append(Finding(line, severity, code, message or meaning))

    def line(self, number: int, raw: bytes | str) -> None:
        text = self._decode(number, raw)
        if text is None:
            return
        if number == 1 and text.startswith("\ufeff"):
            self.report(number, "bom")
            text = text[1:]
        if text.endswith("\r\n"):
            self.report(number, "crlf")
        text = text.rstrip("\r\n")
        if not text.strip():
            self.report(number, "blank-line")
            return
        try:
            row = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            self.report(number, "csv-syntax", f"not valid CSV: {exc}")
            self.result.rows += 1
            return
        self.row(number, row)

    def _decode(self, number: int, raw: bytes | str) -> str | None:
        if isinstance(raw, str):
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = f"{raw[exc.start]:#04x}"
            self.report(number, "not-utf8", f"not UTF-8: byte {byte} at position {exc.start + 1}")
            self.result.rows += 1
            return None

    def row(self, number: int, row: list[str]) -> None:
        result, first = self.result, self.first_row
        result.rows += 1
        self.first_row = False
        if first and self._is_header(row):
            self.report(number, "header-row", f"header row? {','.join(row)[:80]!r}")
            return
        width = len(result.fields)
        if len(row) < width:
            expected = f"expected {width} ({','.join(result.fields)})"
            self.report(number, "column-count", f"{_columns(len(row))}, {expected}")
            return
        if len(row) > width:
            self.report(number, "extra-columns", f"{_columns(len(row))}, expected {width}")
        bucket, key = row[self.position["Bucket"]], row[self.position["Key"]]
        problem = bucket_problem(bucket)
        if problem:
            self.report(number, "invalid-bucket", f"invalid bucket name {bucket!r}: {problem}")
        elif bucket not in self.buckets and len(self.buckets) < _MAX_BUCKETS_TRACKED:
            if self.buckets:
                earlier = sorted(self.buckets)[0]
                message = f"bucket {bucket!r} differs from {earlier!r} on earlier lines"
                self.report(number, "mixed-buckets", message)
            self.buckets.add(bucket)
        version = row[self.position["VersionId"]] if "VersionId" in self.position else ""
        self._key(number, key)
        if "VersionId" in self.position:
            if not version:
                self.report(number, "empty-version-id")
            elif version != version.strip():
                self.report(number, "version-id-whitespace", f"version id {version!r}")
        if (
            key
            and self.seen is not None
            and not self.seen.add(_digest(bucket, unquote_plus(key), version))
        ):
            self.report(number, "duplicate", f"duplicate of an earlier row: {bucket},{key}")

    def _is_header(self, row: list[str]) -> bool:
        words = {_word(cell) for cell in row}
        position = self.position["Bucket"]
        bucket = row[position] if position < len(row) else ""
        if _word(bucket) in _BUCKET_WORDS:
            return True
        return bool(words & _HEADER_WORDS) and bucket_problem(bucket) is not None

    def _key(self, number: int, key: str) -> None:
        if not key:
            self.report(number, "empty-key")
            return
        problem = key_problem(key)
        if problem:
            self.report(number, "key-not-encoded", f"key not URL-encoded: {problem}")
        if _DOUBLE.search(key):
            self.report(number, "key-double-encoded", f"key {key[:80]!r} contains %25XX")
        if "+" in key:
            self.report(number, "key-plus")
        if key_too_long(key):
            self.report(number, "key-too-long")


def lint_manifest(
    lines: Iterable[bytes | str],
    fields: Sequence[str] = ("Bucket", "Key"),
    *,
    max_findings: int | None = 20,
    duplicates: bool = True,
) -> LintResult:
    """Check a ``S3BatchOperations_CSV_20180820`` manifest, one physical line at a time.

    ``fields`` is the manifest's ``Spec.Fields``; ``max_findings`` caps how many
    findings of each code are listed (``None``: all); ``counts`` always has the totals.
    ``duplicates=False`` skips the one check whose memory grows with the manifest.
    """
    linter = _Linter(check_fields(fields), max_findings, duplicates=duplicates)
    for number, raw in enumerate(lines, start=1):
        linter.result.lines = number
        linter.line(number, raw)
    if not linter.result.rows:
        linter.report(max(linter.result.lines, 1), "empty-manifest")
    linter.result.findings.sort(key=lambda f: f.line)
    return linter.result


def lint_object(
    store: ObjectStore,
    bucket: str,
    key: str,
    fields: Sequence[str] = ("Bucket", "Key"),
    *,
    version_id: str | None = None,
    max_findings: int | None = 20,
    duplicates: bool = True,
) -> LintResult:
    """:func:`lint_manifest` on a manifest object, streamed from ``store``."""
    lines = body_lines(store.get_object(bucket, key, version_id))
    return lint_manifest(lines, fields, max_findings=max_findings, duplicates=duplicates)
