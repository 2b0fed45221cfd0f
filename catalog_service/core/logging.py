"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to."""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from .tracing import trace_id_current

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
# The request's trace, kept for the lines Django logs after the trace's span has ended.
request_trace_id_var: ContextVar[str | None] = ContextVar("request_trace_id", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_from(header: str | None) -> str:
    """Keeps a sane id set by the proxy in front (so logs join up), otherwise makes one."""
    return header if header and _VALID_REQUEST_ID.match(header) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.trace_id = trace_id_current() or request_trace_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        trace_id = getattr(record, "trace_id", None)
        if trace_id:  # only while tracing, inside a trace
            entry["trace_id"] = trace_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
