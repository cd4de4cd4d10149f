"""The layout of the tests: folders that mirror ``src/gomap``, shared code in
``tests/support``, and no test module importing another test module (or conftest)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import REPO

TESTS = REPO / "tests"
SRC = REPO / "src" / "gomap"
NOT_MIRRORS = {"support", "data"}  # shared code and shared data, not a gomap package


def python_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def imported_modules(path: Path, text: str) -> set[str]:
    """Every module ``text`` (the source of ``path``) imports, at any depth, as dotted
    names (relative imports resolved against ``path``'s package below the repository)."""
    package = list(path.relative_to(REPO).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, *([node.module] if node.module else [])])
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}  # `from pkg import test_x`
    return out


def imported_test_modules(imports: set[str]) -> set[str]:
    """The test modules (and conftests) among ``imports``."""
    return {m for m in imports
            if m.startswith("tests.") and m.rsplit(".", 1)[-1].startswith(("test_", "conftest"))}


def test_the_check_sees_every_spelling_of_a_test_module_import() -> None:
    here = TESTS / "native" / "test_swiss.py"
    for line in ("from .test_classic import Side", "from tests.native.test_classic import OPS",
                 "import tests.test_contract", "from ..conftest import IMPLS",
                 "from tests.native import test_classic",
                 "def f():\n    from .test_classic import Side\n"):
        assert imported_test_modules(imported_modules(here, line)), line
    for line in ("from tests.support.differential import Side", "from gomap import GoMap",
                 "from .. import support"):
        assert not imported_test_modules(imported_modules(here, line)), line


def test_no_test_module_imports_another_test_module() -> None:
    files = python_files()
    assert len(files) > 60
    found = {f"{p.relative_to(REPO)}: {m}" for p in files
             for m in imported_test_modules(imported_modules(p, p.read_text()))}
    assert not found, "move what they share to tests/support:\n" + "\n".join(sorted(found))


def test_test_folders_mirror_the_packages_of_src() -> None:
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    units = {p.stem for p in SRC.iterdir() if (p / "__init__.py").exists() or p.suffix == ".py"}
    assert folders - NOT_MIRRORS <= units, folders - NOT_MIRRORS - units
    assert {"classic", "swiss", "native", "oracle"} <= folders
    for d in TESTS.iterdir():  # a folder of test modules is a package (same basenames)
        if d.is_dir() and any(d.glob("test_*.py")):
            assert (d / "__init__.py").exists(), d


def test_shared_code_lives_in_support_not_beside_the_tests() -> None:
    stray = [str(p.relative_to(TESTS)) for p in python_files()
             if not p.name.startswith(("test_", "__init__", "conftest"))
             and p.relative_to(TESTS).parts[0] != "support"]
    assert not stray, f"helpers outside tests/support: {stray}"
