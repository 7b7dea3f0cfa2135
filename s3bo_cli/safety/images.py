"""Before-images: the state an operation is about to replace, read just before it does.

A before-image is a small JSON record: the object (``b``, ``k``, ``v``), its
task index ``i``, a fingerprint ``f`` of its ETag and version (to tell later
whether the object itself was replaced), and the state ``s``, keyed by kind:
``t`` tags, ``a`` ACL, ``l`` legal hold, ``r`` retention, ``d`` a copy
destination (absent, or its version and fingerprint; ``w``: bucket versioned).
An after-image (``x: "A"``) records what a copy wrote, which only the copy knows;
a copy run by AWS has none, and is told by when its job ended (``{"until": ...}``).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from s3bo_cli import clock
from s3bo_cli.errors import S3Error
from s3bo_cli.stores.base import Acl, Grant, ObjectInfo, ObjectStore, Retention, canned_grants

State = dict[str, Any]

#: Operations whose effect a before-image can put back, and the kind of state each changes.
KINDS = {
    "S3PutObjectTagging": "t",
    "S3DeleteObjectTagging": "t",
    "S3PutObjectAcl": "a",
    "S3PutObjectLegalHold": "l",
    "S3PutObjectRetention": "r",
    "S3PutObjectCopy": "d",
}


def fingerprint(etag: str, version_id: str | None) -> str:
    """Eight characters that change when the object's data or version does."""
    digest = hashlib.blake2b(f"{etag.strip(chr(34))}|{version_id or ''}".encode(), digest_size=6)
    return base64.urlsafe_b64encode(digest.digest()).decode()


def object_fingerprint(store: ObjectStore, bucket: str, key: str, version: str | None) -> str:
    info = store.head_object(bucket, key, version)
    return fingerprint(info.etag, info.version_id)


# -- states ------------------------------------------------------------------------------


def acl_state(acl: Acl) -> list[Any]:
    return [acl.owner_id, acl.owner_name, [list(_grant(g)) for g in acl.grants]]


def _grant(g: Grant) -> tuple[str, str, str, str | None]:
    return (g.permission, g.grantee_type, g.identifier, g.display_name)


def acl_from_state(state: list[Any]) -> Acl:
    owner, name, grants = state
    return Acl(owner, tuple(Grant(*g) for g in grants), name)


def same_acl(a: list[Any], b: list[Any]) -> bool:
    """Equal owners and grants (display names aside, which S3 fills in itself)."""
    return a[0] == b[0] and {tuple(g[:3]) for g in a[2]} == {tuple(g[:3]) for g in b[2]}


def as_canned(state: list[Any]) -> str | None:
    """The canned ACL with exactly these grants, if one has (put back by name, as it was set)."""
    wanted = {tuple(g[:3]) for g in state[2]}
    for name in ("private", "public-read", "public-read-write", "authenticated-read"):
        if {_grant(g)[:3] for g in canned_grants(name, state[0])} == wanted:
            return name
    return None


def retention_state(retention: Retention | None) -> list[str] | None:
    if retention is None:
        return None
    return [retention.mode, clock.iso(retention.retain_until)]


def retention_from_state(state: list[str] | None) -> Retention | None:
    if state is None:
        return None
    return Retention(state[0], clock.parse(state[1]))  # type: ignore[arg-type]  # a LockMode string


def same_retention(a: list[str] | None, b: list[str] | None) -> bool:
    """Equal modes and dates to the second (stores differ in the precision they keep)."""
    if a is None or b is None:
        return a is b
    return a[0] == b[0] and _second(a[1]) == _second(b[1])


def _second(text: str) -> datetime:
    return clock.parse(text).replace(microsecond=0)


def same_state(kind: str, a: Any, b: Any) -> bool:
    if kind == "a":
        return same_acl(a, b)
    if kind == "r":
        return same_retention(a, b)
    return bool(a == b)


def read_state(store: ObjectStore, kind: str, bucket: str, key: str, version: str | None) -> Any:
    """The object's current state of ``kind`` (not for copies: see :func:`destination`)."""
    if kind == "t":
        return store.get_object_tagging(bucket, key, version)
    if kind == "a":
        return acl_state(store.get_object_acl(bucket, key, version))
    if kind == "l":
        return store.get_object_legal_hold(bucket, key, version)
    if kind == "r":
        return retention_state(store.get_object_retention(bucket, key, version))
    raise ValueError(kind)


def destination_info(store: ObjectStore, bucket: str, key: str) -> ObjectInfo | None:
    """A copy destination's current version (HeadObject), or None when absent."""
    try:
        return store.head_object(bucket, key)
    except S3Error as exc:
        if exc.http_status == 404:
            return None
        raise


def destination_state(info: ObjectInfo | None) -> list[str | None] | None:
    """A copy destination's version and fingerprint, as its before-image records them."""
    if info is None:
        return None
    return [info.version_id, fingerprint(info.etag, info.version_id)]


def destination(store: ObjectStore, bucket: str, key: str) -> list[str | None] | None:
    """A copy destination's current version and fingerprint, or None when absent."""
    return destination_state(destination_info(store, bucket, key))


def unprotected(state: dict[str, Any]) -> bool:
    """A copy destination that exists in a bucket without versioning: the copy destroys it."""
    before = state["d"]
    return before is not None and not (state["w"] and before[0])


def expected_after(name: str, body: dict[str, Any], before: Any, *, merge: bool = False) -> Any:
    """The state a job's operation left, from the operation itself and the before state."""
    from s3bo_cli.stores.base import tags_from_tagset

    if name == "S3PutObjectTagging":
        tags = tags_from_tagset(body.get("TagSet") or [])
        return {**before, **tags} if merge else tags
    if name == "S3DeleteObjectTagging":
        return {}
    if name == "S3PutObjectLegalHold":
        return (body.get("LegalHold") or {}).get("Status") == "ON"
    if name == "S3PutObjectRetention":
        from s3bo_cli.ops.object_lock import retention

        return retention_state(retention(body))
    if name == "S3PutObjectAcl":
        from s3bo_cli.ops.acl import policy

        new = policy(body)
        if isinstance(new, str):
            return [before[0], before[1], [list(_grant(g)) for g in canned_grants(new, before[0])]]
        return acl_state(new)
    raise ValueError(name)
