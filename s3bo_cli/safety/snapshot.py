"""``create-job --snapshot`` for AWS jobs: before-images taken with ordinary reads first.

AWS keeps no before-images. A snapshot reads, with the user's own credentials,
the state each object of the manifest is about to lose, before the job is
submitted, into ``<state-dir>/aws/snapshots/<account>/<job-id>/``, in the
local engine's before-image format. ``s3bo revert`` then runs locally, against
the same S3, through the S3Store, once the job has ended (DescribeJob).

A copy's snapshot records each destination as the local engine does: absent,
or its current version when the bucket keeps versions; an existing object in a
bucket without versioning is recorded too, but its data cannot be put back,
and ``create-job`` says so. What AWS's copy wrote is not known here: the revert
takes a destination last modified by the end of the job as the copy's, and a
later one as a newer change it leaves alone.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from s3bo_cli import clock, logs
from s3bo_cli.config import Settings
from s3bo_cli.engine import manifests
from s3bo_cli.safety import images
from s3bo_cli.safety.hook import JOURNAL, before_image, copy_image
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
    if kind is None:
        raise NotRevertible(f"--snapshot: {name} jobs change nothing s3bo can put back")
    body = request["Operation"][name] or {}
    folder = snapshots_dir(settings, request["AccountId"]) / f"pending-{uuid.uuid4()}"
    folder.mkdir(parents=True)
    job = {"JobId": "snapshot", "Manifest": request.get("Manifest")}
    if request.get("ManifestGenerator"):
        job = {"JobId": "snapshot", "ManifestGenerator": request["ManifestGenerator"]}
    versioned: dict[str, bool] = {}
    unprotected: Counter[str] = Counter()
    try:
        with Journal(folder, JOURNAL) as journal:
            for index, entry in enumerate(manifests.job_entries(store, job, {})):
                if kind == "d":
                    image = copy_image(store, body, index, entry, versioned)
                    if images.unprotected(image["s"]):
                        unprotected[image["b"]] += 1
                else:
                    image = before_image(store, kind, index, entry)
                journal.append(image)
        (folder / JOB_FILE).write_text(json.dumps(request, default=str), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    for bucket, count in sorted(unprotected.items()):
        logs.get().warning(
            "--snapshot: the copy overwrites %d existing object(s) in s3://%s, which keeps no "
            "versions: their data cannot be put back, and `s3bo revert` will refuse them "
            "(PreviousDataNotKept)",
            count,
            bucket,
        )
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
    settings: Settings, account_id: str, job_id: str, describe: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], Source, Path, dict[str, Any]]:
    """An AWS job's snapshot as a revert source (NotRevertible when there is none, or
    while the job still runs); ``describe`` is the job's DescribeJob."""
    folder = snapshots_dir(settings, account_id) / job_id
    if not (folder / JOB_FILE).exists():
        raise NotRevertible(
            f"job {job_id} ran on AWS without a snapshot: AWS keeps no before-images, so "
            "nothing records what it replaced (create jobs with `create-job --snapshot` "
            "to make them revertible)"
        )
    job = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
    described = describe()["Job"]
    status = described["Status"]
    if status not in ("Complete", "Failed", "Cancelled"):
        raise NotRevertible(f"the job is {status}: revert it once it has ended")
    name = next(iter(job["Operation"]))
    kind = images.KINDS[name]
    src = Source(
        job_id=job_id,
        name=name,
        kind=kind,
        body=job["Operation"][name] or {},
        journal=Journal(folder, JOURNAL),
        copied_until=_ended(described) if kind == "d" else None,
    )
    endpoint = settings.s3_endpoint_url or f"https://s3.{settings.region}.amazonaws.com"
    store = {"region": settings.region, "s3_endpoint_url": endpoint, "profile": settings.profile}
    return job, src, folder, {"store": store}


def _ended(job: dict[str, Any]) -> str:
    """When a job ended (DescribeJob's TerminationDate, else now: it has ended)."""
    ended = job.get("TerminationDate")
    return str(ended) if ended else clock.now_iso()


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
