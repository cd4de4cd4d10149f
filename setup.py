"""Build the optional C backend (``gomap._native``); everything else is in pyproject.toml.

The extension is optional: when it cannot be compiled (no compiler, no Python
headers) setuptools warns and the install goes on; gomap then runs on its Python
reference engines.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "gomap._native",
            sources=["src/gomap/native/module.c", "src/gomap/native/classic.c",
                     "src/gomap/native/swiss.c", "src/gomap/native/opsread.c",
                     "src/gomap/native/patterns.c"],
            depends=["src/gomap/native/native.h"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
