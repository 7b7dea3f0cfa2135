"""Putting back what a job changed: the plan, the per-object decision, the put-back.

A revert is an ordinary local job (same report, progress, failure threshold) whose
tasks are the objects the reverted job changed, in the order of a *plan*: one
record per object with its before-image ``s``, the state the job left ``a`` and
its fingerprint ``f``. Each task puts ``s`` back only when the object is still
as the job left it; otherwise it fails with the reason, and the object keeps
the newer change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from s3bo_cli import clock
from s3bo_cli.errors import ExitCode, S3boError, S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext
from s3bo_cli.safety import images
from s3bo_cli.safety.journal import FramedReader, Journal
from s3bo_cli.stores.base import ObjectStore

REVERT_TAG = "s3bo:revert-of"
#: s3bo's own error codes for the objects a revert leaves alone.
CHANGED = "ObjectChangedSinceJob"
LOCKED = "RetentionCannotBeShortened"
GONE = "PreviousDataNotKept"
NOTHING = "Nothing to put back: the object is as it was before the job"
_WHAT = {"t": "tags", "a": "ACL", "l": "legal hold", "r": "retention", "d": "object"}


class NotRevertible(S3boError):
    """Why a job cannot be reverted (one line; exit 254, as a job that cannot run)."""

    exit_code = ExitCode.SERVICE


@dataclass
class Source:
    """A job to revert: its before-images and how to tell what it left."""

    job_id: str
    name: str  # the operation
    kind: str
    body: dict[str, Any]
    journal: Journal
    merge: bool = False
    succeeded: bytearray | None = None  # task bitmap; None: every image counts (a snapshot)
    reverted_plan: FramedReader | None = None  # when the job was itself a revert
    #: A copy run by AWS (a snapshot): when the job ended. What it wrote is not recorded,
    #: so a destination last modified by then is taken as the copy's, a later one as newer.
    copied_until: str | None = None

    def after(self, index: int, before: Any) -> Any:
        """The state the job left the object in."""
        if self.reverted_plan is not None:
            return self.reverted_plan.get(index)["s"]
        return images.expected_after(self.name, self.body, before, merge=self.merge)


def _bit(bits: bytearray, index: int) -> bool:
    return index >> 3 < len(bits) and bool(bits[index >> 3] & (1 << (index & 7)))


def _set(bits: bytearray, index: int) -> None:
    if index >> 3 >= len(bits):
        bits.extend(bytes((index >> 3) - len(bits) + 1))
    bits[index >> 3] |= 1 << (index & 7)


def plan_items(source: Source) -> Iterator[dict[str, Any]]:
    """One plan record per object the job changed, first image of each task only."""
    afters: dict[int, Any] = {}
    if source.kind == "d":  # what each copy wrote (the last record of a task wins)
        afters = {r["i"]: r["a"] for r in source.journal.records() if r.get("x") == "A"}
    seen = bytearray()
    for record in source.journal.records():
        index = record["i"]
        if record.get("x") == "A" or _bit(seen, index):
            continue
        _set(seen, index)
        if source.succeeded is not None and not _bit(source.succeeded, index):
            continue
        if source.kind == "d" and source.copied_until is not None:
            after = {"until": source.copied_until}
        elif source.kind == "d":
            if index not in afters:
                continue  # the copy never completed
            after = afters[index]
        else:
            after = source.after(index, record["s"])
        yield {k: record[k] for k in ("b", "k", "v", "f", "s")} | {"a": after}


# -- one object ------------------------------------------------------------------------


def decide(store: ObjectStore, kind: str, item: dict[str, Any]) -> tuple[str, Any]:
    """``("put", current)``, ``("same", current)``, or raises the S3Error of a refusal."""
    if kind == "d":
        return _decide_copy(store, item)
    if item.get("f"):
        try:
            stamp = images.object_fingerprint(store, item["b"], item["k"], item["v"])
        except S3Error as exc:
            if exc.http_status == 404:
                raise _changed(
                    "The object was deleted since the job: nothing to put back"
                ) from None
            raise
        if stamp != item["f"]:
            raise _changed("The object was replaced since the job (another ETag or version)")
    current = images.read_state(store, kind, item["b"], item["k"], item["v"])
    if images.same_state(kind, current, item["s"]):
        return "same", current
    if not images.same_state(kind, current, item["a"]):
        raise _changed(
            f"The object's {_WHAT[kind]} changed since the job: the newer change is kept"
        )
    if kind == "r":
        _check_retention(current, item["s"])
    return "put", current


def _changed(message: str) -> S3Error:
    return S3Error(CHANGED, 409, message)


def _check_retention(current: list[str] | None, before: list[str] | None) -> None:
    now_ = images.retention_from_state(current)
    if now_ is None or now_.mode != "COMPLIANCE" or now_.retain_until <= clock.now():
        return
    old = images.retention_from_state(before)
    if old is None or old.mode != "COMPLIANCE" or old.retain_until < now_.retain_until:
        raise S3Error(
            LOCKED,
            403,
            f"COMPLIANCE retention until {clock.iso(now_.retain_until)} cannot be shortened "
            "or removed: left as it is",
        )


def _decide_copy(store: ObjectStore, item: dict[str, Any]) -> tuple[str, Any]:
    info = images.destination_info(store, item["b"], item["k"])
    current = images.destination_state(info)
    if current == item["s"]["d"]:
        return "same", current
    after = item["a"]
    if isinstance(after, dict):  # a copy run by AWS: what it wrote is known by when
        wrote = info is not None and _by(info.last_modified, after["until"])
    else:
        wrote = current == after
    if not wrote:
        raise _changed("The destination object changed since the job: the newer change is kept")
    if images.unprotected(item["s"]):
        raise S3Error(
            GONE,
            400,
            "The copy overwrote an object in a bucket without versioning: its previous "
            "data is gone",
        )
    return "put", current


def _by(modified: datetime, until: str) -> bool:
    """Written no later than ``until`` (S3 keeps whole seconds of LastModified)."""
    return modified.replace(microsecond=0) <= clock.parse(until)


def put_back(ctx: TaskContext, entry: ManifestEntry, *, item: dict[str, Any]) -> Outcome:
    """The revert job's operation for one object: check, then put its before-image back."""
    kind = str(ctx.settings["revert"]["kind"])
    if (item["b"], item["k"]) != (entry.bucket, entry.decoded_key):
        raise S3Error("InternalError", 500, "The revert plan does not match the task list")
    action, current = decide(ctx.store, kind, item)
    if action == "same":
        return Outcome(message=NOTHING)
    store, bucket, key, version = ctx.store, item["b"], item["k"], item["v"]
    state = item["s"]
    if kind == "t" and not state:  # no tags: some endpoints refuse an empty TagSet
        store.delete_object_tagging(bucket, key, version)
    elif kind == "t":
        store.put_object_tagging(bucket, key, state, version_id=version)
    elif kind == "a":
        acl = images.as_canned(state) or images.acl_from_state(state)
        store.put_object_acl(bucket, key, acl, version_id=version)
    elif kind == "l":
        store.put_object_legal_hold(bucket, key, bool(state), version_id=version)
    elif kind == "r":
        old = images.retention_from_state(state)
        if old is not None and old.retain_until <= clock.now():
            old = None  # an expired date cannot be set again; it protects nothing either
        store.put_object_retention(bucket, key, old, version_id=version, bypass_governance=True)
    elif kind == "d":
        versioned = state["w"]
        store.delete_object(bucket, key, version_id=current[0] if versioned else None)
    return Outcome()


