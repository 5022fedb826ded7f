"""The JSON log is written in batches: info lines wait, a warning goes out at once with them, and
a process that exits writes what was waiting."""

from __future__ import annotations

import datetime
import json
import logging
import subprocess
import sys

import pytest

from credit.logs import BufferedHandler, JsonFormatter, log_access


class Writes:
    """A stream that keeps each write apart."""

    def __init__(self):
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass

    def lines(self) -> list[dict]:
        return [json.loads(line) for text in self.writes for line in text.splitlines()]


@pytest.fixture
def logger():
    stream = Writes()
    handler = BufferedHandler(stream, seconds=3600, lines=50)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("credit.test-buffered")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log, stream, handler
    log.removeHandler(handler)


def test_info_lines_wait_and_go_out_in_one_write(logger):
    log, stream, handler = logger
    for n in range(20):
        log.info("request", extra={"fields": {"n": n}})
    assert stream.writes == []
    handler.flush()
    assert len(stream.writes) == 1
    assert [line["n"] for line in stream.lines()] == list(range(20))


def test_a_full_batch_is_written_without_waiting_for_the_timer(logger):
    log, stream, _ = logger
    for n in range(120):
        log.info("request", extra={"fields": {"n": n}})
    assert len(stream.writes) == 2
    assert [line["n"] for line in stream.lines()] == list(range(100))


def test_a_warning_goes_out_at_once_after_the_lines_before_it(logger):
    log, stream, _ = logger
    log.info("request")
    log.warning("disk almost full")
    assert [(line["level"], line["message"]) for line in stream.lines()] == [
        ("INFO", "request"),
        ("WARNING", "disk almost full"),
    ]


PROGRAM = """
import logging, os, sys
from credit import logs
logs.configure("INFO")
logging.getLogger("credit.access").info("request", extra={"fields": {"path": "/x"}})
if sys.argv[1] == "crash":
    os._exit(1)
"""


@pytest.mark.parametrize("how, written", [("exit", 1), ("crash", 0)])
def test_a_process_writes_its_waiting_lines_when_it_exits_but_not_when_killed(how, written):
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM, how], capture_output=True, text=True, timeout=60
    )
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    assert len([line for line in lines if line.get("path") == "/x"]) == written


def test_a_line_carries_its_fields_as_json_whatever_their_type(logger):
    log, stream, handler = logger
    fields = {
        "path": "/api/v1/enterprises/913211000000000010",
        "user": None,
        "firm": "镇江演示有限公司",
        "on": datetime.date(2026, 11, 30),
        "at": datetime.datetime(2026, 11, 30, 23, 59, tzinfo=datetime.UTC),
    }
    log.info("request", extra={"fields": fields})
    # What only the standard library writes: a key that is not a string, a very large number.
    log.info("request", extra={"fields": {1: "one", "big": 2**70}})
    handler.flush()
    first, second = stream.lines()
    assert first["path"] == fields["path"] and first["user"] is None
    assert first["firm"] == "镇江演示有限公司" and "\\u" not in stream.writes[0]
    assert (first["on"], first["at"]) == ("2026-11-30", "2026-11-30 23:59:00+00:00")
    assert (second["1"], second["big"]) == ("one", 2**70)


@pytest.fixture
def registry_log():
    """The registry's `credit` logger at INFO with its own handler, writing to a stream kept
    apart; restored afterwards."""
    stream = Writes()
    handler = BufferedHandler(stream, seconds=3600, lines=50)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("credit")
    saved = root.handlers, root.level, root.propagate
    root.handlers, root.propagate = [handler], False
    root.setLevel(logging.INFO)
    yield stream, handler
    root.handlers, _, root.propagate = saved
    root.setLevel(saved[1])


ACCESS_FIELDS = {"method": "GET", "path": "/api/v1/enterprises/x", "status": 200, "user": None}


def test_an_access_line_is_written_as_a_logged_line_would_be(registry_log, monkeypatch):
    stream, handler = registry_log
    access = logging.getLogger("credit.access")
    records = []
    make_record = access.makeRecord
    monkeypatch.setattr(
        access, "makeRecord", lambda *a, **k: records.append(1) or make_record(*a, **k)
    )
    log_access(ACCESS_FIELDS)
    assert records == []  # straight to the registry's handler, no record made
    logging.getLogger("credit.access").info("request", extra={"fields": ACCESS_FIELDS})
    assert stream.writes == []  # both wait for the batch
    handler.flush()
    direct, logged = stream.lines()
    assert list(direct) == list(logged) == ["at", "level", "logger", "message", *ACCESS_FIELDS]
    assert {**direct, "at": None} == {**logged, "at": None}
    assert direct["logger"] == "credit.access" and direct["level"] == "INFO"


def test_an_access_line_reaches_any_other_handler_through_logging(registry_log):
    stream, handler = registry_log
    seen: list[logging.LogRecord] = []
    other = logging.Handler()
    other.emit = seen.append
    access = logging.getLogger("credit.access")
    access.addHandler(other)
    try:
        log_access(ACCESS_FIELDS)
    finally:
        access.removeHandler(other)
    handler.flush()
    assert [record.fields for record in seen] == [ACCESS_FIELDS]
    assert [line["path"] for line in stream.lines()] == ["/api/v1/enterprises/x"]


def test_no_access_line_below_its_level(registry_log):
    stream, handler = registry_log
    logging.getLogger("credit").setLevel(logging.WARNING)
    log_access(ACCESS_FIELDS)
    handler.flush()
    assert stream.writes == []
