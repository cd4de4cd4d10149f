"""A real ``redis-server`` (Debian's package) on a loopback port, for the tests of
the audit's Redis Streams sink and the lifecycle's Redis leases. Never a fake.

``RedisServer`` starts one server process on a free 127.0.0.1 port with no
persistence, and can be stopped and restarted on the same port (the lease tests
restart it mid-run). The ``redis_server`` fixture gives each test module its own.
``GOMAP_REQUIRE_REDIS=1`` (set by ``.ci/run``) turns a missing server or client into
a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest


def _missing(why: str) -> None:
    if os.environ.get("GOMAP_REQUIRE_REDIS") == "1":
        pytest.fail(f"{why} (GOMAP_REQUIRE_REDIS=1): scripts/setup-test-env installs it")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One ``redis-server`` on ``127.0.0.1:port``: ``start()``, ``stop()``, ``restart()``."""

    def __init__(self, port: int | None = None) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            _missing("no redis-server executable")
        try:
            import redis  # noqa: F401
        except ImportError:
            _missing("redis-py is not installed")
        self.exe = str(exe)
        self.port = port or _free_port()
        self.dir = tempfile.mkdtemp(prefix="gomap-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + timeout
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for the test module, stopped at its end."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
