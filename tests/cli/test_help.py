"""Help, suggestions and early validation: what a person meets when typing commands."""

from __future__ import annotations

import re

import click
import pytest

from s3bo_cli.cli import COMMANDS, cli
from s3bo_cli.cli.help import GLOBAL_TITLE, SECTIONS


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        (["describ-job"], "describe-job"),
        (["list-job"], "list-jobs"),
        (["store", "lss"], "ls"),
        (["manifest", "lnt"], "lint"),
    ],
)
def test_a_mistyped_command_gets_the_closest_ones(s3bo, typed, suggested):
    run = s3bo(*typed)
    assert run.exit_code == 252
    assert f"No such command '{typed[-1]}'. Did you mean '{suggested}'?" in run.stderr
    assert "--help" in run.stderr


def test_help_command_prints_what_help_options_print(s3bo):
    assert s3bo("help").stdout == s3bo("--help").stdout
    assert s3bo("help", "describe-job").stdout == s3bo("describe-job", "--help").stdout
    assert s3bo("help", "store", "put").stdout == s3bo("store", "put", "--help").stdout
    assert s3bo("help", "store", "put").stdout.startswith("Usage: s3bo store put ")
    unknown = s3bo("help", "describ-job")
    assert unknown.exit_code == 252 and "Did you mean 'describe-job'?" in unknown.stderr


def test_top_level_help_groups_every_command_with_whole_descriptions(s3bo):
    out = s3bo("--help").stdout
    titles = [title for title in SECTIONS if any(name in COMMANDS for name in SECTIONS[title])]
    positions = [out.index(f"\n{title}:\n") for title in titles]
    assert positions == sorted(positions)
    assert "Other commands" not in out  # every command has its section
    flat = one_line(out)
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        first = one_line(command.get_short_help_str(limit=1_000))
        assert not first.endswith("..."), name
        assert f"{name} {first}" in flat, name


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("describe-job", ["--job-id"]),
        ("create-job", ["--operation", "--report", "--priority", "--role-arn"]),
        ("update-job-priority", ["--job-id", "--priority"]),
        ("update-job-status", ["--job-id", "--requested-job-status"]),
        ("put-job-tagging", ["--job-id", "--tags"]),
        ("get-job-tagging", ["--job-id"]),
        ("delete-job-tagging", ["--job-id"]),
        ("manifest make", ["--output-location"]),
    ],
)
def test_help_marks_required_options(s3bo, command, options):
    out = s3bo(*command.split(), "--help").stdout
    entries = re.split(r"\n  (?=-)", out)
    for option in options:
        (entry,) = [e for e in entries if re.match(rf"(-\w, )?{option}\b", e)]
        assert "[required]" in entry, (command, option)
    optional = [e for e in entries if e.startswith(("--account-id", "--help", "-h, --help"))]
    assert optional and not any("[required]" in e for e in optional)


def test_every_command_lists_the_global_options(s3bo):
    paths = [[name] for name in COMMANDS]
    paths += [["store", "put"], ["manifest", "lint"], ["configure", "set"]]
    for path in paths:
        out = s3bo(*path, "--help").stdout
        assert f"{GLOBAL_TITLE}:" in out, path
        assert "--output json|table|text" in out and "--query JMESPATH" in out, path


def test_a_missing_required_option_points_at_help(s3bo):
    run = s3bo("describe-job")
    assert run.exit_code == 252
    assert run.stderr.strip().endswith("(see 's3bo describe-job --help')")


def test_bad_enum_values_are_refused_by_the_command_line_with_compact_choices(s3bo):
    for args in (
        ["list-jobs", "--job-statuses", "Active", "Done"],
        ["list-jobs", "--cli-input-json", '{"JobStatuses": ["Done"]}'],
    ):
        run = s3bo(*args)
        assert run.exit_code == 252, run
        (line,) = run.stderr.splitlines()
        assert "Invalid value for '--job-statuses': 'Done' is not one of Active, " in line
        assert len(line) < 220
    status = s3bo("update-job-status", "--job-id", "x" * 36, "--requested-job-status", "Paused")
    assert status.exit_code == 252 and "'Paused' is not one of" in status.stderr
