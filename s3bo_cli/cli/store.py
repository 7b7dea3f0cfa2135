"""`s3bo store`: look at and fill the object store the local engine works on."""

from __future__ import annotations

import mimetypes
import os
import sys
from pathlib import Path
from typing import Any

import click

from s3bo_cli import config
from s3bo_cli.cli.shellcomplete import complete_files
from s3bo_cli.config import Settings
from s3bo_cli.errors import UsageError
from s3bo_cli.model.arns import split_s3_uri
from s3bo_cli.stores import ObjectInfo, ObjectMetadata, ObjectStore, open_store


def _settings(ctx: click.Context) -> Settings:
    """The settings the root command resolved, or resolve them here."""
    settings = getattr(ctx.obj, "settings", None)
    return settings if isinstance(settings, Settings) else config.resolve()


def _store(ctx: click.Context) -> ObjectStore:
    return open_store(_settings(ctx))


class _Report:
    """What a command tells: ``aws s3``-style lines for people, or the S3 API shape
    (through the one renderer, so ``--output`` and ``--query`` apply) for machines.
    """

    def __init__(self, ctx: click.Context, operation: str, member: str) -> None:
        self.structured = _structured(ctx)
        self.ctx, self.operation, self.member = ctx, operation, member
        self.items: list[dict[str, Any]] = []

    def add(self, line: str, item: dict[str, Any]) -> None:
        if self.structured:
            self.items.append(item)
        else:
            click.echo(line)

    def done(self) -> None:
        if self.structured:
            render_result(self.ctx, {self.member: self.items}, self.operation)


def _structured(ctx: click.Context) -> bool:
    """Machine output asked for: ``--query``, or ``--output json|text`` (the lines are
    already the table a person wants)."""
    settings = _settings(ctx)
    return settings.output in ("json", "text") or settings.query is not None


def _tell(ctx: click.Context, line: str, result: dict[str, Any], operation: str) -> None:
    """One line by default; the API-shaped ``result`` when --output or --query is set."""
    if _structured(ctx):
        render_result(ctx, result, operation)
    else:
        click.echo(line)


def render_result(ctx: click.Context, result: dict[str, Any], operation: str) -> None:
    """Render an API-shaped result as every command does (format, query, colour)."""
    from s3bo_cli.cli.context import AppContext

    app = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext(_settings(ctx))
    app.render(result, operation=operation)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} takes KEY=VALUE, got {value!r}")
        pairs[name] = rest
    return pairs


def head_shape(info: ObjectInfo) -> dict[str, Any]:
    """An object's details in the shape ``aws s3api head-object`` prints."""
    shape: dict[str, Any] = {
        "LastModified": info.last_modified.isoformat(),
        "ContentLength": info.size,
        "ETag": f'"{info.etag}"',
        "VersionId": info.version_id,
        "ContentType": info.metadata.content_type,
        "CacheControl": info.metadata.cache_control,
        "ContentDisposition": info.metadata.content_disposition,
        "ContentEncoding": info.metadata.content_encoding,
        "ContentLanguage": info.metadata.content_language,
        "Metadata": info.metadata.user,
        "StorageClass": info.storage_class,
        "ServerSideEncryption": info.sse.algorithm if info.sse else None,
        "SSEKMSKeyId": info.sse.kms_key_id if info.sse else None,
    }
    for name, value in info.checksums.items():
        shape[f"Checksum{name}"] = value
    if info.restore is not None:
        restore = f'ongoing-request="{str(info.restore.ongoing).lower()}"'
        if info.restore.expiry:
            restore += (
                f', expiry-date="{info.restore.expiry.strftime("%a, %d %b %Y %H:%M:%S GMT")}"'
            )
        shape["Restore"] = restore
    if info.retention is not None:
        shape["ObjectLockMode"] = info.retention.mode
        shape["ObjectLockRetainUntilDate"] = info.retention.retain_until.isoformat()
    if info.legal_hold:
        shape["ObjectLockLegalHoldStatus"] = "ON"
    return {k: v for k, v in shape.items() if v is not None}


@click.group(name="store")
def store() -> None:
    """Buckets and objects of the store the local engine acts on.

    Without --s3-endpoint-url this is a folder per bucket under the state
    directory (a file per object); with it, any S3-compatible endpoint.

    \b
    Example:
      s3bo store mb photos && s3bo store put ./img s3://photos/img/
    """


@store.command(name="mb")
@click.argument("bucket")
@click.option("--versioning", is_flag=True, help="Turn on versioning.")
@click.option("--object-lock", is_flag=True, help="Enable Object Lock (implies versioning).")
@click.pass_context
def make_bucket(ctx: click.Context, bucket: str, versioning: bool, object_lock: bool) -> None:
    """Create a bucket.

    \b
    Example:
      s3bo store mb records --object-lock
    """
    bucket = bucket.removeprefix("s3://").rstrip("/")
    _store(ctx).create_bucket(bucket, versioning=versioning, object_lock=object_lock)
    _tell(ctx, f"make_bucket: {bucket}", {"Location": f"/{bucket}"}, "CreateBucket")


