"""The paths the conformance suite runs on, each behind one small interface.

A driver's :meth:`~Driver.invoke` takes and returns boto3-shaped dicts and
raises s3bo errors (a ServiceError with the service's code, or
ParamValidationError for what a client catches before sending), so one test
body checks every path. Drivers satisfy the Backend protocol too.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3bo_cli.cli.context import AppContext
from s3bo_cli.errors import ParamValidationError, ServiceError, service_error

CSV_FORMAT = "S3BatchOperations_CSV_20180820"
#: Statuses a job with ConfirmationRequired passes through before anyone confirms it.
BEFORE_CONFIRMATION = frozenset({"New", "Preparing", "Suspended"})
_AWS_ERROR = re.compile(
    r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<op>\w+) operation"
    r"(?: \(reached max retries: \d+\))?: (?P<message>.*)",
    re.S,
)


def kebab(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation).lower()


@dataclass
class Driver:
    """One path to the job API, with what a valid job needs on that path."""

    name: str
    account: str
    role_arn: str
    manifest: dict[str, Any]
    created: list[str] = field(default_factory=list)

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """``operation`` with ``AccountId`` filled in; remembers created jobs."""
        params.setdefault("AccountId", self.account)
        result = self.invoke(operation, params)
        if operation == "CreateJob" and result.get("JobId") not in self.created:
            self.created.append(result["JobId"])
        return result

    def job_params(self, **overrides: Any) -> dict[str, Any]:
        """A valid CreateJob request for this path (a tagging job, confirmation required)."""
        params: dict[str, Any] = {
            "ConfirmationRequired": True,
            "Operation": {
                "S3PutObjectTagging": {"TagSet": [{"Key": "s3bo-conformance", "Value": "1"}]}
            },
            "Report": {"Enabled": False},
            "Manifest": self.manifest,
            "Priority": 10,
            "RoleArn": self.role_arn,
            "Description": "s3bo conformance",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def create(self, **overrides: Any) -> str:
        """CreateJob through this path (the step under test)."""
        return self.call("CreateJob", **self.job_params(**overrides))["JobId"]

    def given_job(self, **overrides: Any) -> str:
        """A job a test needs before the step under test (by default, :meth:`create`)."""
        return self.create(**overrides)

    def status(self, job_id: str) -> str:
        return self.call("DescribeJob", JobId=job_id)["Job"]["Status"]

    def settle(self, job_id: str) -> str:
        """Let the service prepare the job (read its manifest); returns the new status."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the path holds (real AWS: cancel the jobs left waiting)."""


class ContextDriver(Driver):
    """Calls go through AppContext.call, exactly as an s3bo command makes them."""

    def __init__(self, app: AppContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params)
        if operation == "CreateJob":  # as create-job does, and boto3 and the aws CLI
            params.setdefault("ClientRequestToken", str(uuid.uuid4()))
        return self.app.call(operation, params)


class LocalEngineMixin:
    """Paths whose jobs live in a local state directory: the engine prepares them."""

    state_dir: Path

    def settle(self, job_id: str) -> str:
        from s3bo_cli.engine.worker import Worker

        Worker(self.state_dir).run(burst=True)
        return self.status(job_id)  # type: ignore[attr-defined]


class LocalDriver(LocalEngineMixin, ContextDriver):
    """Path 1: the local backend in this process."""

    def __init__(self, app: AppContext, state_dir: Path, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.state_dir = state_dir


class Boto3ServeDriver(LocalEngineMixin, ContextDriver):
    """Path 2: AwsBackend (boto3 over HTTP) in front of ``s3bo serve``."""

    def __init__(self, app: AppContext, state_dir: Path, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.state_dir = state_dir


class AwsCliBatch:
    """One helper process (``awscli_batch.py``) that runs aws CLI command lines with the
    aws CLI's own driver, each in the environment it is given, for the whole session."""

    _shared: AwsCliBatch | None = None

    def __init__(self) -> None:
        script = Path(__file__).with_name("awscli_batch.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    @classmethod
    def shared(cls) -> AwsCliBatch:
        if cls._shared is None or cls._shared.proc.poll() is not None:
            cls._shared = cls()
            atexit.register(cls._shared.close)
        return cls._shared

    def run(self, args: tuple[str, ...], env: dict[str, str]) -> dict[str, Any]:
        """``aws ARGS`` in ``env``: its exit code (rc), stdout and stderr."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"argv": args, "env": env}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the aws CLI batch process ended"
        return dict(json.loads(line))

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


class AwsCliServeDriver(LocalEngineMixin, Driver):
    """Path 3: the stock aws CLI in front of ``s3bo serve``.

    Its command lines run through :class:`AwsCliBatch` (the aws CLI's own driver per
    call) rather than an interpreter each. Jobs a test only needs (:meth:`given_job`)
    are made by the backend behind the server; CreateJob under test goes through the
    CLI.
    """

    def __init__(self, env: dict[str, str], state_dir: Path, behind: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.env = env
        self.state_dir = state_dir
        self.behind = behind

    def given_job(self, **overrides: Any) -> str:
        params = {"AccountId": self.account, "ClientRequestToken": str(uuid.uuid4())}
        job_id = self.behind.invoke("CreateJob", {**params, **self.job_params(**overrides)})
        self.created.append(job_id["JobId"])
        return job_id["JobId"]

    def aws(self, *args: str) -> dict[str, Any]:
        return AwsCliBatch.shared().run(args, self.env)

    def invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        done = self.aws(
            "s3control", kebab(operation), "--cli-input-json", json.dumps(params),
            "--endpoint-url", "http://s3control.local", "--output", "json",
        )  # fmt: skip
        if done["rc"] == 0:
            return json.loads(done["stdout"]) if done["stdout"].strip() else {}
        raise parse_aws_error(done["stderr"], done["rc"])


def parse_aws_error(stderr: str, returncode: int) -> Exception:
    """The s3bo error an aws CLI failure stands for."""
    text = stderr.strip()
    match = _AWS_ERROR.search(text)
    if match:
        return service_error(match["code"], match["message"].strip(), operation=match["op"])
    if text.startswith("Parameter validation failed"):
        return ParamValidationError(text.splitlines()[1:])
    return AssertionError(f"aws exited {returncode}: {text}")


class RealAwsDriver(ContextDriver):
    """Path 4 (opt-in): Amazon S3 Control itself, through ``--backend aws``."""

    PREPARE_TIMEOUT = 300.0

    def settle(self, job_id: str) -> str:
        deadline = time.monotonic() + self.PREPARE_TIMEOUT
        while True:
            status = self.status(job_id)
            if status not in ("New", "Preparing") or time.monotonic() > deadline:
                return status
            time.sleep(2)

    def close(self) -> None:
        for job_id in self.created:
            with contextlib.suppress(ServiceError):  # already ended or cancelling
                self.call("UpdateJobStatus", JobId=job_id, RequestedJobStatus="Cancelled")


def csv_manifest(body: bytes, *, bucket: str, key: str) -> dict[str, Any]:
    """The JobManifest for a CSV manifest object with this content."""
    return {
        "Spec": {"Format": CSV_FORMAT, "Fields": ["Bucket", "Key"]},
        "Location": {
            "ObjectArn": f"arn:aws:s3:::{bucket}/{key}",
            "ETag": hashlib.md5(body).hexdigest(),
        },
    }
