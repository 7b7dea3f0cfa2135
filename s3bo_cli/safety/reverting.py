"""``s3bo revert``: from a job id to the revert job (or, with a dry run, its forecast)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s3bo_cli.backends.base import Backend
from s3bo_cli.config import Settings
from s3bo_cli.safety import plan as plans
from s3bo_cli.safety.revert import NotRevertible, Source, local_source
from s3bo_cli.stores.base import ObjectStore
from s3bo_cli.tools import store_errors


def revert_job(
    settings: Settings,
    store: ObjectStore,
    *,
    account_id: str,
    job_id: str,
    location: tuple[str, str] | None = None,
    confirmation_required: bool = False,
    dry_run: bool = False,
    check_limit: int = 10_000,
    backend: Backend | None = None,
) -> dict[str, Any]:
    """Create the job that reverts ``job_id``; with ``dry_run``, say what it would do.

    ``backend`` describes a ``--backend aws`` job (is it over, and when did it end).
    """
    from s3bo_cli.backends.local import LocalBackend

    local = LocalBackend(settings)
    job, source, directory, engine = _source(settings, local, account_id, job_id, backend)
    plan = plans.write_plan(source, directory / "reverts")
    try:
        if plan.count == 0:
            raise NotRevertible(f"job {job_id} changed no object: nothing to revert")
        where = plans.manifest_location(job, location)
        if dry_run:
            forecast = plans.forecast(store, plan, check_limit=check_limit)
            return {"DryRun": True, "RevertOf": job_id, **forecast.as_dict()}
        writer, fields = plan.manifest()
        with writer, store_errors(f"cannot write the revert manifest s3://{where[0]}/{where[1]}"):
            etag = writer.upload(store, *where)
        request = plans.create_request(
            job,
            account_id=account_id,
            manifest=job_manifest(where, etag, fields),
            location=where,
            confirmation_required=confirmation_required,
        )
    except BaseException:
        plan.path.unlink(missing_ok=True)
        raise
    finally:
        if dry_run:
            plan.path.unlink(missing_ok=True)
    return local.create_job(request, engine={**engine, **plans.engine_settings(plan)})


def job_manifest(where: tuple[str, str], etag: str, fields: list[str]) -> dict[str, Any]:
    from s3bo_cli.tools import job_manifest as manifest

    return manifest(where[0], where[1], etag, fields)


def _source(
    settings: Settings, local: Any, account_id: str, job_id: str, backend: Backend | None
) -> tuple[dict[str, Any], Source, Path, dict[str, Any]]:
    """The job, its revert source, where its plans go, and the revert's engine settings."""
    if settings.backend == "aws":
        from s3bo_cli.safety.snapshot import source

        assert backend is not None, "an AWS job's revert describes the job"
        params = {"AccountId": account_id, "JobId": job_id}
        return source(settings, account_id, job_id, lambda: backend.invoke("DescribeJob", params))
    from s3bo_cli.engine.jobstore import JobStore

    jobs = JobStore(local.namespace(account_id))
    record = jobs.load(job_id)
    job_dir = jobs.ns.job_dir(job_id)
    store = (record.get("engine") or {}).get("store")
    return record["job"], local_source(job_dir, record), job_dir, {"store": store} if store else {}
