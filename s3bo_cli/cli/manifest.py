"""`s3bo manifest lint|make`: check a CSV manifest, or build one from a listing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from s3bo_cli.cli.context import AppContext, pass_app
from s3bo_cli.cli.shellcomplete import complete_files
from s3bo_cli.errors import UsageError

if TYPE_CHECKING:
    from s3bo_cli.stores.base import ObjectStore
    from s3bo_cli.tools import ManifestWriter


@click.group("manifest")
def manifest() -> None:
    """Check and build CSV manifests for jobs.

    The format is S3BatchOperations_CSV_20180820: Bucket,Key[,VersionId] per
    line, keys URL-encoded.

    \b
    Example:
      s3bo manifest make s3://photos/2024/ --suffix .jpg -o s3://manifests/jpgs.csv
      s3bo manifest lint s3://manifests/jpgs.csv
    """


def _fields(value: str) -> list[str]:
    from s3bo_cli.tools.lint import check_fields

    try:
        return check_fields([f.strip() for f in value.split(",") if f.strip()])
    except ValueError as exc:
        raise UsageError(f"--fields: {exc}") from None


def _source_lines(app: AppContext, source: str) -> Iterator[bytes]:
    from s3bo_cli.model.arns import split_s3_uri
    from s3bo_cli.model.lines import body_lines
    from s3bo_cli.stores import open_store

    if source.startswith("s3://"):
        bucket, key = split_s3_uri(source)
        return body_lines(open_store(app.settings).get_object(bucket, key))
    return _file_lines(source)


def _file_lines(path: str) -> Iterator[bytes]:
    try:
        with click.open_file(path, "rb") as fh:
            yield from fh
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


@manifest.command("lint")
@click.argument("source", metavar="FILE|s3://BUCKET/KEY|-", shell_complete=complete_files)
@click.option(
    "--fields",
    default="Bucket,Key",
    show_default=True,
    help="The manifest's Spec.Fields, comma separated (Ignore, Bucket, Key, VersionId).",
)
@click.option(
    "--max-findings",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="List at most this many findings per code (counts are always complete).",
)
@click.option("--strict", is_flag=True, help="Warnings fail the check too (exit 1).")
@pass_app
def lint(app: AppContext, source: str, fields: str, max_findings: int, strict: bool) -> None:
    """Find what would make a job fail or misbehave, line by line.

    Errors: not-utf8, csv-syntax, header-row, column-count, invalid-bucket,
    empty-key, key-not-encoded, key-too-long, empty-version-id,
    version-id-whitespace, empty-manifest. Warnings: key-double-encoded,
    key-plus, extra-columns, duplicate, mixed-buckets, blank-line, bom, crlf.
    Exit 0 without errors, 1 with errors (or, with --strict, any finding).

    \b
    Example:
      s3bo manifest lint manifest.csv
      s3bo manifest lint s3://manifests/m.csv --fields Bucket,Key,VersionId --strict
    """
    from s3bo_cli.tools.lint import lint_manifest

    wanted = _fields(fields)
    result = lint_manifest(_source_lines(app, source), wanted, max_findings=max_findings)
    app.render({"Source": source, **result.to_dict()}, operation="ManifestLint")
    if result.failed(strict=strict):
        click.get_current_context().exit(1)


@manifest.command("make")
@click.argument("source", metavar="s3://BUCKET[/PREFIX]")
@click.option(
    "-o",
    "--output-location",
    required=True,
    metavar="s3://BUCKET/KEY|FILE|-",
    shell_complete=complete_files,
    help="Where to write the manifest.",
)
@click.option("--suffix", "suffixes", multiple=True, help="Only keys ending so (repeatable).")
@click.option("--min-size", type=click.IntRange(min=0), help="Only objects of at least N bytes.")
@click.option("--max-size", type=click.IntRange(min=0), help="Only objects of at most N bytes.")
@click.option("--modified-after", metavar="ISO", help="Only objects modified after this time.")
@click.option("--modified-before", metavar="ISO", help="Only objects modified before this time.")
@click.option(
    "--storage-class", "storage_classes", multiple=True, help="Only this class (repeatable)."
)
@click.option(
    "--versions", is_flag=True, help="Add each object's current VersionId (one HEAD each)."
)
@pass_app
def make(
    app: AppContext,
    source: str,
    output_location: str,
    suffixes: tuple[str, ...],
    min_size: int | None,
    max_size: int | None,
    modified_after: str | None,
    modified_before: str | None,
    storage_classes: tuple[str, ...],
    versions: bool,
) -> None:
    """List objects into a CSV manifest (keys URL-encoded), ready for create-job.

    Prints Bucket, Key, ETag, Count, Fields and ManifestArgument (a ready
    --manifest value) for an s3:// destination; File, ETag and Count for a
    file; nothing for -.

    \b
    Example:
      s3bo manifest make s3://photos/2024/ --suffix .jpg --min-size 1 \\
        -o s3://manifests/jpgs.csv
      s3bo create-job ... --manifest "$(s3bo --query ManifestArgument \\
        --output text manifest make s3://photos -o s3://manifests/all.csv)"
    """
    from s3bo_cli.model.arns import split_s3_uri
    from s3bo_cli.stores import open_store
    from s3bo_cli.tools import makemanifest as mm

    selection = mm.ObjectFilter(
        suffixes=suffixes,
        min_size=min_size,
        max_size=max_size,
        modified_after=_time("--modified-after", modified_after),
        modified_before=_time("--modified-before", modified_before),
        storage_classes=storage_classes,
    )
    bucket, prefix = split_s3_uri(source, need_key=False)
    store = open_store(app.settings)
    with mm.build(store, bucket, prefix, selection=selection, versions=versions) as built:
        result = _deliver(built, output_location, store, mm.fields(versions))
    if result is not None:
        app.render(result, operation="ManifestMake")


def _time(flag: str, value: str | None) -> datetime | None:
    from s3bo_cli.tools.makemanifest import parse_time

    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise UsageError(f"{flag}: not an ISO 8601 date or time: {value!r}") from None


def _deliver(
    built: ManifestWriter, destination: str, store: ObjectStore, fields: list[str]
) -> dict[str, Any] | None:
    """Upload or write the manifest; what to print about it (None for stdout)."""
    from s3bo_cli.model.arns import split_s3_uri
    from s3bo_cli.tools import job_manifest

    if destination.startswith("s3://"):
        bucket, key = split_s3_uri(destination)
        etag = built.upload(store, bucket, key)
        argument = json.dumps(job_manifest(bucket, key, etag, fields), separators=(",", ":"))
        return {
            "Bucket": bucket,
            "Key": key,
            "ETag": etag,
            "Count": built.count,
            "Fields": fields,
            "ManifestArgument": argument,
        }
    with click.open_file(destination, "wb") as out:
        built.copy_to(out)
    if destination == "-":
        return None
    return {"File": destination, "ETag": built.etag, "Count": built.count, "Fields": fields}
