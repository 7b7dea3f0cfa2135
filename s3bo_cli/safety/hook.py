"""The runner's one hook: before each task, record what it will replace and pick its function.

``TaskHook(index, entry)`` is called on the task's thread just before the task
runs. It writes the object's before-image to the job's journal (write-ahead:
a crash after it and before the change loses nothing, and the first image of a
task is the one that counts), and returns the function that runs the task:
the job's operation, a tag merge, or a revert's put-back of that object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, cast

from s3bo_cli import ops
from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.safety import images
from s3bo_cli.safety.journal import FramedReader, Journal
from s3bo_cli.stores.base import ObjectStore

BEFORE_IMAGES_TAG = "s3bo:before-images"
JOURNAL = "before-images"


def _tag(record: dict[str, Any], key: str) -> str | None:
    for item in record.get("tags") or ():
        if item.get("Key") == key:
            return str(item.get("Value", ""))
    return None


def kind_of(record: dict[str, Any]) -> str | None:
    """The kind of state the job changes (``t``, ``a``, ``l``, ``r``, ``d``), if revertible."""
    name = next(iter(record["job"]["Operation"]))
    return images.KINDS.get(name)


def records_images(record: dict[str, Any]) -> bool:
    """Whether the job keeps before-images: on by default, off by option or tag."""
    engine = record.get("engine") or {}
    if kind_of(record) is None or engine.get("before_images") is False:
        return False
    if (engine.get("revert") or {}).get("kind") == "d":
        return False  # a copy's revert deletes versions: nothing to put back after it
    return (_tag(record, BEFORE_IMAGES_TAG) or "").lower() not in ("false", "off", "0", "no")


def before_image(store: ObjectStore, kind: str, index: int, entry: ManifestEntry) -> dict[str, Any]:
    """The before-image of task ``index``: the object, its fingerprint, its state of ``kind``."""
    key, version = entry.decoded_key, entry.version_id or None
    both = getattr(store, "head_object_and_tags", None)  # one read where the store has it
    if kind == "t" and both is not None:
        info, state = both(entry.bucket, key, version)
        stamp = images.fingerprint(info.etag, info.version_id)
    else:
        state = images.read_state(store, kind, entry.bucket, key, version)
        stamp = images.object_fingerprint(store, entry.bucket, key, version)
    return {"i": index, "b": entry.bucket, "k": key, "v": version, "f": stamp, "s": state}


def copy_image(
    store: ObjectStore,
    body: dict[str, Any],
    index: int,
    entry: ManifestEntry,
    versioned: dict[str, bool],
) -> dict[str, Any]:
    """The before-image of copy task ``index``: its destination (absent, or version and
    fingerprint) and whether the destination bucket keeps versions (``versioned`` caches it)."""
    from s3bo_cli.model.arns import bucket_from_arn
    from s3bo_cli.ops.copy import target_key

    bucket = bucket_from_arn(body["TargetResource"])
    key = target_key(body.get("TargetKeyPrefix"), entry.decoded_key)
    if bucket not in versioned:
        versioned[bucket] = store.get_bucket_config(bucket).versioning == "Enabled"
    state = {"d": images.destination(store, bucket, key), "w": versioned[bucket]}
    return {"i": index, "b": bucket, "k": key, "v": None, "f": None, "s": state}


class TaskHook:
    """Before-images and per-task functions for one job's run."""

    def __init__(
        self,
        job_dir: Path,
        record: dict[str, Any],
        operation: ops.Operation,
        *,
        repair: bool = True,
    ) -> None:
        #: What a task process needs to build the same hook (picklable).
        self.spec = {
            "job_dir": str(job_dir),
            "record": {k: record.get(k) for k in ("job", "engine", "tags")},
        }
        engine = record.get("engine") or {}
        self.name = next(iter(record["job"]["Operation"]))
        self.body = record["job"]["Operation"][self.name] or {}
        self.kind = kind_of(record)
        self.operation = operation
        if engine.get("merge_tags"):
            from s3bo_cli.safety.merge import merge_tags

            self.operation = merge_tags
        revert = engine.get("revert")
        self.plan = FramedReader(Path(revert["plan"])) if revert else None
        recording = records_images(record)
        # Task processes share the WAL; the runner's process appends only when they do not run.
        journal = Journal(job_dir, JOURNAL)
        self.journal = journal.open(repair=repair, shared=not repair) if recording else None
        self._versioned: dict[str, bool] = {}

    def __call__(self, ctx: ops.TaskContext, index: int, entry: ManifestEntry) -> ops.Operation:
        operation = self.operation
        if self.plan is not None:
            from s3bo_cli.safety.revert import put_back

            item = self.plan.get(index)
            operation = partial(put_back, item=item)
        if self.journal is None:
            return operation
        if self.kind == "d":
            return self._copy(ctx, index, entry, operation)
        if (
            self.kind == "t"
            and self.plan is None
            and getattr(ctx.store, "observes_tag_writes", False)
        ):
            return self._observed(index, entry, operation)
        try:
            image = before_image(ctx.store, self.kind or "", index, entry)
        except S3Error as exc:
            if exc.http_status == 404:
                return operation  # no object: the task fails as the operation itself says
            raise
        self.journal.append(image)
        return operation

    def _observed(
        self, index: int, entry: ManifestEntry, operation: ops.Operation
    ) -> ops.Operation:
        """The task's tag write records the before-image itself, under the object's lock:
        no read of its own, and the ETag of a hand-dropped file is saved with the change."""
        journal = self.journal
        assert journal is not None
        key, version = entry.decoded_key, entry.version_id or None

        def before(etag: str, version_id: str | None, tags: dict[str, str]) -> None:
            stamp = images.fingerprint(etag, version_id)
            journal.append(
                {"i": index, "b": entry.bucket, "k": key, "v": version, "f": stamp, "s": tags}
            )

        def run(ctx: ops.TaskContext, entry: ManifestEntry) -> ops.Outcome:
            store = cast(ObjectStore, _ObservedTagWrites(ctx.store, before))
            # Built directly: dataclasses.replace costs several times more, every task.
            observed = ops.TaskContext(
                store, ctx.job_id, ctx.account_id, ctx.region, ctx.body, ctx.settings
            )
            return operation(observed, entry)

        return run

    def _copy(
        self, ctx: ops.TaskContext, index: int, entry: ManifestEntry, operation: ops.Operation
    ) -> ops.Operation:
        """A copy replaces its destination: record that, and what the copy wrote."""
        image = copy_image(ctx.store, self.body, index, entry, self._versioned)
        bucket, key = image["b"], image["k"]
        journal = self.journal
        assert journal is not None
        journal.append(image)

        def copy_and_record(ctx: ops.TaskContext, entry: ManifestEntry) -> ops.Outcome:
            outcome = operation(ctx, entry)
            journal.append({"x": "A", "i": index, "a": images.destination(ctx.store, bucket, key)})
            return outcome

        return copy_and_record

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()


