"""Option types and decorators shared by the job commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from s3bo_cli import apimodel

#: The mark Click puts on required options, for those required unless --cli-input-json
#: gives them (Click cannot require them itself).
REQUIRED = "  [required]"


class ListOption(click.Option):
    """An option that takes every following word, as the aws CLI's list options do.

    ``--tags Key=a,Value=b Key=c,Value=d`` and ``--job-statuses Active Complete``
    work as on the aws CLI; repeating the option works too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("multiple", True)
        super().__init__(*args, **kwargs)


class AwsCommand(click.Command):
    """A command whose ListOptions swallow the words that follow them."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        greedy = {name for p in self.params if isinstance(p, ListOption) for name in p.opts}
        rewritten: list[str] = []
        current: str | None = None
        for arg in args:
            if arg == "--":
                current = None
                rewritten.append(arg)
            elif arg.startswith("-") and not _is_negative_number(arg):
                current = arg if arg in greedy else None
                rewritten.append(arg)
            elif current is not None and rewritten and rewritten[-1] != current:
                rewritten.extend([current, arg])
            else:
                rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


def _is_negative_number(text: str) -> bool:
    return text[1:].isdigit()


def complete_job_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Job ids from the local engine, most recently changed first (none on AWS)."""
    from click.shell_completion import CompletionItem

    from s3bo_cli.cli.context import make_backend
    from s3bo_cli.config import resolve

    root = ctx.find_root().params
    try:
        settings = resolve(
            state_dir=root.get("state_dir"),
            region=root.get("region"),
            profile=root.get("profile"),
            backend=root.get("backend"),
        )
        backend = make_backend(settings)
        local = backend.local_engine()
        if local is None:
            return []
        account = ctx.params.get("account_id") or backend.default_account_id()
        ids = local.job_ids(account)
    except Exception:  # completion must never print a traceback into the shell
        return []
    return [CompletionItem(job_id) for job_id in ids if job_id.startswith(incomplete)]


def account_id_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--account-id",
        metavar="ID",
        help="AWS account id (default: config, $S3BO_ACCOUNT_ID, or the backend's).",
    )(f)


def job_id_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--job-id",  # required, unless --cli-input-json gives it
        metavar="JOB_ID",
        shell_complete=complete_job_ids,
        help="The job's id, or a unique prefix of it." + REQUIRED,
    )(f)


def check_choices(option: str, values: Any, shape: str) -> None:
    """Refuse (252) a value outside the model's enum ``shape``, listing the choices."""
    from s3bo_cli.errors import UsageError

    choices = apimodel.enum_values(shape)
    for value in values if isinstance(values, list) else [values]:
        if value not in choices:
            raise UsageError(
                f"Invalid value for '{option}': {value!r} is not one of {', '.join(choices)} "
                f"(see '{click.get_current_context().command_path} --help')"
            )


def status_choice(shape: str) -> click.Choice:
    """A case-sensitive choice over an enum of the API model."""
    return click.Choice(apimodel.enum_values(shape))


def aws_input_options(operation: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--cli-input-json`` and ``--generate-cli-skeleton [input|output]``, as on the aws CLI."""

    def print_skeleton(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None or ctx.resilient_parsing:
            return
        from s3bo_cli import skeleton
        from s3bo_cli.output.json_format import dumps

        shape = skeleton.output_skeleton if value == "output" else skeleton.input_skeleton
        click.echo(dumps(shape(operation)), nl=False)
        ctx.exit(0)

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--generate-cli-skeleton",
            type=click.Choice(["input", "output"]),
            is_flag=False,
            flag_value="input",
            default=None,
            expose_value=False,
            is_eager=True,
            callback=print_skeleton,
            help="Print a JSON template of the request (or of the output) and exit.",
        )(f)
        return click.option(
            "--cli-input-json",
            metavar="JSON",
            help="The request as JSON or file:// (options given as well win).",
        )(f)

    return decorate
