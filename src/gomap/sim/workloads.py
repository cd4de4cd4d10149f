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
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gomap.hashing import mix64
from gomap.sim.ops import CLEAR, DEL, GET, ITER, MAKE, SET, KeyDomain, Op


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


class KeySource:
    """The i-th key of a workload, deterministically: ``seq`` (i), ``random``
    (a 63-bit pseudo-random int) or ``string:L`` (a pseudo-random string of L
    characters); turned into the map's key type by a :class:`KeyDomain`."""

    def __init__(self, spec: str, domain: KeyDomain, salt: int = 1) -> None:
        self.spec = spec
        self.domain = domain
        self.salt = mix64(salt * 0x9E3779B97F4A7C15 + 12345)
        self.length = check_key_spec(spec)
        if spec == "seq":
            self._raw: Callable[[int], Any] = lambda i: i
        elif spec == "random":
            salt_ = self.salt
            self._raw = lambda i: mix64(i ^ salt_) >> 1
        else:
            self._raw = self._string
        fv = domain.from_value
        raw = self._raw
        self.key: Callable[[int], Any] = lambda i: fv(raw(i))

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

    def spec(self) -> str:
        parts = [f"{k}={v}" for k, v in self.params.items()]
        parts += [f"keys={self.keys}"]
        if self.hint:
            parts.append(f"hint={self.hint}")
        return f"{self.name}:{','.join(parts)}"

    def ops(self, domain: KeyDomain) -> Iterator[Op]:
        """``(MAKE, hint)`` then the operations, generated lazily."""
        src = KeySource(self.keys, domain, self.seed)
        rng = random.Random(self.seed)
        yield (MAKE, self.hint)
        yield from _GENERATORS[self.name](self.params, src.key, rng)


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
    kinds = [(SET, p["set"]), (GET, p["get"]), (DEL, p["del"]), (ITER, p["iter"]),
             (CLEAR, p["clear"])]
    total = sum(w for _, w in kinds)
    cum: list[tuple[float, int]] = []
    acc = 0.0
    for code, w in kinds:
        acc += w / total
        cum.append((acc, code))
    rnd = rng.random
    rr = rng.randrange
    for _ in range(p["n"]):
        x = rnd()
        code = cum[-1][1]
        for bound, c in cum:
            if x < bound:
                code = c
                break
        if code in (ITER, CLEAR):
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
    if as_float:
        return v
    if v != int(v):
        raise WorkloadError(f"{name}={text!r} must be a whole number")
    return int(v)


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
    return w
