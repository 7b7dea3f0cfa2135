"""ListJobs across every region: jobs are per region, and no API lists them all."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from s3bo_cli.backends.base import Backend
from s3bo_cli.backends.paging import list_all_jobs
from s3bo_cli.config import Settings
from s3bo_cli.errors import S3boError


def _backends(backend: Backend, settings: Settings, account_id: str) -> dict[str, Backend]:
    if settings.backend == "local":
        from s3bo_cli.backends.local import LocalBackend

        assert isinstance(backend, LocalBackend)
        return {region: backend.for_region(region) for region in backend.regions(account_id)}
    from s3bo_cli.backends.aws import AwsBackend

    return {
        region: AwsBackend(dataclasses.replace(settings, region=region))
        for region in enabled_regions(backend)
    }


def enabled_regions(backend: Any) -> list[str]:
    """The account's enabled regions (EC2 DescribeRegions), else every S3 Control region."""
    session = backend.session()
    try:
        reply = session.client("ec2", region_name=backend.settings.region).describe_regions()
        return sorted(r["RegionName"] for r in reply["Regions"])
    except Exception:  # no ec2:DescribeRegions permission: fall back to the SDK's list
        return sorted(session.get_available_regions("s3control"))


def list_jobs_all_regions(
    backend: Backend, settings: Settings, params: dict[str, Any]
) -> dict[str, Any]:
    """Every page of ListJobs in every region, merged newest first, each job with its Region."""
    backends = _backends(backend, settings, params["AccountId"])
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
