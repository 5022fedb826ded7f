"""Shows the server's own output under a failing end-to-end test: a 500 is explained there."""

from __future__ import annotations

import pytest

SERVER_OUTPUT_SHOWN = 20_000  # characters: the end of the log, where the failing request is


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("server")
    if report.when == "call" and report.failed and server is not None:
        report.sections.append(("server output", server.output()[-SERVER_OUTPUT_SHOWN:]))
