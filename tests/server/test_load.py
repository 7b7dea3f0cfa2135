"""``s3bo serve`` under many clients: the listen queue and the connection threads."""

from __future__ import annotations

import http.client
import socket
import threading
from contextlib import ExitStack

from s3bo_cli.server import app
from s3bo_cli.server.pool import ThreadPool
from tests.server.conftest import ACCOUNT

BURST = 50


def test_a_burst_of_new_connections_waits_in_the_listen_queue(local_backend):
    """Connections made while the server is busy are queued by the kernel, not dropped.

    With socketserver's default backlog of 5, the sixth connection onwards has its
    SYN dropped and its connect() waits for a retransmission (1 s, then 3 s...):
    here the server does not accept at all, so such a connect() times out.
    """
    server = app.make_server(local_backend)
    try:
        with ExitStack() as stack:
            for _ in range(BURST):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                stack.enter_context(sock)
    finally:
        server.server_close()


def test_connections_reuse_threads(local_backend):
    server = app.make_server(local_backend)
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    try:
        for _ in range(20):  # one new connection after another
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", "/v20180820/jobs", headers={"x-amz-account-id": ACCOUNT})
            assert conn.getresponse().status == 200
            conn.close()
            _wait_idle(server.pool)
        assert server.pool.threads == 1
    finally:
        server.shutdown()
        server.server_close()
        serving.join()


class TestThreadPool:
    def test_an_idle_thread_takes_the_next_job(self):
        pool = ThreadPool(idle_seconds=30)
        try:
            for _ in range(10):
                done = threading.Event()
                pool.submit(done.set)
                assert done.wait(10)
                _wait_idle(pool)
            assert pool.threads == 1
        finally:
            pool.close()

    def test_busy_threads_never_hold_up_a_new_job(self):
        pool = ThreadPool(idle_seconds=30)
        release = threading.Event()
        started = threading.Semaphore(0)
        try:
            for _ in range(5):  # five slow clients hold five threads
                pool.submit(lambda: (started.release(), release.wait(10)))
            for _ in range(5):
                assert started.acquire(timeout=10)
            done = threading.Event()
            pool.submit(done.set)
            assert done.wait(10)
            assert pool.threads == 6
        finally:
            release.set()
            pool.close()

    def test_idle_threads_end(self):
        pool = ThreadPool(idle_seconds=0.05)
        done = threading.Event()
        pool.submit(done.set)
        assert done.wait(10)
        for _ in range(200):
            if pool.threads == 0:
                break
            threading.Event().wait(0.05)
        assert pool.threads == 0

    def test_close_ends_idle_threads(self):
        pool = ThreadPool(idle_seconds=60)
        done = threading.Event()
        pool.submit(done.set)
        assert done.wait(10)
        _wait_idle(pool)
        pool.close()
        for _ in range(200):
            if pool.threads == 0:
                break
            threading.Event().wait(0.05)
        assert pool.threads == 0


def _wait_idle(pool: ThreadPool) -> None:
    for _ in range(200):
        if pool.idle == pool.threads:
            return
        threading.Event().wait(0.01)
