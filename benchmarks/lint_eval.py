"""`gomap lint` on real code: precision on current projects, recall on known map races.

    python benchmarks/lint_eval.py                      # recompute from stored outputs
    python benchmarks/lint_eval.py --markdown           # the table of docs/LINT.md
    python benchmarks/lint_eval.py --run --mirror DIR   # re-run the linter on the corpus
    python benchmarks/lint_eval.py --run --mirror DIR --label before --analyzer BIN

Labels: ``before`` (the analyzer when issue 20 was filed), ``round1`` (after its first
round of work), ``after`` (now); new corpus entries have no ``before`` output.

The corpus (``benchmarks/lint_eval/corpus.json``) names public repositories and
commits: current projects (``kind: current``) and the versions just before a fix of
a map race (``kind: bug``, with the racing lines the fix touched; ``fix: null`` for a
crash reported with the runtime's trace and not fixed yet; an entry whose fix turned
out not to be about a map says why under ``not_a_map_race`` and counts no bug). The verdicts
(``verdicts.json``) classify every finding by hand: true / false / debatable, with
the reason. The linter's findings are stored per label (``outputs/<label>/``), with
file paths relative to the repository, so the figures can be recomputed without
network or the repositories.

``--run`` needs the repositories as git directories under DIR, one per
``owner+name`` (``DIR/owner+name/repo`` or ``DIR/owner+name``): each commit is
exported with ``git archive`` to a temporary folder and checked there. Nothing is
downloaded. Precision per check = true / (true + false) over the current projects'
findings (debatable ones are listed apart); recall per check = known bugs with a
finding of that check on one of the bug's lines / known bugs of that check.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "lint_eval"
RACE_CHECKS = ("GM001", "GM002", "GM003")


def load(name: str) -> Any:
    return json.loads((HERE / name).read_text())


def _git_dir(mirror: Path, repo: str) -> Path | None:
    base = mirror / repo.replace("/", "+")
    for d in (base / "repo", base, mirror / repo):
        if (d / "HEAD").is_file() or (d / ".git").exists():
            return d
    return None


def run(entry: dict[str, Any], mirror: Path, analyzer: str | None) -> list[dict[str, Any]]:
    """Export entry's commit and lint it; findings with repository-relative paths."""
    git = _git_dir(mirror, entry["repo"])
    if git is None:
        raise FileNotFoundError(f"{entry['repo']}: no git directory under {mirror}")
    with tempfile.TemporaryDirectory() as tmp:
        export(git, entry["commit"], Path(tmp))
        root = Path(tmp) / entry.get("path", "")
        if analyzer:
            from gomap.oracle.toolchain import GO_VERSIONS, find_go

            goroot = find_go(GO_VERSIONS["lint"]).goroot
            out = subprocess.run([analyzer, "-goroot", str(goroot), "--", str(root)],
                                 capture_output=True, text=True, check=True).stdout
            raw = json.loads(out)["findings"]
        else:
            from gomap.lint import lint

            raw = [f.as_dict() for f in lint([str(root)], numbers=False).findings]
        found = []
        for f in raw:
            rel = str(Path(f["file"]).resolve().relative_to(Path(tmp).resolve()))
            found.append({"check": f["check"], "file": rel, "line": f["line"],
                          "message": f["message"]})
    return sorted(found, key=lambda f: (f["file"], f["line"], f["check"]))


def export(git: Path, commit: str, dest: Path) -> None:
    """Write the Go files and go.mod files of ``commit`` under ``dest`` (snapshots may
    lack some large blobs: those files are left out)."""
    tree = subprocess.run(["git", "--git-dir", str(git), "ls-tree", "-r", "-z", commit],
                          capture_output=True, check=True).stdout.decode()
    wanted = []
    for item in tree.split("\0"):
        if not item:
            continue
        meta, path = item.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob" and (path.endswith(".go") or path.endswith("go.mod")):
            wanted.append((sha, path))
    batch = subprocess.run(["git", "--git-dir", str(git), "cat-file", "--batch"],
                           input="".join(f"{sha}\n" for sha, _ in wanted).encode(),
                           capture_output=True, check=True).stdout
    pos = 0
    for _, path in wanted:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(batch[pos:pos + size])
        pos += size + 1


def outputs(label: str) -> dict[str, list[dict[str, Any]]]:
    d = HERE / "outputs" / label
    return {p.stem: json.loads(p.read_text()) for p in sorted(d.glob("*.json"))}


def entry_id(e: dict[str, Any]) -> str:
    return f"{e['repo'].replace('/', '+')}@{e['commit'][:12]}"


