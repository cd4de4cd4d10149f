"""Misuse detection: Go's ``writing`` flag, modelled by a non-blocking lock."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from gomap.errors import (
    ConcurrentMapIterationWriteError,
    ConcurrentMapReadWriteError,
    ConcurrentMapWriteError,
    MapFatalError,
)
from gomap.hashing import default_rand
from gomap.swiss import SwissMap


def map_calling_during_write(action: Callable[[SwissMap], Any]) -> SwissMap:
    """A map whose observer runs ``action`` in the middle of a write (tableGrow)."""
    m = SwissMap(rand=default_rand(1))

    def observer(event: str, details: dict[str, Any]) -> None:
        if event == "tableGrow":
            action(m)

    for i in range(14):
        m.assign(i, i)
    m.subscribe(observer)
    return m


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (lambda m: m.assign(-1, 0), ConcurrentMapWriteError),
        (lambda m: m.delete(3), ConcurrentMapWriteError),
        (lambda m: m.clear(), ConcurrentMapWriteError),
        (lambda m: m.lookup(3), ConcurrentMapReadWriteError),
        (lambda m: m.clone(), MapFatalError),
    ],
    ids=["write", "delete", "clear", "read", "clone"],
)
def test_operation_during_a_write_is_detected(action: Callable[[SwissMap], Any],
                                              error: type[Exception]) -> None:
    m = map_calling_during_write(action)
    with pytest.raises(error):
        m.assign(14, 14)  # grows: the observer runs inside the write
    assert not m.writing  # the outer write released the flag
    m.check_invariants()
    m.subscribers.clear()
    m.assign(14, 14)
    assert m.lookup(14) == (True, 14)


def test_iterator_step_during_a_write_is_detected() -> None:
    m = SwissMap(rand=default_rand(1))
    for i in range(14):
        m.assign(i, i)
    it = m.iterator()

    def observer(event: str, details: dict[str, Any]) -> None:
        if event == "tableGrow":
            it.next()

    m.subscribe(observer)
    with pytest.raises(ConcurrentMapIterationWriteError, match="iteration and map write"):
        m.assign(14, 14)
    m.subscribers.clear()
    m.check_invariants()


def test_read_of_an_empty_map_during_a_write_is_not_detected() -> None:
    # mapaccess returns before checking writing when the map is empty.
    m = SwissMap(rand=default_rand(1))
    m._writing.acquire()
    try:
        assert m.lookup(1) == (False, None)
        m.delete(1)  # Delete on an empty map returns early too
    finally:
        m._writing.release()


def test_two_writer_threads_raise_concurrent_map_writes_without_deadlock() -> None:
    m = SwissMap(rand=default_rand(1))
    errors: list[BaseException] = []
    deadline = time.monotonic() + 10
    stop = threading.Event()

    def writer(base: int) -> None:
        i = 0
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                m.assign(base + i % 5000, i)
                if i % 3 == 0:
                    m.delete(base + (i - 1) % 5000)
                i += 1
        except ConcurrentMapWriteError as e:
            errors.append(e)
            stop.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=writer, args=(b,)) for b in (0, 1_000_000)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=15)
    finally:
        sys.setswitchinterval(old)
    assert not any(t.is_alive() for t in threads), "a writer thread hung"
    assert errors, "no concurrent write was detected"
    assert str(errors[0]) == "concurrent map writes"
    assert not m.writing
    m.check_invariants()  # the detecting writer raised before changing anything


def test_reader_thread_detects_a_concurrent_writer() -> None:
    m = SwissMap(rand=default_rand(1))
    for i in range(100):
        m.assign(i, i)
    errors: list[BaseException] = []
    stop = threading.Event()
    deadline = time.monotonic() + 10

    def writer() -> None:
        i = 0
        while not stop.is_set() and time.monotonic() < deadline:
            m.assign(1000 + i % 3000, i)
            i += 1

    def reader() -> None:
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                m.lookup(5)
        except ConcurrentMapReadWriteError as e:
            errors.append(e)
        finally:
            stop.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=15)
    finally:
        sys.setswitchinterval(old)
    assert not any(t.is_alive() for t in threads)
    assert errors and str(errors[0]) == "concurrent map read and map write"
    m.check_invariants()
