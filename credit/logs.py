"""Structured logs: one JSON object a line on standard error, written in batches.

Lines are kept in memory and written together, in one `write`, every `FLUSH_SECONDS`, when
`FLUSH_LINES` are waiting, at once for a warning or an error, and when the process exits
normally (`atexit`, which gunicorn's workers run when they stop). What a crash can lose: a
process killed outright (SIGKILL, the kernel's out-of-memory killer, a worker gunicorn kills at
its timeout) or dying in C code loses the lines of its last `FLUSH_SECONDS` at most, info lines
only (the access log, mostly): a warning or an error is never held back.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading

import orjson

from credit.clock import utcnow

_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)
# Anything orjson would write its own way (a date, a dataclass) is written as `str` gives it,
# as the standard library's encoder above does.
_AS_STANDARD = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _line(entry: dict) -> str:
    """The entry as one line of JSON: orjson, several times faster; the standard library for
    what orjson refuses (keys that are not strings, integers past 64 bits)."""
    try:
        return orjson.dumps(entry, default=str, option=_AS_STANDARD).decode("utf-8")
    except orjson.JSONEncodeError:
        return _ENCODER.encode(entry)


def _entry(level: str, logger: str, message: str, fields: dict) -> dict:
    return {
        "at": utcnow().isoformat(timespec="milliseconds"),
        "level": level,
        "logger": logger,
        "message": message,
        **fields,
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = _entry(
            record.levelname, record.name, record.getMessage(), getattr(record, "fields", {})
        )
        for name in ("request_id", "path"):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _line(entry)


FLUSH_SECONDS = 0.5
FLUSH_LINES = 1000


class BufferedHandler(logging.Handler):
    """Formats each record at once and writes the lines in batches (see the module's docstring).
    The timer is a daemon thread per process, started by the first line a process logs: a
    gunicorn worker forked from a preloaded app gets its own."""

    def __init__(self, stream=None, *, seconds: float = FLUSH_SECONDS, lines: int = FLUSH_LINES):
        super().__init__()
        self.stream = stream
        self.seconds = seconds
        self.lines = lines
        self._waiting: list[str] = []
        self._timer_pid: int | None = None
        atexit.register(self.flush)
        # A forked worker starts with nothing waiting (its parent writes its own lines) and with
        # no timer yet: threads do not survive a fork.
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self._waiting = []
        self._timer_pid = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.queue(line, urgent=record.levelno >= logging.WARNING)

    def queue(self, line: str, *, urgent: bool = False) -> None:
        """A formatted line, to go out with the next batch (at once when `urgent`)."""
        with self.lock:
            self._waiting.append(line)
            urgent = urgent or len(self._waiting) >= self.lines
            if self._timer_pid != os.getpid():
                self._start_timer()
        if urgent:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        stream = self.stream or sys.stderr
        try:
            stream.write("\n".join(waiting) + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass  # standard error closed at exit: nothing left to tell

    def close(self) -> None:
        self.flush()
        super().close()

    def _start_timer(self) -> None:
        self._timer_pid = os.getpid()
        thread = threading.Thread(target=self._tick, name="log-flush", daemon=True)
        thread.start()

    def _tick(self) -> None:
        pid = os.getpid()
        while self._timer_pid == pid:
            threading.Event().wait(self.seconds)
            self.flush()


ACCESS = logging.getLogger("credit.access")


def log_access(fields: dict) -> None:
    """One access-log line (INFO, logger `credit.access`, message "request", with `fields`).

    When the line would reach the registry's own handler alone, as `configure` sets it up, it is
    formatted and queued there directly: the logging module's record, its caller lookup and its
    handler chain cost more than the line (a tenth of a public lookup's time in the app). With
    any other handler, filter or level in the way it is logged as any line is."""
    if not ACCESS.isEnabledFor(logging.INFO):
        return
    handler = _sole_handler()
    if handler is None:
        ACCESS.info("request", extra={"fields": fields})
    else:
        handler.queue(_line(_entry("INFO", ACCESS.name, "request", fields)))


def _sole_handler() -> BufferedHandler | None:
    """The registry's handler, when an access line would reach it and nothing else."""
    parent = ACCESS.parent
    if (
        ACCESS.handlers
        or ACCESS.filters
        or not ACCESS.propagate
        or parent is None
        or parent.name != "credit"
        or parent.filters
        or parent.propagate
        or len(parent.handlers) != 1
    ):
        return None
    (handler,) = parent.handlers
    if (
        type(handler) is not BufferedHandler
        or type(handler.formatter) is not JsonFormatter
        or handler.filters
        or handler.level > logging.INFO
    ):
        return None
    return handler


def configure(level: str) -> None:
    root = logging.getLogger("credit")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.setLevel(level)
        return
    handler = BufferedHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
