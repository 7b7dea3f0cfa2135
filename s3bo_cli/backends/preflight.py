"""CreateJob's preflight: the steps both backends take before they create a job.

1. an idempotency token left out is filled in, as botocore does;
2. a manifest ETag left out is looked up (HeadObject on the backend's object store);
3. with ``lint``, a CSV manifest with errors is refused (exit 252): the service
   would accept it and fail the job later;
4. with ``dry_run``, the job is planned (:mod:`s3bo_cli.dryrun`) instead of created;
5. with ``snapshot``, each object's state is read first, for ``s3bo revert``.

The object store is opened only when a step needs it, so a complete request
(as `s3bo serve` receives from the aws CLI) costs nothing more.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from s3bo_cli import validation
from s3bo_cli.config import Settings
from s3bo_cli.dryrun import DEFAULT_CHECK_LIMIT
from s3bo_cli.errors import S3boError, S3Error, UsageError
from s3bo_cli.model.arns import split_object_arn
from s3bo_cli.model.manifest import CSV_FORMAT
from s3bo_cli.stores.base import ObjectStore


@dataclass(frozen=True)
class Preflight:
    """What CreateJob checks before it creates: by default, only what the service needs."""

    lint: bool = False
    dry_run: bool = False
    check_limit: int = DEFAULT_CHECK_LIMIT
    merge_tags: bool = False  # the dry run counts losses as a tag merge
    snapshot: bool = False  # before-images read before creating (AWS jobs)


def check_client_side(request: dict[str, Any]) -> None:
    """botocore's client-side checks, allowing the one member s3bo fills in: the ETag."""
    probe = request
    location = (request.get("Manifest") or {}).get("Location")
    if isinstance(location, dict) and "ETag" not in location:
        probe = copy.deepcopy(request)
        probe["Manifest"]["Location"]["ETag"] = "looked-up"
    validation.check_client_side(
        "CreateJob", validation.with_idempotency_tokens("CreateJob", probe)
    )


def create_job(
    settings: Settings,
    request: dict[str, Any],
    preflight: Preflight | None,
    create: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Run the preflight, then ``create(request)``; with ``dry_run``, the plan instead.

    The object store is the one ``settings`` name (the AWS backend's: S3).
    """
    from s3bo_cli.backends.etag import fill_manifest_etag, manifest_object
    from s3bo_cli.stores import open_store

    preflight = preflight or Preflight()
    store = cache(lambda: open_store(settings))
    request = validation.with_idempotency_tokens("CreateJob", request)
    if manifest_object(request) is not None:
        request = fill_manifest_etag(request, store())
    if preflight.lint:
        lint(request, store)
    if preflight.dry_run:
        from s3bo_cli import dryrun

        return dryrun.plan(
            settings,
            request,
            store=store(),
            check_limit=preflight.check_limit,
            merge_tags=preflight.merge_tags,
        )
    if preflight.snapshot:
        from s3bo_cli.safety.snapshot import create_with_snapshot

        return create_with_snapshot(settings, store(), request, create)
    return create(request)


def lint(request: dict[str, Any], store: Callable[[], ObjectStore]) -> None:
    """Refuse a CSV manifest with errors, as `s3bo manifest lint` reports them.

    Catching them here costs one read of the manifest. An unreadable manifest
    is left to the job, which fails with the service's reason.
    """
    manifest = request.get("Manifest")
    if not manifest or manifest["Spec"].get("Format") != CSV_FORMAT:
        return
    from s3bo_cli.tools.lint import lint_object

    try:
        bucket, key = split_object_arn(manifest["Location"]["ObjectArn"])
        result = lint_object(
            store(),
            bucket,
            key,
            manifest["Spec"].get("Fields") or ("Bucket", "Key"),
            version_id=manifest["Location"].get("ObjectVersionId"),
            max_findings=1,
            duplicates=False,  # keeps memory flat; duplicates are only a warning
        )
    except (S3Error, S3boError):
        return
    errors = [f for f in result.findings if f.severity == "error"]
    if errors:
        first = errors[0]
        raise UsageError(
            f"manifest s3://{bucket}/{key} line {first.line}: {first.code}: {first.message} "
            f"({result.errors} error(s); see `s3bo manifest lint`, or pass --no-lint)"
        )
