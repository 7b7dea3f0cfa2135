"""Tools beyond the aws CLI: report summaries, retries, manifest lint and generation.

The modules here hold the domain logic and never print; the commands in
``s3bo_cli/cli`` parse options, call them and render the results.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING

from s3bo_cli.errors import ExitCode, S3boError, S3Error
from s3bo_cli.model.manifest import CSV_FORMAT

if TYPE_CHECKING:
    from s3bo_cli.stores.base import ObjectStore

_SPOOL_BYTES = 8 * 1024 * 1024


class ToolError(S3boError):
    """A report, manifest or job a tool needs is missing or unusable (exit 254)."""

    exit_code = ExitCode.SERVICE


@contextlib.contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Turn an object store's S3Error into a one-line ToolError naming ``what`` failed."""
    try:
        yield
    except S3Error as exc:
        raise ToolError(f"{what}: {exc}") from None


class ManifestWriter:
    """CSV manifest rows spooled to a temporary file, counted and MD5-hashed as written.

    Small manifests stay in memory; large ones spill to disk. ``etag`` is the
    MD5 a single-part upload gets as its ETag.
    """

    def __init__(self) -> None:
        # closed by close() / __exit__; the writer outlives any one block
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        self._md5 = hashlib.md5()
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\n")
        self.count = 0

    def write(self, row: Sequence[str]) -> None:
        self._csv.writerow(row)
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        self._md5.update(data)
        self._file.write(data)
        self.count += 1

    @property
    def etag(self) -> str:
        return self._md5.hexdigest()

    def rows(self) -> Iterator[list[str]]:
        """Read the rows back (for a second pass)."""
        self._file.seek(0)
        yield from csv.reader(line.decode("utf-8") for line in self._file)

    def copy_to(self, out: IO[bytes]) -> None:
        self._file.seek(0)
        while chunk := self._file.read(1024 * 1024):
            out.write(chunk)

    def upload(self, store: ObjectStore, bucket: str, key: str) -> str:
        """Put the manifest object; returns its ETag (bare hex)."""
        self._file.seek(0)
        result = store.put_object(bucket, key, self._file)
        return result.etag.strip('"')

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ManifestWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def job_manifest(bucket: str, key: str, etag: str, fields: Sequence[str]) -> dict[str, object]:
    """The CreateJob ``Manifest`` structure for a CSV manifest object."""
    return {
        "Spec": {"Format": CSV_FORMAT, "Fields": list(fields)},
        "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/{key}", "ETag": etag},
    }