@store.command(name="ls")
@click.argument("target", required=False)
@click.pass_context
def list_(ctx: click.Context, target: str | None) -> None:
    """List buckets, or the objects of a bucket under a prefix.

    \b
    Example:
      s3bo store ls s3://photos/2024/
    """
    object_store = _store(ctx)
    if not target:
        report = _Report(ctx, "ListBuckets", "Buckets")
        for name in object_store.list_buckets():
            report.add(name, {"Name": name})
        report.done()
        return
    bucket, prefix = split_s3_uri(target, need_key=False, bare=True)
    report = _Report(ctx, "ListObjectsV2", "Contents")
    for item in object_store.list_objects(bucket, prefix):
        stamp = item.last_modified.strftime("%Y-%m-%d %H:%M:%S")
        shape = {
            "Key": item.key,
            "LastModified": item.last_modified.isoformat(),
            "ETag": f'"{item.etag}"',
            "Size": item.size,
            "StorageClass": item.storage_class,
        }
        report.add(f"{stamp} {item.size:>10} {item.storage_class:<12} {item.key}", shape)
    report.done()


@store.command(name="put")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("target")
@click.option("--content-type", help="Content type (default: guessed from the file name).")
@click.option("--storage-class", help="STANDARD, STANDARD_IA, GLACIER, DEEP_ARCHIVE, ...")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="An object tag.")
@click.option("--metadata", "user", multiple=True, metavar="KEY=VALUE", help="User metadata.")
@click.pass_context
def put(
    ctx: click.Context,
    source: Path,
    target: str,
    content_type: str | None,
    storage_class: str | None,
    tags: tuple[str, ...],
    user: tuple[str, ...],
) -> None:
    """Upload a file, or a folder recursively, to s3://BUCKET/KEY.

    A target ending in / (or a folder source) is a key prefix.

    \b
    Example:
      s3bo store put report.csv s3://photos/reports/report.csv
    """
    bucket, key = split_s3_uri(target, need_key=False, bare=True)
    object_store = _store(ctx)
    tag_set, metadata = _pairs(tags, "--tag"), _pairs(user, "--metadata")
    if source.is_dir():
        prefix = key if not key or key.endswith("/") else key + "/"
        files = sorted(p for p in source.rglob("*") if p.is_file())
        uploads = [(p, prefix + p.relative_to(source).as_posix()) for p in files]
    else:
        uploads = [(source, key + source.name if not key or key.endswith("/") else key)]
    report = _Report(ctx, "PutObject", "Uploads")
    for path, object_key in uploads:
        guessed = content_type or mimetypes.guess_type(path.name)[0] or "binary/octet-stream"
        with path.open("rb") as body:
            written = object_store.put_object(
                bucket,
                object_key,
                body,
                metadata=ObjectMetadata(content_type=guessed, user=metadata),
                tags=tag_set,
                storage_class=storage_class,
            )
        shape = {"Key": object_key, "ETag": f'"{written.etag}"', "VersionId": written.version_id}
        report.add(f"upload: {path} to s3://{bucket}/{object_key}", shape)
    report.done()


@store.command(name="get")
@click.argument("source")
@click.argument("dest", required=False, shell_complete=complete_files)
@click.option("--version-id", help="A specific version.")
@click.pass_context
def get(ctx: click.Context, source: str, dest: str | None, version_id: str | None) -> None:
    """Download s3://BUCKET/KEY to FILE (default: its name here), or - for stdout.

    \b
    Example:
      s3bo store get s3://photos/reports/report.csv - | head
    """
    bucket, key = split_s3_uri(source, need_key=True, bare=True)
    with _store(ctx).get_object(bucket, key, version_id) as body:
        if dest == "-":
            out = sys.stdout.buffer
            for chunk in body.iter_chunks():
                out.write(chunk)
            out.flush()
            return
        name = key.rsplit("/", 1)[-1]
        path = Path(dest or name)
        if path.is_dir():
            path = path / name
        if name in ("", ".", "..") and (not dest or Path(dest).is_dir()):
            raise UsageError(f"s3://{bucket}/{key} has no file name: give a destination file")
        tmp = path.with_name(f".{path.name}.s3bo-part")
        try:
            with tmp.open("wb") as fh:
                for chunk in body.iter_chunks():
                    fh.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # no half-written file left behind
            raise
    _tell(ctx, f"download: s3://{bucket}/{key} to {path}", head_shape(body.info), "GetObject")


@store.command(name="head")
@click.argument("source")
@click.option("--version-id", help="A specific version.")
@click.pass_context
def head(ctx: click.Context, source: str, version_id: str | None) -> None:
    """Print an object's details in the head-object shape (--output, --query apply).

    \b
    Example:
      s3bo store head s3://photos/reports/report.csv
    """
    bucket, key = split_s3_uri(source, need_key=True, bare=True)
    info = _store(ctx).head_object(bucket, key, version_id)
    render_result(ctx, head_shape(info), "HeadObject")


@store.command(name="rm")
@click.argument("target")
@click.option("--version-id", help="Delete one version for good.")
@click.option("--recursive", is_flag=True, help="Delete every object under the prefix.")
@click.pass_context
def remove(ctx: click.Context, target: str, version_id: str | None, recursive: bool) -> None:
    """Delete an object (in a versioned bucket: add a delete marker).

    \b
    Example:
      s3bo store rm --recursive s3://photos/tmp/
    """
    bucket, key = split_s3_uri(target, need_key=not recursive, bare=True)
    object_store = _store(ctx)
    keys = [o.key for o in object_store.list_objects(bucket, key)] if recursive else [key]
    report = _Report(ctx, "DeleteObjects", "Deleted")
    for object_key in keys:
        deleted = object_store.delete_object(bucket, object_key, version_id=version_id)
        shape = {"Key": object_key, "VersionId": deleted} if deleted else {"Key": object_key}
        report.add(f"delete: s3://{bucket}/{object_key}", shape)
    report.done()
