"""`s3bo manifest lint` and ``lint_manifest``: every problem class, line numbers, exit codes."""

from __future__ import annotations

import pytest

from s3bo_cli.tools.lint import CODES, DigestSet, lint_manifest


def findings(data: bytes | list[str], fields=("Bucket", "Key"), **kw) -> list[tuple[int, str]]:
    lines = data.splitlines(keepends=True) if isinstance(data, bytes) else data
    return [(f.line, f.code) for f in lint_manifest(lines, fields, **kw).findings]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"photos,a\nphotos,b\n", []),
        (b"Bucket,Key\nphotos,a\n", [(1, "header-row")]),
        (b"bucket,key\nphotos,a\n", [(1, "header-row")]),
        (b"photos,a\nphotos\n", [(2, "column-count")]),
        (b"photos,a\nphotos,b,c\n", [(2, "extra-columns")]),
        (b"photos,a b\n", [(1, "key-not-encoded")]),
        (b"photos,caf\xc3\xa9\n", [(1, "key-not-encoded")]),
        (b'photos,"a,b"\n', [(1, "key-not-encoded")]),
        (b"photos,100%\n", [(1, "key-not-encoded")]),
        (b"photos,a%2520b\n", [(1, "key-double-encoded")]),
        (b"photos,a+b\n", [(1, "key-plus")]),
        (b"photos,\n", [(1, "empty-key")]),
        (b"photos,a\nphotos,a%20b\nphotos,a+b\n", [(3, "key-plus"), (3, "duplicate")]),
        (b"photos,a\nother,b\nphotos,c\n", [(2, "mixed-buckets")]),
        (b"\xef\xbb\xbfphotos,a\n", [(1, "bom")]),
        (b"photos,a\nPhotos_1,b\n", [(2, "invalid-bucket")]),
        (b"photos,a\nab,b\n", [(2, "invalid-bucket")]),
        (b"photos,a\n192.168.1.1,b\n", [(2, "invalid-bucket")]),
        (b"photos,a\nmy..bucket,b\n", [(2, "invalid-bucket")]),
        (b"photos,a\nphotos,\xff\xfe\n", [(2, "not-utf8")]),
        (b"photos,a\r\nphotos,b\r\n", [(1, "crlf"), (2, "crlf")]),
        (b'photos,"a\n', [(1, "csv-syntax")]),
        (b"photos,a\n\nphotos,b\n", [(2, "blank-line")]),
        (b"", [(1, "empty-manifest")]),
        (b"photos,%s\n" % (b"a" * 1025), [(1, "key-too-long")]),
    ],
)
def test_each_problem_class(data, expected):
    assert findings(data) == expected


def test_version_ids():
    data = b"photos,a,v1\nphotos,b,\nphotos,c, v2\nphotos,d,null\nphotos,a,v1\n"
    assert findings(data, ("Bucket", "Key", "VersionId")) == [
        (2, "empty-version-id"),
        (3, "version-id-whitespace"),
        (5, "duplicate"),
    ]
    assert findings(b"photos,a,v1\nphotos,a,v2\n", ("Bucket", "Key", "VersionId")) == []


def test_fields_order_and_ignore():
    assert findings(b"x,a%20b,photos\n", ("Ignore", "Key", "Bucket")) == []
    assert findings(b"x,a b,photos\n", ("Ignore", "Key", "Bucket")) == [(1, "key-not-encoded")]


def test_str_lines_work_too():
    assert findings(["\ufeffphotos,a\r\n", "photos,a b\n"]) == [
        (1, "bom"),
        (1, "crlf"),
        (2, "key-not-encoded"),
    ]


def test_every_code_has_a_severity_and_is_documented():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for code, (severity, meaning) in CODES.items():
        assert severity in ("error", "warning") and meaning
        assert f"`{code}`" in readme, code


def test_max_findings_caps_the_list_not_the_counts():
    data = b"".join(b"photos,k %d\n" % i for i in range(30))
    result = lint_manifest(data.splitlines(keepends=True), max_findings=5)
    assert len(result.findings) == 5
    assert result.counts["key-not-encoded"] == 30
    assert result.to_dict()["NotListed"] == 25
    assert result.errors == 30 and result.failed()


