#!/usr/bin/env python3
"""Count what issue 23 (architecture) measures, so a before/after is one command.

    python scripts/arch_metrics.py [--json]

- engine-name comparisons above the engines: comparisons, membership tests,
  loops and dict look-ups on the literal engine names ("classic", "swiss")
  anywhere in ``src/gomap`` outside the engine packages and the engine registry;
- import cycles between gomap's top-level modules and packages, counting
  imports made inside functions too (a cycle is a simple cycle of the graph
  whose nodes are ``gomap.<top>``);
- lines of CPython glue in the C algorithm files (lines naming a ``Py*`` API).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "gomap"
ENGINE_NAMES = {"classic", "swiss"}
# Where naming an engine is the point: the engines themselves and the registry.
ENGINE_HOMES = ("classic/", "swiss/", "engines.py")


def _is_engine_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value in ENGINE_NAMES:
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_engine_literal(e) for e in node.elts)
    return False


def engine_name_comparisons() -> list[str]:
    found: list[str] = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel.startswith(ENGINE_HOMES):
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            hit = False
            if isinstance(node, ast.Compare):
                hit = any(_is_engine_literal(n) for n in [node.left, *node.comparators])
            elif isinstance(node, (ast.For, ast.comprehension)):
                hit = _is_engine_literal(node.iter)
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
                hit = any(k is not None and _is_engine_literal(k) for k in node.value.keys)
            if hit:
                found.append(f"src/gomap/{rel}:{getattr(node, 'lineno', 0)}")
    return sorted(set(found))


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "gomap" or len(parts) < 2:
        return None
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PKG.rglob("*.py")):
        mod = _module_name(path)
        src_unit = _unit(mod)
        if src_unit is None:
            continue
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".")
                    drop = node.level - (1 if is_pkg else 0)
                    base = base[: len(base) - drop] if drop else base
                    prefix = ".".join(base)
                    target = f"{prefix}.{node.module}" if node.module else prefix
                else:
                    target = node.module or ""
                targets = [target] + [f"{target}.{a.name}" for a in node.names]
            for t in targets:
                u = _unit(t)
                if u is None or u == src_unit:
                    continue
                if (PKG / u).is_dir() or (PKG / f"{u}.py").exists():
                    graph[src_unit].add(u)
    return graph


def simple_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    nodes = sorted(set(graph) | {v for vs in graph.values() for v in vs})
    order = {n: i for i, n in enumerate(nodes)}
    cycles: list[list[str]] = []

    def walk(start: str, node: str, path: list[str], seen: set[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                cycles.append([*path])
            elif order[nxt] > order[start] and nxt not in seen:
                seen.add(nxt)
                walk(start, nxt, [*path, nxt], seen)
                seen.discard(nxt)

    for n in nodes:
        walk(n, n, [n], {n})
    return cycles


GLUE = re.compile(r"\bPy[A-Z_]\w*|\b_Py\w*|\bPyObject\b")


def glue_lines() -> dict[str, int]:
    out: dict[str, int] = {}
    for path in sorted((PKG / "native").glob("*.c")):
        out[path.name] = sum(1 for line in path.read_text().splitlines() if GLUE.search(line))
    return out


def main() -> int:
    comps = engine_name_comparisons()
    cycles = simple_cycles(import_graph())
    glue = glue_lines()
    if "--json" in sys.argv:
        print(json.dumps({"engine_name_comparisons": comps,
                          "import_cycles": cycles, "glue_lines": glue}, indent=1))
        return 0
    print(f"engine-name comparisons above the engines: {len(comps)}")
    for c in comps:
        print(f"  {c}")
    print(f"import cycles between top-level units: {len(cycles)}")
    for c in cycles:
        print("  " + " -> ".join([*c, c[0]]))
    print("lines naming the CPython API, per C file:")
    for name, n in glue.items():
        print(f"  {name}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
