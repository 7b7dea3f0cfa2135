"""s3bo configure: read and write the TOML config file."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from s3bo_cli import config
from s3bo_cli.errors import ConfigError, UsageError


def _read_all() -> dict[str, Any]:
    path = config.config_path()
    if not path.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None


def _dump(data: dict[str, Any]) -> str:
    """TOML for the config's shape: [default] and [profiles.NAME] of scalars."""

    def section(header: str, values: dict[str, Any]) -> list[str]:
        lines = [f"[{header}]"]
        for key, value in values.items():
            text = (
                ("true" if value else "false")
                if isinstance(value, bool)
                else json.dumps(str(value))
            )
            lines.append(f"{key} = {text}")
        return [*lines, ""]

    lines: list[str] = []
    if data.get("default"):
        lines += section("default", data["default"])
    for name, values in data.get("profiles", {}).items():
        lines += section(f"profiles.{json.dumps(name)}", values)
    return "\n".join(lines)


def _section(data: dict[str, Any], profile: str | None) -> dict[str, Any]:
    if profile:
        return data.setdefault("profiles", {}).setdefault(profile, {})
    return data.setdefault("default", {})


@click.group("configure")
def configure() -> None:
    """Read and write s3bo's config file (profiles of default settings).

    \b
    Example:
      s3bo configure set account_id 123456789012
      s3bo --profile prod configure set backend aws
      s3bo configure list
    """


def _profile(ctx: click.Context) -> str | None:
    obj = ctx.find_root().obj
    return obj.settings.profile if obj is not None else None


@configure.command("set")
@click.argument("key", type=click.Choice(config.CONFIG_KEYS))
@click.argument("value")
@click.pass_context
def set_value(ctx: click.Context, key: str, value: str) -> None:
    """Set KEY to VALUE in the current profile (--profile, else [default]).

    \b
    Example:
      s3bo configure set region eu-west-1
    """
    if key == "account_id" and not (len(value) == 12 and value.isdigit()):
        raise UsageError(f"account_id must be 12 digits, not {value!r}")
    if key == "backend" and value not in config.BACKENDS:
        raise UsageError(f"backend must be one of {', '.join(config.BACKENDS)}")
    if key == "output" and value not in config.OUTPUTS:
        raise UsageError(f"output must be one of {', '.join(config.OUTPUTS)}")
    if key in config.WORKER_SETTINGS:
        try:
            config.worker_int(key, value)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    data = _read_all()
    stored: Any = value.lower() in ("1", "true", "yes") if key == "color" else value
    _section(data, _profile(ctx))[key] = stored
    from s3bo_cli.state.files import write_atomic

    write_atomic(config.config_path(), _dump(data).encode("utf-8"))


@configure.command("get")
@click.argument("key", type=click.Choice(config.CONFIG_KEYS))
@click.pass_context
def get_value(ctx: click.Context, key: str) -> None:
    """Print one setting of the current profile (exit 1 when unset).

    \b
    Example:
      s3bo configure get account_id
    """
    value = config.load_profile(_profile(ctx)).get(key)
    if value is None:
        ctx.exit(1)
    click.echo(value)


@configure.command("list")
@click.pass_context
def list_values(ctx: click.Context) -> None:
    """Show the effective settings and where the config file is.

    \b
    Example:
      s3bo --profile prod configure list
    """
    settings = ctx.find_root().obj.settings
    click.echo(f"config file  {config.config_path()}")
    for key in config.CONFIG_KEYS:
        value = getattr(settings, key, None)
        if key == "store_dir":
            value = settings.buckets_dir
        click.echo(f"{key:<13} {'' if value is None else value}")
