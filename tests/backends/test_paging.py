"""``list_all_jobs``: every page of ListJobs, in order, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from s3bo_cli.backends.local import LocalBackend
from s3bo_cli.backends.paging import list_all_jobs
from s3bo_cli.config import Settings
from s3bo_cli.errors import S3boError
from tests.backends.conftest import ACCOUNT
from tests.backends.test_aws_backend import create_params


class CountingBackend:
    """The local backend, counting ListJobs calls."""

    name = "counting"

    def __init__(self, state_dir: Path) -> None:
        self.local = LocalBackend(Settings(state_dir=state_dir), autostart=False)
        self.pages = 0

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.pages += operation == "ListJobs"
        return self.local.invoke(operation, params)


def test_merges_every_page_in_the_order_of_one_big_page(tmp_path):
    backend = CountingBackend(tmp_path / "state")
    for _ in range(5):
        backend.invoke("CreateJob", create_params())
    whole = backend.invoke("ListJobs", {"AccountId": ACCOUNT})
    backend.pages = 0
    merged = list_all_jobs(backend, {"AccountId": ACCOUNT, "MaxResults": 2})
    assert merged == {"Jobs": whole["Jobs"]}
    assert backend.pages == 3


def test_keeps_the_filters_on_every_page(tmp_path):
    backend = CountingBackend(tmp_path / "state")
    ids = [backend.invoke("CreateJob", create_params())["JobId"] for _ in range(3)]
    cancel = {"AccountId": ACCOUNT, "JobId": ids[0], "RequestedJobStatus": "Cancelled"}
    backend.invoke("UpdateJobStatus", cancel)
    params = {"AccountId": ACCOUNT, "MaxResults": 1, "JobStatuses": ["New"]}
    merged = list_all_jobs(backend, params)
    assert sorted(job["JobId"] for job in merged["Jobs"]) == sorted(ids[1:])
    assert params == {"AccountId": ACCOUNT, "MaxResults": 1, "JobStatuses": ["New"]}


def test_a_token_handed_out_twice_stops_the_loop():
    class Stuck:
        name = "stuck"

        def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            return {"NextToken": "same", "Jobs": [{"JobId": "job-1"}]}

    with pytest.raises(S3boError, match="NextToken 'same' twice"):
        list_all_jobs(Stuck(), {"AccountId": ACCOUNT})


def test_a_service_error_names_the_operation(tmp_path):
    backend = CountingBackend(tmp_path / "state")
    with pytest.raises(S3boError, match="when calling the ListJobs operation"):
        list_all_jobs(backend, {"AccountId": ACCOUNT, "NextToken": "bm90LWEtdG9rZW4"})
