"""Build the optional C backend (``gomap._native``); everything else is in pyproject.toml.

The extension is optional: when it cannot be compiled (no compiler, no Python
headers) setuptools warns and the install goes on; gomap then runs on its Python
reference engines.

Before compiling, ``build_ext`` writes ``src/gomap/native/events_gen.h`` (the C event
ids, names and emit macros) from ``gomap.events`` with
``src/gomap/native/gen_events.py``: the header is generated, never edited, and not
kept in git.
"""

import importlib.util
from glob import glob
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
NATIVE = "src/gomap/native"


def generate_headers() -> None:
    """Run gen_events.py (loaded by path: gomap need not be importable here)."""
    spec = importlib.util.spec_from_file_location("_gomap_gen_events",
                                                  HERE / NATIVE / "gen_events.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.generate()


class BuildExt(build_ext):
    def run(self) -> None:
        generate_headers()
        super().run()


setup(
    cmdclass={"build_ext": BuildExt},
    ext_modules=[
        Extension(
            "gomap._native",
            sources=sorted(glob(f"{NATIVE}/*.c")),
            depends=[*sorted(glob(f"{NATIVE}/*.h")), f"{NATIVE}/gen_events.py",
                     "src/gomap/events.py"],
            # -flto: the algorithm, glue and fast-path files are separate translation units;
            # link-time optimisation inlines across them as one file did.
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wno-unused-parameter",
                                "-flto=auto"],
            extra_link_args=["-flto=auto"],
            optional=True,
        )
    ]
)
