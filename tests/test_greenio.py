"""The greenlet event loop: tasks wait on sockets and timers on one thread, without locks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

from s3bo_cli import greenio
from s3bo_cli.greenio import Loop


def run_all(loop: Loop, done: Callable[[], bool]) -> None:
    """Turn the loop until ``done()`` (each task interrupts the turn as it ends)."""
    while not done():
        loop.run(60)


def test_many_tasks_wait_on_sockets_at_once_on_one_thread() -> None:
    loop = Loop()
    pairs = [socket.socketpair() for _ in range(50)]
    woken: list[tuple[int, int]] = []  # (task, thread)
    waiting: list[int] = []

    def task(i: int) -> None:
        waiting.append(i)
        greenio.wait_io(pairs[i][0].fileno(), timeout=60)
        woken.append((i, threading.get_ident()))
        loop.interrupt()

    for i in range(50):
        loop.spawn(task, i)
    loop.run(0)
    assert sorted(waiting) == list(range(50))  # every task is waiting at once ...
    assert woken == []
    for i in reversed(range(50)):  # ... and each goes on when its socket is readable
        pairs[i][1].send(b"x")
        loop.run(60)
        assert woken[-1][0] == i
    assert {thread for _, thread in woken} == {threading.get_ident()}
    for a, b in pairs:
        a.close()
        b.close()


def test_a_wait_times_out_in_its_task_only() -> None:
    loop = Loop()
    quiet, _peer = socket.socketpair()
    talking, peer = socket.socketpair()
    outcome: dict[str, Any] = {}

    def waits_forever() -> None:
        try:
            greenio.wait_io(quiet.fileno(), timeout=0.05)
        except TimeoutError:
            outcome["quiet"] = "timed out"
        loop.interrupt()

    def answered() -> None:
        greenio.wait_io(talking.fileno(), timeout=60)
        outcome["talking"] = talking.recv(10)
        loop.interrupt()

    loop.spawn(waits_forever)
    loop.spawn(answered)
    with quiet, _peer, talking, peer:
        peer.send(b"hello")
        run_all(loop, lambda: len(outcome) == 2)
    assert outcome == {"quiet": "timed out", "talking": b"hello"}


def test_a_sleeping_task_lets_the_others_run() -> None:
    loop = Loop()
    order: list[str] = []

    def sleeper() -> None:
        greenio.sleep(0.05)
        order.append("slept")
        loop.interrupt()

    def worker() -> None:
        order.append("worked")

    loop.spawn(sleeper)
    loop.spawn(worker)
    run_all(loop, lambda: len(order) == 2)
    assert order == ["worked", "slept"]


def test_a_parked_task_goes_on_when_resumed() -> None:
    loop = Loop()
    order: list[str] = []
    parked: list[Any] = []

    def waiter() -> None:
        parked.append(loop.current())
        loop.park()
        order.append("resumed")
        loop.interrupt()

    def waker() -> None:
        order.append("waking")
        loop.resume(parked[0])

    loop.spawn(waiter)
    loop.run(0)
    assert order == []
    loop.spawn(waker)
    run_all(loop, lambda: len(order) == 2)
    assert order == ["waking", "resumed"]


def test_a_reader_callback_runs_on_the_hub_and_can_end_the_turn() -> None:
    loop = Loop()
    inbox, sender = socket.socketpair()
    got: list[bytes] = []

    def read() -> None:
        got.append(inbox.recv(10))
        loop.interrupt()

    loop.add_reader(inbox.fileno(), read)
    with inbox, sender:
        sender.send(b"tasks")
        loop.run(60)  # returns after the turn that read the message, not after a minute
    assert got == [b"tasks"]


def test_off_the_loop_a_wait_blocks_the_thread() -> None:
    assert greenio.running() is None
    a, b = socket.socketpair()
    with a, b:
        with pytest.raises(TimeoutError):
            greenio.wait_io(a.fileno(), timeout=0.01)
        b.send(b"x")
        greenio.wait_io(a.fileno(), timeout=60)  # readable: returns at once
        assert a.recv(1) == b"x"


def test_the_hub_itself_is_not_a_task() -> None:
    loop = Loop()
    seen: list[object] = []
    loop.spawn(lambda: seen.append(greenio.running()))
    loop.run(0)
    assert seen == [loop]
    assert greenio.running() is None  # the hub, after (and outside) its turn
