"""The object every command receives: settings, the backend, and the output."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import click

from s3bo_cli import validation
from s3bo_cli.backends.base import Backend, LocalEngine
from s3bo_cli.config import Settings
from s3bo_cli.errors import S3boError, ServiceError, UsageError

if TYPE_CHECKING:
    from s3bo_cli.backends.preflight import Preflight

#: What the s3control endpoint rules accept as an account id: botocore's
#: ``VALID_HOST_LABEL_RE`` (not imported: botocore stays off the start-up path).
_HOST_LABEL = re.compile(r"(?!-)[a-zA-Z\d-]{1,63}(?<!-)")


@dataclass
class AppContext:
    """Injected I/O and configuration (tests build one with a temp state dir)."""

    settings: Settings
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)  # progress, hints
    _backend: Backend | None = None

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = make_backend(self.settings)
        return self._backend

    def account_id(self, given: str | None = None) -> str:
        """--account-id, else the configured account, else the backend's default.

        A given id must be a host label (botocore puts it in the endpoint's host name
        and refuses one that is not, an empty one included).
        """
        if given is not None:
            if not _HOST_LABEL.fullmatch(given):
                raise S3boError(
                    f"--account-id {given!r}: AccountId must only contain a-z, A-Z, 0-9 "
                    "and `-` (and not be empty)"
                )
            return given
        if self.settings.account_id:
            return self.settings.account_id
        return self.backend.default_account_id()

    def job_id(self, text: str, account_id: str | None = None) -> str:
        """The whole job id ``text`` names: itself, or the one job it is a prefix of."""
        from s3bo_cli.backends.jobids import resolve_job_id

        return resolve_job_id(self.backend, self.account_id(account_id), text)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Fill idempotency tokens and validate as botocore would, then run ``operation``."""
        params = validation.with_idempotency_tokens(operation, params)
        validation.check_client_side(operation, params)
        with _naming(operation):
            return self.backend.invoke(operation, params)

    def create_job(
        self,
        request: dict[str, Any],
        preflight: Preflight,
        *,
        engine: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """CreateJob with the backend's preflight (ETag, lint, dry run); the plan on a dry run.

        ``engine`` carries local-engine job settings (e.g. the failure threshold);
        the AWS backend cannot take them.
        """
        from s3bo_cli.backends.preflight import check_client_side

        check_client_side(request)  # before any S3 call: a bad parameter is 252
        with _naming("CreateJob"):
            if engine:
                local = self.local("local engine job settings")
                return local.create_job(request, preflight, engine=engine)
            return self.backend.create_job(request, preflight)

    def request(
        self,
        explicit: dict[str, Any],
        *,
        cli_input_json: str | None,
        required: dict[str, str],
    ) -> dict[str, Any]:
        """The API request: ``--cli-input-json``, then the options given (which win).

        ``required`` maps members to the options that give them; ``AccountId``
        defaults as ``account_id()`` says.
        """
        request: dict[str, Any] = {}
        if cli_input_json:
            from s3bo_cli.cli.params import parse_cli_input_json

            request = parse_cli_input_json(cli_input_json)
        request.update({k: v for k, v in explicit.items() if v is not None})
        missing = [flag for member, flag in required.items() if member not in request]
        if missing:
            command = click.get_current_context().command_path
            raise UsageError(
                f"the following arguments are required: {', '.join(missing)} "
                f"(see '{command} --help')"
            )
        request["AccountId"] = self.account_id(request.get("AccountId"))
        if isinstance(request.get("JobId"), str):
            request["JobId"] = self.job_id(request["JobId"], request["AccountId"])
        return request

    def local(self, what: str) -> LocalEngine:
        """The local engine's own features; a usage error (252) naming ``what`` on AWS."""
        engine = self.backend.local_engine()
        if engine is None:
            raise UsageError(f"{what}: available on the local engine only (--backend local)")
        return engine

    def render(self, result: dict[str, Any] | None, *, operation: str) -> None:
        from s3bo_cli.output import render

        render(
            result,
            operation=operation,
            fmt=self.settings.output,
            query=self.settings.query,
            stream=self.stdout,
            color=self.settings.color,
            is_tty=self.stdout.isatty(),
        )


@contextlib.contextmanager
def _naming(operation: str) -> Iterator[None]:
    """A service error without an operation is named for the one called."""
    try:
        yield
    except ServiceError as exc:
        if exc.operation is None:
            exc.operation = operation
        raise


def make_backend(settings: Settings) -> Backend:
    """The backend the settings name; imports only what that backend needs."""
    if settings.backend == "aws":
        from s3bo_cli.backends.aws import AwsBackend

        return AwsBackend(settings)
    from s3bo_cli.backends.local import LocalBackend

    return LocalBackend(settings)


#: Decorator handing a command the AppContext the root group built.
pass_app = click.make_pass_decorator(AppContext)
