"""`gomap lint` on real code (issue 20): locations that name their files, SARIF related
locations and code flows, the first-build notice, the toolchain message; concurrency
entry points, happens-before across calls, aliasing, test files; and the regression
extracts of real projects' map races under ``tests/lint/real/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gomap.lint import lint
from gomap.lint.report import sarif
from gomap.oracle.toolchain import GO_VERSIONS, GoToolchainMissing
from gomap.versions import pinned_release
from tests.support import REPO
from tests.support.oracle import require_go

LINT_GO = pinned_release("lint")

pytestmark = pytest.mark.oracle

ROOT = REPO
REAL = Path(__file__).parent / "real"


@pytest.fixture(scope="module", autouse=True)
def _go() -> None:
    require_go(GO_VERSIONS["lint"])


def _write(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp


def _found(res: Any) -> set[tuple[str, int, str]]:
    return {(Path(f.file).name, f.line, f.check) for f in res.findings}


# --- messages ---------------------------------------------------------------------

TWO_FILES = {
    "go.mod": "module example.com/two\n\ngo 1.22\n",
    "start.go": """package two

var counts = map[string]int{}

func Start() {
	go worker()
}
""",
    "worker.go": """package two

func worker() {
	counts["a"]++
}

func Read() int { return counts["a"] }
""",
}


def test_locations_name_their_file_and_sarif_has_flow(tmp_path: Path) -> None:
    _write(tmp_path, TWO_FILES)
    res = lint([str(tmp_path)], numbers=False)
    gm1 = [f for f in res.findings if f.check == "GM001"]
    assert gm1, res.findings
    f = gm1[0]
    assert "started at start.go:6" in f.message
    assert "line 6" not in f.message
    starts = [r for r in f.related if r["line"] == 6 and r["file"].endswith("start.go")]
    assert starts, f.related
    assert f.flow[0]["file"].endswith("start.go") and f.flow[0]["line"] == 6
    assert (Path(f.flow[-1]["file"]).name, f.flow[-1]["line"]) == (Path(f.file).name, f.line)
    doc = sarif(res)
    r = next(x for x in doc["runs"][0]["results"] if x["ruleId"] == "GM001")
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in r["relatedLocations"]}
    assert any(u.endswith("start.go") for u in uris)
    steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
    assert steps[0]["location"]["physicalLocation"]["region"]["startLine"] == 6
    assert len(steps) == 2


def test_first_build_notice_and_toolchain_message(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import gomap.oracle.harness as harness
    from gomap.lint import runner

    def fake_build(impl: str, **kw: Any) -> Path:
        assert kw["source"] == runner.ANALYZER_DIR
        assert (kw["source"] / "main.go").is_file()
        kw["on_build"](LINT_GO)
        return Path("/nonexistent")

    monkeypatch.setattr(harness, "build_harness", fake_build)
    runner.analyzer_binary()
    err = capsys.readouterr().err
    assert err.strip() == (f"gomap lint: building the analyzer with Go {LINT_GO}, once, "
                           "about a minute")

    def missing(impl: str, **kw: Any) -> Path:
        raise GoToolchainMissing(f"Go {LINT_GO} is needed for the oracle ... gomap verify "
                                 "--install-go")

    monkeypatch.setattr(harness, "build_harness", missing)
    with pytest.raises(GoToolchainMissing) as e:
        runner.analyzer_binary()
    assert "gomap lint --install-go" in str(e.value)
    assert "gomap verify" not in str(e.value)


def test_build_notice_only_when_building(tmp_path: Path) -> None:
    """A real second run reuses the cached analyzer and prints nothing on stderr."""
    _write(tmp_path, {"a.go": "package a\n"})
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "gomap", "lint", str(tmp_path / "a.go")]
    subprocess.run(cmd, env=env, capture_output=True, text=True)  # builds if needed
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "building the analyzer" not in again.stderr


# --- entry points, summaries, aliasing, tests ---------------------------------------

def _lint_pkg(tmp: Path, files: dict[str, str]) -> set[tuple[str, int, str]]:
    _write(tmp, {"go.mod": "module example.com/p\n\ngo 1.22\n", **files})
    return _found(lint([str(tmp)], numbers=False))


ROUTER = """package p

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/gin-gonic/gin"
)

var hits = map[string]int{}

