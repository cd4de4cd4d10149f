"""Test support for the tracer and the page: a Python twin of page.js's step
application (so every step's deltas can be checked against the engine's snapshot
without a browser), and the comparisons of a reconstructed state with a snapshot."""

from __future__ import annotations

from typing import Any

from gomap.trace.viz import key_text


class PageTwin:
    """Applies a page's steps the way page.js does (forward only)."""

    def __init__(self, impl: str, keys: list[str]) -> None:
        self.impl = impl
        self.keys = keys
        self.new: list[list[list[list[int]]]] | None = None
        self.old: list[list[list[list[int]]]] | None = None
        self.tables: dict[int, dict[str, Any]] = {}
        self.dir: list[int] = []

    @staticmethod
    def _fresh(n: int) -> list[list[list[list[int]]]]:
        return [[[[0] * 8, [-1] * 8]] for _ in range(n)]

    def apply(self, deltas: Any) -> None:
        for d in deltas or ():
            t = d[0]
            if t == "A":
                self.new = self._fresh(d[1])
            elif t == "G":
                self.old, self.new = self.new, self._fresh(1 << d[1])
            elif t == "E":
                self.old = None
            elif t == "C":
                assert self.new is not None
                self.new, self.old = self._fresh(len(self.new)), None
            elif t == "c":
                arr = self.new if d[1] == 0 else self.old
                assert arr is not None
                was = arr[d[2]]
                chain = [[list(was[p][0]), list(was[p][1])] if p < len(was) else
                         [[0] * 8, [-1] * 8] for p in range(d[3])]
                cells = d[4]
                for j in range(0, len(cells), 3):
                    p, c = cells[j] >> 3, cells[j] & 7
                    chain[p][0][c] = cells[j + 1]
                    chain[p][1][c] = cells[j + 2]
                arr[d[2]] = chain
            elif t == "T":
                ctrl = list(bytes.fromhex(d[4]))
                keys = [-1] * d[2]
                for j in range(0, len(d[5]), 2):
                    keys[d[5][j]] = d[5][j + 1]
                self.tables[d[1]] = {"cap": d[2], "ld": d[3], "ctrl": ctrl, "keys": keys}
            elif t == "s":
                tab = self.tables[d[1]]
                f = d[2]
                for j in range(0, len(f), 3):
                    tab["ctrl"][f[j]] = f[j + 1]
                    tab["keys"][f[j]] = f[j + 2]
            elif t == "D":
                self.dir = list(d[1])
            else:
                raise AssertionError(f"unknown delta {d!r}")

    def state(self) -> dict[str, Any]:
        """The same shape as page.js's ``gomapViz.state(impl)``."""
        kt = self.keys

        def text(k: int) -> str:
            return kt[k] if k >= 0 else ""

        if self.impl == "classic":
            def conv(arr: Any) -> Any:
                if arr is None:
                    return None
                return [[{"tophash": b[0], "keys": [text(k) for k in b[1]]} for b in ch]
                        for ch in arr]
            return {"buckets": conv(self.new), "oldbuckets": conv(self.old)}
        uniq: list[int] = []
        for tid in self.dir:
            if not uniq or uniq[-1] != tid:
                uniq.append(tid)

        def tconv(tid: int) -> dict[str, Any]:
            tb = self.tables[tid]
            return {"tid": tid, "capacity": tb["cap"], "local_depth": tb["ld"],
                    "ctrl": tb["ctrl"], "keys": [text(k) for k in tb["keys"]]}

        small = tconv(-1) if not self.dir and -1 in self.tables else None
        return {"small": small, "directory": list(self.dir), "tables": [tconv(t) for t in uniq]}


def expected_state(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot in the page's state shape (key texts, no elems)."""
    def kt(k: Any) -> str:
        return "" if k is None else key_text(k)

    if snap["impl"] == "classic":
        def conv(arr: Any) -> Any:
            if arr is None:
                return None
            return [[{"tophash": list(b["tophash"]), "keys": [kt(k) for k in b["keys"]]}
                     for b in ch] for ch in arr]
        return {"buckets": conv(snap["buckets"]), "oldbuckets": conv(snap["oldbuckets"])}
    small = None
    if snap["small"] is not None:
        g = snap["small"]
        small = {"capacity": 8, "local_depth": 0, "ctrl": list(g["ctrl"]),
                 "keys": [kt(k) for k in g["keys"]]}
    tables = []
    for t in snap["tables"]:
        ctrl: list[int] = []
        keys: list[str] = []
        for g in t["groups"]:
            ctrl += g["ctrl"]
            keys += [kt(k) for k in g["keys"]]
        tables.append({"capacity": t["capacity"], "local_depth": t["local_depth"],
                       "ctrl": ctrl, "keys": keys})
    return {"small": small, "directory": list(snap["directory"]), "tables": tables}


def normalise_page_state(st: dict[str, Any]) -> dict[str, Any]:
    """A page state with table ids replaced by positions (as in a snapshot)."""
    if "buckets" in st:
        return st
    pos: dict[int, int] = {}
    for tid in st["directory"]:
        pos.setdefault(tid, len(pos))
    small = st["small"]
    if small is not None:
        small = {k: v for k, v in small.items() if k != "tid"}
    return {"small": small, "directory": [pos[t] for t in st["directory"]],
            "tables": [{k: v for k, v in t.items() if k != "tid"} for t in st["tables"]]}


def snapshot_counters(snap: dict[str, Any], live_bytes: int) -> dict[str, int]:
    """The tracer's counters derived from a snapshot alone (a full scan)."""
    if snap["impl"] == "classic":
        tomb = 0
        for ch in snap["buckets"] or ():
            for b in ch:
                tomb += b["tophash"].count(1)
        return {"count": snap["count"], "B": snap["B"], "noverflow": snap["noverflow"],
                "nevacuate": snap["nevacuate"], "growing": int(snap["oldbuckets"] is not None),
                "tombstones": tomb, "live_bytes": live_bytes}
    return {"count": snap["used"], "tables": len(snap["tables"]), "dir_len": snap["dir_len"],
            "global_depth": snap["global_depth"],
            "tombstones": sum(t["tombstones"] for t in snap["tables"]),
            "growth_left": sum(t["growth_left"] for t in snap["tables"]),
            "live_bytes": live_bytes}
