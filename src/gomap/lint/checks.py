"""The catalogue of `gomap lint` checks: ID, one-line summary, the Go rule behind it
(the *why*) and the fix. ``gomap lint --explain ID`` prints one entry; the SARIF
output carries them as rule descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One check of the analyzer."""

    id: str
    name: str
    summary: str
    why: str
    fix: str
    level: str = "warning"  # SARIF level: error / warning / note
    reports: bool = True  # False: the check documents a guarantee and never reports

    def explain(self) -> str:
        """The text of ``gomap lint --explain ID``."""
        lines = [f"{self.id} {self.name}: {self.summary}", "", "Why:", _indent(self.why),
                 "", "Fix:" if self.reports else "What to do:", _indent(self.fix)]
        return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else "" for line in text.strip().splitlines())


CHECKS: dict[str, Check] = {c.id: c for c in [
    Check(
        "GM001", "concurrent-map-write",
        "a map is written in one goroutine while another goroutine reads or writes it "
        "with no common mutex held",
        """
Go's maps are not safe for concurrent use: "a map write while any other goroutine
reads or writes the same map is a data race" (the Go memory model; Go FAQ "Why are
map operations not defined to be atomic?"). The runtime detects some of these races
on a best-effort basis and stops the whole program with "fatal error: concurrent map
writes" or "concurrent map read and map write" - a fatal error, not a panic, so
recover cannot catch it. A write is m[k] = v, m[k] op= v, m[k]++, delete(m, k) and
clear(m). The analyzer pairs each write with every other access of the same map
(variable or struct field) that may run in another goroutine - one started with go,
errgroup/WaitGroup .Go(func) or time.AfterFunc, or two instances of one goroutine
started in a loop or from two places - and reports the pair unless one mutex is held
by both sides, by the writer in write mode (Lock, not RLock). Code before the go
statement, or after a channel receive, select or Wait() that follows it in the same
function, is taken as ordered with the goroutine.
""",
        """
Hold one sync.Mutex (or the write side of a sync.RWMutex) around every write and
every read of the map, including ranges; or give the map to exactly one goroutine and
send it requests over a channel; or use sync.Map when keys are written once and read
many times.
""",
        level="error",
    ),
    Check(
        "GM002", "concurrent-map-iteration-and-write",
        "range over a map may run while another goroutine writes it with no common mutex",
        """
A range loop reads the map from its first iteration to its last. If another
goroutine writes the map meanwhile, the runtime stops the program with "fatal error:
concurrent map iteration and map write" when it notices (internal/runtime/maps: the
iterator checks the hashWriting flag on every step), and otherwise the loop sees an
undefined mix of entries. Deleting inside your own range loop is fine (see GM007);
the hazard is a write from a different goroutine.
""",
        """
Hold the mutex (RLock is enough for the range, the writer needs Lock) for the whole
loop, or copy the entries under the lock and range over the copy
(maps.Clone(m) under RLock, then iterate the clone unlocked).
""",
        level="error",
    ),
    Check(
        "GM003", "map-write-under-rlock",
        "a map is written while holding only the read lock of a sync.RWMutex",
        """
RLock admits any number of readers at once: sync.RWMutex "can be held by an
arbitrary number of readers or a single writer". A write done under RLock therefore
runs in parallel with every other RLock holder, which is exactly a concurrent map
read and map write (or, with two such writers, concurrent map writes).
""",
        """
Take the write lock (mu.Lock / defer mu.Unlock) for any code path that writes the
map. To upgrade from a read, release the read lock, take the write lock and
re-check the map (another writer may have got there first).
""",
        level="error",
    ),
    Check(
        "GM004", "check-then-act",
        "the map is read, then written on the strength of that read, with the "
        "lock released in between (or a sync.Map Load followed by Store)",
        """
sync.Map makes each method atomic, not a sequence of them: between Load and Store
another goroutine can Store the same key, and one of the two values is lost. The
same holds for a map under a mutex when the read and the write happen in two
critical sections: whatever was read under the first lock may be stale when the
second lock is taken.
""",
        """
sync.Map: v, loaded := m.LoadOrStore(k, v) inserts only if absent; for
read-modify-write loop on m.CompareAndSwap(k, old, new). Locked map: keep the read
and the write in one critical section, or re-check the map after taking the write
lock (double-checked: RLock/read/RUnlock, then Lock/read again/write/Unlock).
""",
    ),
    Check(
        "GM005", "delete-all-loop",
        "a loop deletes every key of a map: write clear(m)",
        """
for k := range m { delete(m, k) } empties the map. Since Go 1.21 the builtin
clear(m) says so directly. The reason is clarity: the compiler already recognises
the loop and turns it into a runtime mapclear call, so speed is the same. One
difference: a NaN key can never be deleted by key (NaN != NaN), so the loop leaves
NaN entries behind; clear removes them.
""",
        """
Replace the loop with clear(m) (go.mod must say go 1.21 or later). Note that neither
the loop nor clear gives memory back: to shrink, assign a new map (m = make(...)).
""",
        level="note",
    ),
    Check(
        "GM006", "map-never-shrinks",
        "a long-lived map is drained by deletes and refilled but never rebuilt",
        """
A Go map never shrinks (golang/go#20135): delete empties slots (classic map:
tophash emptyOne/emptyRest; Swiss map: control byte deleted/empty) but never frees a
bucket or group, and clear keeps them too. A package-level map or a field of a
long-lived value that grows to a peak, is drained by a sweep of deletes and refilled
keeps the memory of its peak for the life of the process. The finding carries what
gomap's simulator measures for this key/value type: a map filled with 10,000
entries and drained to 1% (gomap simulate --pattern drain:n=10000,keep=0.01).
""",
        """
If the map is mostly empty after a sweep, rebuild it: copy the survivors into
make(map[K]V, len(m)) and assign the new map (under the same lock). If it refills
to the same size, keep it (and clear(m) when emptying it entirely): then the kept
buckets are reused, not wasted.
""",
        level="note",
    ),
    Check(
        "GM007", "delete-during-range-is-safe",
        "deleting from a map inside a range over it is safe; gomap never flags it",
        """
The Go spec (For statements with range clause): "The iteration order over maps is
not specified and is not guaranteed to be the same from one iteration to the next.
If a map entry that has not yet been reached is removed during iteration, the
corresponding iteration value will not be produced. If a map entry is created during
iteration, that entry may be produced during the iteration or may be skipped."
So delete(m, k) inside for k := range m neither breaks the iterator nor skips or
repeats the remaining entries: an entry is produced at most once, and a deleted one
not yet reached is not produced. Both runtimes honour this (classic map: the
iterator re-checks each key; Swiss map: the iterator re-looks-up entries after a
grow). Claims that it "resets the iterator" or "skips elements" are wrong.
""",
        """
Nothing. Delete inside range when that is the natural way to write it; collecting
keys first and deleting afterwards is only needed when another goroutine is
involved (then see GM001/GM002).
""",
        level="note", reports=False,
    ),
]}


def check_ids() -> list[str]:
    """All check IDs, in order."""
    return list(CHECKS)
