"""Built-in workload generators.

A pattern is written ``NAME[:param=value,...]`` (``--pattern churn:size=10000,cycles=20``):

==============  ==============================================  =====================
pattern         what it does                                    parameters (default)
==============  ==============================================  =====================
``fill``        insert ``n`` new keys                           ``n`` (100000)
``drain``       fill ``n``, then delete in random order until   ``n`` (100000),
                ``keep`` (a fraction) remain                    ``keep`` (0.0)
``churn``       fill ``size``, then ``cycles`` rounds of        ``size`` (10000),
                ``size`` delete+insert pairs (constant size)    ``cycles`` (10)
``growshrink``  ``cycles`` times: fill up to ``high`` live      ``cycles`` (5),
                keys, delete down to ``low``                    ``high`` (50000),
                                                                ``low`` (5000)
``mix``         ``n`` random operations over ``space`` keys     ``n`` (100000),
                with the given ratios                           ``space`` (10000),
                                                                ``set`` (.5) ``get``
                                                                (.3) ``del`` (.2)
                                                                ``iter`` (0)
                                                                ``clear`` (0)
``hinted``      ``make(map, n)``, then fill ``n``               ``n`` (100000)
``default``     the README's run: drain ``n`` keys to 10%       ``n`` (100000)
==============  ==============================================  =====================

Every pattern also takes ``keys=seq|random|string:L`` (sequential ints, random
ints, random strings of length L; default ``random``), ``hint=N`` (the ``make``
size hint) and ``seed=S`` (the workload's own random choices; default 1). Numbers
may be written ``1_000_000``, ``1e6``, ``100k`` or ``1M``.

A workload promises distinct keys: ``fill:n=1000`` inserts 1000 different keys.
When the key type (``int8``: 256 values, ``bool``: 2, ``struct{}``: 1) or the key
source (``string:2``: 1296 strings) has fewer, :meth:`Workload.check` refuses it,
naming both; string keys only make ``string`` and interface keys. Within a finite
key space, ``seq`` takes its values in order and ``random`` in a pseudo-random
permutation, so no two key numbers ever give one key. Sizes are capped by Go's own
limits (``math.MaxInt`` entries or hint).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gomap.hashing import mix64
from gomap.sim.ops import CLEAR, DEL, GET, MAKE, MAX_INT, RANGE, SET, KeyDomain, Op


class WorkloadError(ValueError):
    """A pattern gomap cannot run; the message says what is wrong."""


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def check_key_spec(spec: str) -> int:
    """Validate a ``keys=`` value; return the string length (0 for ints)."""
    if spec in ("seq", "random"):
        return 0
    if spec.startswith("string:"):
        try:
            length = int(spec.split(":", 1)[1])
        except ValueError:
            raise WorkloadError(f"keys={spec!r}: the string length must be an integer") from None
        if not 1 <= length <= 1 << 16:
            raise WorkloadError(f"keys={spec!r}: the string length must be 1..65536")
        return length
    raise WorkloadError(f"keys={spec!r}: use seq, random or string:LENGTH")


def _permute_bits(x: int, bits: int, salt: int) -> int:
    """A bijection of ``[0, 2^bits)`` keyed by ``salt`` (odd multipliers and
    xor-shifts, each invertible modulo 2^bits)."""
    mask = (1 << bits) - 1
    shift = max(1, (bits + 1) // 2)
    x = (x ^ salt) & mask
    for k in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB):
        x = (x * k) & mask
        x ^= x >> shift
        x = (x + (salt >> 7)) & mask
    return x


def permute(i: int, size: int, salt: int) -> int:
    """A bijection of ``[0, size)`` (cycle-walking over the next power of two)."""
    bits = max(1, (size - 1).bit_length())
    x = _permute_bits(i, bits, salt)
    while x >= size:
        x = _permute_bits(x, bits, salt)
    return x


def _key_space(spec: str, length: int, domain: KeyDomain) -> tuple[int | None, str]:
    """How many distinct keys the source ``spec`` can make for ``domain`` (None: no
    practical limit), and what limits it."""
    t = domain.type.expr
    k = domain.kind
    if length:
        if k not in ("string", "interface"):
            raise WorkloadError(f"keys={spec} makes string keys, and a {t} key is not a string: "
                                f"use keys=seq or keys=random")
        n = 36 ** length
        return (n if n < 1 << 63 else None), f"keys={spec} makes only {n:,} distinct strings"
    if k in ("float", "complex"):
        single = domain.type.size == (8 if k == "complex" else 4)
        if spec == "seq" or single:
            bits = 24 if single else 53
            return 1 << bits, (f"{t} holds every integer exactly only up to 2^{bits} "
                               f"({1 << bits:,} keys)")
        return None, ""
    if domain.count is not None:
        only = "one value" if domain.count == 1 else f"{domain.count:,} distinct values"
        return domain.count, f"{t} has only {only}"
    return None, ""


class KeySource:
    """The i-th key of a workload, deterministically: ``seq`` (i), ``random``
    (a 63-bit pseudo-random int) or ``string:L`` (a pseudo-random string of L
    characters); turned into the map's key type by a :class:`KeyDomain`.

    ``capacity`` is the number of distinct keys it can make (None: unlimited);
    key numbers below it always give distinct keys."""

    def __init__(self, spec: str, domain: KeyDomain, salt: int = 1) -> None:
        self.spec = spec
        self.domain = domain
        self.salt = mix64(salt * 0x9E3779B97F4A7C15 + 12345)
        self.length = check_key_spec(spec)
        self.capacity, self.limit = _key_space(spec, self.length, domain)
        fv = domain.from_value
        size = self.capacity
        salt_ = self.salt
        if size is not None:
            # A finite key space: index → distinct element, in order or permuted.
            length = self.length

            def elem(j: int) -> Any:
                if not length:
                    return fv(j)  # the j-th value of the type (a float holding j exactly)
                out = []
                for _ in range(length):
                    j, d = divmod(j, 36)
                    out.append(_ALPHABET[d])
                return "".join(out)
            if spec == "seq":
                self.key: Callable[[int], Any] = elem
            else:
                self.key = lambda i: elem(permute(i, size, salt_))
            return
        if spec == "seq":
            self._raw: Callable[[int], Any] = lambda i: i
        elif spec == "random":
            self._raw = lambda i: mix64(i ^ salt_) >> 1
        else:
            self._raw = self._string
        raw = self._raw
        self.key = lambda i: fv(raw(i))

    def check(self, needed: int, what: str) -> None:
        """Raise :class:`WorkloadError` unless ``needed`` distinct keys can be made."""
        if self.capacity is not None and needed > self.capacity:
            raise WorkloadError(f"{what} needs {needed:,} distinct keys, but {self.limit}")

    def _string(self, i: int) -> str:
        out: list[str] = []
        x = mix64(i ^ self.salt)
        j = 0
        while len(out) < self.length:
            if j and j % 12 == 0:
                x = mix64(x + j)
            out.append(_ALPHABET[x % 36])
            x //= 36
            j += 1
        return "".join(out)


@dataclass
class Workload:
    """A built-in workload: its pattern, parameters and how many operations it is."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    hint: int = 0
    keys: str = "random"
    seed: int = 1
    total: int = 0
    """Number of operations after the initial ``make``."""

    def max_live(self) -> int:
        """The most entries the map holds at once (what the simulator must hold)."""
        p = self.params
        if self.name == "churn":
            return int(p["size"])
        if self.name == "growshrink":
            return int(p["high"]) if p["cycles"] else 0
        if self.name == "mix":
            return min(int(p["space"]), int(p["n"]))
        return int(p["n"])

    def spec(self) -> str:
        parts = [f"{k}={v}" for k, v in self.params.items()]
        parts += [f"keys={self.keys}"]
        if self.hint:
            parts.append(f"hint={self.hint}")
        return f"{self.name}:{','.join(parts)}"

    def check(self, domain: KeyDomain) -> None:
        """Raise :class:`WorkloadError` when the key type (or the key source) has
        fewer distinct keys than the workload needs."""
        KeySource(self.keys, domain, self.seed).check(distinct_keys(self.name, self.params),
                                                      self.spec())

    def ops(self, domain: KeyDomain, native: bool | None = None) -> Iterator[Op]:
        """``(MAKE, hint)`` then the operations, generated lazily (checked first,
        see :meth:`check`). The sequence is the Python generators'; ``native`` (default:
        when the C extension is built and ``GOMAP_PATTERNS`` is not ``python``) makes it
        in C (:mod:`gomap._native`'s ``PatternOps``) for the key sources it knows
        (integer and string keys), with the same operations."""
        src = KeySource(self.keys, domain, self.seed)
        src.check(distinct_keys(self.name, self.params), self.spec())
        rng = random.Random(self.seed)
        if native is None:
            import os

            native = os.environ.get("GOMAP_PATTERNS", "native") != "python"
        fast = _native_ops(self, src, rng) if native else None
        return fast if fast is not None else self._py_ops(src, rng)

    def _py_ops(self, src: KeySource, rng: random.Random) -> Iterator[Op]:
        yield (MAKE, self.hint)
        yield from _GENERATORS[self.name](self.params, src.key, rng)