def test_result_shape():
    result = lint_manifest([b"photos,a\n", b"other,b\r\n"])
    mixed = "bucket 'other' differs from 'photos' on earlier lines"
    assert result.to_dict() == {
        "Fields": ["Bucket", "Key"],
        "Lines": 2,
        "Rows": 2,
        "Errors": 0,
        "Warnings": 2,
        "ByCode": {"crlf": 1, "mixed-buckets": 1},
        "Findings": [
            {"Line": 2, "Severity": "warning", "Code": "crlf", "Message": CODES["crlf"][1]},
            {"Line": 2, "Severity": "warning", "Code": "mixed-buckets", "Message": mixed},
        ],
        "NotListed": 0,
    }
    assert not result.failed() and result.failed(strict=True)


def test_digest_set_grows_and_finds_every_duplicate():
    digests = DigestSet(capacity=8)
    assert all(digests.add(n * 0x9E3779B97F4A7C15 % 2**64) for n in range(10_000))
    assert not any(digests.add(n * 0x9E3779B97F4A7C15 % 2**64) for n in range(10_000))
    zero = DigestSet()
    assert zero.add(0) and not zero.add(0)


def test_lint_object_streams_from_a_store(store):
    from s3bo_cli.tools.lint import lint_object

    store.create_bucket("manifests")
    store.put_object("manifests", "m.csv", b"photos,a\nphotos,a\n")
    result = lint_object(store, "manifests", "m.csv")
    assert [(f.line, f.code) for f in result.findings] == [(2, "duplicate")]


def test_many_rows_stream():
    rows = (b"photos,key-%d\n" % i for i in range(200_000))
    result = lint_manifest(rows)
    assert (result.rows, result.errors, result.warnings) == (200_000, 0, 0)


# -- the command ----------------------------------------------------------------------------


@pytest.fixture
def write(tmp_path):
    def make(data: bytes, name: str = "m.csv") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return make


def test_clean_manifest_exits_0(s3bo, write):
    run = s3bo("--output", "json", "manifest", "lint", write(b"photos,a\nphotos,b%20c\n"))
    assert run.exit_code == 0, run
    assert (run.json["Errors"], run.json["Warnings"], run.json["Findings"]) == (0, 0, [])


def test_errors_exit_1_with_line_numbers(s3bo, write):
    run = s3bo("--output", "json", "manifest", "lint", write(b"Bucket,Key\nphotos,a b\n"))
    assert run.exit_code == 1
    assert [(f["Line"], f["Code"], f["Severity"]) for f in run.json["Findings"]] == [
        (1, "header-row", "error"),
        (2, "key-not-encoded", "error"),
    ]


def test_warnings_exit_0_unless_strict(s3bo, write):
    path = write(b"photos,a\r\n")
    assert s3bo("manifest", "lint", path).exit_code == 0
    assert s3bo("manifest", "lint", path, "--strict").exit_code == 1


def test_s3_source_fields_and_max_findings(s3bo, store):
    store.create_bucket("manifests")
    body = b"".join(b"photos,k %d,\n" % i for i in range(4))
    store.put_object("manifests", "m.csv", body)
    run = s3bo(
        "--output",
        "json",
        "manifest",
        "lint",
        "s3://manifests/m.csv",
        "--fields",
        "Bucket,Key,VersionId",
        "--max-findings",
        "1",
    )
    assert run.exit_code == 1
    assert run.json["ByCode"] == {"empty-version-id": 4, "key-not-encoded": 4}
    assert [f["Line"] for f in run.json["Findings"]] == [1, 1]
    assert run.json["NotListed"] == 6


def test_stdin_and_table_and_text(s3bo):
    table = s3bo("--output", "table", "manifest", "lint", "-", input="photos,a b\n")
    assert table.exit_code == 1 and "key-not-encoded" in table.stdout
    text = s3bo("--output", "text", "--query", "Errors", "manifest", "lint", "-", input="x,y\n")
    assert text.stdout.strip() == "1"


@pytest.mark.parametrize("fields", ["Bucket", "Bucket,Key,Size", "Key,Key,Bucket"])
def test_bad_fields_are_usage_errors(s3bo, write, fields):
    run = s3bo("manifest", "lint", write(b"photos,a\n"), "--fields", fields)
    assert run.exit_code == 252
    assert "--fields" in run.stderr


def test_missing_sources(s3bo, tmp_path):
    run = s3bo("manifest", "lint", str(tmp_path / "nope.csv"))
    assert run.exit_code == 252 and "cannot read" in run.stderr
    run = s3bo("manifest", "lint", "s3://nobucket/m.csv")
    assert run.exit_code != 0 and "NoSuchBucket" in run.stderr
