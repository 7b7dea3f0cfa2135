"""Whatever users do, in whatever order, between the worker's steps: every status change
follows the transition table, every job ends, and no task is counted twice."""

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
from s3bo_cli.engine.states import TERMINAL, TRANSITIONS, JobStatus
from s3bo_cli.engine.worker import Worker
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ROLE
from tests.engine.conftest import put_manifest

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
                assert JobStatus(after) in TRANSITIONS[JobStatus(before)], (before, after, path)
            job = json.loads(s3bo("describe-job", "--job-id", job_id).stdout)["Job"]
            assert JobStatus(job["Status"]) in TERMINAL, path
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
