"""Service-side rules for CreateJob and tagging beyond what the model encodes."""

from __future__ import annotations

from typing import Any

from s3bo_cli.errors import BadRequestException, ServiceError, TooManyTagsException
from s3bo_cli.model.arns import bucket_from_arn, split_object_arn
from s3bo_cli.model.manifest import CSV_FORMAT, INVENTORY_FORMAT, fields_problem

MAX_JOB_TAGS = 50


def operation_name(operation: dict[str, Any]) -> str:
    """The single operation a JobOperation names (``S3PutObjectTagging``, ...)."""
    names = [name for name, value in operation.items() if value is not None]
    if len(names) != 1:
        raise BadRequestException(
            f"Exactly one operation must be specified in Operation; got {len(names)}"
            + (f" ({', '.join(names)})" if names else "")
        )
    return names[0]


def check_tags(tags: list[dict[str, str]], *, error: type[ServiceError]) -> None:
    if len(tags) > MAX_JOB_TAGS:
        raise error(f"The tag set has {len(tags)} tags; a job can have at most {MAX_JOB_TAGS}")
    keys = [tag["Key"] for tag in tags]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise BadRequestException(f"Duplicate tag key in the tag set: {duplicates[0]!r}")


def _check_manifest(manifest: dict[str, Any]) -> None:
    spec = manifest["Spec"]
    fields = spec.get("Fields")
    if spec["Format"] == CSV_FORMAT:
        if not fields:
            raise BadRequestException(
                f"Manifest.Spec.Fields is required for the {CSV_FORMAT} format"
            )
        problem = fields_problem(fields)
        if problem:
            raise BadRequestException(f"Manifest.Spec.Fields {problem}")
    elif fields:
        raise BadRequestException(
            f"Manifest.Spec.Fields is not used with the {INVENTORY_FORMAT} format"
        )
    split_object_arn(manifest["Location"]["ObjectArn"])


def _check_report(report: dict[str, Any]) -> None:
    if not report.get("Enabled"):
        return
    for member in ("Bucket", "Format"):
        if not report.get(member):
            raise BadRequestException(f"Report.{member} is required when the report is enabled")
    bucket_from_arn(report["Bucket"])


def _check_operation(name: str, body: dict[str, Any]) -> None:
    if name == "LambdaInvoke":
        schema = body.get("InvocationSchemaVersion", "1.0")
        if schema not in ("1.0", "2.0"):
            raise BadRequestException(f"InvocationSchemaVersion must be 1.0 or 2.0, not {schema!r}")
        if body.get("UserArguments") and schema != "2.0":
            raise BadRequestException("UserArguments requires InvocationSchemaVersion 2.0")
    elif name == "S3PutObjectCopy":
        bucket_from_arn(body["TargetResource"])


def check_create_job(params: dict[str, Any]) -> str:
    """Apply the service's CreateJob rules; returns the operation name."""
    name = operation_name(params["Operation"])
    _check_operation(name, params["Operation"][name])
    manifest, generator = params.get("Manifest"), params.get("ManifestGenerator")
    if manifest and generator:
        raise BadRequestException("Specify either a Manifest or a ManifestGenerator, not both")
    if not manifest and not generator:
        raise BadRequestException("Either a Manifest or a ManifestGenerator is required")
    if manifest:
        _check_manifest(manifest)
    elif generator:
        bucket_from_arn(generator["S3JobManifestGenerator"]["SourceBucket"])
    _check_report(params["Report"])
    check_tags(params.get("Tags", []), error=BadRequestException)
    return name


def check_put_tags(tags: list[dict[str, str]]) -> None:
    check_tags(tags, error=TooManyTagsException)
