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


#: Width of the labels of the plan's main lines ("Likely failures:  ").
LABEL = 18
#: Width of the labels of the cost breakdown.
COST_LABEL = 41

#: A line of the plan: its label, padded (the text before the value), and its value.
Row = tuple[str, str]


def _row(label: str, value: str, *, indent: str = "", width: int = LABEL) -> Row:
    return f"{indent}{label:<{width}}", value


def loss_rows(operation: str, losses: dict[str, Any], total: int) -> list[Row]:
    """The lines of a plan's ``Losses``."""
    noun = "object" if losses["Objects"] == 1 else "objects"
    if losses["Objects"]:
        rows = [_row("Would lose:", f"{losses['Objects']:,} {noun} {MEANING[operation]}")]
    else:
        rows = [_row("Would lose:", "nothing found")]
    if losses.get("TagKeysDropped"):
        rows.append(_row("tags dropped:", _counts(losses["TagKeysDropped"]), indent="  ", width=16))
    if losses.get("TagValuesReplaced"):
        replaced = _counts(losses["TagValuesReplaced"])
        rows.append(_row("values changed:", replaced, indent="  ", width=16))
    if operation == "S3PutObjectCopy" and losses["Objects"]:
        if losses["DestinationVersioned"]:
            rows.append(("  ", "the destination bucket is versioned: the old versions survive"))
        else:
            rows.append(
                ("  ", "the destination bucket is not versioned: the old data would be gone")
            )
    if losses["Sampled"]:
        rows.append(
            (
                "  ",
                f"counted on a sample: the first {losses['ObjectsChecked']:,} of {total:,} "
                "objects (raise --dry-run-check-limit to count them all)",
            )
        )
    return rows


def money(value: float) -> str:
    """Dollars without noise: ``$1.23``, ``$0.25``, ``$0.00617``."""
    if value >= 1:
        return f"${value:,.2f}"
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"${text}" if text != "0" or value == 0 else "<$0.000001"


def _object(item: dict[str, str]) -> str:
    version = f" ({item['VersionId']})" if item.get("VersionId") else ""
    return f"s3://{item['Bucket']}/{item['Key']}{version}"


def _cost_rows(cost: dict[str, Any]) -> list[Row]:
    rows = [
        _row(
            "Estimated cost:",
            f"{money(cost['Total'])} {cost['Currency']} "
            f"({cost['PricesOfRegion']} list prices of {cost['PriceTableDate']})",
        ),
        _row("Job fee", money(cost["JobFee"]), indent="  ", width=COST_LABEL),
        _row("Object operations", money(cost["ObjectOperations"]), indent="  ", width=COST_LABEL),
    ]
    for api, charge in cost["RequestCharges"].items():
        label = f"{api} ({charge['Class']})" if "Class" in charge else api
        count = charge["Requests"]
        noun = "request" if count == 1 else "requests"
        value = f"{money(charge['Cost'])}  ({count:,} {noun})"
        rows.append(_row(label, value, indent="  ", width=COST_LABEL))
    rows += [("  note: ", note) for note in cost["Notes"]]
    reads = cost.get("DryRunRequests") or {}
    if reads:
        counts = ", ".join(f"{charge['Requests']:,} {api}" for api, charge in reads.items())
        rows.append(("This dry run's reads: ", f"{money(cost['DryRunCost'])} ({counts})"))
    return rows


def plan_rows(plan: dict[str, Any]) -> list[Row]:
    """The lines of a :func:`s3bo_cli.dryrun.plan` result, label and value apart."""
    rows = [
        _row("Operation:", plan["Operation"]),
        _row("Tasks:", f"{plan['TotalTasks']:,}"),
        _row("Checked:", f"{plan['ObjectsChecked']:,} objects (limit {plan['CheckLimit']:,})"),
    ]
    for number, sample in enumerate(plan["SampleKeys"]):
        rows.append(_row("Sample:" if number == 0 else "", _object(sample)))
    counts = plan["LikelyFailureCounts"]
    if counts:
        by_code = ", ".join(f"{code} {n:,}" for code, n in counts.items())
        rows.append(_row("Likely failures:", f"{sum(counts.values()):,} ({by_code})"))
        rows += [
            (f"  {_object(f)}  ", f"{f['ErrorCode']}: {f['Reason']}")
            for f in plan["LikelyFailures"]
        ]
    else:
        rows.append(_row("Likely failures:", "none found"))
    for error in plan["ManifestErrors"]:
        rows.append(_row("Manifest error:", f"{error['Code']}: {error['Reason']}"))
    if "Losses" in plan:
        rows += loss_rows(plan["Operation"], plan["Losses"], plan["TotalTasks"])
    rows += [_row("Warning:", warning) for warning in plan["Warnings"]]
    return rows + _cost_rows(plan["EstimatedCost"])


def render_plan_lines(plan: dict[str, Any]) -> list[str]:
    """A plain-text summary of a :func:`s3bo_cli.dryrun.plan` result."""
    return [label + value for label, value in plan_rows(plan)]


def fit_rows(rows: list[Row], width: int) -> list[str]:
    """The rows as lines of at most ``width``, no word split.

    A row too long for one line puts its label on a line of its own and its
    value below, indented and wrapped at spaces (beside a short label, with a
    hanging indent); a single word longer than the line stays whole (the
    terminal wraps it, a copy gets it back).
    """
    lines: list[str] = []
    for label, value in rows:
        if len(label) + len(value) <= width:
            lines.append(label + value)
            continue
        words = value.split() or [""]
        if len(label) <= width // 3 and max(map(len, words)) <= width - len(label):
            lines += _wrap(value, width, first=label, rest=" " * len(label))  # beside its label
            continue
        if label.strip():
            lines.append(label.rstrip())
        indent = " " * (len(label) - len(label.lstrip()) + 2 if label.strip() else 2)
        lines += _wrap(value, width, first=indent, rest=indent)  # below its label
    return lines


def _wrap(value: str, width: int, *, first: str, rest: str) -> list[str]:
    """``value`` wrapped at spaces only (a longer word stays whole on its own line)."""
    import textwrap

    wrapped = textwrap.wrap(
        value,
        width=max(len(first) + 1, width),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapped or [first.rstrip()]
