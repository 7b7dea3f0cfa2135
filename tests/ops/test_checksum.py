"""S3ComputeObjectChecksum jobs: every algorithm, FULL_OBJECT and COMPOSITE."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib

import pytest

from s3bo_cli.ops.checksum import PART_SIZE

DATA = b"123456789"
#: Check values of the CRCs over "123456789", and the digests S3 reports.
EXPECTED = {
    "CRC32": zlib.crc32(DATA).to_bytes(4, "big"),
    "CRC32C": (0xE3069283).to_bytes(4, "big"),
    "CRC64NVME": (0xAE8B14860A799888).to_bytes(8, "big"),
    "MD5": hashlib.md5(DATA).digest(),
    "SHA1": hashlib.sha1(DATA).digest(),
    "SHA256": hashlib.sha256(DATA).digest(),
    "SHA512": hashlib.sha512(DATA).digest(),
}


def _op(algorithm: str, checksum_type: str = "FULL_OBJECT") -> dict:
    return {
        "S3ComputeObjectChecksum": {"ChecksumAlgorithm": algorithm, "ChecksumType": checksum_type}
    }


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize("algorithm", sorted(EXPECTED))
def test_full_object_checksums(dirstore, algorithm):
    bucket = dirstore.bucket("data")
    dirstore.store.put_object(bucket, "digits.txt", DATA)
    row = dirstore.run(_op(algorithm), [(bucket, "digits.txt")]).row("digits.txt")
    assert row.outcome == ("succeeded", "200", "")
    assert json.loads(row.message) == {
        "checksum_algorithm": algorithm,
        "checksum_type": "FULL_OBJECT",
        "checksum": _b64(EXPECTED[algorithm]),
        "size": len(DATA),
    }


def test_checksums_on_s3_and_failures(both):
    bucket = both.bucket("data")
    both.store.put_object(bucket, "digits.txt", DATA)
    rows = [(bucket, "digits.txt"), (bucket, "missing.txt")]
    done = both.run(_op("CRC32C"), rows)
    assert json.loads(done.row("digits.txt").message)["checksum"] == _b64(EXPECTED["CRC32C"])
    assert done.row("missing.txt").outcome == ("failed", "404", "NoSuchKey")


def test_composite_is_over_8_mib_parts(dirstore):
    bucket = dirstore.bucket("data")
    body = bytes(range(256)) * (PART_SIZE // 256) + b"tail"
    dirstore.store.put_object(bucket, "big.bin", body)
    dirstore.store.put_object(bucket, "small.bin", DATA)
    done = dirstore.run(_op("SHA256", "COMPOSITE"), [(bucket, "big.bin"), (bucket, "small.bin")])
    parts = [body[:PART_SIZE], body[PART_SIZE:]]
    outer = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
    assert json.loads(done.row("big.bin").message) == {
        "checksum_algorithm": "SHA256",
        "checksum_type": "COMPOSITE",
        "checksum": f"{_b64(outer)}-2",
        "part_size": PART_SIZE,
        "parts": 2,
        "size": len(body),
    }
    single = hashlib.sha256(hashlib.sha256(DATA).digest()).digest()
    assert json.loads(done.row("small.bin").message)["checksum"] == f"{_b64(single)}-1"


def test_crc64nvme_has_no_composite_form(dirstore):
    bucket = dirstore.bucket("data")
    dirstore.store.put_object(bucket, "digits.txt", DATA)
    row = dirstore.run(_op("CRC64NVME", "COMPOSITE"), [(bucket, "digits.txt")]).row("digits.txt")
    assert row.outcome == ("failed", "400", "InvalidRequest")


@pytest.mark.parametrize(
    ("algorithm", "digest_hex"),
    [  # the published digests of the empty input
        ("XXHASH64", "ef46db3751d8e999"),
        ("XXHASH3", "2d06800538d394c2"),
        ("XXHASH128", "99aa06d3014798d86001c324468d497f"),
    ],
)
def test_xxhash_algorithms(dirstore, algorithm, digest_hex):
    bucket = dirstore.bucket("data")
    dirstore.store.put_object(bucket, "empty.bin", b"")
    row = dirstore.run(_op(algorithm), [(bucket, "empty.bin")]).row("empty.bin")
    assert json.loads(row.message)["checksum"] == _b64(bytes.fromhex(digest_hex))


def test_archived_objects_must_be_restored_first(dirstore):
    bucket = dirstore.bucket("data")
    dirstore.store.put_object(bucket, "cold.bin", DATA, storage_class="GLACIER")
    row = dirstore.run(_op("SHA1"), [(bucket, "cold.bin")]).row("cold.bin")
    assert row.outcome == ("failed", "403", "InvalidObjectState")
