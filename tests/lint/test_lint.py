"""`gomap lint`: the labelled corpus (precision/recall per check), output formats
(text, JSON, SARIF 2.1.0 against its schema), suppressions, check selection, exit codes.

The analyzer is a Go program built once (cached by source digest) with the Go 1.27
toolchain the oracle uses; one analyzer run covers the whole corpus.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gomap.cli import main
from gomap.lint import CHECKS, LintError, lint
from gomap.lint.report import sarif
from gomap.oracle.toolchain import GO_VERSIONS, find_go
from tests.support import DATA, REPO
from tests.support.oracle import require_go

pytestmark = pytest.mark.oracle

CORPUS = Path(__file__).parent / "corpus"
SCHEMA = DATA / "sarif-2.1.0-required.schema.json"
WANT = re.compile(r"// want ((?:GM\d{3} ?)+)")
EXPECT = re.compile(r"^// expect: (.*)$", re.M)


@pytest.fixture(scope="module", autouse=True)
def _go() -> None:
    require_go(GO_VERSIONS["lint"])


def corpus_files(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.go"))


def wanted(path: Path) -> set[tuple[str, int, str]]:
    out = set()
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = WANT.search(line)
        if m:
            out |= {(str(path), n, c) for c in m.group(1).split()}
    return out


@pytest.fixture(scope="module")
def corpus_run() -> Any:
    files = [str(p) for p in corpus_files("bad") + corpus_files("good")]
    return lint(files, numbers=False)


def test_corpus_size_and_headers() -> None:
    bad, good = corpus_files("bad"), corpus_files("good")
    assert len(bad) >= 40 and len(good) >= 40
    for p in bad + good:
        text = p.read_text()
        m = EXPECT.search(text)
        assert m, f"{p.name}: no '// expect:' header"
        header = sorted(m.group(1).split()) if m.group(1) != "none" else []
        marks = sorted(c for (_, _, c) in wanted(p))
        assert header == marks, f"{p.name}: header {header} != markers {marks}"
        assert (p.parent.name == "bad") == bool(marks), p.name
    # every check that reports is exercised by the hazardous half
    covered = {c for p in bad for (_, _, c) in wanted(p)}
    assert covered == {c for c, v in CHECKS.items() if v.reports}


def test_corpus_precision_recall(corpus_run: Any) -> None:
    want: set[tuple[str, int, str]] = set()
    for p in corpus_files("bad"):
        want |= wanted(p)
    got = {(f.file, f.line, f.check) for f in corpus_run.findings}
    assert corpus_run.parse_errors == []
    rows = []
    for check in CHECKS:
        w = {x for x in want if x[2] == check}
        g = {x for x in got if x[2] == check}
        tp = len(w & g)
        rows.append((check, tp, len(g - w), len(w - g)))
    print("\ncheck  TP  FP  FN  precision  recall")
    for check, tp, fp, fn in rows:
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        print(f"{check}  {tp:3d} {fp:3d} {fn:3d}  {prec:9.2f}  {rec:6.2f}")
    missed = sorted(want - got)
    assert not missed, f"missed (recall < 100%): {missed}"
    good = {str(p) for p in corpus_files("good")}
    false_pos = sorted(x for x in got if x[0] in good)
    assert not false_pos, f"findings on the safe half: {false_pos}"
    extra = sorted(got - want)
    assert not extra, f"unexpected findings on the hazardous half: {extra}"


def test_gm007_never_reports(corpus_run: Any) -> None:
    assert not any(f.check == "GM007" for f in corpus_run.findings)
    # the corpus deletes inside range in several safe files
    deleting = [p for p in corpus_files("good")
                if re.search(r"for [^\n]*range (\w+) \{\n(?:[^\n]*\n){0,3}?\s*delete\(\1,",
                             p.read_text())]
    assert len(deleting) >= 3


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["lint", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_text_format_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    bad = CORPUS / "bad" / "seed004_unsafe_map_write.go"
    rc, out, _ = _cli(capsys, str(bad))
    assert rc == 1
    lines = [ln for ln in out.splitlines() if not ln.startswith(" ")]
    assert len(lines) == 2
    assert re.match(rf"{re.escape(str(bad))}:\d+:\d+: GM001 map m is written here", lines[0])
    rc, out, _ = _cli(capsys, str(CORPUS / "good" / "channel_handoff.go"))
    assert (rc, out) == (0, "")


def test_parse_error_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "broken.go"
    f.write_text("package main\n\nfunc main() { x := }\n")
    rc, _, err = _cli(capsys, str(f))
    assert rc == 2
    assert f"{f}:3:20: expected operand" in err
    assert "    func main() { x := }" in err  # the offending line
    assert "Traceback" not in err


def test_bad_usage_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = _cli(capsys, str(tmp_path / "nope.go"))
    assert rc == 2 and "no such file" in err
    (tmp_path / "empty").mkdir()
    rc, _, err = _cli(capsys, str(tmp_path / "empty"))
    assert rc == 2 and "no Go files" in err
    rc, _, err = _cli(capsys, "--enable", "GM999", str(CORPUS / "good"))
    assert rc == 2 and "unknown check 'GM999'" in err
    rc, _, err = _cli(capsys, "--explain", "GM42")
    assert rc == 2 and "unknown check" in err
    with pytest.raises(LintError, match="unknown check"):
        lint([str(CORPUS / "good")], disable=["XX"])


def test_explain_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    for cid, check in CHECKS.items():
        rc, out, _ = _cli(capsys, "--explain", cid.lower())
        assert rc == 0
        assert out.startswith(f"{cid} {check.name}:")
        assert "Why:" in out
    _, out, _ = _cli(capsys, "--explain", "GM007")
    assert "not yet been reached is removed during iteration" in out


def test_enable_disable(capsys: pytest.CaptureFixture[str]) -> None:
    f = str(CORPUS / "bad" / "delete_all_package.go")  # GM005 + GM006
    got = {x.check for x in lint([f], numbers=False).findings}
    assert got == {"GM005", "GM006"}
    assert {x.check for x in lint([f], enable=["GM005"]).findings} == {"GM005"}
    assert {x.check for x in lint([f], disable=["GM005"], numbers=False).findings} == {"GM006"}
    rc, out, _ = _cli(capsys, "--disable", "GM005,GM006", f)
    assert (rc, out) == (0, "")


def test_suppression_needs_id_and_reason(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    src = (CORPUS / "bad" / "delete_all_loop.go").read_text()
    line = "\tfor k := range m { // want GM005"
    assert line in src
    ok = tmp_path / "ok.go"
    ok.write_text(src.replace(line, "\t//gomap:ignore GM005 keeps Go 1.20 compatibility\n" + line))
    res = lint([str(ok)])
    assert res.findings == [] and res.suppressed == 1
    wrong_id = tmp_path / "wrong.go"
    wrong_id.write_text(src.replace(line, line + " //gomap:ignore GM001 not this one"))
    assert [f.check for f in lint([str(wrong_id)]).findings] == ["GM005"]
    no_reason = tmp_path / "noreason.go"
    no_reason.write_text(src.replace(line, "\t//gomap:ignore GM005\n" + line))
    rc, _, err = _cli(capsys, str(no_reason))
    assert rc == 1 and "needs a reason" in err


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    f = CORPUS / "bad" / "never_shrinks_package_cache.go"
    rc, out, _ = _cli(capsys, "--format", "json", str(f))
    assert rc == 1
    doc = json.loads(out)
    (finding,) = doc["findings"]
    assert finding["check"] == "GM006" and finding["name"] == "map-never-shrinks"
    assert {(str(f), finding["line"], "GM006")} == wanted(f)
    # the simulator's figures for map[string]time.Time
    n = finding["numbers"]
    assert n["key"] == "string"
    assert n["swiss"]["entries"] == 100
    assert n["swiss"]["live_bytes"] > 10 * n["swiss"]["rebuilt_live_bytes"]
    assert f"{n['swiss']['live_bytes']:,} B" in finding["message"]


def test_gm006_numbers_match_simulate() -> None:
    from gomap.layout.types import parse_key_type
    from gomap.lint.runner import drain_numbers
    from gomap.sim.ops import KeyDomain
    from gomap.sim.simulator import simulate
    from gomap.sim.workloads import parse_pattern

    n = drain_numbers("int64", "[64]byte")
    assert n is not None
    w = parse_pattern("drain:n=10000,keep=0.01")
    r = simulate("swiss", "int64", "[64]byte", w.ops(KeyDomain(parse_key_type("int64"))),
                 total=w.total)
    assert n["swiss"]["live_bytes"] == r.live_bytes
    assert r.rebuild is not None
    assert n["swiss"]["rebuilt_live_bytes"] == r.rebuild["live_bytes"]


def test_sarif_validates_against_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    files = [str(p) for p in corpus_files("bad")[:10]]
    res = lint(files, numbers=False)
    log = sarif(res)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(CHECKS)
    assert len(run["results"]) == len(res.findings) > 0
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    # a broken log fails the schema: the test can fail
    broken = json.loads(json.dumps(log))
    del broken["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_sarif_cli_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lint.sarif"
    rc, stdout, _ = _cli(capsys, "--format", "sarif", "-o", str(out),
                         str(CORPUS / "bad" / "rlock_write_field.go"))
    assert rc == 1 and stdout == ""
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    assert Counter(r["ruleId"] for r in log["runs"][0]["results"]) == {"GM003": 1}


def test_directory_walk_and_module_imports(tmp_path: Path) -> None:
    """A module: go.mod, a package importing another package of the module."""
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "store.go").write_text(
        "package store\n\nimport \"sync\"\n\n"
        "type Store struct {\n\tMu sync.RWMutex\n\tM  map[string]int\n}\n")
    (tmp_path / "cmd").mkdir()
    (tmp_path / "cmd" / "main.go").write_text(
        "package main\n\nimport \"example.com/app/store\"\n\n"
        "func main() {\n\ts := &store.Store{M: map[string]int{}}\n"
        "\tset(s)\n}\n\n"
        "func set(s *store.Store) {\n\ts.Mu.RLock()\n\ts.M[\"a\"] = 1\n\ts.Mu.RUnlock()\n}\n")
    (tmp_path / "testdata").mkdir()
    (tmp_path / "testdata" / "broken.go").write_text("package x\nfunc {\n")
    (tmp_path / "cmd" / "main_test.go").write_text(
        "package main\n\nfunc wipe(m map[int]int) {\n\tfor k := range m {\n"
        "\t\tdelete(m, k)\n\t}\n}\n")
    res = lint([str(tmp_path)])
    assert res.parse_errors == []  # testdata is skipped
    assert [(Path(f.file).name, f.line, f.check) for f in res.findings] == [
        ("main.go", 12, "GM003"), ("main_test.go", 4, "GM005")]
    assert res.packages == 2
    no_tests = lint([str(tmp_path)], tests=False)
    assert [Path(f.file).name for f in no_tests.findings] == ["main.go"]


# --- the lock matrix: every combination of writer and reader locking ---------------

MODES = {
    "none": ("", ""),
    "lock": ("mu.Lock()", "mu.Unlock()"),
    "rlock": ("mu.RLock()", "mu.RUnlock()"),
    "other": ("other.Lock()", "other.Unlock()"),
}


def _locked(body: str, mode: str, deferred: bool) -> str:
    lock, unlock = MODES[mode]
    if not lock:
        return body
    if deferred:
        return f"\t{lock}\n\tdefer {unlock}\n{body}"
    return f"\t{lock}\n{body}\t{unlock}\n"


def _matrix_program(w: str, r: str, deferred: bool, ranged: bool) -> tuple[str, int, int]:
    """A package map written by goroutines started in a loop and read by an exported
    function; returns (source, line of the write, line of the read)."""
    read = ("\tn := 0\n\tfor range table {\n\t\tn++\n\t}\n\treturn n\n" if ranged
            else "\treturn table[k]\n")
    src = ("package main\n\nimport \"sync\"\n\nvar (\n\tmu    sync.RWMutex\n"
           "\tother sync.Mutex\n\ttable = map[string]int{}\n)\n\n"
           "func put(k string) {\n" + _locked("\ttable[k] = 1\n", w, deferred) + "}\n\n"
           "func Get(k string) int {\n" + _locked(read, r, deferred) + "}\n\n"
           "func Start(ks []string) {\n\tfor _, k := range ks {\n\t\tgo put(k)\n\t}\n}\n")
    lines = src.splitlines()
    wline = next(i for i, s in enumerate(lines, 1) if "table[k] = 1" in s)
    rline = next(i for i, s in enumerate(lines, 1)
                 if ("for range table" in s if ranged else "return table[k]" in s))
    return src, wline, rline


def test_lock_matrix(tmp_path: Path) -> None:
    """All 4 x 3 x 2 x 2 lockings of a writer goroutine and a reader, in one run.

    Expected from Go's rules: the writer races with itself unless it holds a mutex in
    write mode; with the reader unless both hold mu and the writer holds it in write
    mode; a write under RLock is GM003 (and the pairs it forms with other RLock
    holders are left to GM003).
    """
    cases = {}
    for w in MODES:
        for r in ("none", "lock", "rlock"):
            for deferred in (False, True):
                for ranged in (False, True):
                    src, wl, rl = _matrix_program(w, r, deferred, ranged)
                    f = tmp_path / f"m_{w}_{r}_{int(deferred)}_{int(ranged)}.go"
                    f.write_text(src)
                    cases[str(f)] = (w, r, ranged, wl, rl)
    res = lint(list(cases), numbers=False)
    assert res.parse_errors == []
    got: dict[str, set[tuple[int, str]]] = {f: set() for f in cases}
    for x in res.findings:
        got[x.file].add((x.line, x.check))
    for f, (w, r, ranged, wl, rl) in cases.items():
        # two instances of put race unless put holds a mutex in write mode (under
        # RLock the pair is GM003's)
        self_race = w == "none"
        pair_protected = w == "lock" and r in ("lock", "rlock")
        pair_left_to_gm003 = w == "rlock" and r in ("lock", "rlock")
        pair_race = not pair_protected and not pair_left_to_gm003
        want: set[tuple[int, str]] = set()
        if w == "rlock":
            want.add((wl, "GM003"))
        if ranged:
            if pair_race:
                want.add((rl, "GM002"))
            if self_race:
                want.add((wl, "GM001"))
        elif self_race or pair_race:
            want.add((wl, "GM001"))
        assert got[f] == want, (Path(f).name, w, r, ranged, sorted(got[f]), sorted(want))


# --- GM006's type spelling against go/types' own sizes ------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BASIC = ["int8", "int16", "int32", "int64", "int", "uint8", "uint16", "uint32", "uint64",
         "uint", "uintptr", "float32", "float64", "complex64", "complex128", "bool",
         "string", "byte", "rune"]


def _types(comparable: bool) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(BASIC + ["*int", "*[3]string"] +
                             ([] if comparable else ["[]int", "map[string]int", "func()",
                                                     "chan int", "any", "error"]))

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        arr = st.tuples(st.integers(0, 3), inner).map(lambda t: f"[{t[0]}]{t[1]}")
        fields = st.lists(inner, min_size=1, max_size=3).map(
            lambda ts: "struct{ " + "; ".join(f"f{i} {t}" for i, t in enumerate(ts)) + " }")
        return st.one_of(arr, fields)

    return st.recursive(leaves, grow, max_leaves=5)


def _drain_program(pairs: list[tuple[str, str]]) -> str:
    out = ["package main", ""]
    for i, (k, v) in enumerate(pairs):
        out += [f"type k{i} {k}", f"type v{i} {v}", f"var m{i} = map[k{i}]v{i}{{}}",
                f"func fill{i}(ks []k{i}) {{ var v v{i}; for _, k := range ks {{ m{i}[k] = v }} }}",
                f"func drain{i}(ks []k{i}) {{ for _, k := range ks {{ delete(m{i}, k) }} }}",
                ""]
    return "\n".join(out)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_types(True), _types(False)), min_size=1, max_size=12))
def test_gm006_layout_spelling_matches_go_sizes(tmp_path: Path,
                                                pairs: list[tuple[str, str]]) -> None:
    """Named Go types are spelled out for gomap's layout; the spelled type must have the
    size go/types (gc, amd64) gives the real one, or the GM006 figures would be wrong."""
    from gomap.layout.types import parse_go_type

    f = tmp_path / "drain.go"
    f.write_text(_drain_program(pairs))
    res = lint([str(f)], numbers=False)
    assert res.parse_errors == []
    found = {x.map: x for x in res.findings if x.check == "GM006"}
    assert set(found) == {f"m{i}" for i in range(len(pairs))}
    for x in found.values():
        assert parse_go_type(x.key_type).size == x.key_size, (x.map, x.key_type)
        assert parse_go_type(x.value_type).size == x.value_size, (x.map, x.value_type)


def test_go_vet_vettool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """go vet -vettool=$(gomap lint --print-vettool): the same checks, Go's own driver."""
    import subprocess

    from gomap.oracle.toolchain import cache_dir

    assert main(["lint", "--print-vettool"]) == 0
    tool = capsys.readouterr().out.strip()
    (tmp_path / "go.mod").write_text("module example.com/v\n\ngo 1.22\n")
    (tmp_path / "a.go").write_text((CORPUS / "bad" / "rlock_write_field.go").read_text())
    (tmp_path / "b.go").write_text(
        "package main\n\nfunc reset(m map[int]int) {\n"
        "\t//gomap:ignore GM005 kept for an old toolchain\n"
        "\tfor k := range m {\n\t\tdelete(m, k)\n\t}\n}\n\nfunc main() {}\n")
    go = find_go(GO_VERSIONS["lint"])
    proc = subprocess.run([str(go.go), "vet", f"-vettool={tool}", "./..."], cwd=tmp_path,
                          env=go.env(cache_dir()), capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    diags = [ln for ln in proc.stderr.splitlines() if ": GM" in ln]
    assert len(diags) == 1 and re.search(r"a\.go:\d+:\d+: GM003 map c\.n is written", diags[0])


def test_sarif_columns_count_characters(tmp_path: Path) -> None:
    """Go reports byte columns; SARIF says unicodeCodePoints, so non-ASCII shifts them."""
    f = tmp_path / "u.go"
    f.write_text("package main\n\nvar m = map[string]int{}\n\nfunc reset() {\n"
                 "\t/* é */ for k := range m {\n\t\tdelete(m, k)\n\t}\n}\n", encoding="utf-8")
    res = lint([str(f)], enable=["GM005"])
    (finding,) = res.findings
    assert finding.col == 11  # tab, "/* ", 2-byte é, " */ " -> byte 11
    region = sarif(res)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startColumn"] == 10


def test_docs_show_every_check() -> None:
    """docs/LINT.md has a section per check with Go examples, bad and good."""
    doc = (REPO / "docs" / "LINT.md").read_text()
    sections = re.split(r"^### ", doc, flags=re.M)[1:]
    by_id = {s.split()[0]: s for s in sections}
    assert set(by_id) == set(CHECKS)
    for cid, text in by_id.items():
        blocks = re.findall(r"```go\n(.*?)```", text, flags=re.S)
        assert blocks, cid
        if CHECKS[cid].reports:
            assert any(cid in b or "bad" in b for b in blocks), cid
            assert any("good" in b or "fine" in b or "clear(m)" in b for b in blocks), cid
