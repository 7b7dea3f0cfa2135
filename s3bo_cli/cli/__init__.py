"""The ``s3bo`` command: root group, global options, and the one error boundary."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from s3bo_cli import __version__
from s3bo_cli.errors import ExitCode, S3boError

#: Subcommands, loaded only when used so that start-up stays fast.
COMMANDS: dict[str, str] = {
    "create-job": "s3bo_cli.cli.jobs:create_job",
    "describe-job": "s3bo_cli.cli.jobs:describe_job",
    "list-jobs": "s3bo_cli.cli.jobs:list_jobs",
    "update-job-priority": "s3bo_cli.cli.jobs:update_job_priority",
    "update-job-status": "s3bo_cli.cli.jobs:update_job_status",
    "get-job-tagging": "s3bo_cli.cli.tagging:get_job_tagging",
    "put-job-tagging": "s3bo_cli.cli.tagging:put_job_tagging",
    "delete-job-tagging": "s3bo_cli.cli.tagging:delete_job_tagging",
    "quickstart": "s3bo_cli.cli.quickstart:quickstart",
    "wait": "s3bo_cli.cli.wait:wait",
    "watch": "s3bo_cli.cli.watch:watch",
    "pause": "s3bo_cli.cli.control:pause",
    "resume": "s3bo_cli.cli.control:resume",
    "events": "s3bo_cli.cli.events:events",
    "worker": "s3bo_cli.cli.worker:worker",
    "configure": "s3bo_cli.cli.configure:configure",
    "completion": "s3bo_cli.cli.completion:completion",
    "store": "s3bo_cli.cli.store:store",
    "serve": "s3bo_cli.cli.serve:serve",
    "report": "s3bo_cli.cli.report:report",
    "retry-failed": "s3bo_cli.cli.retry:retry_failed",
    "revert": "s3bo_cli.cli.revert:revert",
    "manifest": "s3bo_cli.cli.manifest:manifest",
    "help": "s3bo_cli.cli.help:help_command",
}


#: Global options that take a value / that are flags; like the aws CLI's, they may
#: also be written after the command (`s3bo describe-job --job-id X --output text`).
GLOBAL_VALUE_OPTIONS = frozenset(
    {
        "--backend",
        "--state-dir",
        "--region",
        "--profile",
        "--output",
        "--query",
        "--endpoint-url",
        "--s3-endpoint-url",
    }
)
GLOBAL_FLAGS = frozenset({"--debug", "--no-color"})


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options found after the command to the front, where Click expects them."""
    front: list[str] = []
    rest: list[str] = []
    seen_command = False
    i = 0
    while i < len(args):
        arg = args[i]
        name = arg.split("=", 1)[0]
        if arg == "--":
            rest.extend(args[i:])
            break
        if seen_command and name in GLOBAL_FLAGS:
            front.append(arg)
        elif seen_command and name in GLOBAL_VALUE_OPTIONS:
            front.append(arg)
            if "=" not in arg and i + 1 < len(args):
                front.append(args[i + 1])
                i += 1
        else:
            if not seen_command and not arg.startswith("-"):
                previous = args[i - 1] if i else ""
                seen_command = previous not in GLOBAL_VALUE_OPTIONS
            rest.append(arg)
        i += 1
    return front + rest


class RootGroup(click.Group):
    """Loads subcommands lazily and turns errors into one line and an exit code."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None  # a command not built yet in this installation
            raise
        from s3bo_cli.cli.help import with_global_options

        return with_global_options(getattr(module, attr))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            if exc.possibilities:
                raise
            # commands load lazily, so Click has no names to suggest from: give them
            raise click.exceptions.NoSuchCommand(
                exc.command_name, possibilities=COMMANDS, ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from s3bo_cli.cli.help import format_sections

        format_sections(self, ctx, formatter)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except S3boError as exc:
            _report(ctx, exc)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            _report(ctx, exc)
            ctx.exit(ExitCode.OTHER)
        except KeyboardInterrupt:
            click.echo("", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            _report(ctx, exc)
            ctx.exit(ExitCode.OTHER)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if "_S3BO_COMPLETE" in os.environ:  # the shell asks for completions
            from s3bo_cli.cli.shellcomplete import register

            register()
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", "s3bo")
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message())  # `s3bo` or `s3bo store` alone: the help
            sys.exit(ExitCode.OK)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            message = " ".join(exc.format_message().split())  # always one line
            click.echo(f"s3bo: error: {message}{hint}", err=True)
            sys.exit(ExitCode.USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(ExitCode.OTHER)
        except (click.Abort, KeyboardInterrupt):
            click.echo("", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        except S3boError as exc:  # raised while resolving settings
            click.echo(f"s3bo: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def _report(ctx: click.Context, exc: BaseException) -> None:
    obj = ctx.obj
    debug = bool(obj is not None and obj.settings.debug)
    if debug:
        import traceback

        traceback.print_exception(exc)
    from s3bo_cli.errors import S3Error, ServiceError

    if isinstance(exc, ServiceError):
        text = str(exc)
        if exc.code == "NotFoundException":
            text += _not_found_hint()
    elif isinstance(exc, S3Error):  # a call to S3 itself, printed as the aws CLI prints it
        text = f"An error occurred ({exc.code}): {exc.message}"
    elif isinstance(exc, S3boError):
        text = f"s3bo: error: {exc}"
    elif isinstance(exc, OSError) and exc.filename:  # a local file: the user's to fix
        text = f"s3bo: error: {exc.strerror or exc}: {exc.filename}"
    else:
        text = f"s3bo: unexpected error: {type(exc).__name__}: {exc}"
        if not debug:
            text += " (run with --debug for the traceback)"
    click.echo(text, err=True)


def _not_found_hint() -> str:
    """Where else the job may be: this account's list, another region or account."""
    return " (see `s3bo list-jobs`, or try another --region or --account-id)"


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="s3bo")
@click.option(
    "--backend",
    type=click.Choice(["local", "aws"]),
    help="local: the built-in engine (default). aws: the real service through boto3.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    help="Local engine state directory [env: S3BO_STATE_DIR].",
)
@click.option("--region", help="Region [env: AWS_REGION; default us-east-1].")
@click.option("--profile", help="Profile in the s3bo config file and for AWS credentials.")
@click.option(
    "--output",
    type=click.Choice(["json", "table", "text"]),
    help="Output format (default: table on a terminal, json when piped).",
)
@click.option("--query", help="JMESPath query applied to the result, as in the aws CLI.")
@click.option("--endpoint-url", help="S3 Control endpoint for --backend aws.")
@click.option(
    "--s3-endpoint-url",
    help="S3 endpoint holding the objects (default: the embedded directory store).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("--no-color", is_flag=True, help="Plain output without colours [env: NO_COLOR].")
@click.pass_context
def cli(ctx: click.Context, **options: Any) -> None:
    """Amazon S3 Batch Operations jobs, without the boilerplate.

    Mirrors the `aws s3control` job commands on a faithful local engine
    (default) or on AWS (--backend aws).

    \b
    Example:
      s3bo create-job --operation 'S3PutObjectTagging={TagSet=[{Key=k,Value=v}]}' \\
        --manifest file://manifest.json --report Enabled=false \\
        --priority 10 --role-arn arn:aws:iam::123456789012:role/batch
      s3bo list-jobs --job-statuses Active Complete
    """
    from s3bo_cli import config, logs
    from s3bo_cli.cli.context import AppContext

    options["color"] = False if options.pop("no_color") else None
    settings = config.resolve(**options)
    logs.set_debug(settings.debug)
    ctx.obj = AppContext(settings=settings)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="s3bo")
