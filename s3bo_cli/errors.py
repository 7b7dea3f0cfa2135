"""One error hierarchy, named like the service's errors.

Each class knows its AWS error code, its HTTP status (for ``s3bo serve``) and
its exit code (for the CLI, using the aws CLI v2 values). The CLI and the
server each translate these in exactly one place.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, as the aws CLI v2 uses them."""

    OK = 0
    JOB_FAILED = 1  # `s3bo wait` / `watch`: a job ended Failed
    JOB_CANCELLED = 2  # ... a job ended Cancelled
    TIMED_OUT = 3  # `s3bo wait --timeout` ran out
    USAGE = 252  # bad command line or parameter
    CONFIG = 253  # configuration or credentials problem
    SERVICE = 254  # the service (or the local engine) returned an error
    OTHER = 255
    INTERRUPTED = 130


class S3boError(Exception):
    """Base of every error s3bo reports to a user."""

    exit_code: ExitCode = ExitCode.OTHER

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(S3boError):
    """A command-line value s3bo could not parse (bad JSON, unknown shorthand)."""

    exit_code = ExitCode.USAGE


class ParamValidationError(S3boError):
    """Client-side parameter validation, as botocore does before sending."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Parameter validation failed: " + "; ".join(problems))


class ConfigError(S3boError):
    """The configuration file, profile or credentials are missing or invalid."""

    exit_code = ExitCode.CONFIG


class StateError(S3boError):
    """A file in the state directory is corrupt, foreign or unreadable."""

    exit_code = ExitCode.OTHER


class StatePermissionError(StateError):
    """A file in the state directory this user may not read or write.

    Never skipped like a corrupt file: what cannot be read is not absent.
    """


class ServiceError(S3boError):
    """An error the S3 Control service (or the local engine) returns."""

    exit_code = ExitCode.SERVICE
    code: str = "InternalServiceException"
    http_status: int = 500

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        self.operation = operation

    def __str__(self) -> str:
        where = f" when calling the {self.operation} operation" if self.operation else ""
        return f"An error occurred ({self.code}){where}: {self.message}"


class BadRequestException(ServiceError):
    code, http_status = "BadRequestException", 400


class InvalidRequestException(ServiceError):
    code, http_status = "InvalidRequestException", 400


class InvalidNextTokenException(ServiceError):
    code, http_status = "InvalidNextTokenException", 400


class JobStatusException(ServiceError):
    code, http_status = "JobStatusException", 409


class IdempotencyException(ServiceError):
    code, http_status = "IdempotencyException", 409


class NotFoundException(ServiceError):
    code, http_status = "NotFoundException", 404


class TooManyTagsException(ServiceError):
    code, http_status = "TooManyTagsException", 400


class TooManyRequestsException(ServiceError):
    code, http_status = "TooManyRequestsException", 429


class InternalServiceException(ServiceError):
    code, http_status = "InternalServiceException", 500


SERVICE_ERRORS: dict[str, type[ServiceError]] = {
    cls.code: cls
    for cls in (
        BadRequestException,
        InvalidRequestException,
        InvalidNextTokenException,
        JobStatusException,
        IdempotencyException,
        NotFoundException,
        TooManyTagsException,
        TooManyRequestsException,
        InternalServiceException,
    )
}


def service_error(
    code: str, message: str, *, http_status: int | None = None, operation: str | None = None
) -> ServiceError:
    """Build the error class for a service error code (any code, known or not)."""
    cls = SERVICE_ERRORS.get(code)
    if cls is not None:
        return cls(message, http_status=http_status, operation=operation)
    return ServiceError(message, code=code, http_status=http_status or 400, operation=operation)


class S3Error(S3boError):
    """An S3 data-plane error for one object: what a task reports when it fails.

    ``code`` and ``http_status`` are what Amazon S3 would return
    (``NoSuchKey``/404, ``AccessDenied``/403, ``InvalidObjectState``/403, ...).
    Raised to a command (``store``, ``manifest``), it is a service error: exit 254.
    """

    exit_code = ExitCode.SERVICE

    def __init__(self, code: str, http_status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.code} ({self.http_status}): {self.message}"