_GEN_CODES = {"fill": 0, "hinted": 0, "drain": 1, "default": 1, "churn": 2, "growshrink": 3,
              "mix": 4}


def _mix_bounds(p: dict[str, Any]) -> list[tuple[float, int]]:
    kinds = [(SET, p["set"]), (GET, p["get"]), (DEL, p["del"]), (RANGE, p["iter"]),
             (CLEAR, p["clear"])]
    total = sum(w for _, w in kinds)
    cum: list[tuple[float, int]] = []
    acc = 0.0
    for code, w in kinds:
        acc += w / total
        cum.append((acc, code))
    return cum


def _native_ops(w: Workload, src: KeySource, rng: random.Random) -> Iterator[Op] | None:
    """The C generator for ``w`` (None when it cannot make these keys: then Python)."""
    try:
        from gomap import _native  # type: ignore[attr-defined]
    except ImportError:
        return None
    cls = getattr(_native, "PatternOps", None)
    dom = src.domain
    if cls is None or dom.kind not in ("int", "uint", "string"):
        return None
    as_str = dom.kind == "string"
    lo, span = 0, 0
    if src.capacity is None:
        if src.length:
            kmode = 1  # KeySource._string
        else:
            kmode = 0  # i or mix64(i ^ salt) >> 1, as is (or its decimal string)
            if not as_str:
                assert dom.range is not None
                if dom.range[0] > 0 or dom.range[1] < (1 << 63) - 1:
                    return None
    else:
        kmode = 2  # the j-th element of a finite space, in order or permuted
        if as_str and not src.length:
            return None
        if not as_str:
            assert dom.range is not None
            lo, span = dom.range[0], dom.range[1] - dom.range[0] + 1
            if span > 1 << 63 or lo < -(1 << 62):
                return None
    p = w.params
    g = _GEN_CODES[w.name]
    a = b = c = 0
    cum: tuple[tuple[float, int], ...] = ()
    if g == 0:
        a = p["n"]
    elif g == 1:
        a, b = p["n"], p["n"] - _kept(p)
    elif g == 2:
        a, b = p["size"], p["cycles"]
        if a * b >= 1 << 64:
            return None
    elif g == 3:
        a, b, c = p["high"], p["low"], p["cycles"]
    else:
        a, c = p["n"], p["space"]
        cum = tuple(_mix_bounds(p))
    state = rng.getstate()[1]
    return cls(g, w.hint, a, b, c, cum, state, kmode, int(as_str), int(src.spec == "seq"),
               src.length, src.salt, src.capacity or 0, lo, span)