class _ObservedTagWrites:
    """A store whose tag writes tell ``before`` what they replace; all else as the store."""

    def __init__(self, store: Any, before: Callable[[str, str | None, dict[str, str]], None]):
        self._store = store
        self._before = before

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def put_object_tagging(
        self, bucket: str, key: str, tags: Mapping[str, str], *, version_id: str | None = None
    ) -> None:
        self._store.put_object_tagging(
            bucket, key, tags, version_id=version_id, before=self._before
        )

    def delete_object_tagging(self, bucket: str, key: str, version_id: str | None = None) -> None:
        self._store.delete_object_tagging(bucket, key, version_id, before=self._before)


def task_hook(job_dir: Path, record: dict[str, Any], operation: ops.Operation) -> TaskHook | None:
    """The hook for a job's run, or None when the job needs none (the common fast path)."""
    engine = record.get("engine") or {}
    if not (records_images(record) or engine.get("revert") or engine.get("merge_tags")):
        return None
    return TaskHook(job_dir, record, operation)


def hook_from_spec(spec: dict[str, Any] | None, operation: ops.Operation) -> TaskHook | None:
    """A task process's hook, from :attr:`TaskHook.spec` (the runner's process repairs)."""
    if spec is None:
        return None
    return TaskHook(Path(spec["job_dir"]), spec["record"], operation, repair=False)
