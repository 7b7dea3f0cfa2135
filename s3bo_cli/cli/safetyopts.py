"""create-job's safety-net options: before-images, tag merges, AWS snapshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from s3bo_cli.cli.context import AppContext
from s3bo_cli.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def safety_options(command: F) -> F:
    """--no-before-images, --merge-tags and --snapshot."""
    options = (
        click.option(
            "--no-before-images",
            is_flag=True,
            help="Local engine: keep no before-images (faster; the job cannot be reverted). "
            "Also the job tag s3bo:before-images=false.",
        ),
        click.option(
            "--merge-tags",
            is_flag=True,
            help="Local engine, S3PutObjectTagging: add the TagSet to each object's own tags "
            "instead of replacing them. AWS's API cannot express this in one job (it "
            "replaces whole tag sets), so s3bo runs it locally, over the DirStore or any S3 "
            "endpoint (--s3-endpoint-url), and never sends it to AWS.",
        ),
        click.option(
            "--snapshot",
            is_flag=True,
            help="--backend aws: read the state each object is about to lose (ordinary GET "
            "and HEAD requests, your credentials) before submitting, so that `s3bo revert` "
            "can put it back once the job has ended. For a copy: each destination's current "
            "version or its absence (an object overwritten in a bucket without versioning "
            "cannot be put back; s3bo says so).",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def safety_settings(
    app: AppContext,
    request: dict[str, Any],
    engine: dict[str, Any] | None,
    *,
    no_before_images: bool,
    merge_tags: bool,
    snapshot: bool,
) -> dict[str, Any] | None:
    """The before-image and tag-merge settings of a new local job (refused on AWS)."""
    settings = dict(engine or {})
    if snapshot and app.settings.backend != "aws":
        raise UsageError(
            "--snapshot: for --backend aws jobs (local jobs keep before-images themselves)"
        )
    if no_before_images:
        app.local("--no-before-images")
        settings["before_images"] = False
    if merge_tags:
        if app.settings.backend != "local":
            raise UsageError(
                "--merge-tags: AWS Batch Operations replaces each object's whole tag set and "
                "cannot add tags while keeping the others in one job; run it on the local "
                "engine (--backend local, with --s3-endpoint-url for objects in S3)"
            )
        if "S3PutObjectTagging" not in (request.get("Operation") or {}):
            raise UsageError("--merge-tags: only S3PutObjectTagging jobs merge tags")
        settings["merge_tags"] = True
    return settings or None
