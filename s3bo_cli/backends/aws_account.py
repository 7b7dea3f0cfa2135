"""The caller's account id, from STS GetCallerIdentity, cached in the state directory.

One file per profile, ``<state-dir>/aws/account-<profile>.json``. It records a
digest of the access key it was looked up with, so switching credentials
(another role, new keys) looks the account up again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from s3bo_cli.errors import StateError
from s3bo_cli.state.files import SCHEMA_VERSION, read_json, write_json

log = logging.getLogger("s3bo")
KIND = "aws-account"


def cache_file(state_dir: Path, profile: str | None) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", profile or "default")
    return state_dir / "aws" / f"account-{safe}.json"


def key_digest(access_key: str) -> str:
    return hashlib.sha256(access_key.encode("utf-8")).hexdigest()[:16]


def cached_account(path: Path, digest: str) -> str | None:
    try:
        data = read_json(path, kind=KIND)
    except (FileNotFoundError, StateError):
        return None
    account = data.get("account_id")
    if data.get("access_key_digest") != digest or not isinstance(account, str):
        return None
    return account


def account_id(*, path: Path, access_key: str, lookup: Callable[[], str]) -> str:
    """The cached account for ``access_key``, else ``lookup()`` (then cached)."""
    digest = key_digest(access_key)
    account = cached_account(path, digest)
    if account is not None:
        return account
    account = lookup()
    record = {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "account_id": account,
        "access_key_digest": digest,
    }
    try:
        write_json(path, record)
    except OSError as exc:  # a read-only state directory only costs a lookup next time
        log.debug("cannot cache the account id in %s: %s", path, exc)
    return account
