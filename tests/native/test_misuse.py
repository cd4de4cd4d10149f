"""Go's misuse detection on the native backend: racing writers, a reader racing a
writer and typed maps are caught as Go catches them; a map handed from thread to
thread without overlap works."""

from __future__ import annotations

import sys
from typing import Any

import pytest

# --- Go's misuse detection on the native backend ----------------------------------------
KEY_KINDS = {
    "int": int, "str": str, "float": float, "bytes": lambda i: str(i).encode(),
    "tuple": lambda i: (i, i), "frozenset": lambda i: frozenset((i,)),
    "bool-and-none": lambda i: (None, True, False)[i % 3] if i < 3 else i,
}


def _race(m: Any, keyf: Any, writers: int = 4, n: int = 5000, reader: bool = False
          ) -> list[str]:
    import threading

    from gomap.errors import MapFatalError

    errors: list[str] = []
    start = threading.Barrier(writers + reader)

    def write(t: int) -> None:
        start.wait()
        try:
            for i in range(n):
                m[keyf(t * n + i)] = i
        except MapFatalError as e:
            errors.append(type(e).__name__)

    def read() -> None:
        start.wait()
        try:
            for i in range(4 * n):
                m.get(keyf(i))
        except MapFatalError as e:
            errors.append(type(e).__name__)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(writers)]
    if reader:
        threads.append(threading.Thread(target=read))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _native(impl: str) -> Any:
    from gomap import GoMap
    from gomap.native import AVAILABLE

    if not AVAILABLE:
        pytest.skip("the C extension is not built")
    return GoMap(impl=impl, backend="native")


@pytest.mark.parametrize("kind", list(KEY_KINDS))
@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_racing_writers_on_the_native_backend_are_caught_as_go_catches_them(
        impl: str, kind: str) -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        m = _native(impl)
        assert m.backend == "native"
        errors = _race(m, KEY_KINDS[kind])
    finally:
        sys.setswitchinterval(old)
    assert "ConcurrentMapWriteError" in errors, (impl, kind, len(m))


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_reader_racing_a_writer_is_caught(impl: str) -> None:
    """Caught as Go catches it: when the reader runs inside a write's window, which
    is up to the scheduler (Go's detection is best-effort too). One race of 20,000
    writes went uncaught about once in 12 on a loaded 2-core machine; up to 5
    races, each on a new map, make a miss by chance about one in 250,000."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    errors: list[str] = []
    try:
        for _ in range(5):
            errors = _race(_native(impl), int, writers=1, n=20000, reader=True)
            if errors:
                break
    finally:
        sys.setswitchinterval(old)
    assert "ConcurrentMapReadWriteError" in errors or "ConcurrentMapWriteError" in errors


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_typed_native_map_is_caught_too(impl: str) -> None:
    from gomap import GoMap

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        m = GoMap(impl=impl, key_type="string", value_type="int64", backend="native")
        errors = _race(m, str)
    finally:
        sys.setswitchinterval(old)
    assert "ConcurrentMapWriteError" in errors


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_map_handed_from_thread_to_thread_without_overlap_works(impl: str) -> None:
    import threading

    m = _native(impl)
    for k in range(1000):
        m[k] = k

    def more() -> None:
        for k in range(1000, 3000):
            m[k] = k
        for k in range(0, 3000, 2):
            del m[k]

    t = threading.Thread(target=more)
    t.start()
    t.join()
    for k in range(3000, 3100):
        m[k] = k
    assert len(m) == 1600 and sorted(m)[:3] == [1, 3, 5]
    m.check_invariants()
