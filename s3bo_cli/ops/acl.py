"""S3PutObjectAcl: replace each object's ACL with a canned ACL or an explicit policy."""

from __future__ import annotations

from typing import Any

from s3bo_cli.errors import S3Error
from s3bo_cli.model.manifest import ManifestEntry
from s3bo_cli.ops import Outcome, TaskContext, version
from s3bo_cli.stores.base import Acl, Grant

#: S3Grantee.TypeIdentifier -> the ACL grantee type S3 uses.
GRANTEE_TYPES = {"id": "CanonicalUser", "emailAddress": "AmazonCustomerByEmail", "uri": "Group"}


def grants(s3_grants: list[dict[str, Any]]) -> tuple[Grant, ...]:
    """Turn a job's ``S3Grant`` list into store grants."""
    result = []
    for item in s3_grants:
        grantee = item.get("Grantee") or {}
        kind = GRANTEE_TYPES.get(grantee.get("TypeIdentifier") or "id")
        if kind is None or not grantee.get("Identifier") or not item.get("Permission"):
            raise S3Error(
                "MalformedACLError",
                400,
                "The XML you provided was not well-formed "
                "or did not validate against our published schema",
            )
        result.append(
            Grant(item["Permission"], kind, grantee["Identifier"], grantee.get("DisplayName"))
        )
    return tuple(result)


def policy(body: dict[str, Any]) -> Acl | str:
    """The canned ACL name or the explicit Acl a job's AccessControlPolicy names."""
    access = body.get("AccessControlPolicy") or {}
    canned, acl = access.get("CannedAccessControlList"), access.get("AccessControlList")
    if canned and acl:
        raise S3Error(
            "InvalidRequest", 400, "Specifying both Canned ACLs and Header Grants is not allowed"
        )
    if canned:
        return str(canned)
    if not acl:
        raise S3Error("MissingSecurityHeader", 400, "Your request was missing a required header")
    owner = acl.get("Owner") or {}
    if not owner.get("ID"):
        raise S3Error(
            "MalformedACLError",
            400,
            "The XML you provided was not well-formed "
            "or did not validate against our published schema",
        )
    return Acl(owner["ID"], grants(acl.get("Grants") or []), owner.get("DisplayName"))


def put_acl(ctx: TaskContext, entry: ManifestEntry) -> Outcome:
    """Replace the object's ACL, as PutObjectAcl does."""
    ctx.store.put_object_acl(
        entry.bucket, entry.decoded_key, policy(ctx.body), version_id=version(entry)
    )
    return Outcome()
