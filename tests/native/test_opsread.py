"""The C ops reader (gomap._native.OpsReader) against the Python reader.

Both read the same bytes; both must give the same operations (compared by repr, so
NaN keys and int-vs-bool count) or the same OpsFileError (message and line).
Files: random ones from a grammar of good and bad lines (Hypothesis), hostile ones
(chunk boundaries, huge lines, BOMs, lone CRs, bad UTF-8, broken compression), and
ones the benchmarks write.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gomap.layout.types import parse_go_type
from gomap.sim.ops import KeyDomain, OpsFileError, open_ops_reader, parse_ops_lines
from tests.support.cli import gomap

native = pytest.importorskip("gomap._native")
if not hasattr(native, "OpsReader"):
    pytest.skip("the C extension has no OpsReader (rebuild it)", allow_module_level=True)

KEYS = ["int64", "int8", "uint8", "uint64", "int", "string", "float64", "any", "struct{}"]


def outcome(path: Path, key: str, reader: str) -> tuple[str, object]:
    dom = KeyDomain(parse_go_type(key))
    got = []
    try:
        it = open_ops_reader(path, dom, reader)
        if reader == "native":
            assert type(it).__name__ == "OpsReader"
        for op in it:
            got.append(op)
    except OpsFileError as e:
        # An error of the file as a whole (line 0: it cannot be read, e.g. a truncated
        # gzip stream) comes when the reader reaches it, and the readers read ahead by
        # different amounts: the ops before it are not compared.
        return "error", (str(e), e.lineno, repr(got) if e.lineno else "")
    return "ops", repr(got)


def same(path: Path, key: str) -> tuple[str, object]:
    py = outcome(path, key, "python")
    nat = outcome(path, key, "native")
    assert nat == py, f"{key}: {path.read_bytes()[:400]!r}"
    return py


# --- random files ------------------------------------------------------------------------
KEY_TEXT = st.one_of(
    st.integers(-2**65, 2**65).map(str),
    st.integers(-300, 300).map(str),
    st.sampled_from(["0", "-0", "+0", "00", "007", "0x1f", "0X1F", "0b101", "0o17", "1_000",
                     "1e3", "1.0", "1.5", "-1e309", "NaN", "+Inf", "math.NaN()",
                     "math.Inf(-1)", "'a'", "'\\n'", "true", "false", "+", "-", "--1", "1 2",
                     "18446744073709551615", "18446744073709551616",
                     "-9223372036854775808", "-9223372036854775809",
                     "9223372036854775807", "9223372036854775808", "0x1p-2", "1.", ".5"]),
    st.text(st.sampled_from('ab#"\'`\\ \tzé'), max_size=6).map(lambda s: f'"{s}"'),
    st.text(st.sampled_from('ab#"`\\ \t'), max_size=6).map(lambda s: f"`{s}`"),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=5)
    .map(lambda s: f'"{s}"'),
    # long enough that the C reader's eight-bytes-at-a-time scans meet the special
    # bytes (comments, quotes, control and non-ASCII bytes) past the first word
    st.text(st.sampled_from('abcdefgh#"\'`\\ \t\x7f\x1fé'), min_size=8, max_size=40)
    .map(lambda s: f'"{s}"'),
    st.text(st.sampled_from('abcdefgh#"`\\ \t\x7f'), min_size=8, max_size=40)
    .map(lambda s: f"`{s}`"),
    st.tuples(st.integers(-2**63, 2**64).map(str),
              st.sampled_from(["", " ", "#c", " # c", "\x7f", "é", "\x00", "x", "\r1"]))
    .map("".join),
    st.sampled_from(['"\\x41"', '"\\u00e9"', '"\\U0001F600"', '"\\101"', '"\\q"', '"a\\"',
                     '"a', 'a"', '""', '``', '"\\"#"', "`#`"]),
)
SPACE = st.sampled_from(["", " ", "  ", "\t", " \t ", "\x0b", "\x0c", "\x85", "\u00a0",
                         "\u3000", "\x1f", " " * 9, " " * 13 + "\t", " " * 17 + "#"])
LINE = st.one_of(
    st.tuples(st.sampled_from(["set", "get", "del"]), SPACE, KEY_TEXT, SPACE)
    .map(lambda t: f"{t[0]} {t[1]}{t[2]}{t[3]}"),
    st.sampled_from(["clear", "iter", "clear x", "iter 1", "make", "make 5", "make -1",
                     "make 1e3", "make 1.5", "make 0x10", "set", "get ", "sett 1", "SET 1",
                     "set\t1", "", "   ", "# c", "  # only a comment", "#", "\t", "\x00",
                     "set 1 # c", "set 1#c", "set \"#\" # c", "del 'x' # c"]),
    st.text(st.sampled_from("setgdlcrarmk 0123#\"'`\\\t"), max_size=10),
)
END = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def ops_file(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(LINE, END, st.sampled_from(["", "", "", " # note"])),
                          max_size=12))
    text = "".join(f"{a}{c}{b}" for a, b, c in lines)
    if lines and draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final line break
    data = text.encode()
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    if data and draw(st.integers(0, 14)) == 0:  # a byte that is not UTF-8
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + b"\xff" + data[i:]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=ops_file(), key=st.sampled_from(KEYS), packed=st.integers(0, 5))
def test_random_files_read_the_same(tmp_path: Path, data: bytes, key: str, packed: int) -> None:
    f = tmp_path / "r.ops"
    f.write_bytes(gzip.compress(data) if packed == 0 else data)
    same(f, key)


# --- hostile files ----------------------------------------------------------------------
CHUNK = 1 << 20
PAD = b"set 1 # 32 bytes, 40,000 lines \n"
BIG = {"crlf over 1 MiB", "crlf at the chunk edge", "a line of 3 MiB", "a key of 3 MiB",
       "a string key of 2 MiB", "bad utf-8 late", "bad line late"}


def hostile_files() -> dict[str, bytes]:
    body = b"".join(b"set %d\r\n" % i for i in range(150_000))  # > 1 MiB of CRLF lines
    cr_at = b"x" * (CHUNK - 5) + b"\nset 1\r\nset 2\n"  # a \r\n across the first chunk
    return {
        "empty": b"",
        "bom only": b"\xef\xbb\xbf",
        "bom then cr": b"\xef\xbb\xbf\rset 1",
        "bom on line 2": b"set 1\n\xef\xbb\xbfset 2\n",
        "lone cr": b"set 1\rset 2\r\r\rget 1\r",
        "no final newline": b"set 1\nset 2",
        "nul": b"set 1\nset \x002\n",
        "crlf over 1 MiB": body,
        "crlf at the chunk edge": b"#" + cr_at,
        "a line of 3 MiB": b"set 1\n# " + b"y" * (3 * CHUNK) + b"\nset 2\n",
        "a key of 3 MiB": b"set " + b"9" * (3 * CHUNK) + b"\n",
        "a string key of 2 MiB": b'set "' + b"s" * (2 * CHUNK) + b'"\n',
        "bad utf-8 late": PAD * 40_000 + b"set \xc3\n",
        "bad line late": PAD * 40_000 + b"put 1\n",
        "make late": b"set 1\nmake 4\n",
        "make first": b"# c\n\nmake 0x10 # hint\nset 1\n",
        "tabs and spaces": b"\t set \t 7 \t\n  del   7  \n",
        "quoted hash": b'set "a#b" # c\nget `#` \n',
        "unterminated quote hides #": b'set "a\\" # c\n',
    }


@pytest.mark.parametrize("name,key", [(n, k) for n in hostile_files()
                                      for k in (["int64"] if n in BIG else
                                                ["int64", "string", "uint8"])])
def test_hostile_files_read_the_same(tmp_path: Path, name: str, key: str) -> None:
    f = tmp_path / "h.ops"
    f.write_bytes(hostile_files()[name])
    same(f, key)


def test_the_chunk_edge_cases_were_read(tmp_path: Path) -> None:
    f = tmp_path / "h.ops"
    f.write_bytes(hostile_files()["crlf at the chunk edge"])
    assert same(f, "int64") == ("ops", repr([(1, 1), (1, 2)]))
    f.write_bytes(hostile_files()["crlf over 1 MiB"])
    kind, ops = same(f, "int64")
    assert kind == "ops" and ops == repr([(1, i) for i in range(150_000)])
    f.write_bytes(hostile_files()["bad utf-8 late"])
    kind, (msg, lineno, _) = same(f, "int64")  # type: ignore[misc]
    assert kind == "error" and lineno == 40_001 and "not UTF-8 text" in msg


def test_broken_compressed_files_fail_alike(tmp_path: Path) -> None:
    data = gzip.compress(b"set 1\n" * 100_000)
    f = tmp_path / "t.ops.gz"
    f.write_bytes(data[: len(data) // 2])  # truncated
    kind, (msg, lineno, _) = same(f, "int64")  # type: ignore[misc]
    assert kind == "error" and lineno == 0 and "cannot read the file" in msg
    f.write_bytes(data[:10] + b"\0" * 50 + data[60:])  # corrupt
    assert same(f, "int64")[0] == "error"


def test_compressed_files_read_transparently(tmp_path: Path) -> None:
    zstd = pytest.importorskip("zstandard")
    text = b"make 8\nset 1\nset 2 # c\r\ndel 1\niter\n"
    plain, gz, zs = tmp_path / "a.ops", tmp_path / "a.ops.gz", tmp_path / "a.ops.zst"
    plain.write_bytes(text)
    gz.write_bytes(gzip.compress(text))
    zs.write_bytes(zstd.ZstdCompressor().compress(text[:12]) +
                   zstd.ZstdCompressor().compress(text[12:]))  # two frames
    want = same(plain, "int64")
    assert want[0] == "ops"
    assert same(gz, "int64") == want and same(zs, "int64") == want


def test_the_python_reader_reads_lines_as_given() -> None:
    dom = KeyDomain(parse_go_type("int64"))
    assert list(parse_ops_lines(["set 1 # x\n", "get 1"], dom)) == [(1, 1), (2, 1)]


# --- through the CLI ----------------------------------------------------------------------
def test_cli_reads_gzip_and_names_bad_lines(tmp_path: Path) -> None:
    f = tmp_path / "w.ops.gz"
    f.write_bytes(gzip.compress(b"set 1\nset 2\nput 3\n"))
    p = gomap("simulate", "--ops", str(f), "--quiet")
    assert p.returncode == 2
    assert p.stderr.decode().startswith(f"{f}:3: unknown operation 'put'")
    assert "Traceback" not in p.stderr.decode()
    f.write_bytes(gzip.compress(b"make 4\nset 1\nset 2\n"))
    p = gomap("simulate", "--ops", str(f), "--json", "-", "--quiet")
    assert p.returncode == 0, p.stderr
    assert b'"entries": 2' in p.stdout and b'"hint": 4' in p.stdout


def test_cli_compare_and_seeds_reread_a_file(tmp_path: Path) -> None:
    f = tmp_path / "w.ops"
    f.write_bytes(b"set 1\nset 2\ndel 1\n")
    p = gomap("compare", "--ops", str(f), "--json", "-", "--quiet")
    d = json.loads(p.stdout)
    assert [d[e]["ops"] for e in ("classic", "swiss")] == [3, 3]
    p = gomap("simulate", "--seeds", "2", "--ops", str(f), "--json", "-", "--quiet")
    d = json.loads(p.stdout)
    assert d["ops"] == 3 and d["entries"] == 1 and len(d["seed_runs"]) == 2
    p = gomap("compare", "--ops", "-", "--json", "-", "--quiet", stdin=b"set 1\nset 2\n")
    d = json.loads(p.stdout)
    assert [d[e]["entries"] for e in ("classic", "swiss")] == [2, 2]
