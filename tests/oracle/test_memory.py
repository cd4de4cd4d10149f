"""The heap accounting against the real runtimes, byte for byte.

For each engine and each map type of the matrix (pointer-free, pointerful,
indirect keys, indirect elems, malloc-header-sized buckets, generic keys), the six
workload shapes (fill, fill then drain, churn at constant size, grow-shrink
cycles, a random mix with ranges and clears, hint-sized creation) run on a real Go
map (``go/memclassic`` with Go 1.23.9, ``go/memswiss`` with Go 1.27.3) measured with
``runtime.ReadMemStats`` after every operation, and on gomap's accounted engine fed
the runtime's hashes. Every operation's allocated bytes and allocation count, and
the live bytes after a GC wherever they may have changed, must be equal.
"""

from __future__ import annotations

import pytest

from gomap.native import NATIVE_IMPLS
from gomap.oracle.memory_driver import PAIRS, replay_matrix_pair
from gomap.oracle.toolchain import GO_VERSIONS
from tests.support import IMPLS
from tests.support.oracle import assert_memory_exact, require_go

pytestmark = pytest.mark.oracle


# every engine on the Python reference, and each engine that has a native backend on it
BACKENDS = [(impl, "python") for impl in IMPLS] + [(impl, "native") for impl in NATIVE_IMPLS]


@pytest.mark.parametrize("impl,backend", BACKENDS, ids=[f"{i}-{b}" for i, b in BACKENDS])
@pytest.mark.parametrize("key,elem", PAIRS, ids=[f"{k}->{e}" for k, e in PAIRS])
def test_memory_matrix_matches_the_runtime(
    impl: str, key: str, elem: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gomap.native import AVAILABLE

    if backend == "native" and not AVAILABLE:  # CI asserts that the extension built
        pytest.skip("the native extension is not built")
    monkeypatch.setenv("GOMAP_BACKEND", backend)  # the accounted engines follow it
    require_go(GO_VERSIONS[f"mem{impl}"])
    r = replay_matrix_pair(impl, key, elem)
    assert_memory_exact(r)
    ev = r.events
    assert ev.get("range", 0) > 0 and ev.get("clear", 0) > 0
    if impl == "classic":
        # doubling and same-size growth, both kinds of overflow buckets
        assert ev.get("grow", 0) > 0 and ev.get("same-size grow", 0) > 0, ev
        assert ev.get("prealloc overflow", 0) > 0 and ev.get("heap overflow", 0) > 0, ev
        if "[17]int64" in key or "[20]int64" in elem or "string" in key + elem:
            assert ev.get("unlinked overflow", 0) > 0, ev  # pointerful: chains freed early
        if key == "[17]int64" or elem == "[20]int64":
            assert ev.get("orphaned entries (ops)", 0) > 0, ev
    else:
        for name in ("smallToTable", "tableGrow", "split", "directoryGrow"):
            assert ev.get(name, 0) > 0, ev
