"""ListJobs across every region: jobs are per region, and no API lists them all."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from s3bo_cli.backends.base import Backend
from s3bo_cli.backends.paging import list_all_jobs
from s3bo_cli.errors import S3boError


def list_jobs_all_regions(backend: Backend, params: dict[str, Any]) -> dict[str, Any]:
    """Every page of ListJobs in every region, merged newest first, each job with its Region."""
    backends = {
        region: backend.for_region(region) for region in backend.regions(params["AccountId"])
    }
    if not backends:
        return {"Jobs": []}

    def one(item: tuple[str, Backend]) -> list[dict[str, Any]]:
        region, regional = item
        try:
            jobs = list_all_jobs(regional, params)["Jobs"]
        except S3boError as exc:
            raise S3boError(f"{region}: {exc}") from None
        return [{**job, "Region": region} for job in jobs]

    with ThreadPoolExecutor(max_workers=min(16, len(backends))) as pool:
        merged = [job for jobs in pool.map(one, backends.items()) for job in jobs]
    merged.sort(key=lambda job: str(job.get("CreationTime", "")), reverse=True)
    return {"Jobs": merged}
