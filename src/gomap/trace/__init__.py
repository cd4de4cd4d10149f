"""See it: a tracer of every internal event (narrated), its JSONL and Chrome-trace
exports (``gomap trace``), and a self-contained HTML page that steps through a
workload (``gomap viz``)."""

from gomap.trace.narration import narrate, narration
from gomap.trace.tracer import COUNTERS, EventRecord, OpRecord, Tracer

__all__ = ["COUNTERS", "EventRecord", "OpRecord", "Tracer", "narrate", "narration"]