# --- the generators ---------------------------------------------------------------------
def _fill(p: dict[str, Any], key: Callable[[int], Any], rng: random.Random) -> Iterator[Op]:
    for i in range(p["n"]):
        yield (SET, key(i))


def _drain(p: dict[str, Any], key: Callable[[int], Any], rng: random.Random) -> Iterator[Op]:
    n = p["n"]
    for i in range(n):
        yield (SET, key(i))
    order = list(range(n))
    rng.shuffle(order)
    for i in order[: n - _kept(p)]:
        yield (DEL, key(i))


def _kept(p: dict[str, Any]) -> int:
    return round(p["n"] * p["keep"])


def _churn(p: dict[str, Any], key: Callable[[int], Any], rng: random.Random) -> Iterator[Op]:
    size = p["size"]
    for i in range(size):
        yield (SET, key(i))
    live = list(range(size))
    nxt = size
    for _ in range(p["cycles"] * size):
        j = rng.randrange(size)
        yield (DEL, key(live[j]))
        live[j] = nxt
        yield (SET, key(nxt))
        nxt += 1


def _growshrink(p: dict[str, Any], key: Callable[[int], Any], rng: random.Random
                ) -> Iterator[Op]:
    high, low = p["high"], p["low"]
    live: list[int] = []
    nxt = 0
    for _ in range(p["cycles"]):
        while len(live) < high:
            live.append(nxt)
            yield (SET, key(nxt))
            nxt += 1
        while len(live) > low:
            j = rng.randrange(len(live))
            live[j], live[-1] = live[-1], live[j]
            yield (DEL, key(live.pop()))


