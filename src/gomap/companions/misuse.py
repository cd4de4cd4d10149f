"""The misuse demo: one racing workload on a plain ``GoMap`` and on every companion.

Four threads write (and delete) disjoint ranges of keys in one shared map, with
the interpreter switching threads every microsecond. A plain ``GoMap`` is not
safe for that — exactly like a Go map, it detects the race and raises Go's fatal
error (``concurrent map writes`` and friends, :class:`gomap.MapFatalError`). Each
companion completes and ends with exactly the expected contents.

Run it: ``python -m gomap.companions.misuse``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, MutableMapping
from functools import partial
from typing import Any

from gomap import GoMap, MapFatalError
from gomap.companions.registry import COMPANIONS


def racing_workload(m: MutableMapping[Any, Any], *, threads: int = 4, n: int = 2000,
                    timeout: float = 20.0) -> tuple[dict[Any, Any], BaseException | None]:
    """Run the workload on ``m``; return ``(expected contents, first error or None)``.

    Thread ``t`` stores keys ``(t, 0) .. (t, n-1)``, deletes the odd ones and reads
    its keys back; the expected result is every even key with its value."""
    errors: list[BaseException] = []
    deadline = time.monotonic() + timeout

    def worker(t: int) -> None:
        try:
            for i in range(n):
                m[(t, i)] = i
                if i % 2:
                    del m[(t, i)]
                if m.get((t, i - (i % 2))) != i - (i % 2):
                    raise AssertionError(f"thread {t} lost its own write {(t, i)}")
                if errors or time.monotonic() > deadline:
                    return
        except BaseException as e:  # reported to the caller
            errors.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
    finally:
        sys.setswitchinterval(old)
    expected = {(t, i): i for t in range(threads) for i in range(0, n, 2)}
    return expected, (errors[0] if errors else None)


MAPS: dict[str, Callable[[], MutableMapping[Any, Any]]] = {
    "GoMap (swiss)": partial(GoMap, impl="swiss"),
    "GoMap (classic)": partial(GoMap, impl="classic"),
    **{spec.label: spec.new for spec in COMPANIONS.values() if spec.misuse_demo},
}
"""Every map the demo races: a plain ``GoMap`` of each engine, then every companion
of :mod:`gomap.companions.registry` that takes part in the demo."""


def main() -> int:
    """Print, for each map kind, whether the racing workload completed correctly."""
    for name, make in MAPS.items():
        m = make()
        expected, err = racing_workload(m)
        if err is not None:
            kind = "Go fatal error" if isinstance(err, MapFatalError) else "error"
            print(f"{name:16} {kind}: {type(err).__name__}: {err}")
        else:
            verdict = "correct" if dict(m.items()) == expected else "WRONG CONTENTS"
            print(f"{name:16} completed, {len(m)} entries, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