def evaluate(label: str) -> dict[str, Any]:
    """Precision and recall per check for the stored outputs of ``label``."""
    corpus, verdicts = load("corpus.json"), load("verdicts.json")
    vmap = {(v["repo"], v["commit"][:12], v["file"], v["line"], v["check"]): v for v in verdicts}
    outs = outputs(label)
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows, unclassified = [], []
    for e in corpus:
        found = outs.get(entry_id(e))
        if found is None:
            continue
        row: dict[str, Any] = {"repo": e["repo"], "commit": e["commit"][:12], "kind": e["kind"],
                               "findings": 0, "true": 0, "false": 0, "debatable": 0,
                               "bugs": len(e.get("bugs", [])), "found": 0,
                               "not_a_map_race": "not_a_map_race" in e}
        for f in found:
            if f["check"] not in RACE_CHECKS:
                continue
            row["findings"] += 1
            if e["kind"] != "current":
                continue
            v = vmap.get((e["repo"], e["commit"][:12], f["file"], f["line"], f["check"]))
            if v is None:
                unclassified.append(f"{e['repo']}@{e['commit'][:12]} {f['file']}:{f['line']} "
                                    f"{f['check']}")
                continue
            row[v["verdict"]] += 1
            per[f["check"]][v["verdict"]] += 1
        for b in e.get("bugs", []):
            hit = any(f["check"] == b["check"] and f["file"] == b["file"]
                      and f["line"] in b["lines"] for f in found)
            per[b["check"]]["bugs"] += 1
            per[b["check"]]["bugs_found"] += hit
            row["found"] += hit
        rows.append(row)
    checks = {}
    for c in RACE_CHECKS:
        p = per[c]
        judged = p["true"] + p["false"]
        checks[c] = {**p, "precision": round(p["true"] / judged, 3) if judged else None,
                     "recall": round(p["bugs_found"] / p["bugs"], 3) if p["bugs"] else None}
    return {"label": label, "checks": checks, "rows": rows, "unclassified": unclassified}


def markdown(res: dict[str, Any]) -> str:
    lines = ["| repository | commit | kind | GM001–3 findings | true | false | debatable "
             "| known bugs found |", "|---|---|---|---|---|---|---|---|"]
    for r in res["rows"]:
        bugs = f"{r['found']} of {r['bugs']}" if r["bugs"] else (
            "none (not a map race)" if r["not_a_map_race"] else "")
        lines.append(f"| {r['repo']} | `{r['commit'][:7]}` | {r['kind']} | {r['findings']} | "
                     f"{r['true'] if r['kind'] == 'current' else ''} | "
                     f"{r['false'] if r['kind'] == 'current' else ''} | "
                     f"{r['debatable'] if r['kind'] == 'current' else ''} | {bugs} |")
    return "\n".join(lines)


def summary(res: dict[str, Any]) -> str:
    out = [f"[{res['label']}]"]
    for c, p in res["checks"].items():
        prec = "n/a" if p["precision"] is None else f"{p['precision']:.2f}"
        rec = "n/a" if p["recall"] is None else f"{p['recall']:.2f}"
        out.append(f"  {c}: precision {prec} ({p.get('true', 0)} true, {p.get('false', 0)} "
                   f"false, {p.get('debatable', 0)} debatable); recall {rec} "
                   f"({p.get('bugs_found', 0)} of {p.get('bugs', 0)} known bugs)")
    bugs = sum(p.get("bugs", 0) for p in res["checks"].values())
    found = sum(p.get("bugs_found", 0) for p in res["checks"].values())
    out.append(f"  known bugs, all checks: {found} of {bugs}")
    for u in res["unclassified"]:
        out.append(f"  unclassified: {u}")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="re-run the linter on the corpus")
    ap.add_argument("--mirror", type=Path, help="folder of the repositories' git directories")
    ap.add_argument("--label", action="append",
                    help="output set(s): before, round1, after (default: all three)")
    ap.add_argument("--analyzer", help="with --run: this analyzer binary instead of gomap's")
    ap.add_argument("--markdown", action="store_true", help="print the table for LINT.md")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = ap.parse_args()
    labels = args.label or ["before", "round1", "after"]
    if args.run:
        if args.mirror is None:
            ap.error("--run needs --mirror DIR")
        label = labels[-1]
        d = HERE / "outputs" / label
        d.mkdir(parents=True, exist_ok=True)
        for e in load("corpus.json"):
            try:
                found = run(e, args.mirror, args.analyzer)
            except FileNotFoundError as err:
                print(f"skipped: {err}", file=sys.stderr)
                continue
            (d / f"{entry_id(e)}.json").write_text(json.dumps(found, indent=1) + "\n")
        labels = [label]
    results = [evaluate(lb) for lb in labels]
    for r in results:
        print(summary(r))
        if args.markdown:
            print(markdown(r))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(r["unclassified"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
