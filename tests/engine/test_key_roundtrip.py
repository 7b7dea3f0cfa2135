"""Any object key survives the whole trip: manifest make, the job, the completion report,
`s3bo report` and `--failed-keys`, whatever characters it has."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote_plus

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3bo_cli.cli import cli
from s3bo_cli.engine.settings import EngineSettings
from s3bo_cli.engine.worker import Worker
from s3bo_cli.stores.dirstore import DirStore
from tests.conftest import ROLE

SEGMENT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"),
    min_size=1,
    max_size=12,
).filter(lambda s: s not in (".", "..") and s.strip() == s and not s.startswith(".s3bo"))
KEY = st.lists(SEGMENT, min_size=1, max_size=3).map("/".join)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(keys=st.lists(KEY, min_size=1, max_size=4, unique=True))
def test_keys_survive_manifest_job_report_and_retry_manifest(keys, monkeypatch):
    root = Path(tempfile.mkdtemp(prefix="s3bo-keys-"))
    try:
        monkeypatch.setenv("S3BO_STATE_DIR", str(root))
        store = DirStore(root / "buckets")
        for bucket in ("data", "manifests", "reports"):
            store.create_bucket(bucket)
        present = [k for i, k in enumerate(sorted(keys)) if i % 2 == 0]
        for key in keys:
            store.put_object("data", key, b"x")
        runner = CliRunner()

        def s3bo(*args):
            result = runner.invoke(cli, ["--output", "json", *args], catch_exceptions=False)
            assert result.exit_code == 0, result.stderr
            return json.loads(result.stdout) if result.stdout.strip() else None

        made = s3bo("manifest", "make", "s3://data", "-o", "s3://manifests/m.csv")
        assert made["Count"] == len(keys)
        for key in keys:
            if key not in present:
                store.delete_object("data", key)  # these tasks will fail: NoSuchKey
        report = {"Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820",
                  "Enabled": True, "ReportScope": "AllTasks"}  # fmt: skip
        job = s3bo(
            "create-job", "--no-confirmation-required", "--priority", "1", "--role-arn", ROLE,
            "--operation", '{"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}',
            "--manifest", made["ManifestArgument"], "--report", json.dumps(report),
        )["JobId"]  # fmt: skip
        Worker(root, settings=EngineSettings(concurrency=2)).run(burst=True)
        for key in present:
            assert store.get_object_tagging("data", key) == {"k": "v"}
        rows = []
        manifest = json.loads(store.get_object("reports", f"job-{job}/manifest.json").read())
        for entry in manifest["Results"]:
            text = store.get_object(entry["Bucket"], entry["Key"]).read().decode()
            rows += list(csv.reader(io.StringIO(text)))
        assert {unquote_plus(r[1]) for r in rows if r[3] == "succeeded"} == set(present)
        assert {unquote_plus(r[1]) for r in rows if r[3] == "failed"} == set(keys) - set(present)
        result = runner.invoke(cli, ["report", job, "--failed-keys", "-"], catch_exceptions=False)
        failed = [row for row in csv.reader(io.StringIO(result.stdout)) if row]
        assert {unquote_plus(row[1]) for row in failed} == set(keys) - set(present)
    finally:
        shutil.rmtree(root, ignore_errors=True)
