"""``gomap record``: parse, check, call :func:`gomap.record.session.record`, report.

Registered in :mod:`gomap.cli` by :func:`register`. Exit codes: 0 recorded (the
events lost, if any, are printed in red and written into every ops file's header),
2 bad input or a target gomap cannot record (not root, not a Go binary, an
unsupported Go release or architecture), 3 a missing tool (tracefs / uprobe events).
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table


def register(sub: Any) -> None:
    """Add the ``record`` subcommand to the ``gomap`` parser."""
    p = sub.add_parser(
        "record", help="watch a live Go program's maps with uprobes: audit its deletes, "
        "write its real workload as ops files for simulate",
        description="Attach uprobes to a Go program's runtime map functions (amd64, "
        "Go 1.21-1.27, root) and record every map operation: map, key, goroutine, "
        "callers. See docs/RECORD.md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  sudo gomap record --pid 4242 --ops deletes --audit "
        "deletes.jsonl --duration 60\n  sudo gomap record --ops-out rec/ -- ./server "
        "--port 8080\n  gomap simulate --ops rec/map0007_6e691eecf50.ops\n\n"
        "exit codes: 0 recorded, 2 bad input or target, 3 tracefs/uprobes missing")
    p.add_argument("--pid", type=int, metavar="PID", help="a running Go process")
    p.add_argument("--ops", choices=("all", "writes", "deletes"), default="all",
                   help="which ops: all (also reads and range loops), writes (make, "
                   "assign, delete, clear) or deletes (delete, clear; make for identity)")
    p.add_argument("--map", metavar="ADDR|FUNC",
                   help="only the map that had this address (0x...), or the maps a "
                   "function whose name contains FUNC operated on")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--ops-out", metavar="DIR", help="write one ops file per map (and "
                   "index.json) into DIR")
    p.add_argument("--audit", action="append", default=[], metavar="SINK",
                   help="send each op to a gomap.audit sink: FILE.jsonl, FILE.db "
                   "(SQLite) or redis://HOST:PORT/N (repeatable)")
    p.add_argument("--stacks", type=int, default=4, metavar="N",
                   help="caller frames per op, 0-8 (default 4)")
    p.add_argument("--key-bytes", type=int, default=128, metavar="N",
                   help="bytes of a string or struct key read, 8-512 (default 128): longer "
                   "keys are counted approximate; a larger N costs every such call more")
    p.add_argument("--buffer-mb", type=int, default=8, metavar="MB",
                   help="kernel ring buffer per CPU (default 8); raise it when events "
                   "are lost")
    p.add_argument("--json", metavar="FILE", help="the summary as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary table")
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]",
                   help="a command to start and record from its first instruction")
    p.set_defaults(func=_record)


def _sinks(specs: list[str]) -> list[Any]:
    from gomap.audit import JsonlSink, SqliteSink
    from gomap.audit.sinks import RedisStreamSink

    out: list[Any] = []
    for s in specs:
        if s.startswith(("redis://", "rediss://", "unix://")):
            out.append(RedisStreamSink(s))
        elif s.endswith((".db", ".sqlite", ".sqlite3")):
            out.append(SqliteSink(s))
        else:
            out.append(JsonlSink(s))
    return out


def _record(args: argparse.Namespace, console: Console) -> int:
    import json
    import os
    import sys

    try:
        from gomap.record.session import RecordError, record
        from gomap.record.tracefs import TraceFSError
    except ImportError as e:  # pyelftools: the "record" extra
        Console(stderr=True).print(f"[bold red]gomap record:[/] {e.name or e} is missing: "
                                   f"pip install 'gomap[record]' (pyelftools)")
        return 3

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    err = Console(stderr=True)
    auditor = None
    try:
        if args.audit:
            from gomap.audit import Auditor

            auditor = Auditor(_sinks(args.audit), overflow="block", redact="repr")
        res = record(pid=args.pid, cmd=cmd or None, ops=args.ops, map_filter=args.map,
                     duration=args.duration, ops_out=args.ops_out, auditor=auditor,
                     stacks=args.stacks, stdin=sys.stdin,
                     buffer_mb=args.buffer_mb, key_bytes=args.key_bytes)
    except RecordError as e:
        err.print(f"[bold red]gomap record:[/] {e}")
        return e.code
    except TraceFSError as e:
        err.print(f"[bold red]gomap record:[/] {e}")
        return 3
    except ValueError as e:
        err.print(f"[bold red]gomap record:[/] {e}")
        return 2
    finally:
        if auditor is not None:
            auditor.close()
    rec = res.recorder
    maps = rec.selected()
    if not args.quiet:
        name = os.path.basename(res.exe or str(res.binary.path))
        t = Table(title=f"gomap record: {name} ({res.binary.info.go_version}, "
                  f"{'swiss' if res.plan.swiss else 'classic'} maps), pid {rec.pid}, "
                  f"{res.seconds:.1f} s")
        for col in ("map", "address", "key", "value", "hint", "ops", "deletes", "goroutines",
                    "top caller"):
            t.add_column(col)
        for m in maps[:50]:
            top = m.callers.most_common(1)
            t.add_row(str(m.id), f"{m.addr:#x}" + (" (stack)" if m.loc[0] == "stk" else ""),
                      m.key_type.name if m.key_type else "?",
                      m.elem_type.name if m.elem_type else "?",
                      "?" if m.hint is None else str(m.hint), f"{len(m.ops):,}",
                      f"{m.op_counts['del'] + m.op_counts['clear']:,}", str(len(m.goroutines)),
                      f"{top[0][0]} ×{top[0][1]}" if top else "")
        console.print(t)
        if len(maps) > 50:
            console.print(f"… and {len(maps) - 50} more maps")
        console.print(f"{rec.stats.events:,} events, {len(maps)} maps"
                      + (f", ops files in {args.ops_out}" if args.ops_out else ""))
    if rec.stats.lost:
        err.print(f"[bold red]gomap record: {rec.stats.lost:,} events LOST[/] (the kernel "
                  f"ring buffer overflowed): the recorded streams have gaps; every ops file "
                  f"says so in its header")
    if args.json:
        data = {"binary": str(res.binary.path), "go": res.binary.info.go_version,
                "maps_impl": "swiss" if res.plan.swiss else "classic", "pid": rec.pid,
                "seconds": res.seconds, "events": rec.stats.events,
                "events_lost": rec.stats.lost, "exit_code": res.exit_code,
                "maps": [rec.describe(m) for m in maps]}
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
    return 0
