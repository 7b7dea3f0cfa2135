"""The revert job: its plan file, its manifest, its CreateJob request, and a dry run of it.

The plan lives next to the reverted job's before-images (``reverts/<token>.plan``);
the manifest lists the plan's objects in the same order, so that task *n* of
the revert puts back plan record *n*.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3bo_cli.errors import S3Error
from s3bo_cli.model.arns import bucket_from_arn, split_object_arn
from s3bo_cli.safety.journal import FramedReader, write_framed
from s3bo_cli.safety.revert import REVERT_TAG, NotRevertible, Source, decide, plan_items
from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.tools import ManifestWriter
from s3bo_cli.tools.makemanifest import encode_key

MANIFEST_NAME = "revert-manifest.csv"
REPORT_FORMAT = "Report_CSV_20180820"


@dataclass
class RevertPlan:
    """A written plan: where, how many objects, and their manifest rows."""

    path: Path
    count: int
    source: Source
    reader: FramedReader | None = None

    def open(self) -> FramedReader:
        if self.reader is None:
            self.reader = FramedReader(self.path)
        return self.reader

    def manifest(self) -> tuple[ManifestWriter, list[str]]:
        """The manifest rows, with a VersionId column when any object has a version."""
        versions = any(item["v"] for item in self.open())
        fields = ["Bucket", "Key", "VersionId"] if versions else ["Bucket", "Key"]
        writer = ManifestWriter()
        for item in self.open():
            row = [item["b"], encode_key(item["k"])]
            writer.write([*row, item["v"] or ""] if versions else row)
        return writer, fields


def write_plan(source: Source, directory: Path) -> RevertPlan:
    """Write the plan of reverting ``source`` under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4()}.plan"
    count = write_framed(path, plan_items(source))
    return RevertPlan(path, count, source)


def manifest_location(job: dict[str, Any], given: tuple[str, str] | None) -> tuple[str, str]:
    """Where the revert's manifest goes: given, else by the job's report, else its manifest."""
    if given is not None:
        return given
    report = job.get("Report") or {}
    if report.get("Enabled") and report.get("Bucket"):
        prefix = (report.get("Prefix") or "").strip("/")
        folder = f"{prefix}/job-{job['JobId']}" if prefix else f"job-{job['JobId']}"
        return bucket_from_arn(report["Bucket"]), f"{folder}/{MANIFEST_NAME}"
    location = (job.get("Manifest") or {}).get("Location")
    if location:
        bucket, key = split_object_arn(location["ObjectArn"])
        return bucket, f"{key}.revert-{job['JobId']}.csv"
    raise NotRevertible("the job has no report or manifest bucket: give --manifest-location")


def create_request(
    job: dict[str, Any],
    *,
    account_id: str,
    manifest: dict[str, Any],
    location: tuple[str, str],
    confirmation_required: bool,
) -> dict[str, Any]:
    """The revert's CreateJob request: the reverted job's operation, role and priority."""
    report = dict(job.get("Report") or {})
    if not report.get("Enabled"):  # the refusals need a report to be read
        folder = location[1].rsplit("/", 1)[0] if "/" in location[1] else ""
        report = {"Enabled": True, "Bucket": f"arn:aws:s3:::{location[0]}", "Format": REPORT_FORMAT}
        if folder:
            report["Prefix"] = folder
    report["ReportScope"] = "AllTasks"
    return {
        "AccountId": account_id,
        "ConfirmationRequired": confirmation_required,
        "Operation": job["Operation"],
        "Report": report,
        "ClientRequestToken": str(uuid.uuid4()),
        "Manifest": manifest,
        "Description": f"Revert of {job['JobId']}"[:256],
        "Priority": job["Priority"],
        "RoleArn": job["RoleArn"],
        "Tags": [{"Key": REVERT_TAG, "Value": job["JobId"]}],
    }


def engine_settings(plan: RevertPlan) -> dict[str, Any]:
    return {"revert": {"of": plan.source.job_id, "plan": str(plan.path), "kind": plan.source.kind}}


@dataclass
class Forecast:
    """What a revert would do, object by object, as a dry run finds it."""

    objects: int = 0
    checked: int = 0
    put_back: int = 0
    already: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "Objects": self.objects,
            "ObjectsChecked": self.checked,
            "WouldPutBack": self.put_back,
            "AlreadyAsBefore": self.already,
            "WouldRefuse": dict(self.refused.most_common()),
            "Refusals": self.samples,
        }


def forecast(store: ObjectStore, plan: RevertPlan, *, check_limit: int) -> Forecast:
    """Check the first ``check_limit`` objects of the plan as the revert would."""
    result = Forecast(objects=plan.count)
    for number, item in enumerate(plan.open()):
        if number >= check_limit:
            break
        result.checked += 1
        try:
            action, _ = decide(store, plan.source.kind, item)
        except S3Error as exc:
            result.refused[exc.code] += 1
            if len(result.samples) < 20:
                result.samples.append(
                    {
                        "Bucket": item["b"],
                        "Key": item["k"],
                        "ErrorCode": exc.code,
                        "Reason": exc.message,
                    }
                )
            continue
        if action == "same":
            result.already += 1
        else:
            result.put_back += 1
    return result
