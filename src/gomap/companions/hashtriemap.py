"""Go 1.24+'s ``sync.Map``: the concurrent hash-trie of ``internal/sync/hashtriemap.go``
(Go 1.24 through 1.27), state-exact, thread-safe in Python. This model follows Go
1.27.3; Go 1.24's file differs in code only by a panic message and a parameter
name, and the oracle finds the model exact against Go 1.24.11, 1.25.5 and 1.26.6
too (``tests/oracle/test_syncmap.py``, where those toolchains are installed).

Since Go 1.24 ``sync.Map`` is a thin wrapper around ``HashTrieMap[any, any]``.
The trie:

* The **root** is an ``indirect`` node with 16 ``children`` (``nChildren``); a
  child is nil, another ``indirect`` node or an ``entry``. The child index at
  depth ``d`` is the hash's nibble ``(hash >> (64 - 4*(d+1))) & 15``: the trie
  consumes the 64-bit hash from the top, 4 bits per level, 16 levels at most.
* An **entry** holds one key and value and an ``overflow`` chain of entries whose
  keys have *the same full hash* (different keys, equal hashes).
* Loads walk the trie with atomic loads only. Every mutation finds its slot,
  locks the parent ``indirect``'s ``mu``, re-checks the slot and the node's
  ``dead`` flag (a concurrent delete may have pruned the node) and retries from
  the root if either changed.
* Inserting where an entry already sits ``expand``s: if the full hashes are equal
  the new entry heads an overflow chain; otherwise new indirect nodes are made
  down to the first level where the two hashes' nibbles differ.
* Entries are immutable: ``swap`` / ``compareAndSwap`` build a new entry and
  store it in the slot (or in the predecessor's ``overflow``).
* Deleting the last child of an indirect node **prunes** it: the node is marked
  ``dead`` and removed from its parent, upward, while the parent becomes empty,
  locking parent before releasing child (never the root).
* ``Clear`` publishes a fresh root; ``Range`` walks children 0..15 depth-first,
  each entry's overflow chain in order — an order fixed by the hashes.

Modelling Go's primitives in Python: ``mu`` is a ``threading.Lock`` per indirect
node; atomic loads and stores of ``children[i]``, ``root``, ``dead`` and
``overflow`` are plain list/attribute accesses (atomic in CPython). The length
counter changes under ``_atomic`` in the same step as the slot store that makes
the change visible, so ``len`` is exact at a linearization point.

Hashing goes through gomap's hooks (:mod:`gomap.hashing`): ``hasher(key, seed)``
returns the 64-bit hash; ``seed`` is one ``rand()`` draw, as ``initSlow`` draws
``runtime_rand()``. The oracle feeds the real runtime's hashes and seed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from gomap.companions.syncmap import SyncMap
from gomap.hashing import M64, DefaultHasher, Hasher, Rand, default_rand
from gomap.versions import pinned_release

GO_VERSION = pinned_release("hashtriemap")
"""The Go release whose ``internal/sync/hashtriemap.go`` this follows (and whose
toolchain builds its oracle harness)."""

nChildrenLog2 = 4
nChildren = 1 << nChildrenLog2  # 16 children: Go's measured sweet spot for loads
nChildrenMask = nChildren - 1
PtrBits = 64  # 8 * goarch.PtrSize


class _Counter:
    """The entry count of one generation of the trie (one root)."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


