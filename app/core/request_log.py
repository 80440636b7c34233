"""Structured request logs: one JSON line per request, tagged with a request id."""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("app.request")
# Mainland mobiles anywhere in a line (a message, an exception's text): 138****5678.
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_phones(line: str) -> str:
    return PHONE_IN_TEXT.sub(r"\1****\2", line)


class MaskingFormatter(logging.Formatter):
    """Every formatted line, tracebacks included, with phone numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_phones(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_phones(self._format(record))

    def _format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if app.config["LOG_JSON"] else MaskingFormatter())
    root = logging.getLogger("app")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False

    @app.before_request
    def _start():
        # A caller's id (from a proxy or a phone) is kept so one action can be traced end to end.
        incoming = request.headers.get("X-Request-Id", "")
        context = g._get_current_object()
        context.request_id = (
            incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        )
        context.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        context = g._get_current_object()
        request_id = context.get("request_id")
        response.headers["X-Request-Id"] = request_id or ""
        if not log.isEnabledFor(logging.INFO):
            return response
        started = context.get("request_started")
        current = request._get_current_object()
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": current.method,
                    "path": current.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - (started or time.perf_counter())) * 1000, 1),
                    "user": context.get("current_username"),
                }
            },
        )
        return response
