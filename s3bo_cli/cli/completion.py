"""s3bo completion: print the shell completion script."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")


def completion_script(shell: str) -> str:
    """The completion script for ``shell``, as committed under completions/."""
    from click.shell_completion import get_completion_class

    from s3bo_cli.cli import cli
    from s3bo_cli.cli.shellcomplete import register

    register()
    cls = get_completion_class(shell)
    assert cls is not None
    return cls(cli, {}, "s3bo", "_S3BO_COMPLETE").source()


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL.

    Completes commands, options (the global ones after a command too),
    statuses, output formats, job ids from the state directory, and file
    names (file arguments, and file:// in structure options).

    \b
    Example:
      eval "$(s3bo completion bash)"       # in ~/.bashrc
      s3bo completion fish > ~/.config/fish/completions/s3bo.fish
    """
    click.echo(completion_script(shell), nl=False)
