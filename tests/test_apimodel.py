"""The model cache: built from botocore's model file, refreshed when that file changes."""

from __future__ import annotations

import json

import pytest

from s3bo_cli import apimodel


def test_job_subset_has_every_job_operation_and_reachable_shape():
    subset = apimodel._job_subset(apimodel.service_model())
    assert set(subset["operations"]) == set(apimodel.JOB_OPERATIONS)
    for name, shape in subset["shapes"].items():
        assert "documentation" not in json.dumps(shape), name
        for member in shape.get("members", {}).values():
            assert member["shape"] in subset["shapes"]


def test_cache_written_reused_and_corrupt_cache_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("S3BO_CACHE_DIR", str(tmp_path))
    apimodel.job_model.cache_clear()
    try:
        first = apimodel.job_model()
        (cache,) = tmp_path.glob("s3control-jobs-*.json")
        assert json.loads(cache.read_text()) == first
        cache.write_text("{not json")
        apimodel.job_model.cache_clear()
        assert apimodel.job_model() == first
        assert json.loads(cache.read_text()) == first  # rewritten
    finally:
        apimodel.job_model.cache_clear()


def test_shapes_outside_the_job_subset_still_resolve():
    assert apimodel.shape("AccessPointName")["type"] == "string"
    assert apimodel.operation("ListAccessPoints")["http"]["method"] == "GET"


def test_idempotency_tokens_are_filled_as_botocore_fills_them():
    from s3bo_cli.validation import with_idempotency_tokens

    filled = with_idempotency_tokens("CreateJob", {"Priority": 1})
    assert len(filled["ClientRequestToken"]) == 36
    given = {"ClientRequestToken": "mine"}
    assert with_idempotency_tokens("CreateJob", given) is given
    assert with_idempotency_tokens("DescribeJob", {"JobId": "x"}) == {"JobId": "x"}


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("ListJobs", "InvalidRequestException"),
        ("CreateJob", "BadRequestException"),
        ("PutJobTagging", "BadRequestException"),  # declares neither: as the server answers
        (None, "BadRequestException"),  # not yet routed
    ],
)
def test_one_rule_for_the_validation_error(operation, expected):
    from s3bo_cli.validation import validation_error

    error = validation_error(operation, "bad")
    assert (error.code, error.operation) == (expected, operation)
