"""S3ComputeObjectChecksum: compute each object's checksum at rest, into the report.

The ResultMessage is s3bo's own JSON document (the service publishes none)::

    {"checksum_algorithm":"CRC32","checksum_type":"FULL_OBJECT",
     "checksum":"<base64>","size":1234}

``checksum`` is base64 of the big-endian digest, as S3 shows checksums.
COMPOSITE is defined as S3 defines multipart checksums, over 8 MiB parts: the
digest of the concatenated part digests with a ``-<parts>`` suffix (an object
of up to 8 MiB is one part); the document then also has ``part_size`` and
``parts``. CRC64NVME exists only as FULL_OBJECT, as in S3. The XXHASH
algorithms come from the ``xxhash`` package. Archived objects must be restored first locally
(``InvalidObjectState``), since the stores read them like GetObject does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores import checksums

PART_SIZE = 8 * 1024 * 1024
TYPES = ("FULL_OBJECT", "COMPOSITE")
XXHASH = {"XXHASH64": "xxh64", "XXHASH3": "xxh3_64", "XXHASH128": "xxh3_128"}
ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME", "MD5", "SHA1", "SHA256", "SHA512"}) | set(
    XXHASH
)


class _Hasher(Protocol):
    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


def new_hasher(algorithm: str) -> _Hasher:
    """A hasher for any algorithm the job may name; S3Error when it cannot be computed."""
    if algorithm not in ALGORITHMS:
        raise S3Error("InvalidRequest", 400, f"Checksum algorithm {algorithm} is not supported")
    if algorithm in XXHASH:
        import xxhash

        return getattr(xxhash, XXHASH[algorithm])()
    return checksums.new_hasher(algorithm)


def compute(
    algorithm: str, checksum_type: str, chunks: Iterator[bytes], part_size: int = PART_SIZE
) -> dict[str, Any]:
    """The result document for a byte stream (without ``size``)."""
    if checksum_type not in TYPES:
        raise S3Error("InvalidRequest", 400, f"Checksum type {checksum_type} is not supported")
    if checksum_type == "COMPOSITE" and algorithm == "CRC64NVME":
        raise S3Error(
            "InvalidRequest", 400, "The COMPOSITE checksum type is not supported for CRC64NVME"
        )
    document: dict[str, Any] = {"checksum_algorithm": algorithm, "checksum_type": checksum_type}
    if checksum_type == "FULL_OBJECT":
        hasher = new_hasher(algorithm)
        for chunk in chunks:
            hasher.update(chunk)
        document["checksum"] = checksums.b64(hasher.digest())
        return document
    outer, inner = new_hasher(algorithm), new_hasher(algorithm)
    filled = count = 0
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            take = min(part_size - filled, len(view))
            inner.update(bytes(view[:take]))
            filled, view = filled + take, view[take:]
            if filled == part_size:
                outer.update(inner.digest())
                inner, filled, count = new_hasher(algorithm), 0, count + 1
    if filled or not count:
        outer.update(inner.digest())
        count += 1
    document["checksum"] = f"{checksums.b64(outer.digest())}-{count}"
    document["part_size"] = part_size
    document["parts"] = count
    return document


def compute_checksum(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Read the object and report its checksum."""
    algorithm = str(ctx.body.get("ChecksumAlgorithm") or "")
    checksum_type = str(ctx.body.get("ChecksumType") or "FULL_OBJECT")
    new_hasher(algorithm)  # fail before reading when it cannot be computed
    size = 0

    def counted(chunks: Iterator[bytes]) -> Iterator[bytes]:
        nonlocal size
        for chunk in chunks:
            size += len(chunk)
            yield chunk

    with ctx.store.get_object(entry.bucket, entry.decoded_key, version(entry)) as body:
        document = compute(algorithm, checksum_type, counted(body.iter_chunks()))
    document["size"] = size
    return Outcome(200, json.dumps(document, separators=(",", ":")))
