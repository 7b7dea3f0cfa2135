"""S3PutObjectAcl jobs."""

from __future__ import annotations

from s3bo_cli.stores.base import ALL_USERS


def _canned(name: str) -> dict:
    return {"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": name}}}


def test_canned_acl_replaces_each_objects_acl(both):
    photos = both.bucket("photos")
    both.store.put_object(photos, "a.jpg", b"a")
    done = both.run(_canned("public-read"), [(photos, "a.jpg"), (photos, "gone.jpg")])
    assert done.job["Status"] == "Complete"
    assert done.row("a.jpg").outcome == ("succeeded", "200", "")
    assert done.row("a.jpg").message == "Successful"
    assert done.row("gone.jpg").outcome == ("failed", "404", "NoSuchKey")
    acl = both.store.get_object_acl(photos, "a.jpg")
    assert ("READ", ALL_USERS) in {(g.permission, g.identifier) for g in acl.grants}


def test_explicit_grants_and_owner(dirstore):
    photos = dirstore.bucket("photos")
    dirstore.store.put_object(photos, "a.jpg", b"a")
    policy = {
        "AccessControlList": {
            "Owner": {"ID": "owner-id", "DisplayName": "me"},
            "Grants": [
                {
                    "Grantee": {"TypeIdentifier": "id", "Identifier": "owner-id"},
                    "Permission": "FULL_CONTROL",
                },
                {
                    "Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS},
                    "Permission": "READ_ACP",
                },
            ],
        }
    }
    done = dirstore.run({"S3PutObjectAcl": {"AccessControlPolicy": policy}}, [(photos, "a.jpg")])
    assert done.row("a.jpg").outcome == ("succeeded", "200", "")
    acl = dirstore.store.get_object_acl(photos, "a.jpg")
    assert acl.owner_id == "owner-id"
    assert {(g.permission, g.grantee_type, g.identifier) for g in acl.grants} == {
        ("FULL_CONTROL", "CanonicalUser", "owner-id"),
        ("READ_ACP", "Group", ALL_USERS),
    }


def test_bad_policies_fail_with_s3_codes(dirstore):
    photos = dirstore.bucket("photos")
    dirstore.store.put_object(photos, "a.jpg", b"a")
    explicit = {
        "AccessControlList": {
            "Owner": {"ID": "owner-id"},
            "Grants": [
                {"Grantee": {"TypeIdentifier": "id", "Identifier": "x"}, "Permission": "READ"}
            ],
        }
    }
    done = dirstore.run({"S3PutObjectAcl": {"AccessControlPolicy": {}}}, [(photos, "a.jpg")])
    assert done.row("a.jpg").outcome == ("failed", "400", "MissingSecurityHeader")
    both_kinds = {"CannedAccessControlList": "private", **explicit}
    done = dirstore.run(
        {"S3PutObjectAcl": {"AccessControlPolicy": both_kinds}}, [(photos, "a.jpg")]
    )
    assert done.row("a.jpg").outcome == ("failed", "400", "InvalidRequest")
