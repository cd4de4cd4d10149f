"""``gomap.audit``: who deleted key K from this map, when, and from where.

A bounded pipeline that loses nothing silently (every record is written, dropped by
the overflow policy the user chose, or failed, and each is counted), the sinks it
writes to, the wrapper that audits any mapping, the query side and the safe-delete
helpers. docs/AUDIT.md is the guide.
"""

from gomap.audit.auditor import OVERFLOW_POLICIES, Auditor, AuditStats, SinkStats
from gomap.audit.record import (
    NO_KEY,
    SCHEMA_VERSION,
    drop_key,
    make_redactor,
    redact_repr,
    salted_hash,
)
from gomap.audit.safe import VersionedMap, delete_where
from gomap.audit.sinks import (
    CallableSink,
    JsonlSink,
    LoggingSink,
    RedisStreamSink,
    Sink,
    SqliteSink,
)
from gomap.audit.wrap import AuditedMap, audited

__all__ = [
    "NO_KEY",
    "OVERFLOW_POLICIES",
    "SCHEMA_VERSION",
    "AuditStats",
    "AuditedMap",
    "Auditor",
    "CallableSink",
    "JsonlSink",
    "LoggingSink",
    "RedisStreamSink",
    "Sink",
    "SinkStats",
    "SqliteSink",
    "VersionedMap",
    "audited",
    "delete_where",
    "drop_key",
    "make_redactor",
    "redact_repr",
    "salted_hash",
]
