"""Settings: where they come from and what they resolve to.

Precedence, highest first: command-line option, environment variable, the
profile in the config file, built-in default. The config file is TOML:

    # ~/.config/s3bo/config.toml   (or $S3BO_CONFIG)
    [default]
    account_id = "123456789012"
    region = "us-east-1"
    output = "json"

    [profiles.prod]
    backend = "aws"
    region = "eu-west-1"

The worker's settings (``max_in_flight``, ``concurrency``, ``worker_processes``,
``max_active_jobs``) come from the same places; an autostarted worker inherits the
environment of the command that started it and reads the same config file.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3bo_cli.errors import ConfigError

#: Account used by the local backend when none is configured.
LOCAL_DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
BACKENDS = ("local", "aws")
OUTPUTS = ("json", "table", "text")
CONFIG_KEYS = (
    "backend",
    "account_id",
    "region",
    "output",
    "state_dir",
    "endpoint_url",
    "s3_endpoint_url",
    "store_dir",
    "color",
    "max_in_flight",
    "concurrency",
    "worker_processes",
    "max_active_jobs",
)
#: The worker's integer settings: (environment variable, lowest, highest, default).
WORKER_SETTINGS: dict[str, tuple[str, int, int, int]] = {
    "max_in_flight": ("S3BO_MAX_IN_FLIGHT", 1, 4096, 512),
    "concurrency": ("S3BO_CONCURRENCY", 1, 256, 8),
    "worker_processes": ("S3BO_WORKER_PROCESSES", 1, 64, os.cpu_count() or 1),
    "max_active_jobs": ("S3BO_MAX_ACTIVE_JOBS", 1, 64, 4),
}


@dataclass
class Settings:
    """Everything a command needs to know about where and how to act."""

    backend: str = "local"
    state_dir: Path = field(default_factory=lambda: default_state_dir())
    region: str = DEFAULT_REGION
    profile: str | None = None
    account_id: str | None = None
    output: str | None = None  # None: table on a terminal, json when piped
    query: str | None = None
    debug: bool = False
    color: bool = True
    endpoint_url: str | None = None  # S3 Control endpoint for --backend aws
    s3_endpoint_url: str | None = None  # S3 endpoint: objects live there instead of the DirStore
    store_dir: Path | None = None  # DirStore root; default <state_dir>/buckets
    region_explicit: bool = True  # False: nothing named a region (AWS may use the profile's)
    #: Ceiling of task requests in flight on S3 endpoints (the worker adapts below it).
    max_in_flight: int = WORKER_SETTINGS["max_in_flight"][3]
    #: Tasks at once on the local DirStore (a fixed number: the disk is the limit).
    concurrency: int = WORKER_SETTINGS["concurrency"][3]
    #: Processes the worker runs a long job's tasks in.
    worker_processes: int = WORKER_SETTINGS["worker_processes"][3]
    #: Jobs Active at once (task slots go to higher priorities first).
    max_active_jobs: int = WORKER_SETTINGS["max_active_jobs"][3]

    @property
    def buckets_dir(self) -> Path:
        return self.store_dir or self.state_dir / "buckets"


def default_state_dir() -> Path:
    """$S3BO_STATE_DIR, else the platform's user data directory."""
    env = os.environ.get("S3BO_STATE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("s3bo", appauthor=False)


def config_path() -> Path:
    env = os.environ.get("S3BO_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("s3bo", appauthor=False) / "config.toml"


def load_profile(profile: str | None) -> dict[str, Any]:
    """The values of one profile in the config file ({} when there is no file)."""
    path = config_path()
    if not path.is_file():
        return {}  # --profile may name an AWS profile only
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    if profile:
        section = data.get("profiles", {}).get(profile)
        if section is None:
            # The same name may be an AWS profile only; that is not an error.
            section = {}
        values = {**data.get("default", {}), **section}
    else:
        values = dict(data.get("default", {}))
    unknown = sorted(set(values) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
    return values


def worker_int(key: str, value: Any) -> int:
    """One of the worker's integer settings, checked against its range."""
    _, low, high, _ = WORKER_SETTINGS[key]
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise ConfigError(f"{key} must be a whole number from {low} to {high}, not {value!r}")
    return number


def resolve(**options: Any) -> Settings:
    """Combine command-line options (None when not given) with env, config and defaults."""
    profile = options.get("profile") or os.environ.get("S3BO_PROFILE")
    file_values = load_profile(profile)
    env = {
        "backend": os.environ.get("S3BO_BACKEND"),
        "account_id": os.environ.get("S3BO_ACCOUNT_ID"),
        "region": os.environ.get("S3BO_REGION")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION"),
        "output": os.environ.get("S3BO_OUTPUT"),
        "state_dir": os.environ.get("S3BO_STATE_DIR"),
        "endpoint_url": os.environ.get("S3BO_ENDPOINT_URL"),
        "s3_endpoint_url": os.environ.get("S3BO_S3_ENDPOINT_URL"),
        "store_dir": os.environ.get("S3BO_STORE_DIR"),
        **{key: os.environ.get(spec[0]) for key, spec in WORKER_SETTINGS.items()},
    }

    def pick(key: str) -> Any:
        for source in (options, env, file_values):
            value = source.get(key)
            if value is not None:
                return value
        return None

    backend = pick("backend") or "local"
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    output = pick("output")
    if output is not None and output not in OUTPUTS:
        raise ConfigError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
    state_dir = pick("state_dir")
    store_dir = pick("store_dir")
    worker = {
        key: worker_int(key, value) if (value := pick(key)) is not None else spec[3]
        for key, spec in WORKER_SETTINGS.items()
    }
    color = options.get("color")
    if color is None:
        color = file_values.get("color", "NO_COLOR" not in os.environ)
    return Settings(
        backend=backend,
        state_dir=Path(state_dir).expanduser() if state_dir else default_state_dir(),
        region=pick("region") or DEFAULT_REGION,
        region_explicit=pick("region") is not None,
        profile=profile,
        account_id=str(pick("account_id")) if pick("account_id") is not None else None,
        output=output,
        query=options.get("query"),
        debug=bool(options.get("debug")),
        color=bool(color),
        endpoint_url=pick("endpoint_url"),
        s3_endpoint_url=pick("s3_endpoint_url"),
        store_dir=Path(store_dir).expanduser() if store_dir else None,
        **worker,
    )