func count(w http.ResponseWriter, r *http.Request) {
	hits[r.URL.Path]++ // want GM001
}

func ginCount(c *gin.Context) {
	hits["gin"]++ // want GM001
}

func Serve() {
	r := mux.NewRouter()
	r.HandleFunc("/", count)
	g := gin.New()
	g.GET("/", ginCount)
}
"""


def test_handlers_on_third_party_routers_race_with_themselves(tmp_path: Path) -> None:
    """gorilla/mux and gin are not available here: recognised by import path and shape."""
    found = _lint_pkg(tmp_path, {"p.go": ROUTER})
    assert ("p.go", 13, "GM001") in found and ("p.go", 17, "GM001") in found


COLLECTOR = """package p

import "github.com/prometheus/client_golang/prometheus"

type C struct{ seen map[string]bool }

func (c *C) Collect(ch chan<- prometheus.Metric) {
	c.seen["x"] = true
}

func (c *C) Describe(ch chan<- *prometheus.Desc) {}
"""


def test_prometheus_collect_is_an_entry_point(tmp_path: Path) -> None:
    found = _lint_pkg(tmp_path, {"p.go": COLLECTOR})
    assert ("p.go", 8, "GM001") in found


JOINED = """package p

import "sync"

var m = map[int]int{}

func fill() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); mu.Lock(); m[i] = i; mu.Unlock() }()
	}
	wg.Wait()
}

func Run() int {
	m[-1] = 0
	fill()
	n := 0
	for range m {
		n++
	}
	return n
}
"""


def test_goroutines_joined_inside_a_called_function(tmp_path: Path) -> None:
    """The accesses before and after fill() are ordered with fill's joined goroutines."""
    assert _lint_pkg(tmp_path, {"p.go": JOINED}) == set()
    unjoined = JOINED.replace("\twg.Wait()\n}", "}")
    found = _lint_pkg(tmp_path, {"p.go": unjoined})
    assert ("p.go", 20, "GM002") in found


ALIAS = """package p

import "net/http"

type state struct{ sessions map[string]int }

var State = state{sessions: map[string]int{}}

func (s *state) expire() {
	for k := range s.sessions { // want GM002
		delete(s.sessions, k) // want GM001
	}
}

func handle(w http.ResponseWriter, r *http.Request) {
	s := &State
	s.expire()
}

func Serve() { http.HandleFunc("/", handle) }
"""


def test_method_on_package_level_variable_is_that_variables_map(tmp_path: Path) -> None:
    found = _lint_pkg(tmp_path, {"p.go": ALIAS})
    assert ("p.go", 11, "GM001") in found and ("p.go", 10, "GM002") in found


TESTS = {
    "p.go": """package p

import "sync"

type S struct {
	mu sync.Mutex
	m  map[string]int
}

var shared = &S{m: map[string]int{}}

func Start() { go shared.loop() }

func (s *S) loop() {
	s.mu.Lock()
	s.m["a"]++
	s.mu.Unlock()
}
""",
    "p_test.go": """package p

import "testing"

func TestSetup(t *testing.T) {
	Start()
	shared.m["x"] = 1
}
""",
}


def test_sequential_tests_are_left_out(tmp_path: Path) -> None:
    assert _lint_pkg(tmp_path, TESTS) == set()
    par = dict(TESTS)
    par["p_test.go"] = TESTS["p_test.go"].replace("\tStart()", "\tt.Parallel()\n\tStart()")
    assert ("p_test.go", 8, "GM001") in _lint_pkg(tmp_path, par)


def test_user_entry_points(tmp_path: Path) -> None:
    src = """package p

import "example.org/sched"

var runs = map[string]int{}

func job() { runs["job"]++ }

func Setup() {
	s := sched.New()
	s.Every(job)
}
"""
    assert _lint_pkg(tmp_path, {"p.go": src}) == set()
    _write(tmp_path, {"p.go": src})
    res = lint([str(tmp_path)], numbers=False, entry_points=["example.org/sched.Every"])
    assert ("p.go", 7, "GM001") in _found(res)


def test_lint_eval_recomputes_from_stored_outputs() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "lint_eval.py"),
                           "--label", "after"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "GM001: precision" in proc.stdout and "recall" in proc.stdout