def _mix(p: dict[str, Any], key: Callable[[int], Any], rng: random.Random) -> Iterator[Op]:
    space = p["space"]
    cum = _mix_bounds(p)
    rnd = rng.random
    rr = rng.randrange
    for _ in range(p["n"]):
        x = rnd()
        code = cum[-1][1]
        for bound, c in cum:
            if x < bound:
                code = c
                break
        if code in (RANGE, CLEAR):
            yield (code, None)
        else:
            yield (code, key(rr(space)))


_GENERATORS: dict[str, Callable[[dict[str, Any], Callable[[int], Any], random.Random],
                                Iterator[Op]]] = {
    "fill": _fill,
    "drain": _drain,
    "churn": _churn,
    "growshrink": _growshrink,
    "mix": _mix,
    "hinted": _fill,
    "default": _drain,
}

_DEFAULTS: dict[str, dict[str, Any]] = {
    "fill": {"n": 100_000},
    "drain": {"n": 100_000, "keep": 0.0},
    "churn": {"size": 10_000, "cycles": 10},
    "growshrink": {"cycles": 5, "high": 50_000, "low": 5_000},
    "mix": {"n": 100_000, "space": 10_000, "set": 0.5, "get": 0.3, "del": 0.2, "iter": 0.0,
            "clear": 0.0},
    "hinted": {"n": 100_000},
    "default": {"n": 100_000, "keep": 0.1},
}
_FLOAT_PARAMS = {"keep", "set", "get", "del", "iter", "clear"}
PATTERNS = tuple(_DEFAULTS)


