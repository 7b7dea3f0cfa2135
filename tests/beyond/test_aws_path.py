"""The features beyond the aws CLI work through ``--backend aws`` (against ``s3bo serve``).

The CLI reads manifests and objects from S3 itself (moto here) and sends only the
S3 Control calls to the service; features the service lacks are refused before any
request is made.
"""

from __future__ import annotations

import pytest

from tests.beyond.conftest import job_args
from tests.conftest import create_args

UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"


class TestDryRun:
    def test_plans_from_the_objects_in_s3_and_sends_nothing(self, aws, stand_in):
        photos = stand_in.bucket("photos")
        for key in ("a.jpg", "b.jpg"):
            stand_in.put("photos", key, b"x")
        manifest = stand_in.manifest([f"{photos},a.jpg", f"{photos},b.jpg", f"{photos},gone.jpg"])
        run = aws("--output", "json", *job_args(manifest, "--dry-run"))
        assert run.exit_code == 0, run
        plan = run.json
        assert (plan["TotalTasks"], plan["ObjectsChecked"]) == (3, 3)
        assert plan["LikelyFailureCounts"] == {"NoSuchKey": 1}
        assert [(f["Bucket"], f["Key"]) for f in plan["LikelyFailures"]] == [(photos, "gone.jpg")]
        assert plan["ManifestErrors"] == []
        assert plan["EstimatedCost"]["JobFee"] == 0.25
        assert stand_in.recorder.requests == []  # no job, not even a call to S3 Control

    def test_prints_the_plan_the_local_engine_prints(self, aws, local, stand_in):
        photos = stand_in.bucket("photos")
        stand_in.put("photos", "a.jpg", b"x")
        manifest = stand_in.manifest([f"{photos},a.jpg", f"{photos},gone.jpg"], etag=False)
        for output in ("json", "table"):
            remote = aws("--output", output, *job_args(manifest, "--dry-run"))
            here = local("--output", output, *job_args(manifest, "--dry-run"))
            assert (remote.exit_code, remote.stderr) == (0, "")
            assert remote.stdout == here.stdout

    def test_reports_a_stale_manifest_etag(self, aws, stand_in):
        photos = stand_in.bucket("photos")
        manifest = stand_in.manifest([f"{photos},a.jpg"])
        manifest["Location"]["ETag"] = "0" * 32
        plan = aws("--output", "json", *job_args(manifest, "--dry-run")).json
        assert [e["Code"] for e in plan["ManifestErrors"]] == ["ManifestETagMismatch"]


class TestManifestLint:
    def test_a_manifest_with_errors_is_refused_before_any_request(self, aws, stand_in):
        photos = stand_in.bucket("photos")
        manifest = stand_in.manifest(["Bucket,Key", f"{photos},my photo.jpg"], key="bad.csv")
        run = aws(*job_args(manifest))
        assert run.exit_code == 252
        assert run.stderr.startswith(
            f"s3bo: error: manifest s3://manifests{stand_in.suffix}/bad.csv line 1: header-row: "
        )
        assert "(2 error(s); see `s3bo manifest lint`, or pass --no-lint)" in run.stderr
        assert run.stderr.count("\n") == 1
        assert stand_in.recorder.requests == []

    def test_no_lint_submits_it_anyway(self, aws, stand_in):
        photos = stand_in.bucket("photos")
        manifest = stand_in.manifest(["Bucket,Key", f"{photos},my photo.jpg"], key="bad.csv")
        run = aws("--output", "json", *job_args(manifest, "--no-lint"))
        assert run.exit_code == 0, run
        assert stand_in.recorder.operations == ["CreateJob"]
        described = aws("--output", "json", "describe-job", "--job-id", run.json["JobId"])
        assert described.json["Job"]["Status"] == "New"


class TestManifestETagLookup:
    def test_a_missing_etag_is_read_from_s3_and_sent_with_the_job(self, aws, stand_in, run_worker):
        photos = stand_in.bucket("photos")
        keys = ["a.jpg", "b c.jpg"]
        for key in keys:
            stand_in.put("photos", key, b"x")
        manifest = stand_in.manifest([f"{photos},a.jpg", f"{photos},b%20c.jpg"], etag=False)
        etag = stand_in.store.head_object(f"manifests{stand_in.suffix}", "manifest.csv").etag
        run = aws("--output", "json", *job_args(manifest))
        assert run.exit_code == 0, run
        ((operation, request),) = stand_in.recorder.requests
        assert operation == "CreateJob"
        assert request["Manifest"]["Location"]["ETag"] == etag.strip('"')

        run_worker()  # the job runs against moto: the ETag it was given is the right one
        waited = aws("--output", "json", "wait", run.json["JobId"], "--interval", "0.01")
        assert waited.exit_code == 0, waited
        assert waited.json["Job"]["ProgressSummary"]["NumberOfTasksSucceeded"] == 2
        for key in keys:
            assert stand_in.store.get_object_tagging(photos, key) == {"reviewed": "yes"}

    def test_a_manifest_that_is_not_there_is_a_head_object_error(self, aws, stand_in):
        bucket = stand_in.bucket("manifests")
        manifest = {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/nope.csv"},
        }
        run = aws(*job_args(manifest))
        assert run.exit_code == 254
        assert "(NoSuchKey) when calling the HeadObject operation" in run.stderr
        assert run.stderr.count("\n") == 1
        assert stand_in.recorder.requests == []


