"""Which runtime functions to probe for a Go binary, where, and what to fetch.

The function set follows the binary's release (read from its build info):

============  ==============================================================
make          ``makemap`` (type, hint, header buffer) at its entry; the result
              (RAX) at every ``ret`` of ``makemap`` and ``makemap_small``
assign        ``mapassign`` and ``_fast32 / _fast32ptr / _fast64 / _fast64ptr /
              _faststr``
delete        ``mapdelete`` and ``_fast32 / _fast64 / _faststr``
clear         ``mapclear``
iter          ``mapiterinit`` (classic) / ``mapIterStart`` (Swiss)
access        ``mapaccess1 / mapaccess2`` and their fast variants (``--ops all``)
============  ==============================================================

(``mapaccess1_fat``/``mapaccess2_fat`` call ``mapaccess1``, so they are not probed:
the inner call is the one access.) Swiss builds still export these ``runtime.*``
names (``internal/runtime/maps`` links its ``runtime_map*`` functions to them).

Arguments come from Go's amd64 register ABI (``cmd/compile/abi-internal.md``):
integer arguments in RAX, RBX, RCX, RDI, RSI, R8…; ``g`` in R14. So for every map
function the type is RAX, the map is RBX and the key is RCX (a value for the fast
variants, a pointer otherwise; a string's length is RDI). Probes sit just past the
prologue's stack check, where the registers still hold the arguments and the return
address is at 0(RSP); RBP is still the caller's frame pointer, so ``+8(%bp)``,
``+8(+0(%bp))``, … are the callers' return addresses.

Keys of unknown length (strings; generic keys, whose size is in the type
descriptor) are fetched by a few probe events at the same address, each fetching a
fixed-size array and keeping only the calls its kernel filter admits (a size
bucket): one call is stored exactly once, by the smallest bucket that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gomap.record.gobin import GoBinary, GoBinaryError
from gomap.record.tracefs import Probe

SUPPORTED_MINORS = range(21, 28)
GOID_OFFSET = {21: 152, 22: 152, 23: 160, 24: 160, 25: 152, 26: 152, 27: 152}
"""Offset of ``runtime.g.goid`` per Go minor (amd64), read from each release's DWARF
(``tests/record/test_record.py`` checks it against the test binaries' DWARF)."""
KEY_BYTES = 128
"""Bytes of a string or generic key fetched by default (``--key-bytes``, up to 512):
keys are read in two buckets, 32 bytes and this, each a probe event on the same
instruction whose kernel filter keeps the calls of its size. Every bucket costs its
fetch on every call (filters run after the fetch), so a larger maximum slows every
string or generic-key call; longer keys are read to the maximum and counted as
approximate."""


def key_buckets(key_bytes: int) -> tuple[int, ...]:
    """The fetched sizes for a maximum of ``key_bytes`` (a multiple of 8, 8-512)."""
    if key_bytes % 8 or not 8 <= key_bytes <= 512:
        raise ValueError(f"--key-bytes must be a multiple of 8 from 8 to 512, not {key_bytes}")
    return tuple(sorted({min(32, key_bytes), key_bytes}))
STRING_KIND = 24  # internal/abi.String


@dataclass(frozen=True)
class Target:
    """One probed runtime function: the op it stands for and how its key is passed."""

    func: str
    op: str  # make, set, del, clear, iter, get
    key: str  # none, u32, u64, str (ptr RCX, len RDI), ptr (generic: pointer in RCX)


def _targets(swiss: bool) -> list[Target]:
    t = [Target("runtime.makemap", "make", "none")]
    for op, base, variants in (
        ("set", "runtime.mapassign", ("fast32", "fast32ptr", "fast64", "fast64ptr", "faststr")),
        ("del", "runtime.mapdelete", ("fast32", "fast64", "faststr")),
        ("get", "runtime.mapaccess1", ("fast32", "fast64", "faststr")),
        ("get", "runtime.mapaccess2", ("fast32", "fast64", "faststr")),
    ):
        t.append(Target(base, op, "ptr"))
        for v in variants:
            kind = {"fast32": "u32", "fast32ptr": "u64", "fast64": "u64", "fast64ptr": "u64",
                    "faststr": "str"}[v]
            t.append(Target(f"{base}_{v}", op, kind))
    t.append(Target("runtime.mapclear", "clear", "none"))
    t.append(Target("runtime.mapIterStart" if swiss else "runtime.mapiterinit", "iter", "none"))
    return t


OPS_MODES = {"deletes": {"make", "del", "clear"},
             "writes": {"make", "set", "del", "clear"},
             "all": {"make", "set", "del", "clear", "iter", "get"}}


@dataclass
class ProbePlan:
    probes: list[Probe]
    goid_offset: int
    swiss: bool
    missing: list[str]  # functions of the set the binary does not contain (never called)
    morestack: list[Probe]


def check_supported(b: GoBinary) -> None:
    """Raise GoBinaryError for a release gomap record does not know."""
    if b.info.minor not in SUPPORTED_MINORS:
        raise GoBinaryError(f"{b.path}: Go release {b.info.go_version} is not supported "
                            f"(gomap record knows go1.21 to go1.27)")


def plan(b: GoBinary, ops: str = "all", stacks: int = 4, *, key_bytes: int = KEY_BYTES,
         count_reentries: bool = False, at_entry: bool = False) -> ProbePlan:
    """The probes for binary ``b`` (see the module docstring).

    ``count_reentries`` adds a probe on each function's morestack call (the path taken
    when the function re-enters), for tests. ``at_entry`` puts the op probes on the
    function's first instruction instead (wrong: re-entries repeat ops; tests use it
    to show why)."""
    check_supported(b)
    if ops not in OPS_MODES:
        raise ValueError(f"--ops must be all, writes or deletes, not {ops!r}")
    if not 0 <= stacks <= 8:
        raise ValueError("--stacks must be from 0 to 8 frames")
    buckets = key_buckets(key_bytes)
    swiss = b.info.swiss
    goid = GOID_OFFSET[b.info.minor]
    seed = "+8(%bx):x64" if swiss else "+12(%bx):x32"  # Map.seed / hmap.hash0
    wanted = OPS_MODES[ops]
    g_args = [("goid", f"+{goid}(%r14):s64"), ("slo", "+0(%r14):x64"), ("shi", "+8(%r14):x64")]
    stack_args: list[tuple[str, str]] = []
    if stacks:
        stack_args.append(("f0", "+0(%sp):x64"))
        chain = "%bp"
        for i in range(1, stacks):
            stack_args.append((f"f{i}", f"+8({chain}):x64"))
            chain = f"+0({chain})"
    probes: list[Probe] = []
    morestack: list[Probe] = []
    missing: list[str] = []
    for tgt in _targets(swiss):
        if tgt.op not in wanted:
            continue
        f = b.func(tgt.func)
        if f is None:
            missing.append(tgt.func)
            continue
        pc, more = b.past_prologue(f)
        if at_entry:
            pc = f.entry
        off = b.file_offset(pc)
        short = tgt.func.removeprefix("runtime.")
        meta: dict[str, Any] = {"op": tgt.op, "key": tgt.key, "func": tgt.func}
        if count_reentries and more is not None:
            morestack.append(Probe(f"re_{short}", b.file_offset(more), [("goid", g_args[0][1])],
                                   meta={"op": "reentry", "func": tgt.func}))
        if tgt.op == "make":
            probes.append(Probe(f"mk_{short}", off, [
                *g_args, ("t", "%ax:x64"), ("hint", "%bx:s64"), ("h", "%cx:x64"), *stack_args],
                meta=meta))
            continue
        common = [*g_args, ("t", "%ax:x64"), ("m", "%bx:x64"), ("cnt", "+0(%bx):s64"),
                  ("seed", seed)]
        if tgt.key in ("none", "u32", "u64"):
            kargs = {"none": [], "u32": [("k", "%cx:x32")], "u64": [("k", "%cx:x64")]}[tgt.key]
            probes.append(Probe(f"op_{short}", off, [*common, *kargs, *stack_args], meta=meta))
            continue
        lo = 0
        for size in buckets:
            words = size // 8
            last = size == buckets[-1]
            if tgt.key == "str":
                kargs = [("kl", "%di:s64"), ("kb", f"+0(%cx):x64[{words}]")]
                flt = f"kl > {lo}" + ("" if last else f" && kl <= {size}")
                if lo == 0:
                    flt = "" if last else f"kl <= {size}"
                probes.append(Probe(f"op_{short}_{size}", off, [*common, *kargs, *stack_args],
                                    filter=flt, meta={**meta, "bucket": size}))
            else:  # generic: the key's size and kind from the map type's key descriptor
                kd = [("ksz", "+0(+48(%ax)):u64"), ("kkind", "+23(+48(%ax)):u8")]
                flt = f"kkind != {STRING_KIND}" + (f" && ksz > {lo}" if lo else "") + (
                    "" if last else f" && ksz <= {size}")
                probes.append(Probe(f"op_{short}_{size}", off,
                                    [*common, *kd, ("kb", f"+0(%cx):x64[{words}]"), *stack_args],
                                    filter=flt, meta={**meta, "bucket": size}))
                sflt = f"kkind == {STRING_KIND} && kl > {lo}" + ("" if last else
                                                                 f" && kl <= {size}")
                if lo == 0:
                    sflt = f"kkind == {STRING_KIND} && kl <= {size}"
                probes.append(Probe(f"op_{short}_s{size}", off,
                                    [*common, *kd, ("kl", "+8(%cx):s64"),
                                     ("kb", f"+0(+0(%cx)):x64[{words}]"), *stack_args],
                                    filter=sflt, meta={**meta, "bucket": size, "key": "str"}))
            lo = size
    if "make" in wanted:
        for name in ("runtime.makemap", "runtime.makemap_small"):
            f = b.func(name)
            if f is None:
                continue
            for i, ret in enumerate(b.returns(f)):
                probes.append(Probe(f"ret_{name.removeprefix('runtime.')}_{i}",
                                    b.file_offset(ret),
                                    [*g_args, ("r", "%ax:x64")],
                                    meta={"op": "made", "func": name}))
    return ProbePlan(probes + morestack, goid, swiss, missing, morestack)