API = """package db

import "sync"

var mu sync.Mutex

type DB struct{ users map[string]int }

func (d *DB) Prune(min int) {
	for name, n := range d.users {
		if n < min {
			mu.Lock()
			delete(d.users, name)
			mu.Unlock()
		}
	}
}

func (d *DB) Exists(name string) bool {
	_, ok := d.users[name]
	return ok
}
"""


def test_map_written_under_its_lock_is_shared_by_the_api(tmp_path: Path) -> None:
    """A library map written under its mutex by a method that also ranges over it
    unlocked, and read unlocked by another exported method: callers may run the two
    at once (the dovecot-xaps-daemon bug's shape)."""
    found = _lint_pkg(tmp_path / "a", {"db.go": API})
    assert ("db.go", 13, "GM001") in found
    assert ("db.go", 10, "GM002") in found
    whole = API.replace("\tfor name, n := range d.users {", "\tmu.Lock()\n\tdefer mu.Unlock()\n"
                        "\tfor name, n := range d.users {").replace(
        "\t\t\tmu.Lock()\n", "").replace("\t\t\tmu.Unlock()\n", "")
    read = "\t_, ok := d.users[name]"
    locked = whole.replace(read, "\tmu.Lock()\n\tdefer mu.Unlock()\n" + read)
    assert _lint_pkg(tmp_path / "b", {"db.go": locked}) == set()
    # a local mutex guards nothing shared
    local = API.replace("var mu sync.Mutex\n", "").replace(
        "\t\t\tmu.Lock()", "\t\t\tvar mu sync.Mutex\n\t\t\tmu.Lock()")
    assert _lint_pkg(tmp_path / "c", {"db.go": local}) == set()
    # phases: every write locked in one function (run by parallel workers), the reads
    # unlocked in another (a later sequential phase), no function mixing the two: the
    # toolchain's shape (cmd/compile's gcsymset, cmd/link's dwsectCUSize), not reported
    assert _lint_pkg(tmp_path / "d", {"db.go": whole}) == set()


@pytest.mark.parametrize("folder,file,line,check", [
    ("cexporter", "unactual_labels_garbage_collector.go", 32, "GM001"),
    ("cexporter", "unactual_labels_garbage_collector.go", 36, "GM001"),
    ("grouped_process_exporter", "proc_io.go", 78, "GM002"),
    ("dovecot-xaps-daemon", "database.go", 258, "GM001"),
    ("flexlm_exporter", "lmstat_linux.go", 147, "GM001"),
    ("flexlm_exporter", "lmstat_linux.go", 215, "GM001"),
    ("opencensus-go", "prometheus.go", 206, "GM002"),
])
def test_real_races_before_their_fix(folder: str, file: str, line: int, check: str) -> None:
    """Unmodified files of public projects just before a map-race fix (tests/lint/real)."""
    res = lint([str(REAL / folder)], numbers=False, enable=["GM001", "GM002", "GM003"])
    assert (file, line, check) in _found(res)


def test_closure_run_under_a_lock_wrapper(tmp_path: Path) -> None:
    """withLock(lk, func() {...}) (database/sql's helper): the closure holds lk."""
    src = """package p

import "sync"

type conn struct {
	sync.Mutex
	open map[int]bool
}

func withLock(lk sync.Locker, fn func()) {
	lk.Lock()
	defer lk.Unlock()
	fn()
}

func (c *conn) Add(i int) {
	c.Lock()
	c.open[i] = true
	c.Unlock()
}

func (c *conn) Close() (n int) {
	withLock(c, func() {
		for range c.open {
			n++
		}
	})
	return n
}

func (c *conn) Run() { go c.Add(1) }
"""
    assert _lint_pkg(tmp_path / "a", {"p.go": src}) == set()
    bare = src.replace("withLock(c, func() {", "func() {").replace(
        "\t})\n\treturn n", "\t}()\n\treturn n")
    assert ("p.go", 24, "GM002") in _lint_pkg(tmp_path / "b", {"p.go": bare})


def test_constant_false_branch_is_dead_code(tmp_path: Path) -> None:
    src = """package p

const debug = false

var m = map[int]int{}

func Start() {
	go func() { _ = m[1] }()
	if debug {
		m[1] = 1
	}
}
"""
    assert _lint_pkg(tmp_path / "a", {"p.go": src}) == set()
    on = src.replace("const debug = false", "const debug = true")
    assert ("p.go", 10, "GM001") in _lint_pkg(tmp_path / "b", {"p.go": on})
