"""GoMap's Python API: popitem with NaN keys, pickle / copy / deepcopy, repr like Go's
fmt, the constructor's arguments, docstrings. (Key domains: test_gokeys.py.)"""

from __future__ import annotations

import copy
import inspect
import math
import pickle
from typing import Any

import pytest

import gomap
from gomap import GoMap

IMPLS = ["classic", "swiss"]


# --- popitem with NaN keys ---------------------------------------------------------------
@pytest.mark.parametrize("impl", IMPLS)
def test_popitem_removes_one_entry_even_when_keys_are_nan(impl: str) -> None:
    m = GoMap(impl=impl, seed=1)
    nan = float("nan")
    m[nan] = 1
    m[nan] = 2
    m[3] = 3
    seen = []
    while m:
        n = len(m)
        _k, v = m.popitem()
        seen.append(v)
        assert len(m) == n - 1
        m.check_invariants()
    assert sorted(seen) == [1, 2, 3]
    with pytest.raises(KeyError):
        m.popitem()


def test_popitem_on_a_typed_float_map_of_nans() -> None:
    m = GoMap(key_type="float64", value_type="int64", seed=1)
    for i in range(5):
        m[math.nan] = i
    got = sorted(m.popitem()[1] for _ in range(5))
    assert got == [0, 1, 2, 3, 4] and len(m) == 0


# --- copies ------------------------------------------------------------------------------
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy", "method"])
def test_copies_keep_engine_types_seed_and_every_entry(impl: str, how: str) -> None:
    m = GoMap(impl=impl, key_type="string", value_type="int64", seed=7)
    for i in range(100):
        m[str(i)] = i
    make = {"pickle": lambda: pickle.loads(pickle.dumps(m)), "copy": lambda: copy.copy(m),
            "deepcopy": lambda: copy.deepcopy(m), "method": m.copy}[how]
    c: GoMap = make()
    assert type(c) is type(m) and isinstance(c, GoMap)
    assert c.impl == impl and dict(c.items()) == dict(m.items())
    c.check_invariants()
    assert c.memory().live_bytes > 0  # the Go types (and accounting) came along
    with pytest.raises(TypeError, match="string"):
        c[5] = 1
    c["new"] = 1
    assert "new" not in m
    assert c._options() == m._options()  # engine, seed, Go types, memory tracking


@pytest.mark.parametrize("impl", IMPLS)
def test_copies_keep_nan_keys_and_interface_keys(impl: str) -> None:
    m = GoMap(impl=impl, key_type="any", value_type="int64", seed=1)
    m[math.nan] = 1
    m[1] = 2
    m[1.0] = 3
    for c in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m), m.copy()):
        assert len(c) == 3
        assert sorted(v for k, v in c.items() if k != k) == [1]
        assert c[1] == 2 and c[1.0] == 3


def test_deepcopy_of_a_map_that_contains_itself() -> None:
    m = GoMap(seed=1)
    m["self"] = m
    m["list"] = [1, 2]
    c = copy.deepcopy(m)
    assert c["self"] is c
    assert c["list"] == [1, 2] and c["list"] is not m["list"]
    s = copy.copy(m)
    assert s["self"] is m and s["list"] is m["list"]


# --- repr --------------------------------------------------------------------------------
def test_repr_of_a_map_that_contains_itself_shows_the_recursion() -> None:
    m = GoMap(seed=1)
    m[1] = m
    assert repr(m) == "GoMap[swiss]{map[1:map[...]]}"


@pytest.mark.parametrize("impl", IMPLS)
def test_repr_sorts_keys_like_go_fmt(impl: str) -> None:
    keys: list[Any] = [3, -1, 10, 2]
    a = GoMap([(k, 0) for k in keys], impl=impl, seed=1)
    b = GoMap([(k, 0) for k in reversed(keys)], impl=impl, seed=2)
    assert repr(a) == repr(b) == f"GoMap[{impl}]{{map[-1:0 2:0 3:0 10:0]}}"
    f = GoMap([(2.5, 0), (math.nan, 1), (-1.0, 2)], impl=impl, seed=1)
    assert repr(f) == f"GoMap[{impl}]{{map[nan:1 -1.0:2 2.5:0]}}"  # NaN first
    mixed = GoMap([("b", 1), (2, 2), ("a", 3), (True, 4), ((1, "x"), 5)], impl=impl, seed=3)
    r = {repr(GoMap(list(mixed.items()), impl=impl, seed=s)) for s in range(5)}
    assert len(r) == 1  # mixed, partly unorderable keys still print one way