class entry:
    """A leaf: one key and value, plus the ``overflow`` chain of same-hash keys."""

    __slots__ = ("key", "overflow", "value")
    isEntry = True

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value
        self.overflow: entry | None = None

    def lookup(self, key: Any) -> tuple[Any, bool]:
        e: entry | None = self
        while e is not None:
            if e.key == key:
                return e.value, True
            e = e.overflow
        return None, False

    def lookup_with_value(self, key: Any, value: Any, val_equal: bool) -> tuple[Any, bool]:
        e: entry | None = self
        while e is not None:
            if e.key == key and (not val_equal or e.value == value):
                return e.value, True
            e = e.overflow
        return None, False

    def swap(self, key: Any, new: Any) -> tuple[entry, Any, bool]:
        """Replace the entry for ``key`` in the chain: (new head, old value, swapped)."""
        head = self
        if head.key == key:
            e = entry(key, new)
            e.overflow = head.overflow
            return e, head.value, True
        prev = head
        cur = head.overflow
        while cur is not None:
            if cur.key == key:
                e_new = entry(key, new)
                e_new.overflow = cur.overflow
                prev.overflow = e_new
                return head, cur.value, True
            prev, cur = cur, cur.overflow
        return head, None, False

    def compare_and_swap(self, key: Any, old: Any, new: Any) -> tuple[entry, bool]:
        head = self
        if head.key == key and head.value == old:
            e = entry(key, new)
            e.overflow = head.overflow
            return e, True
        prev = head
        cur = head.overflow
        while cur is not None:
            if cur.key == key and cur.value == old:
                e_new = entry(key, new)
                e_new.overflow = cur.overflow
                prev.overflow = e_new
                return head, True
            prev, cur = cur, cur.overflow
        return head, False

    def load_and_delete(self, key: Any) -> tuple[Any, entry | None, bool]:
        """Drop ``key`` from the chain: (value, new head or None, loaded)."""
        head = self
        if head.key == key:
            return head.value, head.overflow, True
        prev = head
        cur = head.overflow
        while cur is not None:
            if cur.key == key:
                prev.overflow = cur.overflow
                return cur.value, head, True
            prev, cur = cur, cur.overflow
        return None, head, False

    def compare_and_delete(self, key: Any, value: Any) -> tuple[entry | None, bool]:
        head = self
        if head.key == key and head.value == value:
            return head.overflow, True
        prev = head
        cur = head.overflow
        while cur is not None:
            if cur.key == key and cur.value == value:
                prev.overflow = cur.overflow
                return head, True
            prev, cur = cur, cur.overflow
        return head, False


class indirect:
    """An internal node: ``children[16]``, ``mu``, ``dead``, ``parent``."""

    __slots__ = ("children", "count", "dead", "mu", "parent")
    isEntry = False

    def __init__(self, parent: indirect | None, count: _Counter) -> None:
        self.children: list[Any] = [None] * nChildren  # None, indirect or entry
        self.mu = threading.Lock()  # protects children and the entries hanging off them
        self.dead = False
        self.parent = parent
        self.count = count  # the generation this node belongs to

    def empty(self) -> bool:
        return all(c is None for c in self.children)


