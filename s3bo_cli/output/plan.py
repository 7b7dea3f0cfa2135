"""`create-job --dry-run` as text: what would run, fail, be lost, and what it costs."""

from __future__ import annotations

from typing import Any

#: What each operation's ``Objects`` count means, for the plain-text plan.
MEANING = {
    "S3PutObjectTagging": "carry tags the new set drops or changes",
    "S3DeleteObjectTagging": "carry tags that would be removed",
    "S3PutObjectAcl": "have grants that would change",
    "S3PutObjectCopy": "destination objects already exist and would be overwritten",
    "S3PutObjectLegalHold": "have a different legal hold now",
    "S3PutObjectRetention": "have different retention settings now",
}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} x{n:,}" for key, n in counts.items())


def loss_lines(operation: str, losses: dict[str, Any], total: int) -> list[str]:
    """Plain-text lines for a plan's ``Losses``."""
    noun = "object" if losses["Objects"] == 1 else "objects"
    if losses["Objects"]:
        lines = [f"Would lose:       {losses['Objects']:,} {noun} {MEANING[operation]}"]
    else:
        lines = ["Would lose:       nothing found"]
    if losses.get("TagKeysDropped"):
        lines.append(f"  tags dropped:   {_counts(losses['TagKeysDropped'])}")
    if losses.get("TagValuesReplaced"):
        lines.append(f"  values changed: {_counts(losses['TagValuesReplaced'])}")
    if operation == "S3PutObjectCopy" and losses["Objects"]:
        if losses["DestinationVersioned"]:
            lines.append("  the destination bucket is versioned: the old versions survive")
        else:
            lines.append("  the destination bucket is not versioned: the old data would be gone")
    if losses["Sampled"]:
        lines.append(
            f"  counted on a sample: the first {losses['ObjectsChecked']:,} of {total:,} "
            "objects (raise --dry-run-check-limit to count them all)"
        )
    return lines


def money(value: float) -> str:
    """Dollars without noise: ``$1.23``, ``$0.25``, ``$0.00617``."""
    if value >= 1:
        return f"${value:,.2f}"
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"${text}" if text != "0" or value == 0 else "<$0.000001"


def _object(item: dict[str, str]) -> str:
    version = f" ({item['VersionId']})" if item.get("VersionId") else ""
    return f"s3://{item['Bucket']}/{item['Key']}{version}"


def _cost_lines(cost: dict[str, Any]) -> list[str]:
    lines = [
        f"Estimated cost:   {money(cost['Total'])} {cost['Currency']} "
        f"({cost['PricesOfRegion']} list prices of {cost['PriceTableDate']})",
        f"  {'Job fee':<40} {money(cost['JobFee'])}",
        f"  {'Object operations':<40} {money(cost['ObjectOperations'])}",
    ]
    for api, charge in cost["RequestCharges"].items():
        label = f"{api} ({charge['Class']})" if "Class" in charge else api
        count = charge["Requests"]
        noun = "request" if count == 1 else "requests"
        lines.append(f"  {label:<40} {money(charge['Cost'])}  ({count:,} {noun})")
    lines += [f"  note: {note}" for note in cost["Notes"]]
    reads = cost.get("DryRunRequests") or {}
    if reads:
        counts = ", ".join(f"{charge['Requests']:,} {api}" for api, charge in reads.items())
        lines.append(f"This dry run's reads: {money(cost['DryRunCost'])} ({counts})")
    return lines


def render_plan_lines(plan: dict[str, Any]) -> list[str]:
    """A plain-text summary of a :func:`plan` result."""
    lines = [
        f"Operation:        {plan['Operation']}",
        f"Tasks:            {plan['TotalTasks']:,}",
        f"Checked:          {plan['ObjectsChecked']:,} objects (limit {plan['CheckLimit']:,})",
    ]
    for number, sample in enumerate(plan["SampleKeys"]):
        lines.append(f"{'Sample:' if number == 0 else '':<18}{_object(sample)}")
    counts = plan["LikelyFailureCounts"]
    if counts:
        by_code = ", ".join(f"{code} {n:,}" for code, n in counts.items())
        lines.append(f"Likely failures:  {sum(counts.values()):,} ({by_code})")
        lines += [
            f"  {_object(f)}  {f['ErrorCode']}: {f['Reason']}" for f in plan["LikelyFailures"]
        ]
    else:
        lines.append("Likely failures:  none found")
    for error in plan["ManifestErrors"]:
        lines.append(f"Manifest error:   {error['Code']}: {error['Reason']}")
    if "Losses" in plan:
        lines += loss_lines(plan["Operation"], plan["Losses"], plan["TotalTasks"])
    lines += [f"Warning:          {warning}" for warning in plan["Warnings"]]
    return lines + _cost_lines(plan["EstimatedCost"])
