"""Whatever users do, in whatever order, between the worker's steps: every status change
is one the service's documentation allows, every job ends, and no task is counted twice.

The allowed changes are written out here from the service's own status table (the user
guide's "Job statuses" and the S3 Control contract), not read from the engine's table,
so that a wrong engine table fails this test.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3bo_cli.cli import cli
from s3bo_cli.engine.worker import Worker
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ROLE
from tests.engine.conftest import put_manifest

#: (from, to): why the service allows it. "doc" = the user guide's status table, "api" =
#: UpdateJobStatus's rules, "s3bo" = the local engine's `s3bo pause` extension.
DOCUMENTED = {
    ("New", "Preparing"): "doc: moves to Preparing when S3 begins processing the manifest",
    ("Preparing", "Ready"): "doc: Ready after processing the manifest",
    ("Preparing", "Suspended"): "doc: Suspended when the job requires confirmation",
    ("Preparing", "Failing"): "doc: a manifest that cannot be read fails the job",
    ("Suspended", "Ready"): "doc: confirmed (UpdateJobStatus Ready)",
    ("Suspended", "Cancelled"): "api: a Suspended job is cancelled at once",
    ("Suspended", "Failed"): "doc: left unconfirmed for 30 days",
    ("Ready", "Active"): "doc: moves to Active when S3 begins to run it",
    ("Active", "Pausing"): "doc: a higher-priority job is submitted",
    ("Pausing", "Paused"): "doc: moves to Paused when Pausing is finished",
    ("Paused", "Active"): "doc: returns to Active when the blocking jobs are done",
    ("Active", "Completing"): "model: Completing, then Complete",
    ("Completing", "Complete"): "model: Completing, then Complete",
    ("Active", "Failing"): "doc: the task-failure threshold",
    ("Failing", "Failed"): "doc: moves to Failed when Failing is finished",
    ("Active", "Cancelling"): "api: a running job is cancelled through Cancelling",
    ("Paused", "Cancelling"): "api: a paused job is cancelled through Cancelling",
    ("Pausing", "Cancelling"): "api: Cancelled may be requested of a Pausing job",
    ("Cancelling", "Cancelled"): "doc: moves to Cancelled when Cancelling is finished",
    ("New", "Cancelled"): "api: a job not yet running is cancelled at once",
    ("Preparing", "Cancelled"): "api: a job not yet running is cancelled at once",
    ("Ready", "Cancelled"): "api: a job not yet running is cancelled at once",
    ("Ready", "Paused"): "s3bo: `s3bo pause` of a job that has not started",
    ("Pausing", "Completing"): "doc: a job whose last task ran completes",
    ("Pausing", "Failing"): "doc: the task-failure threshold",
}
ENDED = {"Complete", "Cancelled", "Failed"}

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["step", "step", "step", "create", "confirm", "cancel", "pause", "resume", "priority"]
        ),
        st.integers(0, 3),  # which job
        st.booleans(),  # with confirmation / without
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_any_interleaving_keeps_the_life_cycle_whole(actions, monkeypatch):
    root = Path(tempfile.mkdtemp(prefix="s3bo-life-"))
    try:
        monkeypatch.setenv("S3BO_STATE_DIR", str(root))
        store = DirStore(root / "buckets")
        store.create_bucket("photos")
        for i in range(6):
            store.put_object("photos", f"k{i}", b"x")
        manifest = put_manifest(
            store, [("photos", f"k{i}") for i in range(6)] + [("photos", "gone")]
        )
        runner = CliRunner()

        def s3bo(*args):
            return runner.invoke(cli, ["--output", "json", *args], catch_exceptions=False)

        jobs: list[str] = []
        worker = Worker(root)

        def create(confirm: bool) -> None:
            operation = '{"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}'
            args = ["create-job", "--priority", str(len(jobs)), "--role-arn", ROLE,
                    "--operation", operation, "--manifest", json.dumps(manifest),
                    "--report", "Enabled=false"]  # fmt: skip
            if not confirm:
                args.append("--no-confirmation-required")
            jobs.append(json.loads(s3bo(*args).stdout)["JobId"])

        create(False)
        for action, which, flag in actions:
            job_id = jobs[which % len(jobs)]
            result = None
            if action == "step":
                worker.run_once()
            elif action == "create":
                create(flag)
            elif action == "confirm":
                result = s3bo(
                    "update-job-status", "--job-id", job_id, "--requested-job-status", "Ready"
                )
            elif action == "cancel":
                result = s3bo("update-job-status", "--job-id", job_id,
                              "--requested-job-status", "Cancelled")  # fmt: skip
            elif action in ("pause", "resume"):
                result = s3bo(action, job_id)
            else:
                result = s3bo(
                    "update-job-priority", "--job-id", job_id, "--priority", str(which * 7)
                )
            if result is not None:  # refused is fine; anything but a clean refusal is not
                assert result.exit_code in (0, 254), result.stderr
        # Let everything finish: release holds, confirm, run the engine dry (twice: a job
        # prepared in the first round is confirmed in the second).
        for _ in range(2):
            worker.run(burst=True)
            for job_id in jobs:
                s3bo("resume", job_id)
                s3bo("update-job-status", "--job-id", job_id, "--requested-job-status", "Ready")
        worker.run(burst=True)

        events_path = root / "accounts" / "123456789012" / "us-east-1" / "events.jsonl"
        events = [json.loads(line) for line in events_path.read_text().splitlines()]
        for job_id in jobs:
            path = [
                e["serviceEventDetails"]["status"]
                for e in events
                if e["serviceEventDetails"]["jobId"] == job_id
            ]
            assert path[0] == "New"
            for before, after in itertools.pairwise(path):
                assert (before, after) in DOCUMENTED, (before, after, path)
            job = json.loads(s3bo("describe-job", "--job-id", job_id).stdout)["Job"]
            assert job["Status"] in ENDED, path
            assert job["Status"] == path[-1]
            summary = job["ProgressSummary"]
            done = summary["NumberOfTasksSucceeded"] + summary["NumberOfTasksFailed"]
            assert done <= summary["TotalNumberOfTasks"]
            if job["Status"] == "Complete":
                assert (summary["NumberOfTasksSucceeded"], summary["NumberOfTasksFailed"]) == (6, 1)
            results = root / "accounts/123456789012/us-east-1/jobs" / job_id / "results.jsonl"
            if results.exists():
                indices = [json.loads(x)["index"] for x in results.read_text().splitlines()]
                assert len(indices) == len(set(indices)) == done
    finally:
        shutil.rmtree(root, ignore_errors=True)
