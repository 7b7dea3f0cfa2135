"""Shell completion that knows s3bo's own command line, for bash, zsh and fish.

Click completes a command's own options; s3bo also takes the global options
after a command (`s3bo list-jobs --ou<TAB>`, and their values), file names for
file arguments and after ``file://`` in structure options. The scripts are
Click's, with three fixes: bash keeps a ``file://PATH`` word whole although
``:`` breaks words there, zsh loads ``compinit`` when ``compdef`` is missing,
and fish keeps descriptions that contain a comma.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ShellComplete,
    ZshComplete,
    add_completion_class,
    split_arg_string,
)

FILE_PREFIX = "file://"
#: A completion after which the shell must not add a space (a folder to go on into).
NOSPACE = "nospace"


def file_items(incomplete: str) -> list[CompletionItem]:
    """Files and folders for ``file://PATH``, the prefix kept (folders end with ``/``)."""
    head, sep, start = incomplete[len(FILE_PREFIX) :].rpartition("/")
    folder = head + sep  # "", "dir/" or "/"
    try:
        entries = sorted(Path(os.path.expanduser(folder) if folder else ".").iterdir())
    except OSError:
        return []
    items = []
    for entry in entries:
        if not entry.name.startswith(start) or (entry.name.startswith(".") and not start):
            continue
        value = f"{FILE_PREFIX}{folder}{entry.name}"
        is_dir = entry.is_dir()
        items.append(
            CompletionItem(value + "/" if is_dir else value, type=NOSPACE if is_dir else "plain")
        )
    return items


def complete_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Let the shell complete file names (for a FILE|s3://...|- argument)."""
    if incomplete.startswith(("s3://", "-")):
        return []
    return [CompletionItem(incomplete, type="file")]


class S3boComplete(ShellComplete):
    """Global options after the command, and ``file://`` paths, on top of Click's own."""

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        from s3bo_cli.cli import GLOBAL_FLAGS, GLOBAL_VALUE_OPTIONS

        if incomplete.startswith(FILE_PREFIX):
            return file_items(incomplete)
        in_command = _command_given(self.cli, args)
        root_options = {name: p for p in self.cli.params for name in getattr(p, "opts", [])}
        if in_command and args and args[-1] in GLOBAL_VALUE_OPTIONS:
            root = self.cli.make_context(self.prog_name, [], resilient_parsing=True)
            return root_options[args[-1]].shell_complete(root, incomplete)
        items = super().get_completions(args, incomplete)
        if in_command and incomplete.startswith("-"):
            known = {item.value for item in items}
            for name in sorted(GLOBAL_VALUE_OPTIONS | GLOBAL_FLAGS):
                if name.startswith(incomplete) and name not in known and name not in args:
                    option = root_options[name]
                    help_text = getattr(option, "help", None)
                    items.append(CompletionItem(name, help=help_text))
        return items


def _command_given(cli: click.Command, args: list[str]) -> bool:
    """Whether ``args`` already name a command (global options may come before it)."""
    from s3bo_cli.cli import COMMANDS, GLOBAL_VALUE_OPTIONS

    previous = ""
    for arg in args:
        if arg in COMMANDS and previous not in GLOBAL_VALUE_OPTIONS:
            return True
        previous = arg
    return False


_BASH = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
S3BO_COMP_LINE="${COMP_LINE:0:$COMP_POINT}" %(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=($value)
        elif [[ $type == 'nospace' ]]; then
            COMPREPLY+=($value)
            compopt -o nospace
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


class Bash(S3boComplete, BashComplete):
    """bash: words as the line shows them, though ``:`` and ``=`` break words for bash."""

    source_template = _BASH

    def get_completion_args(self) -> tuple[list[str], str]:
        line = os.environ.get("S3BO_COMP_LINE")
        if line is None:
            return super().get_completion_args()
        words = split_arg_string(line)
        if not line or line[-1].isspace():
            words.append("")
        return words[1:-1], words[-1]

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        # bash replaces only what follows the last ':' or '=' of the word being completed
        cut = max(incomplete.rfind(":"), incomplete.rfind("=")) + 1
        lines = []
        for item in self.get_completions(args, incomplete):
            if cut and item.type in ("plain", NOSPACE) and item.value.startswith(incomplete[:cut]):
                item = CompletionItem(item.value[cut:], type=item.type, help=item.help)
            lines.append(self.format_completion(item))
        return "\n".join(lines)


_ZSH = """\
#compdef %(prog_name)s

%(complete_func)s() {
    local -a completions
    local -a completions_with_descriptions
    local -a response
    (( ! $+commands[%(prog_name)s] )) && return 1

    response=("${(@f)$(env COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT-1)) \\
%(complete_var)s=zsh_complete %(prog_name)s)}")

    for type key descr in ${response}; do
        if [[ "$type" == "plain" ]]; then
            if [[ "$descr" == "_" ]]; then
                completions+=("$key")
            else
                completions_with_descriptions+=("$key":"$descr")
            fi
        elif [[ "$type" == "nospace" ]]; then
            compadd -U -S '' -- "$key"
        elif [[ "$type" == "dir" ]]; then
            _path_files -/
        elif [[ "$type" == "file" ]]; then
            _path_files -f
        fi
    done

    if [ -n "$completions_with_descriptions" ]; then
        _describe -V unsorted completions_with_descriptions -U
    fi

    if [ -n "$completions" ]; then
        compadd -U -V unsorted -a completions
    fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    # autoload from fpath, call function directly
    %(complete_func)s "$@"
else
    # eval/source/. command, register function for later; compdef needs compinit
    (( $+functions[compdef] )) || { autoload -Uz compinit && compinit }
    compdef %(complete_func)s %(prog_name)s
fi
"""


class Zsh(S3boComplete, ZshComplete):
    source_template = _ZSH


_FISH = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \\
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split -m 1 "," $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain"; or test $metadata[1] = "nospace";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments \\
"(%(complete_func)s)";
"""


class Fish(S3boComplete, FishComplete):
    source_template = _FISH


def register() -> None:
    """Make Click use these classes for ``_S3BO_COMPLETE`` and ``s3bo completion``."""
    for cls in (Bash, Zsh, Fish):
        add_completion_class(cls, cls.name)