class HashTrieMap(SyncMap):
    """Go 1.24+'s ``sync.Map`` (``internal/sync.HashTrieMap[any, any]``).

    ``hasher``/``rand``/``seed`` are gomap's hooks (see :mod:`gomap.hashing`); the
    trie's ``seed`` is one ``rand()`` draw. ``len(m)`` is exact at a linearization
    point and O(1).
    """

    __slots__ = ("_atomic", "hasher", "root", "seed")

    version = "1.24"

    def __init__(self, *, hasher: Hasher | None = None, rand: Rand | None = None,
                 seed: int | None = None) -> None:
        r = rand if rand is not None else default_rand(seed)
        self.hasher: Hasher = hasher if hasher is not None else DefaultHasher(
            r, stable=seed is not None)
        self.seed = r() & M64  # initSlow: ht.seed = uintptr(runtime_rand())
        self._atomic = threading.Lock()
        self.root = indirect(None, _Counter())

    def _hash(self, key: Any) -> int:
        return self.hasher(key, self.seed) & M64

    def _publish(self, i: indirect, slot: int, node: Any, delta: int) -> None:
        """``slot.Store(node)`` (under ``i.mu``), with the length counter in the same step."""
        with self._atomic:
            i.children[slot] = node
            i.count.n += delta

    # --- the API -----------------------------------------------------------------------
    def load(self, key: Any) -> tuple[Any, bool]:
        """Go's ``Load``: lock-free descent."""
        h = self._hash(key)
        i = self.root
        hash_shift = PtrBits
        while hash_shift != 0:
            hash_shift -= nChildrenLog2
            n = i.children[(h >> hash_shift) & nChildrenMask]
            if n is None:
                return None, False
            if n.isEntry:
                return n.lookup(key)
            i = n
        raise RuntimeError("internal/sync.HashTrieMap: ran out of hash bits while iterating")

    def _insert_point(self, key: Any, h: int, load_first: bool
                      ) -> tuple[indirect, int, int, Any, Any]:
        """The shared first half of ``LoadOrStore`` and ``Swap``: find the slot, lock its
        node, re-check. Returns ``(i, hashShift, slot, n, loaded)`` with ``i.mu`` held,
        or ``loaded`` set to ``(value,)`` (lock not held) when ``load_first`` found it."""
        while True:
            i = self.root
            hash_shift = PtrBits
            have_insert_point = False
            slot = 0
            n: Any = None
            while hash_shift != 0:
                hash_shift -= nChildrenLog2
                slot = (h >> hash_shift) & nChildrenMask
                n = i.children[slot]
                if n is None:
                    have_insert_point = True
                    break
                if n.isEntry:
                    if load_first:
                        v, ok = n.lookup(key)
                        if ok:
                            return i, hash_shift, slot, n, (v,)
                    have_insert_point = True
                    break
                i = n
            if not have_insert_point:
                raise RuntimeError(
                    "internal/sync.HashTrieMap: ran out of hash bits while iterating")
            i.mu.acquire()
            n = i.children[slot]
            if (n is None or n.isEntry) and not i.dead:
                return i, hash_shift, slot, n, None
            i.mu.release()

    def load_or_store(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``LoadOrStore``."""
        h = self._hash(key)
        i, hash_shift, slot, n, loaded = self._insert_point(key, h, True)
        if loaded is not None:
            return loaded[0], True
        try:
            old_entry = n
            if old_entry is not None:
                v, ok = old_entry.lookup(key)
                if ok:
                    return v, True
            new_entry = entry(key, value)
            if old_entry is None:
                self._publish(i, slot, new_entry, 1)
            else:
                self._publish(i, slot, self.expand(old_entry, new_entry, h, hash_shift, i), 1)
            return value, False
        finally:
            i.mu.release()

    def expand(self, old_entry: entry, new_entry: entry, new_hash: int, hash_shift: int,
               parent: indirect) -> Any:
        """Make the subtree holding both entries (their hashes agree above ``hash_shift``)."""
        old_hash = self._hash(old_entry.key)
        if old_hash == new_hash:
            # A full-hash collision: chain the old entry behind the new one.
            new_entry.overflow = old_entry
            return new_entry
        new_indirect = indirect(parent, parent.count)
        top = new_indirect
        while True:
            if hash_shift == 0:
                raise RuntimeError("internal/sync.HashTrieMap: ran out of hash bits while "
                                   "inserting (incorrect use of unsafe or cgo, or data race?)")
            hash_shift -= nChildrenLog2
            oi = (old_hash >> hash_shift) & nChildrenMask
            ni = (new_hash >> hash_shift) & nChildrenMask
            if oi != ni:
                new_indirect.children[oi] = old_entry
                new_indirect.children[ni] = new_entry
                break
            next_indirect = indirect(new_indirect, parent.count)
            new_indirect.children[oi] = next_indirect
            new_indirect = next_indirect
        return top

    def store(self, key: Any, value: Any) -> None:
        """Go's ``Store`` (``Swap`` with the result dropped)."""
        self.swap(key, value)

    def swap(self, key: Any, value: Any) -> tuple[Any, bool]:
        """Go's ``Swap``."""
        h = self._hash(key)
        i, hash_shift, slot, n, _ = self._insert_point(key, h, False)
        try:
            old_entry = n
            if old_entry is not None:
                new_head, old, swapped = old_entry.swap(key, value)
                if swapped:
                    self._publish(i, slot, new_head, 0)
                    return old, True
            new_entry = entry(key, value)
            if old_entry is None:
                self._publish(i, slot, new_entry, 1)
            else:
                self._publish(i, slot, self.expand(old_entry, new_entry, h, hash_shift, i), 1)
            return None, False
        finally:
            i.mu.release()

    def compare_and_swap(self, key: Any, old: Any, new: Any) -> bool:
        """Go's ``CompareAndSwap``."""
        h = self._hash(key)
        i, _, slot, n = self.find(key, h, True, old)
        if i is None:
            return False
        try:
            if n is None:
                return False
            e, swapped = n.compare_and_swap(key, old, new)
            if not swapped:
                return False
            self._publish(i, slot, e, 0)
            return True
        finally:
            i.mu.release()

    def load_and_delete(self, key: Any) -> tuple[Any, bool]:
        """Go's ``LoadAndDelete`` (atomic), pruning emptied nodes upward."""
        h = self._hash(key)
        i, hash_shift, slot, n = self.find(key, h, False, None)
        if n is None:
            if i is not None:
                i.mu.release()
            return None, False
        assert i is not None
        try:
            v, e, loaded = n.load_and_delete(key)
        except BaseException:
            i.mu.release()  # a key's __eq__ raised; Go's keys cannot (no defer there)
            raise
        if not loaded:
            i.mu.release()
            return None, False
        self._delete_tail(i, hash_shift, slot, h, e)
        return v, True

    def _delete_tail(self, i: indirect, hash_shift: int, slot: int, h: int,
                     e: entry | None) -> None:
        """Store the shortened chain (or nil) and prune empty nodes; releases ``i.mu``."""
        if e is not None:
            # Only one entry of the chain went; the parent is definitely not empty.
            self._publish(i, slot, e, -1)
            i.mu.release()
            return
        self._publish(i, slot, None, -1)
        while i.parent is not None and i.empty():
            if hash_shift == PtrBits:
                raise RuntimeError(
                    "internal/sync.HashTrieMap: ran out of hash bits while iterating")
            hash_shift += nChildrenLog2
            parent = i.parent
            parent.mu.acquire()
            i.dead = True
            parent.children[(h >> hash_shift) & nChildrenMask] = None
            i.mu.release()
            i = parent
        i.mu.release()

    def delete(self, key: Any) -> None:
        """Go's ``Delete``."""
        self.load_and_delete(key)

    def compare_and_delete(self, key: Any, old: Any) -> bool:
        """Go's ``CompareAndDelete``."""
        h = self._hash(key)
        i, hash_shift, slot, n = self.find(key, h, False, None)
        if n is None:
            if i is not None:
                i.mu.release()
            return False
        assert i is not None
        try:
            e, deleted = n.compare_and_delete(key, old)
        except BaseException:
            i.mu.release()  # a key's or value's __eq__ raised
            raise
        if not deleted:
            i.mu.release()
            return False
        self._delete_tail(i, hash_shift, slot, h, e)
        return True

    def find(self, key: Any, h: int, val_equal: bool, value: Any
             ) -> tuple[indirect | None, int, int, Any]:
        """Go's ``find``: ``(i, hashShift, slot, n)``; ``i.mu`` is held when ``i`` is not None.

        ``n`` is the entry (chain head) holding ``key`` (and ``value`` if ``val_equal``)."""
        while True:
            i = self.root
            hash_shift = PtrBits
            found = False
            slot = 0
            while hash_shift != 0:
                hash_shift -= nChildrenLog2
                slot = (h >> hash_shift) & nChildrenMask
                n = i.children[slot]
                if n is None:
                    return None, hash_shift, slot, None
                if n.isEntry:
                    if not n.lookup_with_value(key, value, val_equal)[1]:
                        return None, hash_shift, slot, None
                    found = True
                    break
                i = n
            if not found:
                raise RuntimeError(
                    "internal/sync.HashTrieMap: ran out of hash bits while iterating")
            i.mu.acquire()
            n = i.children[slot]
            if not i.dead and (n is None or n.isEntry):
                return i, hash_shift, slot, n
            i.mu.release()

    def range(self, f: Callable[[Any, Any], Any]) -> None:
        """Go's ``Range``: children 0..15 depth-first, each overflow chain in order."""
        self._iter(self.root, f)

    def _iter(self, i: indirect, f: Callable[[Any, Any], Any]) -> bool:
        for j in range(nChildren):
            n = i.children[j]
            if n is None:
                continue
            if not n.isEntry:
                if not self._iter(n, f):
                    return False
                continue
            e = n
            while e is not None:
                if f(e.key, e.value) is False:
                    return False
                e = e.overflow
        return True

    def clear(self) -> None:
        """Go's ``Clear``: drop the root on the floor and publish a fresh one."""
        self.root = indirect(None, _Counter())

    def __len__(self) -> int:
        """Exact at a linearization point (an O(1) counter, see the module docstring)."""
        return self.root.count.n

    def new_empty(self) -> HashTrieMap:
        """An empty trie with the same hasher (and a new seed drawn from it)."""
        return HashTrieMap(hasher=self.hasher)

    # --- introspection ------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The trie's shape, as the Go harness reads it: ``{"seed", "root"}`` where a node
        is ``{"c": [[index, child], ...]}`` (plus ``"dead": True`` if set) and an entry
        chain is a list of ``[key, value]`` pairs, head first."""
        def node(i: indirect) -> dict[str, Any]:
            out: dict[str, Any] = {"c": []}
            for j, n in enumerate(i.children):
                if n is None:
                    continue
                if n.isEntry:
                    chain = []
                    e = n
                    while e is not None:
                        chain.append([e.key, e.value])
                        e = e.overflow
                    out["c"].append([j, chain])
                else:
                    out["c"].append([j, node(n)])
            if i.dead:
                out["dead"] = True
            return out

        return {"version": "1.24", "seed": self.seed, "root": node(self.root)}

    def check_invariants(self) -> None:
        """Every entry sits on its hash's path, chains share one full hash, no reachable
        node is empty (but the root) or dead, parents and the count are right."""
        def fail(msg: str) -> None:
            raise AssertionError(f"invariant failed: {msg}")

        seen: set[Any] = set()
        count = 0
        root = self.root
        if root.parent is not None:
            fail("the root has a parent")

        def walk(i: indirect, depth: int, prefix: int) -> None:
            nonlocal count
            if i.dead:
                fail(f"reachable dead node at depth {depth}")
            if i is not root and i.empty():
                fail(f"empty non-root node at depth {depth}")
            if i.count is not root.count:
                fail("a node counts into another generation")
            shift = PtrBits - nChildrenLog2 * (depth + 1)
            for j, n in enumerate(i.children):
                if n is None:
                    continue
                p = (prefix << nChildrenLog2) | j
                if not n.isEntry:
                    if n.parent is not i:
                        fail(f"child {j} at depth {depth} has the wrong parent")
                    walk(n, depth + 1, p)
                    continue
                h0 = self._hash(n.key)
                e = n
                while e is not None:
                    h = self._hash(e.key)
                    if h != h0:
                        fail(f"overflow chain mixes hashes {h0:#x} and {h:#x}")
                    if h >> shift != p:
                        fail(f"key {e.key!r} (hash {h:#x}) misplaced at depth {depth} slot {j}")
                    if e.key in seen:
                        fail(f"key {e.key!r} appears twice")
                    seen.add(e.key)
                    count += 1
                    e = e.overflow

        walk(root, 0, 0)
        if count != root.count.n:
            fail(f"len counter {root.count.n} but {count} entries")

