"""`gomap record`: recorded map streams against the Go program's own log.

The binary-reading tests need only the Go toolchains. The recording tests need root
and tracefs uprobe events: they skip elsewhere, and fail under GOMAP_REQUIRE_BPF=1.
Test programs (tests/record/go) are built once per toolchain and cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gomap.record.gobin import GoBinary, GoBinaryError
from gomap.record.probes import GOID_OFFSET, plan
from gomap.sim.ops import KeyDomain, parse_ops_lines, read_ops_header
from tests.support import REPO
from tests.support.record import BUILDS, build, log_streams, ops_stream, require_bpf

ROOT = REPO


def _main_maps(out: Path) -> list[dict[str, object]]:
    """The recorded maps of package main (every caller a main.* function)."""
    idx = json.loads((out / "index.json").read_text())
    return [m for m in idx["recorded_maps"]
            if m["callers"] and all(c.startswith("main.") for c in m["callers"])]


def _match(out: Path, logs: dict[str, list[tuple[str, object]]]
           ) -> dict[str, dict[str, object]]:
    """Pair every logged map with the one recorded map whose stream equals its log
    exactly (make lines aside: a stack map made inline has none); fail otherwise."""
    want = {n: [o for o in s if o[0] != "make"] for n, s in logs.items()}
    pairs: dict[str, dict[str, object]] = {}
    extra = []
    for m in _main_maps(out):
        _, ops = ops_stream(out / str(m["file"]))
        got = [o for o in ops if o[0] != "make"]
        hit = [n for n, s in want.items() if n not in pairs and s == got]
        if hit:
            pairs[hit[0]] = m
        else:
            extra.append((m["id"], m["key"], len(got)))
    missing = sorted(set(want) - set(pairs))
    assert not missing and not extra, (
        f"logged maps without an equal recorded stream: {missing}; recorded maps "
        f"matching no log: {extra}")
    return pairs


# --- reading binaries (no root needed) ---------------------------------------------------
@pytest.mark.parametrize("name", list(BUILDS))
def test_binary_release_functions_and_prologue(name: str) -> None:
    exe = build(name)
    b = GoBinary.open(exe)
    release, experiment, engine = BUILDS[name]
    assert b.info.go_version.startswith(f"go{release}")
    assert b.info.swiss == (engine == "swiss")
    assert ("noswissmap" in b.info.experiments) == (experiment == "noswissmap")
    p = plan(b, "all", 4)
    names = {str(pr.meta["func"]) for pr in p.probes}
    assert {"runtime.mapassign_fast64", "runtime.mapdelete_faststr", "runtime.mapassign",
            "runtime.makemap", "runtime.mapclear"} <= names
    f = b.func("runtime.mapdelete_fast64")
    assert f is not None
    pc, more = b.past_prologue(f)
    code = b.read(f.entry, pc - f.entry)
    assert b"\x3b\x66\x10" in code
    assert code[-2] == 0x76 or code[-6:-4] == b"\x0f\x86"  # jbe rel8 / rel32
    assert more is not None and f.entry < more < f.end
    # the jbe's target (arguments spilled first) calls morestack
    block = b.read(more, 64)
    callees = set()
    for i in range(len(block) - 5):
        if block[i] == 0xE8:
            fn = b.func_at(more + i + 5 + int.from_bytes(block[i + 1:i + 5], "little",
                                                         signed=True))
            callees.add(fn.name if fn else None)
    assert "runtime.morestack_noctxt" in callees


@pytest.mark.parametrize("name", ["1.23", "1.27"])
def test_stripped_binary_resolves_like_the_symbol_table(name: str) -> None:
    full = GoBinary.open(build(name))
    stripped = GoBinary.open(build(name, strip=True))
    assert stripped.stripped and not full.stripped
    assert stripped.types_base != 0
    for fn in ("runtime.mapassign_faststr", "main.structMap", "runtime.makemap_small"):
        a, b = full.func(fn), stripped.func(fn)
        assert a is not None and b is not None
        assert full.past_prologue(a)[0] - a.entry == stripped.past_prologue(b)[0] - b.entry
    f = stripped.func("main.structMap")
    assert f is not None
    fn, file, line = stripped.symbolize(f.entry + 40)
    assert fn == "main.structMap" and file.endswith("mapprog.go") and line > 0


@pytest.mark.parametrize("name", list(BUILDS))
def test_goid_offset_matches_dwarf(name: str) -> None:
    """GOID_OFFSET (used for stripped binaries too) equals runtime.g.goid in DWARF."""
    from elftools.elf.elffile import ELFFile

    exe = build(name)
    with open(exe, "rb") as fh:
        dwarf = ELFFile(fh).get_dwarf_info()
        for cu in dwarf.iter_CUs():
            top = cu.get_top_DIE()
            if top.attributes["DW_AT_name"].value != b"runtime":
                continue
            for die in top.iter_children():
                if die.tag == "DW_TAG_structure_type" and \
                        die.attributes.get("DW_AT_name") is not None and \
                        die.attributes["DW_AT_name"].value == b"runtime.g":
                    off = {c.attributes["DW_AT_name"].value: c.attributes[
                        "DW_AT_data_member_location"].value for c in die.iter_children()
                        if "DW_AT_name" in c.attributes}
                    assert off[b"goid"] == GOID_OFFSET[GoBinary.open(exe).info.minor]
                    return
    pytest.fail("runtime.g not found in DWARF")


def test_map_types_from_descriptors() -> None:
    b = GoBinary.open(build("1.23"))  # its .typelink lists the map types (1.27 has none)
    t = next(t for t in _all_types(b) if t.name == "main.pt")
    assert t.kind == "struct" and t.size == 24
    assert t.expr == "struct{A int32; B int64; C [2]uint16}"
    assert b.canonical(t, bytes(range(24))) == bytes(range(4)) + bytes(range(8, 20))


def _all_types(b: GoBinary) -> list:  # type: ignore[type-arg]
    """The types listed in the binary's typelinks (offsets from runtime.types)."""
    from elftools.elf.elffile import ELFFile

    with open(b.path, "rb") as fh:
        elf = ELFFile(fh)
        sec = elf.get_section_by_name(".typelink")
        data = sec.data() if sec is not None else b""
    offs = [int.from_bytes(data[i:i + 4], "little", signed=True) for i in range(0, len(data), 4)]
    out = []
    for o in offs:
        t = b.gotype(b.types_base + o)
        out.append(t)
        if t.kind == "map":
            k, e = b.map_types(t.addr)
            out += [k, e]
    return out


