"""`gomap lint`: find the map hazards in Go code (see docs/LINT.md).

The analysis runs in a small Go program on Go's own parser and type checker
(``gomap/lint/go``); this package builds and runs it, filters and formats
its findings.
"""

from gomap.lint.checks import CHECKS, Check
from gomap.lint.runner import Finding, LintError, LintResult, lint

__all__ = ["CHECKS", "Check", "Finding", "LintError", "LintResult", "lint"]
