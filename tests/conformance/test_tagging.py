"""GetJobTagging, PutJobTagging, DeleteJobTagging (and tags given to CreateJob)."""

from __future__ import annotations

import uuid

import pytest

from s3bo_cli.errors import BadRequestException, NotFoundException, TooManyTagsException
from tests.conformance.drivers import Driver

TAGS = [{"Key": "team", "Value": "data"}, {"Key": "cost-centre", "Value": ""}]


def tags(count: int) -> list[dict[str, str]]:
    return [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(count)]


def test_tags_given_at_creation_are_returned_in_order(api: Driver):
    job_id = api.create(Tags=TAGS)
    assert api.call("GetJobTagging", JobId=job_id) == {"Tags": TAGS}


def test_a_job_without_tags_has_an_empty_tag_set(api: Driver):
    job_id = api.given_job()
    assert api.call("GetJobTagging", JobId=job_id) == {"Tags": []}


def test_put_replaces_the_whole_set_and_returns_nothing(api: Driver):
    job_id = api.given_job(Tags=TAGS)
    assert api.call("PutJobTagging", JobId=job_id, Tags=[{"Key": "new", "Value": "1"}]) == {}
    assert api.call("GetJobTagging", JobId=job_id) == {"Tags": [{"Key": "new", "Value": "1"}]}


def test_put_of_an_empty_set_removes_every_tag(api: Driver):
    job_id = api.given_job(Tags=TAGS)
    api.call("PutJobTagging", JobId=job_id, Tags=[])
    assert api.call("GetJobTagging", JobId=job_id) == {"Tags": []}


def test_delete_removes_every_tag(api: Driver):
    job_id = api.given_job(Tags=TAGS)
    assert api.call("DeleteJobTagging", JobId=job_id) == {}
    assert api.call("GetJobTagging", JobId=job_id) == {"Tags": []}


def test_fifty_tags_is_the_limit(api: Driver):
    job_id = api.given_job()
    api.call("PutJobTagging", JobId=job_id, Tags=tags(50))
    assert len(api.call("GetJobTagging", JobId=job_id)["Tags"]) == 50
    with pytest.raises(TooManyTagsException):
        api.call("PutJobTagging", JobId=job_id, Tags=tags(51))
    assert len(api.call("GetJobTagging", JobId=job_id)["Tags"]) == 50


def test_creating_a_job_with_too_many_tags_is_refused(api: Driver):
    with pytest.raises(BadRequestException):
        api.create(Tags=tags(51))


def test_duplicate_keys_are_refused(api: Driver):
    job_id = api.given_job()
    with pytest.raises(BadRequestException):
        api.call("PutJobTagging", JobId=job_id, Tags=[TAGS[0], TAGS[0]])


@pytest.mark.parametrize("operation", ["GetJobTagging", "DeleteJobTagging", "PutJobTagging"])
def test_an_unknown_job_is_not_found(api: Driver, operation: str):
    params = {"Tags": TAGS} if operation == "PutJobTagging" else {}
    with pytest.raises(NotFoundException):
        api.call(operation, JobId=str(uuid.uuid4()), **params)