def test_not_a_go_binary_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GoBinaryError, match="not a Go binary"):
        GoBinary.open(sys.executable if os.path.exists(sys.executable) else "/bin/sh")
    junk = tmp_path / "junk"
    junk.write_bytes(b"hello")
    with pytest.raises(GoBinaryError, match="not an ELF"):
        GoBinary.open(junk)


def test_cli_errors_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "gomap", "record", "--pid", "1", "--", "ls"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "either --pid" in r.stderr
    r = subprocess.run([sys.executable, "-m", "gomap", "record", "--", "/bin/true"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2
    assert ("not a Go binary" in r.stderr) if os.geteuid() == 0 else ("root" in r.stderr)


def test_simulate_reads_types_from_the_header_and_warns_on_loss(tmp_path: Path) -> None:
    f = tmp_path / "m.ops"
    f.write_text("# gomap record: map 1\n#@ key: string\n#@ value: struct{a int32; b bool}\n"
                 "#@ hint: 100\n#@ events-lost: 7\nmake 100\nset \"a\"\nset \"b\"\ndel \"a\"\n")
    assert read_ops_header(f)["key"] == "string"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "gomap", "simulate", "--ops", str(f), "--json",
                        "-", "-q"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["key"] == "string" and "a int32" in d["value"] and d["entries"] == 1
    assert "LOST 7 events" in r.stderr
    r = subprocess.run([sys.executable, "-m", "gomap", "simulate", "--ops", str(f), "--key",
                        "int64", "-q"], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "not an integer" in r.stderr  # the flag wins over the header


# --- recording (root, uprobes) -------------------------------------------------------------
@pytest.fixture(scope="module")
def bpf() -> None:
    require_bpf()


@pytest.mark.parametrize("name", list(BUILDS))
def test_recorded_streams_equal_the_programs_log(bpf: None, name: str, tmp_path: Path
                                                 ) -> None:
    """Every op of every map of the program: op, key, order within the map, which map;
    hints where make was called; the replay's final len equals the program's."""
    from gomap.record.session import record
    from gomap.sim.simulator import simulate

    exe = build(name)
    out = tmp_path / "rec"
    log = tmp_path / "log.txt"
    res = record(cmd=[str(exe), str(log)], ops="all", ops_out=out)
    assert res.exit_code == 0
    assert res.recorder.stats.lost == 0
    logs, lens = log_streams(log)
    pairs = _match(out, logs)
    assert len(pairs) == len(logs) == 19
    engine = BUILDS[name][2]
    for mname, m in pairs.items():
        hdr, ops = ops_stream(out / str(m["file"]))
        made = [o for o in logs[mname] if o[0] == "make"]
        if m["made"] and made:  # a make the program logged, seen by the recorder
            assert ops[0] == ("make", made[0][1]), mname
        assert hdr["maps"] == engine and hdr["events-lost"] == "0"
        domain = KeyDomain(__import__("gomap.layout.types", fromlist=["x"]).parse_key_type(
            hdr["key"]))
        text = (out / str(m["file"])).read_text().splitlines()
        rep = simulate(engine, hdr["key"], hdr["value"],
                       parse_ops_lines(text, domain, str(m["file"])))
        assert rep.entries == lens[mname], mname
    # key kinds and placements covered
    keys = {str(m["key"]) for m in pairs.values()}
    assert {"int64", "int32", "string", "main.pt"} <= keys
    assert any(m["on_stack"] and len(m["addrs"]) > 1 for m in pairs.values())  # it moved
    stk = [m for n, m in pairs.items() if n.startswith("stk.")]
    assert len({m["id"] for m in stk}) == 3
    assert len({g for m in pairs.values() for g in m["goroutines"]}) >= 4  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["1.23", "1.27"])
def test_reentry_through_morestack_is_recorded_once(bpf: None, name: str, tmp_path: Path
                                                    ) -> None:
    """Map calls that re-enter through morestack (forced, on stack and heap maps):
    past the prologue every op is recorded once; at the entry the re-entries repeat
    ops (what the probe placement avoids); a stack map keeps one identity while its
    header moves."""
    from gomap.record.session import record

    exe = build(name, "reentry.go")
    counts = {}
    for at_entry in (False, True):
        out = tmp_path / f"rec{at_entry}"
        log = tmp_path / f"log{at_entry}.txt"
        res = record(cmd=[str(exe), str(log)], ops="writes", ops_out=out,
                     count_reentries=True, at_entry=at_entry)
        assert res.recorder.stats.lost == 0
        logs, _ = log_streams(log)
        nlog = sum(len(s) for s in logs.values())
        nrec = sum(len([o for o in ops_stream(out / str(m["file"]))[1] if o[0] != "make"])
                   for m in _main_maps(out))
        counts[at_entry] = (nlog, nrec, res.recorder.stats.reentries)
        if not at_entry:
            pairs = _match(out, logs)
            moved = [m for n, m in pairs.items() if n.endswith(".stk")]
            assert len(moved) == 4 and all(len(m["addrs"]) > 1 for m in moved)  # type: ignore[arg-type]
            assert res.recorder.stats.reentries > 0
    nlog, nrec, re = counts[True]
    assert nlog < nrec <= nlog + re, counts  # at the entry: repeats, one per re-entry


def test_deletes_to_audit_and_pid_attach(bpf: None, tmp_path: Path) -> None:
    """--pid on a running program, --ops deletes, --audit JSONL: each delete is one
    record with source ebpf, the pid, the goroutine and a main.* caller with a line."""
    from gomap.audit import Auditor, JsonlSink
    from gomap.audit.query import load
    from gomap.record.session import record

    exe = build("1.27")
    log = tmp_path / "log.txt"
    proc = subprocess.Popen([str(exe), str(log), "wait"], stdin=subprocess.PIPE)
    try:
        auditor = Auditor([JsonlSink(tmp_path / "a.jsonl")])
        res = {}

        def started(pid: int) -> None:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            proc.stdin.flush()

        res["r"] = record(pid=proc.pid, ops="deletes", auditor=auditor, on_start=started)
        auditor.close()
    finally:
        proc.wait(timeout=30)
    logs, _ = log_streams(log)
    ndel = sum(1 for s in logs.values() for o in s if o[0] in ("del", "clear"))
    recs = [r for r in load(tmp_path / "a.jsonl").records if r.get("source") == "ebpf"]
    mine = [r for r in recs if r["caller"] and r["caller"][0]["function"].startswith("main.")]
    assert len(mine) == ndel
    r0 = mine[0]
    assert r0["pid"] == proc.pid and isinstance(r0["goroutine"], int)
    assert r0["op"] in ("delete", "clear") and r0["caller"][0]["file"].endswith("mapprog.go")
    assert r0["caller"][0]["line"] > 0


def test_cli_detaches_on_ctrl_c_and_leaves_the_target_running(bpf: None, tmp_path: Path
                                                              ) -> None:
    """SIGINT to `gomap record --pid`: exit 0, the summary written, the probes and the
    tracefs instance gone, the target untouched (it then runs to its end)."""
    import signal
    import time

    from gomap.record.tracefs import find_tracefs

    exe = build("1.27")
    log = tmp_path / "log.txt"
    target = subprocess.Popen([str(exe), str(log), "wait"], stdin=subprocess.PIPE)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    rec = subprocess.Popen([sys.executable, "-m", "gomap", "record", "--pid", str(target.pid),
                            "--json", str(tmp_path / "s.json"), "-q"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        root = find_tracefs()
        group = f"gomap_{rec.pid}"
        deadline = time.monotonic() + 20
        while not (root / "instances" / group).exists():
            assert time.monotonic() < deadline and rec.poll() is None, rec.stderr
            time.sleep(0.05)
        time.sleep(0.5)
        rec.send_signal(signal.SIGINT)
        _, err = rec.communicate(timeout=30)
        assert rec.returncode == 0, err
        assert group not in (root / "uprobe_events").read_text()
        assert not (root / "instances" / group).exists()
        summary = json.loads((tmp_path / "s.json").read_text())
        assert summary["pid"] == target.pid and summary["events_lost"] == 0
        assert target.poll() is None  # still running, waiting for its go-ahead
    finally:
        assert target.stdin is not None
        target.stdin.write(b"go\n")
        target.stdin.close()
        assert target.wait(timeout=30) == 0
    _, lens = log_streams(log)
    assert lens and all(v >= 0 for v in lens.values())


def test_key_buckets() -> None:
    from gomap.record.probes import key_buckets

    assert key_buckets(128) == (32, 128)
    assert key_buckets(16) == (16,)
    assert key_buckets(512) == (32, 512)
    for bad in (0, 12, 520):
        with pytest.raises(ValueError, match="key-bytes"):
            key_buckets(bad)


def test_lost_events_are_counted_exactly(bpf: None, tmp_path: Path) -> None:
    """A ring buffer far too small for the program's rate: events received plus events
    counted lost equal what a lossless recording of the same run receives; the loss
    is in every ops file's header."""
    from gomap.record.session import record

    exe = build("1.27", str(ROOT / "benchmarks" / "record_go" / "heavy.go"))
    full = record(cmd=[str(exe), "20000"], ops="deletes", buffer_mb=64,
                  stdin=subprocess.DEVNULL)
    assert full.recorder.stats.lost == 0
    out = tmp_path / "rec"
    small = record(cmd=[str(exe), "20000"], ops="deletes", buffer_mb=0.004, ops_out=out,
                   stdin=subprocess.DEVNULL)
    st = small.recorder.stats
    assert st.lost > 0
    assert st.events + st.lost == full.recorder.stats.events
    for f in out.glob("*.ops"):
        assert ops_stream(f)[0]["events-lost"] == str(st.lost)


def test_cli_ops_out_map_filter_and_simulate(bpf: None, tmp_path: Path) -> None:
    """The command end to end: `record --map FUNC --ops-out DIR -- CMD`, then
    `simulate --ops FILE` with the types from the header."""
    exe = build("1.24")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = tmp_path / "rec"
    r = subprocess.run([sys.executable, "-m", "gomap", "record", "--map", "main.structMap",
                        "--ops-out", str(out), "--json", str(tmp_path / "s.json"), "--",
                        str(exe), str(tmp_path / "log.txt")], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["go"].startswith("go1.24") and summary["maps_impl"] == "swiss"
    keys = sorted(str(m["key"]) for m in summary["maps"])
    assert keys == ["main.pt", "string"]  # its own map and the shared one
    pt = next(f for f in out.glob("*.ops") if "go-key: main.pt" in f.read_text())
    r = subprocess.run([sys.executable, "-m", "gomap", "simulate", "--ops", str(pt), "--json",
                        "-", "-q"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    _, lens = log_streams(tmp_path / "log.txt")
    assert json.loads(r.stdout)["entries"] == lens["pt"]


def test_not_root_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from gomap.cli.record import _record
    from gomap.record.session import RecordError, record

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(RecordError, match="needs root") as e:
        record(cmd=["/bin/true"])
    assert e.value.code == 2
    from gomap.cli import build_parser

    args = build_parser().parse_args(["record", "--", "/bin/true"])
    from rich.console import Console

    assert _record(args, Console()) == 2


def test_keys_compared_through_pointers_are_counted_approximate(bpf: None, tmp_path: Path
                                                                 ) -> None:
    """A string inside a struct, an interface, an array of strings, a string longer
    than --key-bytes: each map's header counts its approximate keys; exact keys are
    not counted."""
    from gomap.record.session import record

    exe = build("1.27", "keys.go")
    out = tmp_path / "rec"
    record(cmd=[str(exe), str(tmp_path / "done")], ops="writes", ops_out=out)
    headers = {}
    for m in _main_maps(out):
        hdr, _ = ops_stream(out / str(m["file"]))
        headers[hdr["go-key"]] = hdr
    assert set(headers) == {"main.named", "interface {}", "[2]string", "string"}, headers
    assert headers["main.named"]["approximate-keys"] == "10"
    assert headers["interface {}"]["approximate-keys"] == "10"
    assert headers["[2]string"]["approximate-keys"] == "10"
    assert headers["string"]["approximate-keys"] == "1"  # the 300-byte key only