def test_list_jobs_all_follows_next_token_over_the_wire(aws, local, stand_in):
    created = [local("--output", "json", *create_args()).json["JobId"] for _ in range(5)]
    stand_in.recorder.requests.clear()
    run = aws("--output", "json", "list-jobs", "--all", "--max-results", "2")
    assert run.exit_code == 0, run
    assert [job["JobId"] for job in run.json["Jobs"]] == created[::-1]  # newest first
    assert "NextToken" not in run.json
    pages = stand_in.recorder.requests
    assert [(op, params["MaxResults"]) for op, params in pages] == [("ListJobs", 2)] * 3
    assert [params.get("NextToken") is None for _, params in pages] == [True, False, False]
    here = local("--output", "json", "list-jobs", "--all", "--max-results", "2")
    assert run.stdout == here.stdout


@pytest.fixture
def ended(local, stand_in, run_worker) -> dict[str, str]:
    """One Complete, one Failed (stale manifest ETag) and one Cancelled job; objects in moto."""
    photos = stand_in.bucket("photos")
    stand_in.put("photos", "a.jpg", b"x")
    manifest = stand_in.manifest([f"{photos},a.jpg"])
    stale = {**manifest, "Location": {**manifest["Location"], "ETag": "0" * 32}}
    jobs = {
        status: local("--output", "json", *job_args(m)).json["JobId"]
        for status, m in (("Complete", manifest), ("Failed", stale), ("Cancelled", manifest))
    }
    cancel = ("update-job-status", "--job-id", jobs["Cancelled"], "--requested-job-status")
    assert local(*cancel, "Cancelled").exit_code == 0
    run_worker()
    return jobs


class TestWaitAndWatch:
    """tests/watch covers `watch` on AWS when a job failed; these cover the other exits."""

    @pytest.mark.parametrize("status, code", [("Complete", 0), ("Failed", 1), ("Cancelled", 2)])
    def test_wait_exits_by_the_final_status(self, aws, local, ended, status, code):
        job_id = ended[status]
        run = aws("--output", "json", "wait", job_id, "--interval", "0.01")
        assert run.exit_code == code, run
        assert run.stdout == local("--output", "json", "describe-job", "--job-id", job_id).stdout

    def test_wait_gives_up_at_its_timeout_with_exit_3(self, aws, local, stand_in):
        photos = stand_in.bucket("photos")
        created = local("--output", "json", *job_args(stand_in.manifest([f"{photos},a"])))
        job_id = created.json["JobId"]  # and no worker runs: the job stays New
        run = aws("wait", job_id, "--timeout", "0.05", "--interval", "0.01")
        assert run.exit_code == 3
        assert run.stderr.endswith(f"s3bo: timed out waiting for job {job_id} (New)\n")

    def test_watch_exits_0_when_all_completed_and_2_when_any_was_cancelled(self, aws, ended):
        watch = ("watch", "--interval", "0.01")
        assert aws(*watch, ended["Complete"]).exit_code == 0
        run = aws(*watch, ended["Complete"], ended["Cancelled"])
        assert run.exit_code == 2, run
        assert run.stdout.splitlines()[-1] == "2 jobs: 1 Cancelled, 1 Complete"


@pytest.mark.parametrize(
    "command, feature",
    [
        (("pause", UNKNOWN_JOB), "s3bo pause"),
        (("resume", UNKNOWN_JOB), "s3bo resume"),
        (tuple(create_args("--failure-threshold", "10%")), "--failure-threshold"),
        (("events",), "s3bo events"),
        (("quickstart", "--objects", "3"), "quickstart"),
    ],
    ids=["pause", "resume", "create-job --failure-threshold", "events", "quickstart"],
)
def test_local_engine_features_are_refused_on_aws(aws, stand_in, command, feature):
    run = aws(*command)
    assert (run.exit_code, run.stdout) == (252, "")
    assert run.stderr == (
        f"s3bo: error: {feature}: available on the local engine only (--backend local)\n"
    )
    assert stand_in.recorder.requests == []
