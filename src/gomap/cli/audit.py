"""``gomap audit show`` and ``gomap audit stats``: who deleted key K, when, from where.

Registered in :mod:`gomap.cli` by :func:`register`. Both read a JSONL audit file (its
rotated files included) or a SQLite audit database; a malformed line exits 2 with
``file:line: message`` on stderr; a torn last line is skipped with a note on stderr.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from gomap.cli._common import UsageError


def register(sub: Any) -> None:
    """Add ``audit show`` and ``audit stats`` to the ``gomap`` parser."""
    fmt = argparse.RawDescriptionHelpFormatter
    a = sub.add_parser("audit", help="read delete-audit records: who deleted key K, when, "
                       "from where (JSONL or SQLite written by gomap.audit)",
                       description="Read the records gomap.audit wrote (docs/AUDIT.md).",
                       formatter_class=fmt)
    asub = a.add_subparsers(dest="audit_command", required=True)
    s = asub.add_parser("show", help="the records that match, oldest first",
                        formatter_class=fmt,
                        epilog="example:\n  gomap audit show audit.jsonl --key alice "
                        "--since 2h\n\nexit codes: 0 ok, 2 bad input (file:line: message)")
    s.add_argument("path", metavar="PATH", help="a JSONL file (PATH.1, PATH.2 ... are read "
                   "first) or a SQLite database")
    s.add_argument("--key", metavar="K", help="this key (its stored form, e.g. 42 or a "
                   "digest, or the string K, stored as 'K')")
    s.add_argument("--map", metavar="NAME", help="this map's records")
    s.add_argument("--op", metavar="OP", help="this op (delete, delitem, pop, clear, ...)")
    s.add_argument("--since", metavar="TIME", help="from TIME on: ISO 8601, epoch seconds, "
                   "or 90s / 10m / 2h / 1d ago")
    s.add_argument("--format", choices=("table", "json"), default="table",
                   help="a table (default) or one JSON record per line")
    s.add_argument("--limit", type=int, default=None, metavar="N", help="the last N only")
    s.set_defaults(func=_show)
    t = asub.add_parser("stats", help="counts per map, op, caller site and thread; deletes "
                        "per second over time", formatter_class=fmt,
                        epilog="example:\n  gomap audit stats audit.db --plot rate.png")
    t.add_argument("path", metavar="PATH", help="a JSONL file or a SQLite database")
    t.add_argument("--map", metavar="NAME")
    t.add_argument("--since", metavar="TIME")
    t.add_argument("--json", action="store_true", help="the figures as JSON")
    t.add_argument("--plot", metavar="FILE.png", help="draw the delete rate")
    t.set_defaults(func=_stats)


def _load(args: argparse.Namespace, **filters: Any) -> Any:
    from gomap.audit.query import AuditFormatError, load, parse_since

    since = None
    if getattr(args, "since", None):
        try:
            since = parse_since(args.since)
        except ValueError as e:
            raise UsageError(str(e)) from None
    try:
        got = load(args.path, since=since, **filters)
    except AuditFormatError as e:
        raise UsageError(str(e), located=True) from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
        raise UsageError(f"{args.path}: {getattr(e, 'strerror', None) or e}") from None
    for t in got.torn:
        sys.stderr.write(f"{t.file}:{t.line}: torn last line skipped ({t.bytes} bytes; the "
                         "writer was killed mid-write)\n")
    return got


def _time(ns: int) -> str:
    d = _dt.datetime.fromtimestamp(ns / 1e9, tz=_dt.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def _show(args: argparse.Namespace, console: Console) -> int:
    from gomap.audit.query import caller_site, thread_label

    got = _load(args, key=args.key, map=args.map, op=args.op)
    recs = got.records
    if args.limit is not None:
        recs = recs[-args.limit:] if args.limit > 0 else []
    if args.format == "json":
        out = sys.stdout
        for r in recs:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
        return 0
    table = Table(title=f"{len(recs)} record(s) from {', '.join(got.files)}")
    for col in ("time (UTC)", "seq", "map", "op", "key", "found", "thread", "caller"):
        table.add_column(col, overflow="fold")
    for r in recs:
        key = r.get("key")
        table.add_row(_time(r["ts"]), str(r["seq"]), str(r.get("map")), str(r["op"]),
                      "-" if key is None else str(key), "yes" if r.get("found") else "no",
                      thread_label(r), caller_site(r), style=None if r.get("found") else "dim")
    console.print(table)
    return 0


def _stats(args: argparse.Namespace, console: Console) -> int:
    from gomap.audit.query import stats

    got = _load(args, map=args.map)
    st = stats(got.records)
    if args.plot:
        _plot(st, args.plot, title=", ".join(got.files))
    if args.json:
        sys.stdout.write(json.dumps(st, indent=1) + "\n")
        return 0
    console.print(f"{st['records']:,} records, {st['deletes']:,} deletes "
                  f"({st['found']:,} removed a key) in {', '.join(got.files)}")
    for title, key in (("map", "by_map"), ("op", "by_op"), ("caller site", "by_caller"),
                       ("thread", "by_thread")):
        t = Table(title=f"per {title}")
        t.add_column(title, overflow="fold")
        t.add_column("count", justify="right")
        for name, n in list(st[key].items())[:20]:
            t.add_row(name, f"{n:,}")
        console.print(t)
    if st["rate"]:
        peak = max(r[1] for r in st["rate"])
        console.print(f"deletes/s over {len(st['rate'])} buckets of {st['bucket_s']:.3g} s: "
                      f"peak {peak:,.1f}/s")
    if args.plot:
        console.print(f"rate plot → {args.plot}")
    return 0


def _plot(st: dict[str, Any], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.5))
    rate = st["rate"]
    if rate:
        t0 = rate[0][0]
        ax.step([r[0] - t0 for r in rate], [r[1] for r in rate], where="post")
    ax.set_xlabel("seconds since the first delete")
    ax.set_ylabel("deletes per second")
    ax.set_title(f"gomap audit: {title}", fontsize=9)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as e:
        raise UsageError(f"--plot {path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
