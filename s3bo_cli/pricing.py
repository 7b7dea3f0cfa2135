"""List prices and cost estimates for dry runs, from the one table ``data/prices.json``.

The table holds us-east-1 list prices, their date and their source, the
request class each operation's per-object API call is billed as, and
``regions``: per-region partial tables merged over the us-east-1 prices (same
keys). A region without an entry is estimated at us-east-1 prices, and the
estimate says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

GIB = 1024**3
#: Precision of the amounts in an estimate (dollars).
DIGITS = 8


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The price table shipped with s3bo."""
    text = resources.files("s3bo_cli").joinpath("data/prices.json").read_text(encoding="utf-8")
    return json.loads(text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def for_region(region: str, prices: dict[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """The prices for ``region``, and whether the table has prices of that region."""
    prices = prices if prices is not None else table()
    if region == prices["region"]:
        return prices, True
    override = prices.get("regions", {}).get(region)
    if override is None:
        return prices, False
    return _merge(prices, override), True


@dataclass
class Usage:
    """What a job would do, as a dry run counted it."""

    operation: str
    body: dict[str, Any]
    tasks: int
    manifest_reads: int = 0  # manifest objects the job reads (HEAD for the ETag, then GET)
    listed: int | None = None  # objects a manifest generator lists (None: no generator)
    #: Archived objects a restore job would restore: storage class -> [objects, bytes].
    restores: dict[str, list[int]] = field(default_factory=dict)
    #: The dry run's own reads: label -> (requests, request class); priced apart from the job.
    dry_run_reads: dict[str, tuple[int, str]] = field(default_factory=dict)


def _money(value: float) -> float:
    return round(value, DIGITS)


def _requests(count: int, request_class: str, storage_class: str, prices: dict[str, Any]) -> dict:
    rates = prices["requests_per_1000"]
    price = rates.get(storage_class, rates["STANDARD"])[request_class]
    return {
        "Requests": count,
        "Class": request_class,
        "StorageClass": storage_class,
        "PricePer1000": price,
        "Cost": _money(count / 1000 * price),
    }


def _restore(usage: Usage, prices: dict[str, Any]) -> dict[str, Any]:
    tier = str(usage.body.get("GlacierJobTier") or "STANDARD").upper()
    by_class: dict[str, Any] = {}
    for storage_class, (objects, size) in sorted(usage.restores.items()):
        rate = prices["restore"].get(storage_class, {}).get(tier)
        if rate is None:
            continue
        gib = size / GIB
        by_class[storage_class] = {
            "Requests": objects,
            "GB": round(gib, 6),
            "PricePer1000": rate["per_1000_requests"],
            "PricePerGB": rate["per_gb"],
            "Cost": _money(objects / 1000 * rate["per_1000_requests"] + gib * rate["per_gb"]),
        }
    return {
        "Tier": tier,
        "Requests": sum(item["Requests"] for item in by_class.values()),
        "ByStorageClass": by_class,
        "Cost": _money(sum(item["Cost"] for item in by_class.values())),
    }


def request_charges(usage: Usage, prices: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The request charges by API call, and notes on what is not estimated."""
    charges: dict[str, Any] = {}
    notes: list[str] = []
    if usage.manifest_reads:
        charges["HeadObject (manifest)"] = _requests(
            usage.manifest_reads, "HEAD", "STANDARD", prices
        )
        charges["GetObject (manifest)"] = _requests(usage.manifest_reads, "GET", "STANDARD", prices)
    if usage.listed is not None:
        pages = max(1, math.ceil(usage.listed / 1000))
        charges["ListObjectsV2 (manifest generator)"] = _requests(pages, "LIST", "STANDARD", prices)
    spec = prices["operations"].get(usage.operation)
    if spec is None:
        notes.append(f"no request prices for {usage.operation}")
        return charges, notes
    if spec.get("note"):
        notes.append(f"{spec['api']}: {spec['note']}")
    kind = spec["class"]
    if kind == "LAMBDA":
        rate = prices["lambda"]["per_million_requests"]
        charges[spec["api"]] = {
            "Requests": usage.tasks,
            "PricePerMillion": rate,
            "Cost": _money(usage.tasks / 1e6 * rate),
        }
        notes.append(prices["lambda"]["note"])
    elif kind == "RESTORE":
        charges[spec["api"]] = _restore(usage, prices)
    else:
        target = usage.body.get("StorageClass") if kind == "COPY" else None
        charges[spec["api"]] = _requests(usage.tasks, kind, target or "STANDARD", prices)
    return charges, notes


def estimate(usage: Usage, *, region: str, prices: dict[str, Any] | None = None) -> dict[str, Any]:
    """The EstimatedCost of a dry-run plan: job fee, object operations, request charges."""
    prices, known = for_region(region, prices)
    batch = prices["batch_operations"]
    operations = usage.tasks / 1e6 * batch["per_million_object_operations"]
    charges, notes = request_charges(usage, prices)
    if not known:
        notes.insert(
            0, f"no prices for {region} in the price table: {prices['region']} list prices"
        )
    notes.append("completion report writes (a few PUT requests) are not estimated")
    total = batch["job_fee"] + operations + sum(item["Cost"] for item in charges.values())
    reads = {
        label: _requests(count, kind, "STANDARD", prices)
        for label, (count, kind) in usage.dry_run_reads.items()
        if count
    }
    return {
        "Currency": prices["currency"],
        "JobFee": batch["job_fee"],
        "ObjectOperations": _money(operations),
        "RequestCharges": charges,
        "Total": _money(total),
        "PriceTableDate": prices["date"],
        "PriceTableSource": prices["source"],
        "Region": region,
        "PricesOfRegion": region if known else prices["region"],
        "Notes": notes,
        "DryRunRequests": reads,
        "DryRunCost": _money(sum(item["Cost"] for item in reads.values())),
    }
