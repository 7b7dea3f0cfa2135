"""Safety-net tests run jobs through the operations harness, on the DirStore and on moto."""

from __future__ import annotations

from tests.beyond.conftest import aws, local, stand_in  # noqa: F401 - the AWS stand-in
from tests.ops.conftest import Finished, Harness, both, dirstore  # noqa: F401 - shared fixtures


def revert(h: Harness, job_id: str, *extra: str) -> Finished:
    """Revert ``job_id`` through the CLI, run the revert, read its report."""
    created = h.s3bo(*h.global_args, "revert", job_id, *extra)
    assert created.exit_code == 0, created
    revert_id = created.json["JobId"]
    h.worker()
    job = h.s3bo(*h.global_args, "describe-job", "--job-id", revert_id).json["Job"]
    return Finished(job, h._report(h.name("reports"), revert_id))
