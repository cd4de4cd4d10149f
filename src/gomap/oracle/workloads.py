"""Operation scripts for the oracle: random ones and named shapes that reach every path.

A script is a list of operations with Python keys (see :mod:`gomap.oracle.keys`):
``["make", hint]`` (always first), ``["set", k, v]``, ``["get", k]``, ``["del", k]``,
``["clear"]``, ``["iter", id]``, ``["next", id]``, ``["stop", id]``, ``["dump"]``.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from typing import Any

from gomap.gokeys import IfaceKey

Op = list[Any]

NAN_BASE = 0x7FF8_0000_0000_0000


class KeyMaker:
    """Turns an integer index into a key of the given type; NaNs get unique payloads."""

    def __init__(self, key_type: str, rng: random.Random) -> None:
        self.key_type = key_type
        self.rng = rng
        self.nan_counter = 0
        self._salt = rng.getrandbits(30)

    def key(self, i: int) -> Any:
        t = self.key_type
        if t in ("int64", "bigkey"):
            if t == "int64":
                # spread over the int64 range, deterministic per index
                x = (i * 0x9E3779B97F4A7C15 + self._salt) & ((1 << 64) - 1)
                return x - (1 << 64) if x >= 1 << 63 else x
            return i * 7 - 1000
        if t == "string":
            return f"k{i:x}-{'x' * (i % 23)}"
        if t == "float64":
            special = {0: 0.0, 1: -0.0, 2: float("inf"), 3: float("-inf")}
            if i in special:
                return special[i]
            return (i - 1000) * 0.25
        if t == "struct":
            return ((i * 7919) % 2_000_000 - 1_000_000, f"s{i}")
        if t == "array":
            return (i % 65536 - 32768, (i >> 16) - 32768, (i * 31) % 65536 - 32768)
        if t in ("complex64", "complex128"):  # every value is exact in float32 too
            edges: dict[int, complex] = {
                0: 0j, 1: complex(-0.0, 0.0), 2: complex(0.0, -0.0),
                3: complex(float("inf"), -1.0), 4: complex(1.0, float("-inf"))}
            if i in edges:
                return edges[i]
            return complex((i - 1000) * 0.5, (i % 7) * 0.25)
        if t == "any":
            # int64 n, string, float64 n, struct and pointer (object n) by turns:
            # IfaceKey(5) and IfaceKey(5.0) are different keys (dynamic types
            # differ); -0.0 is the key 0.0.
            n, kind = divmod(i, 5)
            if kind == 0:
                return IfaceKey(n - 500, "int64")
            if kind == 1:
                return IfaceKey(f"k{n:x}", "string")
            if kind == 2:
                return IfaceKey(-0.0 if n == 1 else float(n - 500), "float64")
            if kind == 3:
                return IfaceKey(((n * 7919) % 2_000_000 - 1_000_000, f"s{n}"), "struct")
            return IfaceKey(n, "pointer")
        if t == "chan":
            return i  # channel number i of the run (the harness makes it once)
        if t == "pointer":
            return i  # object number i of the run (the harness allocates it once)
        raise ValueError(f"unknown key type {t!r}")

    def nan(self) -> Any:
        """A NaN with a payload no other NaN of this script has (in an interface for any)."""
        self.nan_counter += 1
        bits = NAN_BASE | self.nan_counter
        nan = float(struct.unpack("<d", bits.to_bytes(8, "little"))[0])
        return IfaceKey(nan, "float64") if self.key_type == "any" else nan


class ScriptBuilder:
    """Builds a script, keeping track of open iterators and stepping them."""

    def __init__(self, key_type: str, seed: int, hint: int = 0) -> None:
        self.rng = random.Random(seed)
        self.keys = KeyMaker(key_type, self.rng)
        self.ops: list[Op] = [["make", hint]]
        self.open_iters: list[int] = []
        self.next_iter = 0
        self.value = 0

    def _v(self) -> int:
        self.value += 1
        return self.value

    def set(self, i: int) -> None:
        self.ops.append(["set", self.keys.key(i), self._v()])

    def set_nan(self) -> None:
        self.ops.append(["set", self.keys.nan(), self._v()])

    def delete(self, i: int) -> None:
        self.ops.append(["del", self.keys.key(i)])

    def get(self, i: int) -> None:
        self.ops.append(["get", self.keys.key(i)])

    def clear(self) -> None:
        self.ops.append(["clear"])

    def start_iter(self) -> None:
        self.ops.append(["iter", self.next_iter])
        self.open_iters.append(self.next_iter)
        self.next_iter += 1

    def step_iters(self, p: float = 1.0) -> None:
        for it in list(self.open_iters):
            if self.rng.random() < p:
                self.ops.append(["next", it])

    def stop_iter(self, it: int) -> None:
        self.ops.append(["stop", it])
        self.open_iters.remove(it)

    def maybe_stop_iters(self, p: float) -> None:
        for it in list(self.open_iters):
            if self.rng.random() < p:
                self.stop_iter(it)

    def clone(self) -> None:
        """``m = maps.Clone(m)`` (open iterators stay on the old map)."""
        self.ops.append(["clone"])

    def remake(self, hint: int = 0) -> None:
        """A new map (the harness forgets every iterator)."""
        self.ops.append(["make", hint])
        self.open_iters.clear()


def random_script(key_type: str, n_ops: int, seed: int) -> list[Op]:
    """Random operations in phases (grow, churn, shrink, refill), with iterators open
    across mutations, occasional clears, and NaN keys for float64."""
    rng = random.Random(seed)
    hint = rng.choice([0, 0, 0, 5, 20, 100, 1000])
    s = ScriptBuilder(key_type, seed, hint)
    space = 8
    phase = "grow"
    while len(s.ops) < n_ops:
        r = rng.random()
        if r < 0.002:
            phase = rng.choice(["grow", "churn", "shrink", "grow", "churn"])
            space = rng.choice([8, 30, 200, 1000, 5000])
        if phase == "grow":
            space += 1 if rng.random() < 0.5 else 0
        p_set = {"grow": 0.7, "churn": 0.5, "shrink": 0.25}[phase]
        x = rng.random()
        k = rng.randrange(space)
        if x < p_set:
            s.set(k)
        elif x < p_set + 0.25:
            s.delete(k)
        else:
            s.get(k)
        if key_type in ("float64", "any") and rng.random() < 0.003:
            s.set_nan()
        if rng.random() < 0.0005:
            s.clear()
        if rng.random() < 0.003 and len(s.open_iters) < 3:
            s.start_iter()
        if s.open_iters:
            s.step_iters(0.5)
            s.maybe_stop_iters(0.002)
    return s.ops[:n_ops]


# --- named shapes ---------------------------------------------------------------------
def shape_steady_growth(key_type: str, seed: int, n: int = 7000) -> list[Op]:
    """Insert n keys (to B >= 10), looking a few up along the way."""
    s = ScriptBuilder(key_type, seed)
    for i in range(n):
        s.set(i)
        if i % 50 == 0:
            s.get(i // 2)
    return s.ops


def shape_hint_sized(key_type: str, seed: int, n: int = 3000) -> list[Op]:
    """make(map, n) then fill to n and a little beyond."""
    s = ScriptBuilder(key_type, seed, hint=n)
    for i in range(n + n // 3):
        s.set(i)
    return s.ops


def shape_churn(key_type: str, seed: int, size: int = 416, cycles: int = 25) -> list[Op]:
    """Delete/insert cycles at constant size (by default 416 = 6.5 * 64, the most a
    64-bucket classic map holds): overflow buckets pile up and force same-size
    growth (classic) / tombstones and pruning (Swiss, golang/go#70886)."""
    s = ScriptBuilder(key_type, seed)
    for i in range(size):
        s.set(i)
    nxt = size
    live = list(range(size))
    for _ in range(cycles):
        for _ in range(size):
            j = s.rng.randrange(len(live))
            s.delete(live[j])
            live[j] = nxt
            s.set(nxt)
            nxt += 1
    return s.ops


def shape_churn_small(key_type: str, seed: int) -> list[Op]:
    """Churn at 52 entries (the most B=3 holds): same-size growth comes quickly."""
    return shape_churn(key_type, seed, size=52, cycles=80)


def shape_drain_refill(key_type: str, seed: int, n: int = 2000) -> list[Op]:
    """Fill, delete everything (the map re-seeds when it becomes empty), refill."""
    s = ScriptBuilder(key_type, seed)
    for rnd in range(3):
        for i in range(n):
            s.set(i + rnd)
        order = list(range(n))
        s.rng.shuffle(order)
        for i in order:
            s.delete(i + rnd)
    return s.ops


def shape_clear(key_type: str, seed: int, n: int = 1500) -> list[Op]:
    """Clear with and without live iterators, during and after growth."""
    s = ScriptBuilder(key_type, seed)
    for rnd in range(4):
        for i in range(n):
            s.set(i * 3 + rnd)
            if rnd % 2 and i == n // 2:
                s.start_iter()
            s.step_iters(0.3)
        s.clear()
        for _ in range(5):
            s.step_iters()
        s.set(rnd)
    return s.ops


def shape_iterate_while_growing(key_type: str, seed: int, n: int = 3000) -> list[Op]:
    """Iterators started before and during growth, stepped while inserting and
    deleting, until they end."""
    s = ScriptBuilder(key_type, seed)
    for i in range(n):
        s.set(i)
        if i in (5, 9, 40, 300, 1000, 2000):
            s.start_iter()
        if i % 3 == 0:
            s.delete(s.rng.randrange(i + 1))
        s.step_iters(0.4)
    for _ in range(4 * n):
        if not s.open_iters:
            break
        s.step_iters()
        if s.rng.random() < 0.3:
            s.set(s.rng.randrange(2 * n))
    return s.ops


def shape_iterate_while_deleting(key_type: str, seed: int, n: int = 2000) -> list[Op]:
    """Range over the map deleting each produced key and others ahead of it."""
    s = ScriptBuilder(key_type, seed)
    for i in range(n):
        s.set(i)
    s.start_iter()
    for _ in range(3 * n):
        if not s.open_iters:
            break
        s.step_iters()
        s.delete(s.rng.randrange(n))
    return s.ops


def shape_nan_growth(key_type: str, seed: int, n: int = 1500) -> list[Op]:
    """NaN keys inserted while the map grows, with and without an iterator."""
    s = ScriptBuilder(key_type, seed)
    for i in range(n):
        s.set(i)
        if key_type in ("float64", "any") and i % 7 == 0:
            s.set_nan()
        if i == n // 2:
            s.start_iter()
        s.step_iters(0.5)
    return s.ops


def shape_big_b(key_type: str, seed: int, n: int = 240_000) -> list[Op]:
    """Grow past B = 16, where incrnoverflow counts overflow buckets at random."""
    s = ScriptBuilder(key_type, seed, hint=200_000)
    for i in range(n):
        s.set(i)
    for i in range(0, n, 3):
        s.delete(i)
    return s.ops


SHAPES: dict[str, Callable[[str, int], list[Op]]] = {
    "steady_growth": shape_steady_growth,
    "hint_sized": shape_hint_sized,
    "churn": shape_churn,
    "churn_small": shape_churn_small,
    "drain_refill": shape_drain_refill,
    "clear": shape_clear,
    "iterate_while_growing": shape_iterate_while_growing,
    "iterate_while_deleting": shape_iterate_while_deleting,
    "nan_growth": shape_nan_growth,
    "big_b": shape_big_b,
}


# --- Swiss-table shapes (Go 1.24+ maps) ---------------------------------------------------
SWISS_TABLE_SLOTS = 1024
"""``maxTableCapacity``: past this a Swiss table splits instead of growing."""
SWISS_TABLE_MAX_USED = SWISS_TABLE_SLOTS * 7 // 8
"""896: the most entries a 1024-slot table holds (``maxAvgGroupLoad`` = 7 per 8)."""


def shape_small_to_table(key_type: str, seed: int) -> list[Op]:
    """The small map (one group, 8 slots) and its move to a 16-slot table at the 9th
    distinct key, with an iterator open on the small map across the move; for
    float64 a NaN in the small group (re-hashed, i.e. re-drawn, by the move). Then
    again from ``make(map, 8)`` (the same as ``make(map)``) and ``make(map, 9)`` (a
    16-slot table at once)."""
    s = ScriptBuilder(key_type, seed)
    for rnd, hint in enumerate((0, 8, 9, 0)):
        if rnd:
            s.remake(hint)
        base = rnd * 100
        for i in range(8):
            if key_type in ("float64", "any") and i == 3:
                s.set_nan()
            else:
                s.set(base + i)
        s.set(base + 1)  # an update, not a new key
        s.delete(base + 2)
        s.set(base + 2)
        s.get(base + 5)
        s.start_iter()
        s.step_iters()
        s.step_iters()
        s.set(base + 8)  # the 9th distinct key (the 10th for hint 9 is no event)
        s.set(base + 9)
        s.delete(base + 4)  # deleted before the iterator reaches it: never produced
        for _ in range(12):
            s.step_iters()
        for i in range(10, 30):
            s.set(base + i)
            if i % 4 == 0:
                s.delete(base + i - 3)
        s.stop_iter(s.open_iters[0])
    return s.ops


def shape_grow_to_1024(key_type: str, seed: int) -> list[Op]:
    """Grow one table 16 -> 32 -> ... -> 1024 slots (6 grows) and fill it to 896
    entries, its limit, without splitting; iterators opened at several sizes walk
    the old tables across each grow."""
    s = ScriptBuilder(key_type, seed)
    for i in range(SWISS_TABLE_MAX_USED):
        s.set(i)
        if i in (4, 20, 100, 400, 800):
            s.start_iter()
        s.step_iters(0.5)
        if i % 40 == 0:
            s.get(i // 2)
    for _ in range(SWISS_TABLE_MAX_USED):
        s.step_iters()  # every iterator runs to its end
    for it in list(s.open_iters):
        s.stop_iter(it)
    return s.ops


def shape_splits(key_type: str, seed: int, n: int = 20_000) -> list[Op]:
    """20,000 inserts: 1024-slot tables split, one directory bit deeper each time,
    and the directory doubles whenever a table already uses every bit."""
    s = ScriptBuilder(key_type, seed)
    for i in range(n):
        s.set(i)
        if i % 97 == 0:
            s.get(s.rng.randrange(i + 1))
        if i % 503 == 0:
            s.delete(s.rng.randrange(i + 1))
    return s.ops


def shape_tombstone_churn(key_type: str, seed: int) -> list[Op]:
    """Delete/insert cycles at constant size (golang/go#70886): deletes from full
    groups leave tombstones, which keep using up growthLeft. On the typed paths
    (int64, string keys) the insert that finds growthLeft == 0 prunes them
    (``pruneTombstones``) and the table keeps its size; the generic path never
    prunes, so the table grows (or splits) although the map does not. Twice: 75
    entries in a 128-slot table, 650 in a 1024-slot one (loads at which pruning
    frees its 10% of capacity whatever the seed)."""
    s = ScriptBuilder(key_type, seed)
    nxt = 0
    for rnd, (size, cycles) in enumerate(((75, 20), (650, 8))):
        if rnd:
            s.remake(0)
        live = list(range(nxt, nxt + size))
        for k in live:
            s.set(k)
        nxt += size
        for c in range(cycles * size):
            j = s.rng.randrange(len(live))
            s.delete(live[j])
            live[j] = nxt
            s.set(nxt)
            nxt += 1
            if c % 50 == 0:
                s.get(live[s.rng.randrange(len(live))])
    return s.ops


def shape_clear_large(key_type: str, seed: int, n: int = 5000) -> list[Op]:
    """clear of a large map (several tables, kept at their size), with an iterator
    open across it; clear of an empty map (a no-op: no draw), and clear of a map
    emptied by deletes that left tombstones (``tombstonePossible``: it still clears,
    re-seeds and bumps ``clearSeq``)."""
    s = ScriptBuilder(key_type, seed)
    for i in range(n):
        s.set(i)
    s.start_iter()
    for _ in range(10):
        s.step_iters()
    s.clear()
    for _ in range(3):
        s.step_iters()
    s.clear()  # empty, no tombstones: nothing happens
    for i in range(n, 2 * n):
        s.set(i)
        s.step_iters(0.1)
    order = list(range(n, 2 * n))
    s.rng.shuffle(order)
    for i in order:
        s.delete(i)  # the last one re-seeds
    s.clear()  # used == 0 but tombstonePossible
    s.clear()
    for i in range(300):
        s.set(i)
    s.clear()
    return s.ops


def shape_iterate_grow_split(key_type: str, seed: int, n: int = 6000) -> list[Op]:
    """Iterators started on the small map, on small tables, just before a split and
    on a split directory, stepped while inserting and deleting across grows, splits
    and directory doublings, until every one has ended."""
    s = ScriptBuilder(key_type, seed)
    starts = {3, 8, 12, 100, 890, 2000, 4000}
    for i in range(n):
        s.set(i)
        if i in starts:
            s.start_iter()
        if i % 3 == 0:
            s.delete(s.rng.randrange(i + 1))
        s.step_iters(0.3)
    for _ in range(n):  # until every iterator has ended
        s.step_iters()
        r = s.rng.random()
        if r < 0.3:
            s.set(s.rng.randrange(2 * n))
        elif r < 0.5:
            s.delete(s.rng.randrange(2 * n))
    return s.ops


def shape_nan_split(key_type: str, seed: int) -> list[Op]:
    """Fill one table to its limit (896 entries in 1024 slots) so the next insert
    splits it, and make that insert a NaN for float64 (whose random hash the runtime
    draws before the split: the model must take the same decision in the old table
    and land the key in the same new one). Then fill both halves close to their
    limit and insert NaNs (other key types: new keys) until one splits again, with
    lookups and deletes of NaNs (never found) in between."""
    s = ScriptBuilder(key_type, seed)
    nan = key_type in ("float64", "any")
    extra = 10**6

    def new_key() -> None:
        nonlocal extra
        if nan:
            s.set_nan()
        else:
            s.set(extra)
            extra += 1

    for i in range(SWISS_TABLE_MAX_USED):
        s.set(i)
    new_key()  # the 897th entry: the table splits
    for i in range(SWISS_TABLE_MAX_USED, 2 * SWISS_TABLE_MAX_USED - 96):
        s.set(i)
    sets = [op for op in s.ops if op[0] == "set"]
    for j in range(150):
        new_key()
        if j % 10 == 0:
            s.ops.append(["get", s.ops[-1][1]])
            s.ops.append(["del", sets[-1 - j][1] if not nan else s.ops[-2][1]])
    return s.ops


SWISS_SHAPES: dict[str, Callable[[str, int], list[Op]]] = {
    "small_to_table": shape_small_to_table,
    "grow_to_1024": shape_grow_to_1024,
    "splits": shape_splits,
    "tombstone_churn": shape_tombstone_churn,
    "clear_large": shape_clear_large,
    "iterate_grow_split": shape_iterate_grow_split,
    "nan_split": shape_nan_split,
}
"""Shapes that reach the Swiss map's own paths (run with the engine-neutral
:data:`SHAPES` by ``gomap verify --impl swiss``)."""


# --- shapes for the differences between Go releases (docs/VERSIONS.md) ------------------
def shape_small_full_update(key_type: str, seed: int) -> list[Op]:
    """Update a key of a full small map (8 entries): Go 1.27 updates in place; Go
    1.24-1.26 grow to a 16-slot table first (``m.used < 8`` fails before the key is
    looked for). Then the 9th distinct key, and again from ``make(map, 8)``."""
    s = ScriptBuilder(key_type, seed)
    for rnd in range(2):
        if rnd:
            s.remake(8)
        base = rnd * 100
        for i in range(8):
            s.set(base + i)
        s.set(base + 3)  # update of an existing key, the group full
        s.get(base + 3)
        s.start_iter()
        s.set(base + 5)
        for _ in range(4):
            s.step_iters()
        s.set(base + 8)  # a 9th distinct key
        for _ in range(8):
            s.step_iters()
        s.stop_iter(s.open_iters[0])
    return s.ops


def shape_drain_then_clear(key_type: str, seed: int) -> list[Op]:
    """Empty a multi-group table by deletes (leaving tombstones), then ``clear``:
    Go 1.25+ clears the tombstones and re-seeds (``tombstonePossible``); Go 1.24
    returns at once. Refill, to see what the tombstones cost."""
    s = ScriptBuilder(key_type, seed)
    for rnd in range(3):
        for i in range(200):
            s.set(rnd * 1000 + i)
        order = list(range(200))
        s.rng.shuffle(order)
        for i in order:
            s.delete(rnd * 1000 + i)
        s.clear()
        s.clear()  # a second clear: a no-op on every release
        for i in range(150):
            s.set(rnd * 1000 + 500 + i)
        s.clear()
    return s.ops


def shape_clear_during_growth_iter(key_type: str, seed: int) -> list[Op]:
    """Classic map: an iterator on the old bucket array while a growth is under way,
    a ``clear``, then some of the same keys re-inserted. Go ≤ 1.23 marks the old
    buckets ``emptyRest`` (the iterator skips them); Go 1.24/1.25 (noswissmap) bump
    ``clearSeq`` instead, so the iterator looks each key up and yields the
    re-inserted ones."""
    s = ScriptBuilder(key_type, seed)
    base = 0
    for n in (52, 104, 208):  # at the load factor of B = 3, 4, 5
        for i in range(n):
            s.set(base + i)
        s.start_iter()
        s.step_iters()
        for i in range(n, n + 3):  # the growth starts: old buckets stay under way
            s.set(base + i)
        s.clear()
        for i in range(0, n, 2):
            s.set(base + i)
        for _ in range(n):
            s.step_iters()
        s.stop_iter(s.open_iters[0])
        s.clear()
        base += 1000
    return s.ops


VERSION_SHAPES: dict[str, Callable[[str, int], list[Op]]] = {
    "small_full_update": shape_small_full_update,
    "drain_then_clear": shape_drain_then_clear,
    "clear_during_growth_iter": shape_clear_during_growth_iter,
}
"""Shapes aimed at the rules that differ between Go releases (docs/VERSIONS.md);
``small_full_update`` and ``drain_then_clear`` are Swiss-map shapes,
``clear_during_growth_iter`` a classic one. With ``tombstone_churn`` (pruning) and
``steady_growth`` (Go 1.21's load factor) they are the version shapes the tests run
on every supported release."""


def shape_clone(key_type: str, seed: int) -> list[Op]:
    """``m = maps.Clone(m)`` at the shapes where ``mapclone2`` / ``Map.Clone`` take
    different paths: an empty map, a small one (B = 0 copied whole; the Swiss small
    group), right after each growth starts (classic: old buckets re-inserted with
    ``mapassign`` when the clone has more buckets than the old array; NaN keys among
    them for float64), after deletes during a growth (old buckets moved whole), a map
    drained to a tenth (the clone is compact on the classic map, as big as the source
    on Swiss), with an iterator open on the old map across the clone; every clone is
    written to and cloned again."""
    s = ScriptBuilder(key_type, seed)
    s.clone()  # empty: makemap only
    for i in range(5):
        s.set(i)
    s.delete(1)
    s.clone()
    s.set(7)
    s.get(3)
    s.clone()
    n = 8
    for target in (9, 14, 27, 49, 53, 97, 105, 209, 417, 833, 1665):
        while n < target:
            s.set(n)
            n += 1
        if key_type in ("float64", "any") and target in (53, 105):
            s.set_nan()
            s.set_nan()
        s.clone()
        s.get(n - 1)
    for i in range(n, 3329):  # the growth to B = 10 starts at the 3329th entry
        s.set(i)
    for i in range(0, 240, 2):  # deletes during the growth: the clone needs B = 9
        s.delete(i)
    s.clone()
    s.start_iter()
    s.step_iters()
    order = list(range(240, 3329))
    s.rng.shuffle(order)
    for i in order[: len(order) * 9 // 10]:
        s.delete(i)
        if i % 97 == 0:
            s.step_iters()
    s.clone()  # drained; the old map's iterator goes on over the old map
    for _ in range(20):
        s.step_iters()
    s.stop_iter(s.open_iters[0])
    for i in range(5000, 5400):
        s.set(i)
    s.clone()
    s.clear()
    s.clone()
    return s.ops


def shape_prune_thresholds(key_type: str, seed: int, repeats: int = 10) -> list[Op]:
    """``pruneTombstones`` at both of its 10% thresholds (Go 1.25+, typed paths):
    tables of 64 and 128 slots filled to their limit (56 / 112 entries), a large
    random part deleted (the deletes from full groups leave tombstones), then new
    keys until the table must prune or grow. With this many deletes few probe
    sequences cross the deleted groups, so the prune often frees nearly every
    tombstone: the runs land on ``tombstones * 10 >= capacity`` and ``cnt * 10 >=
    capacity`` from both sides (7 of 64, 13 and 14 of 128: what a 9% or 11% mutant
    decides differently). Each map is a fresh ``make``; where exactly each lands
    depends on the runtime's hash seed."""
    s = ScriptBuilder(key_type, seed)
    base = 0
    first = True
    for cap_fill, dels_range in ((56, range(36, 53, 4)), (112, range(96, 109, 4))):
        for dels in dels_range:
            for _ in range(repeats):
                if not first:
                    s.remake()
                first = False
                keys = list(range(base, base + cap_fill))
                for i in keys:
                    s.set(i)
                s.rng.shuffle(keys)
                for i in keys[:dels]:
                    s.delete(i)
                for i in range(base + cap_fill, base + cap_fill + dels + 4):
                    s.set(i)
                base += 1000
    return s.ops


def shape_string_edges(key_type: str, seed: int) -> list[Op]:
    """String keys at their edges: the empty string, one NUL byte, multi-byte UTF-8,
    and very long keys (4 KiB and 64 KiB, differing only in their last byte), set,
    looked up, deleted and re-set through growth and a clone (``key_type`` must be
    ``string``)."""
    if key_type != "string":
        raise ValueError("string_edges runs on string keys")
    s = ScriptBuilder(key_type, seed)
    edges = ["", "\x00", "\x00\x00", "é", "日本語", "\U0001F600", " ", "x" * 4096,
             "x" * 4095 + "y", "z" * 65536, "z" * 65535 + "a"]
    for rnd in range(3):
        for e in edges:
            s.ops.append(["set", e, s._v()])
        for i in range(rnd * 200, rnd * 200 + 200):
            s.set(i)
        for e in edges:
            s.ops.append(["get", e])
        s.ops.append(["del", ""])
        s.ops.append(["get", ""])
        s.ops.append(["del", "x" * 4096])
        s.ops.append(["get", "x" * 4095 + "y"])
        s.start_iter()
        for _ in range(30):
            s.step_iters()
        s.stop_iter(s.open_iters[0])
        s.clone()
    return s.ops


CLONE_SHAPES: dict[str, Callable[[str, int], list[Op]]] = {"clone": shape_clone}

PRUNE_SHAPES: dict[str, Callable[[str, int], list[Op]]] = {
    "prune_thresholds": shape_prune_thresholds}
"""``pruneTombstones`` at its thresholds (Swiss, Go 1.25+; ``int64`` keys take the
typed path that prunes)."""
"""``maps.Clone`` (run on every release that replays it: every classic release and
Swiss from Go 1.25; Go 1.24's Swiss ``mapclone2`` iterates with random draws the
harness cannot see)."""


ENGINE_SHAPES: dict[str, dict[str, Callable[[str, int], list[Op]]]] = {"swiss": SWISS_SHAPES}
"""The shapes of one engine's own paths, by engine name (added to :data:`SHAPES`)."""


def engine_shapes(engine: str) -> dict[str, Callable[[str, int], list[Op]]]:
    """The named shapes that run on ``engine`` (by name): :data:`SHAPES` and the
    engine's own (:data:`ENGINE_SHAPES`)."""
    return {**SHAPES, **ENGINE_SHAPES.get(engine, {})}
