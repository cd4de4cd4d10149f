"""Runs that cannot finish, or inputs too big to read, say so: a workload too big for
memory is refused with the reason, a long run is announced with its speed, counts are
spelled as in patterns, literals are limited to Go's 512 bits."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import gomap


# --- workloads that cannot finish say so -------------------------------------------------
def test_a_workload_too_big_for_memory_is_refused_with_the_reason() -> None:
    p = gomap("simulate", "--pattern", "fill:n=1e12")
    assert p.returncode == 2 and not p.stdout
    err = p.stderr.decode()
    assert "1,000,000,000,000 entries at once" in err and "memory" in err
    assert "available" in err and "Traceback" not in err


def test_the_memory_check_holds_at_its_boundary() -> None:
    from gomap.cli import HOST_BYTES_PER_ENTRY, UsageError, check_memory

    check_memory("w", 1000, available=1000 * HOST_BYTES_PER_ENTRY)  # fits exactly
    with pytest.raises(UsageError, match="1,001 entries at once"):
        check_memory("w", 1001, available=1000 * HOST_BYTES_PER_ENTRY)


def test_a_long_run_is_announced_once_with_its_measured_speed() -> None:
    from gomap.cli import Eta

    now = [0.0]
    said: list[str] = []
    eta = Eta("simulate", 10**12, said.append, limit=600, after=3, clock=lambda: now[0])
    now[0] = 1.0
    eta(1_000_000)
    assert not said  # too early to tell
    now[0] = 5.0
    eta(750_000)  # 150,000 ops/s: 10**12 ops take ~1,852 h
    eta(800_000)
    assert len(said) == 1
    assert "about 1,852 h more" in said[0] and "150,000 ops/s" in said[0]
    assert "Ctrl-C" in said[0]
    quick: list[str] = []
    eta = Eta("simulate", 10**6, quick.append, limit=600, after=3, clock=lambda: now[0])
    now[0] += 5
    eta(500_000)
    assert not quick


def test_seeds_show_their_progress_on_a_terminal() -> None:
    p = gomap("simulate", "--pattern", "fill:n=10", "--seeds", "300",
              env={"TTY_COMPATIBLE": "1"})
    assert p.returncode == 0, p.stderr.decode()
    assert b"hash seeds" in p.stderr


@pytest.mark.parametrize("argv", [["demo", "-n", "1e3"], ["demo", "-n", "2k"],
                                  ["simulate", "--pattern", "fill:n=3", "--seeds", "1e1"]])
def test_counts_are_spelled_as_in_patterns(argv: list[str]) -> None:
    p = gomap(*argv)
    assert p.returncode == 0, p.stderr.decode()


def test_a_count_that_is_not_one_says_how_to_write_it() -> None:
    p = gomap("demo", "-n", "lots")
    assert p.returncode == 2 and b"20k" in p.stderr


# --- literals -----------------------------------------------------------------------------
def test_a_huge_key_literal_is_a_clear_error_not_pythons_digit_limit(tmp_path: Path) -> None:
    ops = tmp_path / "big.ops"
    ops.write_text("set 1\nset " + "9" * 100_000 + "\n")
    p = gomap("simulate", "--ops", str(ops))
    err = p.stderr.decode()
    assert p.returncode == 2 and f"{ops}:2: an integer literal of 100,000 digits" in err
    assert "set_int_max_str_digits" not in err and len(err) < 1000


def test_literal_size_limits_are_go_s_512_bits() -> None:
    from gomap.sim.ops import parse_go_literal

    assert parse_go_literal("1" + "0" * 153).value == 10**153  # 509 bits: a Go constant
    assert parse_go_literal(hex((1 << 512) - 1)).value == (1 << 512) - 1
    for text in ("1" + "0" * 154, hex(1 << 512), "9" * 5000):
        with pytest.raises(ValueError, match="over 512 bits"):
            parse_go_literal(text)


def test_a_huge_pattern_number_is_not_echoed_whole() -> None:
    p = gomap("simulate", "--pattern", "fill:n=" + "9" * 100_000)
    assert p.returncode == 2 and len(p.stderr) < 500 and b"100,000 characters" in p.stderr
