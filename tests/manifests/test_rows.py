"""The job's CSV reader and `manifest lint` apply one rule to each row."""

from __future__ import annotations

import pytest

from s3bo_cli.engine.manifests.csvfile import read_csv
from s3bo_cli.engine.manifests.source import ManifestError
from s3bo_cli.tools.lint import lint_manifest

ROW_ERRORS = {"invalid-bucket", "empty-key", "key-too-long"}


def reader_accepts(line: str) -> bool:
    try:
        list(read_csv(iter([line]), ["Bucket", "Key"]))
    except ManifestError as exc:
        assert exc.code == "ManifestParseError"
        return False
    return True


def lint_accepts(line: str) -> bool:
    counts = lint_manifest([line], ["Bucket", "Key"]).counts
    return not ROW_ERRORS & set(counts)


@pytest.mark.parametrize(
    ("line", "valid"),
    [
        pytest.param("photos,a\n", True, id="plain"),
        pytest.param("photos," + "a" * 1024 + "\n", True, id="key-1024-bytes"),
        pytest.param("photos," + "a" * 1025 + "\n", False, id="key-1025-bytes"),
        pytest.param("photos," + "%C3%A9" * 512 + "\n", True, id="encoded-3072-chars-1024-bytes"),
        pytest.param("photos," + "%C3%A9" * 513 + "\n", False, id="encoded-1026-bytes"),
        pytest.param("photos,\n", False, id="empty-key"),
        pytest.param("my..bucket,a\n", False, id="adjacent-dots"),
        pytest.param("192.168.1.1,a\n", False, id="ip-address"),
        pytest.param("Photos,a\n", False, id="upper-case"),
    ],
)
def test_reader_and_lint_agree(line: str, valid: bool) -> None:
    assert reader_accepts(line) is valid
    assert lint_accepts(line) is valid
