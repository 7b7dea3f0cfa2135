"""``create-job --snapshot`` for AWS jobs: before-images taken with ordinary reads first.

AWS keeps no before-images. A snapshot reads, with the user's own credentials,
the state each object of the manifest is about to lose, before the job is
submitted, into ``<state-dir>/aws/snapshots/<account>/<job-id>/``. ``s3bo
revert`` then runs locally, against the same S3, through the S3Store.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from s3bo_cli.config import Settings
from s3bo_cli.engine import manifests
from s3bo_cli.safety import images
from s3bo_cli.safety.hook import JOURNAL, before_image
from s3bo_cli.safety.journal import Journal
from s3bo_cli.safety.revert import NotRevertible, Source
from s3bo_cli.stores.base import ObjectStore

JOB_FILE = "job.json"


def snapshots_dir(settings: Settings, account_id: str) -> Path:
    return settings.state_dir / "aws" / "snapshots" / account_id


def capture(settings: Settings, store: ObjectStore, request: dict[str, Any]) -> Path:
    """Read every manifest object's state into a pending snapshot; returns its folder."""
    name = next(iter(request["Operation"]))
    kind = images.KINDS.get(name)
    if kind is None or kind == "d":
        what = "copies" if kind == "d" else f"{name} jobs"
        raise NotRevertible(f"--snapshot: s3bo cannot snapshot {what} for a revert")
    folder = snapshots_dir(settings, request["AccountId"]) / f"pending-{uuid.uuid4()}"
    folder.mkdir(parents=True)
    job = {"JobId": "snapshot", "Manifest": request.get("Manifest")}
    if request.get("ManifestGenerator"):
        job = {"JobId": "snapshot", "ManifestGenerator": request["ManifestGenerator"]}
    with Journal(folder, JOURNAL) as journal:
        entries = manifests.job_entries(store, job, {})
        for index, entry in enumerate(entries):
            journal.append(before_image(store, kind, index, entry))
    (folder / JOB_FILE).write_text(json.dumps(request, default=str), encoding="utf-8")
    return folder


def commit(folder: Path, job_id: str) -> Path:
    """Name the pending snapshot after the job AWS created."""
    request = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
    request["JobId"] = job_id
    (folder / JOB_FILE).write_text(json.dumps(request), encoding="utf-8")
    final = folder.parent / job_id
    os.replace(folder, final)
    return final


def source(
    settings: Settings, account_id: str, job_id: str
) -> tuple[dict[str, Any], Source, Path, dict[str, Any]]:
    """An AWS job's snapshot as a revert source (NotRevertible when there is none)."""
    folder = snapshots_dir(settings, account_id) / job_id
    if not (folder / JOB_FILE).exists():
        raise NotRevertible(
            f"job {job_id} ran on AWS without a snapshot: AWS keeps no before-images, so "
            "nothing records what it replaced (create jobs with `create-job --snapshot` "
            "to make them revertible)"
        )
    job = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
    name = next(iter(job["Operation"]))
    src = Source(
        job_id=job_id,
        name=name,
        kind=images.KINDS[name],
        body=job["Operation"][name] or {},
        journal=Journal(folder, JOURNAL),
    )
    endpoint = settings.s3_endpoint_url or f"https://s3.{settings.region}.amazonaws.com"
    store = {"region": settings.region, "s3_endpoint_url": endpoint, "profile": settings.profile}
    return job, src, folder, {"store": store}


def create_with_snapshot(
    settings: Settings,
    store: ObjectStore,
    request: dict[str, Any],
    create: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Snapshot the objects' state, then ``create`` the job (the snapshot takes its id)."""
    folder = capture(settings, store, request)
    try:
        result = create(request)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    commit(folder, result["JobId"])
    return result