def _number(name: str, text: str, as_float: bool) -> int | float:
    if len(text) > 40:  # a number that long is a mistake; never echo all of it
        shown = f"{text.strip()[:20]}… ({len(text.strip()):,} characters)"
        raise WorkloadError(f"{name}={shown} is too long for a number (at most "
                            f"{MAX_INT:,}, math.MaxInt)")
    t = text.strip().replace("_", "")
    mult = 1
    if t[-1:] in ("k", "K"):
        mult, t = 1000, t[:-1]
    elif t[-1:] == "M":
        mult, t = 1_000_000, t[:-1]
    try:
        v = float(t) * mult
    except ValueError:
        raise WorkloadError(f"{name}={text!r} is not a number") from None
    if not math.isfinite(v):
        raise WorkloadError(f"{name}={text!r} is not a finite number")
    if as_float:
        return v
    if v != int(v):
        raise WorkloadError(f"{name}={text!r} must be a whole number")
    if abs(v) > MAX_INT:
        raise WorkloadError(f"{name}={text} exceeds {MAX_INT:,} (math.MaxInt, the most "
                            f"entries a Go map can count or a make hint can ask for)")
    return int(v)


def distinct_keys(name: str, p: dict[str, Any]) -> int:
    """How many distinct keys a pattern's generator uses."""
    if name == "churn":
        return int(p["size"]) * (1 + int(p["cycles"]))
    if name == "growshrink":
        c, hi, lo = int(p["cycles"]), int(p["high"]), int(p["low"])
        return 0 if c == 0 else hi + (hi - lo) * (c - 1)
    if name == "mix":
        return int(p["space"])
    return int(p["n"])


def _count(name: str, p: dict[str, Any]) -> int:
    if name in ("fill", "hinted"):
        return int(p["n"])
    if name in ("drain", "default"):
        return int(p["n"]) + int(p["n"]) - _kept(p)
    if name == "churn":
        return int(p["size"]) * (1 + 2 * int(p["cycles"]))
    if name == "growshrink":
        c, hi, lo = int(p["cycles"]), int(p["high"]), int(p["low"])
        return 0 if c == 0 else hi + (hi - lo) * (2 * c - 1)
    return int(p["n"])


def parse_pattern(spec: str) -> Workload:
    """``"churn:size=1000,cycles=5,keys=seq"`` → :class:`Workload` (or WorkloadError)."""
    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in _DEFAULTS:
        raise WorkloadError(f"unknown pattern {name!r}: choose from {', '.join(PATTERNS)}")
    params = dict(_DEFAULTS[name])
    w = Workload(name)
    for item in filter(None, (s.strip() for s in rest.split(","))):
        k, eq, v = item.partition("=")
        k = k.strip()
        if not eq or not v.strip():
            raise WorkloadError(f"pattern {name}: {item!r} is not param=value")
        if k == "keys":
            w.keys = v.strip()
        elif k == "hint":
            w.hint = int(_number(k, v, False))
        elif k == "seed":
            w.seed = int(_number(k, v, False))
        elif k in params:
            params[k] = _number(k, v, k in _FLOAT_PARAMS)
        else:
            known = ", ".join([*params, "keys", "hint", "seed"])
            raise WorkloadError(f"pattern {name}: unknown parameter {k!r} (known: {known})")
    for k, v in params.items():
        if v < 0:
            raise WorkloadError(f"pattern {name}: {k} must be >= 0")
    if "keep" in params and not 0 <= params["keep"] <= 1:
        raise WorkloadError(f"pattern {name}: keep is a fraction between 0 and 1")
    if name == "growshrink" and params["low"] > params["high"]:
        raise WorkloadError("pattern growshrink: low must not exceed high")
    if name == "mix":
        if params["space"] < 1:
            raise WorkloadError("pattern mix: space must be at least 1")
        if sum(params[k] for k in ("set", "get", "del", "iter", "clear")) <= 0:
            raise WorkloadError("pattern mix: the ratios add up to zero")
    if w.hint < 0:
        raise WorkloadError("hint must be >= 0")
    if name == "hinted" and not w.hint:
        w.hint = int(params["n"])
    check_key_spec(w.keys)
    w.params = params
    w.total = _count(name, params)
    if w.total > MAX_INT:
        raise WorkloadError(f"pattern {w.spec()} is {w.total:,} operations, more than "
                            f"{MAX_INT:,} (math.MaxInt)")
    return w
