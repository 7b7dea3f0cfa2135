"""The DirStore's turn: one thread at a time between waits, given up at every wait."""

from __future__ import annotations

import os
import threading
import zlib
from pathlib import Path

import pytest

from s3bo_cli.stores.dirlayout import LOCK_STRIPES
from s3bo_cli.stores.dirstore import DirStore
from s3bo_cli.stores.dirturn import TURN, Turn

#: A guard against a deadlock hanging the suite (the tests never wait this long).
STUCK = 60


@pytest.fixture
def ds(tmp_path: Path) -> DirStore:
    store = DirStore(tmp_path / "buckets")
    store.create_bucket("data")
    return store


def test_the_turn_excludes_other_threads_and_is_reentrant() -> None:
    turn = Turn()
    taken = threading.Event()
    with turn.held(), turn.held():  # again on the same thread

        def other() -> None:
            with turn.held():
                taken.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert not taken.is_set()
        with turn.waiting():  # given up: the other thread gets it
            assert taken.wait(STUCK)
            thread.join(STUCK)
    assert not thread.is_alive()


def test_a_nested_wait_gives_up_nothing_more_and_the_turn_comes_back_whole() -> None:
    turn = Turn()
    taken = threading.Event()

    def other() -> None:
        with turn.held():
            taken.set()

    with turn.held():
        with turn.waiting(), turn.waiting():  # a wait inside a wait (a save's fsync)
            thread = threading.Thread(target=other)
            thread.start()
            assert taken.wait(STUCK)
            thread.join(STUCK)
            with turn.held():  # taken again inside the wait, and given back
                pass
        # Held again by this thread alone: another thread cannot take it.
        assert not turn._lock.acquire(blocking=False)
    assert turn._lock.acquire(blocking=False)


def test_a_tag_write_gives_the_turn_up_while_its_record_is_fsynced(
    ds: DirStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another thread's update runs while the first waits on the disk."""
    (Path(ds.root) / "data/a").write_bytes(b"a")
    (Path(ds.root) / "data/b").write_bytes(b"b")
    b_done = threading.Event()
    real_fsync = os.fsync
    first = threading.Event()

    def slow_fsync(fd: int) -> None:
        if not first.is_set():  # the first write waits for the second to finish
            first.set()
            assert b_done.wait(STUCK), "the turn was held through the fsync"
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    writer = threading.Thread(target=lambda: ds.put_object_tagging("data", "a", {"t": "a"}))
    writer.start()
    assert first.wait(STUCK)
    ds.put_object_tagging("data", "b", {"t": "b"})
    b_done.set()
    writer.join(STUCK)
    assert not writer.is_alive()
    assert ds.get_object_tagging("data", "a") == {"t": "a"}
    assert ds.get_object_tagging("data", "b") == {"t": "b"}


def test_many_threads_updating_objects_that_share_locks_never_deadlock(tmp_path: Path) -> None:
    """Each object's lock is waited for with the turn given up: a thread in its turn never
    waits for a lock whose holder needs the turn back (same keys, and keys sharing a
    lock stripe)."""
    ds = DirStore(tmp_path / "buckets", fsync=False)  # the locks, not the disk
    ds.create_bucket("data")
    keys = [f"k{i}" for i in range(64)]
    stripes = {zlib.crc32(key.encode()) % LOCK_STRIPES for key in keys}
    assert len(stripes) < len(keys)  # some keys share a lock
    for key in keys:
        ds.put_object("data", key, b"x")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for round_ in range(3):
                for key in keys[n::4] + keys[:8]:  # the first keys by every thread
                    ds.put_object_tagging("data", key, {"n": str(n), "r": str(round_)})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(STUCK)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    for key in keys:
        assert set(ds.get_object_tagging("data", key)) == {"n", "r"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_starts_with_the_turn_free() -> None:
    """A task process forked while a thread of its parent held the turn can take it."""
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with TURN.held():
            held.set()
            release.wait(STUCK)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(STUCK)
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if it got the turn
        got = TURN._lock.acquire(timeout=STUCK)
        os._exit(0 if got else 1)
    release.set()
    thread.join(STUCK)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
