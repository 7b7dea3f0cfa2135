"""The price table and the cost arithmetic, against hand-computed numbers."""

from __future__ import annotations

import copy
import re

import pytest

from s3bo_cli import ops, pricing
from s3bo_cli.pricing import GIB, Usage

MILLION = 1_000_000


def total(operation: str, body: dict | None = None, **usage) -> float:
    return pricing.estimate(Usage(operation, body or {}, **usage), region="us-east-1")["Total"]


def test_the_table_ships_as_package_data_with_its_date_and_source():
    table = pricing.table()
    assert table["region"] == "us-east-1" and table["currency"] == "USD"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", table["date"])
    assert "https://aws.amazon.com/s3/pricing/" in table["source"]
    assert table["batch_operations"] == {"job_fee": 0.25, "per_million_object_operations": 1.0}
    assert set(ops.REGISTRY) <= set(table["operations"])  # every operation has a price


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        # $0.25 job + $1.00 per million operations + the per-object request
        ("S3PutObjectTagging", {}, 0.25 + 1.00 + 1000 * 0.005),
        ("S3PutObjectAcl", {}, 0.25 + 1.00 + 1000 * 0.005),
        ("S3DeleteObjectTagging", {}, 0.25 + 1.00),  # DELETE requests are free
        ("S3PutObjectCopy", {}, 0.25 + 1.00 + 1000 * 0.005),
        ("S3PutObjectCopy", {"StorageClass": "GLACIER"}, 0.25 + 1.00 + 1000 * 0.03),
        ("S3PutObjectCopy", {"StorageClass": "STANDARD_IA"}, 0.25 + 1.00 + 1000 * 0.01),
        ("LambdaInvoke", {}, 0.25 + 1.00 + 0.20),
        ("S3ComputeObjectChecksum", {}, 0.25 + 1.00 + 1000 * 0.0004),
    ],
)
def test_a_million_object_job(operation, body, expected):
    assert total(operation, body, tasks=MILLION) == pytest.approx(expected)


def test_small_jobs_are_dominated_by_the_job_fee():
    cost = pricing.estimate(
        Usage("S3PutObjectTagging", {}, tasks=14, manifest_reads=1), region="us-east-1"
    )
    assert cost["ObjectOperations"] == pytest.approx(14 / MILLION)
    charges = cost["RequestCharges"]
    assert charges["PutObjectTagging"]["Cost"] == pytest.approx(14 / 1000 * 0.005)
    assert charges["HeadObject (manifest)"]["Cost"] == pytest.approx(0.0004 / 1000)
    assert charges["GetObject (manifest)"]["Cost"] == pytest.approx(0.0004 / 1000)
    assert cost["Total"] == pytest.approx(0.2500848)


def test_a_manifest_generator_pays_for_its_listing():
    cost = pricing.estimate(Usage("S3PutObjectTagging", {}, tasks=2500, listed=2500), region="x")
    listing = cost["RequestCharges"]["ListObjectsV2 (manifest generator)"]
    assert (listing["Requests"], listing["Class"]) == (3, "LIST")  # 1,000 keys per page
    assert listing["Cost"] == pytest.approx(3 * 0.005 / 1000)


@pytest.mark.parametrize(
    ("tier", "glacier", "deep"),
    [
        ("STANDARD", (0.05, 0.01), (0.10, 0.02)),
        ("BULK", (0.0, 0.0), (0.025, 0.0025)),
    ],
)
def test_restores_by_storage_class_and_tier(tier, glacier, deep):
    restores = {"GLACIER": [2000, 500 * GIB], "DEEP_ARCHIVE": [1000, 100 * GIB]}
    cost = pricing.estimate(
        Usage("S3InitiateRestoreObject", {"GlacierJobTier": tier}, tasks=3000, restores=restores),
        region="us-east-1",
    )
    restore = cost["RequestCharges"]["RestoreObject"]
    expected_glacier = 2 * glacier[0] + 500 * glacier[1]
    expected_deep = 1 * deep[0] + 100 * deep[1]
    assert restore["Tier"] == tier
    assert restore["ByStorageClass"]["GLACIER"]["Cost"] == pytest.approx(expected_glacier)
    assert restore["ByStorageClass"]["DEEP_ARCHIVE"]["Cost"] == pytest.approx(expected_deep)
    assert restore["ByStorageClass"]["GLACIER"]["GB"] == 500
    assert cost["Total"] == pytest.approx(0.25 + 0.003 + expected_glacier + expected_deep)


def test_lambda_duration_is_not_estimated():
    cost = pricing.estimate(Usage("LambdaInvoke", {}, tasks=10), region="us-east-1")
    assert cost["RequestCharges"]["Invoke"] == {
        "Requests": 10,
        "PricePerMillion": 0.2,
        "Cost": pytest.approx(2e-6),
    }
    assert any("duration" in note for note in cost["Notes"])


def test_region_overrides_merge_over_the_us_east_1_prices():
    prices = copy.deepcopy(pricing.table())
    prices["regions"]["eu-west-1"] = {
        "batch_operations": {"job_fee": 0.3},
        "requests_per_1000": {"STANDARD": {"PUT": 0.0054}},
    }
    cost = pricing.estimate(
        Usage("S3PutObjectTagging", {}, tasks=MILLION, manifest_reads=1),
        region="eu-west-1",
        prices=prices,
    )
    assert cost["JobFee"] == 0.3
    assert cost["RequestCharges"]["PutObjectTagging"]["Cost"] == pytest.approx(5.4)
    assert cost["RequestCharges"]["GetObject (manifest)"]["PricePer1000"] == 0.0004
    assert cost["Total"] == pytest.approx(0.3 + 1.0 + 5.4 + 0.0008 / 1000)
    assert (cost["Region"], cost["PricesOfRegion"]) == ("eu-west-1", "eu-west-1")


def test_a_region_without_prices_is_estimated_at_us_east_1_prices_and_says_so():
    cost = pricing.estimate(Usage("S3PutObjectTagging", {}, tasks=1), region="ap-south-2")
    assert (cost["Region"], cost["PricesOfRegion"]) == ("ap-south-2", "us-east-1")
    assert cost["Notes"][0].startswith("no prices for ap-south-2")
    assert cost["PriceTableDate"] == pricing.table()["date"]
