"""Logging: plain text for people, or one JSON object a line for log pipelines.

Every line logged while a request is handled carries its request id. What is logged is
chosen so that no bearer token and no event content ever reaches a log: requests are
logged by method, route, status, duration and token *name*; ingest by counts.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_CLEAN_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Attributes every LogRecord has; anything else was passed with `extra=` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a plain identifier, else a new one."""
    if header and _CLEAN_ID.match(header):
        return header
    return uuid.uuid4().hex


_installed = False


def install_request_ids() -> None:
    """Stamp every log record with the request id of the request being handled, if any.

    A record factory rather than a handler filter, so the id is on the record whatever
    handler sees it (the JSON handler here, a test's capture, an embedding application's).
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                body[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and v is not None}
        return line + "".join(f" {k}={v}" for k, v in fields.items())


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """Route every logger (uvicorn's, APScheduler's, ours) to standard error."""
    if log_format not in ("text", "json"):
        raise ValueError(f"log format must be text or json, not {log_format!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    install_request_ids()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "apscheduler"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("apscheduler").setLevel("WARNING")  # a line per run is noise
