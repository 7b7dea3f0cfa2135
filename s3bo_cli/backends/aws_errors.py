"""botocore's exceptions, translated into s3bo's error hierarchy in one place.

Service errors keep their code and HTTP status (exit 254); missing, partial or
expired credentials and unknown profiles are configuration errors (exit 253);
an unreachable endpoint is a one-line error (exit 255); botocore's own
parameter validation becomes :class:`s3bo_cli.errors.ParamValidationError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from s3bo_cli.errors import (
    ConfigError,
    ParamValidationError,
    S3boError,
    service_error,
)

#: Service error codes that mean "your credentials are stale", not "your request is wrong".
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"})
NO_CREDENTIALS = (
    'Unable to locate credentials. You can configure credentials by running "aws configure".'
)


def translate(exc: Exception, operation: str | None = None) -> S3boError | None:
    """The s3bo error for a botocore exception, or None for anything else."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or exc)
        if code in EXPIRED_CODES:
            return ConfigError(f"the AWS credentials have expired ({code}): {message}")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return service_error(
            code, message, http_status=status, operation=operation or exc.operation_name
        )
    if isinstance(exc, bx.NoCredentialsError):
        return ConfigError(NO_CREDENTIALS)
    if isinstance(exc, bx.ParamValidationError):
        lines = str(exc.kwargs.get("report", "")).splitlines() or [str(exc)]
        return ParamValidationError([line for line in lines if line.strip()])
    if isinstance(
        exc,
        (
            bx.PartialCredentialsError,
            bx.ProfileNotFound,
            bx.CredentialRetrievalError,
            bx.TokenRetrievalError,
            bx.SSOError,
            bx.NoRegionError,
            bx.InvalidRegionError,
            bx.ConfigParseError,
            bx.InvalidConfigError,
            bx.RefreshWithMFAUnsupportedError,
        ),
    ):
        return ConfigError(str(exc))
    if isinstance(exc, bx.EndpointResolutionError):
        return ParamValidationError([str(exc)])
    if isinstance(exc, bx.BotoCoreError):  # unreachable endpoint or proxy, timeouts, ...
        return S3boError(str(exc))
    return None


@contextmanager
def translated(operation: str | None = None) -> Iterator[None]:
    """Run a block that calls botocore; its exceptions leave as s3bo errors."""
    try:
        yield
    except S3boError:
        raise
    except Exception as exc:
        error = translate(exc, operation)
        if error is None:
            raise
        raise error from exc