# -- the jobs a revert reads -----------------------------------------------------------


def local_source(job_dir: Path, record: dict[str, Any]) -> Source:
    """The revert source of a local job, or NotRevertible saying why not."""
    from s3bo_cli.engine.tasklog import SUCCEEDED, TaskLog
    from s3bo_cli.safety.hook import JOURNAL, kind_of

    job = record["job"]
    name = next(iter(job["Operation"]))
    engine = record.get("engine") or {}
    revert = engine.get("revert")
    kind = kind_of(record)
    if kind is None:
        raise NotRevertible(f"{name} jobs change nothing s3bo can put back")
    if revert and revert.get("kind") == "d":
        raise NotRevertible("the revert of a copy deleted the copied versions: run the copy again")
    if job["Status"] not in ("Complete", "Failed", "Cancelled"):
        raise NotRevertible(f"the job is {job['Status']}: revert it once it has ended")
    journal = Journal(job_dir, JOURNAL)
    if not journal.exists():
        why = (
            "it was created with --no-before-images"
            if engine.get("before_images") is False
            else "it recorded no before-images"
        )
        raise NotRevertible(f"the job cannot be reverted: {why}")
    succeeded = bytearray()
    for result in TaskLog(job_dir).results():
        if result.status == SUCCEEDED:
            _set(succeeded, result.index)
    return Source(
        job_id=job["JobId"],
        name=name,
        kind=kind,
        body=job["Operation"][name] or {},
        journal=journal,
        merge=bool(engine.get("merge_tags")),
        succeeded=succeeded,
        reverted_plan=FramedReader(Path(revert["plan"])) if revert else None,
    )