def test_repr_of_interface_keys_groups_by_type() -> None:
    m = GoMap([(1, "i"), (1.0, "f"), ("1", "s"), (False, "b")], key_type="any", seed=1)
    assert repr(m) == "GoMap[swiss]{map[False:'b' 1.0:'f' 1:'i' '1':'s']}"


# --- constructor and docstrings ----------------------------------------------------------
def test_keyword_entries_raise_a_type_error_naming_gomap() -> None:
    with pytest.raises(TypeError, match=r"GoMap\(\) got an unexpected keyword argument 'a'"):
        GoMap(a=1)
    with pytest.raises(TypeError, match="GoMap"):
        GoMap(impl="classic", key_kind="fast64")  # a Swiss option on classic
    assert GoMap({"a": 1}) == {"a": 1}


def test_hints_follow_go_constants() -> None:
    with pytest.raises(ValueError, match="overflows int"):
        GoMap(hint=1 << 63)
    with pytest.raises(ValueError, match="does not compile"):
        GoMap(hint=-1)
    with pytest.raises(TypeError, match="hint must be an int"):
        GoMap(hint=1.5)  # type: ignore[arg-type]


def test_every_public_method_has_a_docstring() -> None:
    missing = []
    for cls in (GoMap, type(GoMap(key_type="int64"))):
        for name, fn in inspect.getmembers(cls, callable):
            if name.startswith("_") and name not in ("__iter__", "__setitem__", "__getitem__",
                                                     "__delitem__", "__len__",
                                                     "__contains__", "__repr__"):
                continue
            if not (fn.__doc__ or "").strip():
                missing.append(f"{cls.__name__}.{name}")
    assert not missing, missing
    for name in ("__iter__", "__setitem__"):
        doc = getattr(GoMap, name).__doc__ or ""
        assert "Concurrent" in doc, name  # names the misuse error it may raise
    assert gomap.GoMap.__doc__


@pytest.mark.parametrize("backend", ["native", "python"])
def test_a_subclass_overriding_the_dunders_is_called(backend: str) -> None:
    """GoMap's own m[k], m[k] = v, del m[k], len, in and iter run in C type slots on
    the native backend; a subclass that overrides them gets its overrides, and one that
    does not behaves as GoMap."""
    calls: list[str] = []

    class Logged(GoMap):
        def __setitem__(self, key: Any, value: Any) -> None:
            calls.append("set")
            super().__setitem__(key, value)

        def __getitem__(self, key: Any) -> Any:
            calls.append("get")
            return super().__getitem__(key)

        def __delitem__(self, key: Any) -> None:
            calls.append("del")
            super().__delitem__(key)

        def __len__(self) -> int:
            calls.append("len")
            return super().__len__()

        def __contains__(self, key: object) -> bool:
            calls.append("in")
            return super().__contains__(key)

        def __iter__(self) -> Any:
            calls.append("iter")
            return super().__iter__()

    class Plain(GoMap):
        pass

    for cls in (Logged, Plain, GoMap):
        calls.clear()
        m = cls(seed=1, backend=backend)
        m[1] = "a"
        m[2] = "b"
        assert m[1] == "a" and 2 in m and 3 not in m and len(m) == 2
        del m[1]
        with pytest.raises(KeyError):
            del m[1]
        with pytest.raises(KeyError):
            m[1]
        assert list(m) == [2] and dict(m.items()) == {2: "b"}
        if cls is Logged:
            assert {"set", "get", "del", "len", "in", "iter"} <= set(calls)
