"""Logs as an event stream: every line on stdout is one JSON object (time, level, logger, message, request_id)."""

import contextvars
import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

# Set by config.request_id.RequestIdMiddleware for the duration of one request.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# gunicorn passes its access-log atoms as the record's args; these become fields of the JSON line.
ACCESS_LOG_FIELDS = {
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "h": "remote_addr",
    "a": "user_agent",
    "{x-request-id}o": "request_id",
}


class JsonFormatter(BaseJsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, field in ACCESS_LOG_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "-", ""):
                    log_record[field] = value
        request_id = current_request_id.get()
        if request_id and "request_id" not in log_record:
            log_record["request_id"] = request_id


def build_logging_config(level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own request logging duplicates gunicorn's access log at WARNING for 4xx; keep errors.
            "django.request": {"level": "ERROR", "propagate": True},
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {"handlers": [], "propagate": True},
            "celery": {"level": level},
        },
    }
