"""Help that knows the whole CLI: grouped commands, global options, `s3bo help COMMAND`.

The root group lists its commands by what people do with them, with the whole
first sentence of each description; every command's help ends with the global
options, which work after the command too; `s3bo help [COMMAND [SUBCOMMAND]]`
prints the same help as `--help`, as `aws help` and `gh help` do.
"""

from __future__ import annotations

import click

#: The root help's sections, in order. A command in none of them is listed under "Other
#: commands", so that a new command is never hidden.
SECTIONS: dict[str, tuple[str, ...]] = {
    "AWS job commands (as aws s3control)": (
        "create-job",
        "describe-job",
        "list-jobs",
        "update-job-priority",
        "update-job-status",
        "get-job-tagging",
        "put-job-tagging",
        "delete-job-tagging",
    ),
    "Running and following jobs": (
        "wait",
        "watch",
        "pause",
        "resume",
        "retry-failed",
        "revert",
        "events",
    ),
    "Reports and manifests": ("report", "manifest"),
    "Local engine and server": ("worker", "store", "serve"),
    "Setup": ("quickstart", "configure", "completion", "help"),
}

#: Global options as the help lists them after each command: (option, what it does).
GLOBAL_OPTIONS = (
    ("--output json|table|text", "Output format (default: table on a terminal, json piped)."),
    ("--query JMESPATH", "Select from the result, as in the aws CLI."),
    ("--region REGION", "Region (default: config, $AWS_REGION, us-east-1)."),
    ("--profile NAME", "Config profile and AWS credentials."),
    ("--backend local|aws", "The local engine (default) or AWS."),
    ("--state-dir DIR", "Local engine state directory."),
    ("--endpoint-url URL", "S3 Control endpoint for --backend aws."),
    ("--s3-endpoint-url URL", "S3 endpoint holding the objects."),
    ("--debug", "Tracebacks and debug logging."),
    ("--no-color", "Plain output without colours."),
)
GLOBAL_TITLE = "Global options (before or after the command)"


def format_sections(group: click.Group, ctx: click.Context, formatter: click.HelpFormatter) -> None:
    """The root group's commands, section by section, descriptions uncut."""
    names = group.list_commands(ctx)
    placed = {name for members in SECTIONS.values() for name in members}
    sections = [(title, [n for n in members if n in names]) for title, members in SECTIONS.items()]
    sections.append(("Other commands", [n for n in names if n not in placed]))
    width = max(map(len, names), default=0)  # one column for every section
    for title, members in sections:
        rows = []
        for name in members:
            command = group.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name.ljust(width), command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows, col_max=width)


def format_global_options(formatter: click.HelpFormatter) -> None:
    """The section every command's help ends with."""
    with formatter.section(GLOBAL_TITLE):
        formatter.write_dl(list(GLOBAL_OPTIONS), col_max=26)


def with_global_options(command: click.Command) -> click.Command:
    """Make ``command`` (and a group's subcommands) end its help with the global options."""
    if getattr(command, "_s3bo_global_help", False):
        return command
    original = command.format_epilog

    def format_epilog(ctx: click.Context, formatter: click.HelpFormatter) -> None:
        original(ctx, formatter)
        format_global_options(formatter)

    command.format_epilog = format_epilog  # type: ignore[method-assign]  # per command object
    command._s3bo_global_help = True  # type: ignore[attr-defined]  # marks it done
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_global_options(sub)
    return command


def _complete_commands(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Command names, then the subcommands of the group already named."""
    command: click.Command = ctx.find_root().command
    for word in ctx.params.get("words") or ():
        found = command.get_command(ctx, word) if isinstance(command, click.Group) else None
        if found is None:
            return []
        command = found
    if not isinstance(command, click.Group):
        return []
    return [name for name in command.list_commands(ctx) if name.startswith(incomplete)]


@click.command("help")
@click.argument(
    "words", nargs=-1, metavar="[COMMAND [SUBCOMMAND]]", shell_complete=_complete_commands
)
@click.pass_context
def help_command(ctx: click.Context, words: tuple[str, ...]) -> None:
    """Show the help of s3bo or of a command (the same as --help).

    \b
    Example:
      s3bo help
      s3bo help create-job
      s3bo help store put
    """
    root = ctx.find_root()
    command: click.Command = root.command
    context = root
    for word in words:
        if not isinstance(command, click.Group):
            raise click.UsageError(f"{context.command_path} has no subcommand {word!r}", ctx)
        name, found, _ = command.resolve_command(context, [word])
        assert found is not None and name is not None  # resolve_command raises otherwise
        context = click.Context(found, info_name=name, parent=context)
        command = found
    click.echo(command.get_help(context))
