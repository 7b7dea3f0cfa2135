"""S3PutObjectLegalHold and S3PutObjectRetention jobs."""

from __future__ import annotations

from datetime import timedelta

from s3bo_cli import clock
from s3bo_cli.stores.base import Retention

HOLD_ON = {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}}
HOLD_OFF = {"S3PutObjectLegalHold": {"LegalHold": {"Status": "OFF"}}}


def _retention(mode: str | None, days: int | None, bypass: bool = False) -> dict:
    spec = {}
    if mode:
        spec["Mode"] = mode
    if days is not None:
        spec["RetainUntilDate"] = clock.iso(clock.now() + timedelta(days=days))
    body = {"Retention": spec}
    if bypass:
        body["BypassGovernanceRetention"] = True
    return {"S3PutObjectRetention": body}


def test_legal_hold_on_and_off(both):
    bucket = both.bucket("locked", object_lock=True)
    written = both.store.put_object(bucket, "a.txt", b"a")
    rows = [(bucket, "a.txt", written.version_id)]
    done = both.run(HOLD_ON, rows)
    assert done.row("a.txt").outcome == ("succeeded", "200", "")
    assert done.row("a.txt").version_id == written.version_id
    assert both.store.get_object_legal_hold(bucket, "a.txt", written.version_id) is True
    both.run(HOLD_OFF, rows)
    assert both.store.get_object_legal_hold(bucket, "a.txt", written.version_id) is False


def test_buckets_without_object_lock_fail_as_on_aws(both):
    bucket = both.bucket("plain", versioning=True)
    both.store.put_object(bucket, "a.txt", b"a")
    for operation in (HOLD_ON, _retention("GOVERNANCE", 1)):
        row = both.run(operation, [(bucket, "a.txt")]).row("a.txt")
        assert row.outcome == ("failed", "400", "InvalidRequest")
        assert row.message.startswith("Bucket is missing Object")


def test_retention_is_set(both):
    bucket = both.bucket("locked", object_lock=True)
    both.store.put_object(bucket, "a.txt", b"a")
    done = both.run(_retention("GOVERNANCE", 5), [(bucket, "a.txt")])
    assert done.row("a.txt").outcome == ("succeeded", "200", "")
    retention = both.store.get_object_retention(bucket, "a.txt")
    assert retention is not None and retention.mode == "GOVERNANCE"
    assert retention.retain_until > clock.now() + timedelta(days=4)


def test_governance_needs_bypass_and_compliance_only_extends(dirstore):
    store = dirstore.store
    bucket = dirstore.bucket("locked", object_lock=True)
    store.put_object(bucket, "gov.txt", b"g")
    store.put_object(bucket, "comp.txt", b"c")
    store.put_object_retention(bucket, "gov.txt", Retention("GOVERNANCE", _in(10)))
    store.put_object_retention(bucket, "comp.txt", Retention("COMPLIANCE", _in(10)))
    rows = [(bucket, "gov.txt"), (bucket, "comp.txt")]

    shorter = dirstore.run(_retention("GOVERNANCE", 2), rows)
    assert shorter.row("gov.txt").outcome == ("failed", "403", "AccessDenied")
    assert shorter.row("comp.txt").outcome == ("failed", "403", "AccessDenied")

    bypassed = dirstore.run(_retention("GOVERNANCE", 2, bypass=True), rows)
    assert bypassed.row("gov.txt").outcome == ("succeeded", "200", "")
    assert bypassed.row("comp.txt").outcome == ("failed", "403", "AccessDenied")
    assert store.get_object_retention(bucket, "gov.txt").retain_until < _in(3)

    longer = dirstore.run(_retention("COMPLIANCE", 20), [(bucket, "comp.txt")])
    assert longer.row("comp.txt").outcome == ("succeeded", "200", "")
    assert store.get_object_retention(bucket, "comp.txt").retain_until > _in(19)

    removed = dirstore.run(_retention(None, None, bypass=True), rows)
    assert removed.row("gov.txt").outcome == ("succeeded", "200", "")
    assert removed.row("comp.txt").outcome == ("failed", "403", "AccessDenied")
    assert store.get_object_retention(bucket, "gov.txt") is None


def test_incomplete_or_past_retention_is_refused(dirstore):
    bucket = dirstore.bucket("locked", object_lock=True)
    dirstore.store.put_object(bucket, "a.txt", b"a")
    no_date = dirstore.run(_retention("GOVERNANCE", None), [(bucket, "a.txt")])
    assert no_date.row("a.txt").outcome == ("failed", "400", "MalformedXML")
    past = dirstore.run(_retention("GOVERNANCE", -1), [(bucket, "a.txt")])
    assert past.row("a.txt").outcome == ("failed", "400", "InvalidArgument")


def _in(days: int):
    return clock.now() + timedelta(days=days)
