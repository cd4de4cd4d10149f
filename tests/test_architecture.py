"""The checkable claims of docs/ARCHITECTURE.md, kept true.

- every unit of ``src/gomap`` (a top-level module or package) sits in one tier of
  the document's layer table, and imports only units of lower tiers, imports made
  inside functions included (so there is no import cycle);
- no code above the engine packages compares an engine's name;
- every file the document names exists.

The counting is ``scripts/arch_metrics.py``'s (the numbers the architecture issue
reports before and after).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from types import ModuleType

from tests.support import REPO

DOC = REPO / "docs" / "ARCHITECTURE.md"
GO_SOURCE_ROOTS = ("runtime/", "internal/", "sync/", "cmd/", "maps/")


def _metrics() -> ModuleType:
    path = REPO / "scripts" / "arch_metrics.py"
    spec = importlib.util.spec_from_file_location("arch_metrics", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tiers() -> dict[str, int]:
    tiers: dict[str, int] = {}
    for m in re.finditer(r"^\| (\d+) \| ([^|]*) \|", DOC.read_text(), re.M):
        for unit in re.findall(r"`([\w.]+)`", m.group(2)):
            assert unit not in tiers, f"{unit} is in two tiers of the layer table"
            tiers[unit] = int(m.group(1))
    return tiers


def _violations(graph: dict[str, set[str]], tiers: dict[str, int]) -> list[str]:
    return sorted(f"{a} (tier {tiers[a]}) imports {b} (tier {tiers[b]})"
                  for a, deps in graph.items() for b in deps if tiers[b] >= tiers[a])


def test_every_unit_is_in_the_layer_table() -> None:
    m = _metrics()
    units = {p.stem if p.suffix == ".py" else p.name
             for p in (REPO / "src" / "gomap").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    tiers = _tiers()
    assert sorted(units - set(tiers)) == []
    assert sorted(set(tiers) - units) == []
    assert set(m.import_graph()) <= set(tiers)


def test_each_unit_imports_only_lower_tiers() -> None:
    assert _violations(_metrics().import_graph(), _tiers()) == []


def test_the_tier_check_sees_an_upward_import() -> None:
    tiers = {"engines": 4, "cli": 10}
    assert _violations({"engines": {"cli"}}, tiers) == ["engines (tier 4) imports cli (tier 10)"]
    assert _violations({"cli": {"engines"}}, tiers) == []


def test_no_import_cycles_between_top_level_units() -> None:
    m = _metrics()
    assert m.simple_cycles(m.import_graph()) == []
    assert m.simple_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]


def test_function_level_imports_are_edges_too() -> None:
    # The graph counts an import inside a function: a cycle hidden there is still one.
    m = _metrics()
    graph = m.import_graph()
    cli_init = REPO / "src" / "gomap" / "cli" / "__init__.py"
    inner = [n for n in ast.walk(ast.parse(cli_init.read_text()))
             if isinstance(n, ast.FunctionDef)
             and any(isinstance(x, (ast.Import, ast.ImportFrom)) for x in ast.walk(n))]
    assert inner, "cli/__init__.py imports its commands lazily, inside functions"
    assert "sim" in graph["cli"]


def test_no_engine_name_comparison_above_the_engines() -> None:
    assert _metrics().engine_name_comparisons() == []


def test_the_comparison_finder_finds_one() -> None:
    m = _metrics()
    tree = ast.parse("if impl == 'swiss':\n    pass\nfor e in ('classic', 'x'):\n    pass\n"
                     "y = {'classic': 1, 'swiss': 2}[impl]\n")
    found = [n for n in ast.walk(tree)
             if (isinstance(n, ast.Compare) and any(m._is_engine_literal(c) for c in n.comparators))
             or (isinstance(n, ast.For) and m._is_engine_literal(n.iter))
             or (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Dict))]
    assert len(found) == 3


def test_every_file_the_document_names_exists() -> None:
    names = set(re.findall(r"`([\w./-]+\.(?:py|c|h|go|md|js|css|html))`", DOC.read_text()))
    missing = []
    for name in sorted(names):
        if name.startswith(GO_SOURCE_ROOTS):  # Go's own files, cited beside ours
            continue
        base = Path(name).name
        if not any((REPO / root / name).exists() for root in ("", "src/gomap", "docs")) \
                and not any(REPO.glob(f"src/**/{base}")) and not any(REPO.glob(f"tests/**/{base}")):
            missing.append(name)
    assert missing == []
