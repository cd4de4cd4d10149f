"""The README's Python examples run, and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def expected_outputs(block: str) -> list[str]:
    """For each ``print(...)  # a b: prose`` line, the words before ':' or '('."""
    out = []
    for line in block.splitlines():
        m = re.match(r"\s*print\(.*\)\s*#\s*(.*)$", line)
        if m:
            out.append(re.split(r"[:(]", m.group(1))[0].strip())
    return out


@pytest.mark.parametrize("block", python_blocks())
def test_readme_example_prints_what_it_says(block: str) -> None:
    expected = expected_outputs(block)
    assert expected, "a README example without a checked print"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(block, "README.md", "exec"), {})
    assert buf.getvalue().split("\n")[: len(expected)] == expected


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_command() -> None:
    text = README.read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)
    main_job, tests = blocks[0], blocks[1]
    assert text.index(main_job) < text.index("\n## ")  # the two commands come first
    assert main_job == "pip install -e . && gomap simulate"
    assert "python -m pytest" in tests and "\n" not in tests
    ci = (README.parent / ".ci" / "run").read_text().splitlines()
    assert tests in ci, ".ci/run must run README's test command as written"
