"""Browser tests: the pages in the distribution's Chromium, driven by Playwright (nothing is
downloaded), against the app served on a free port over a committed database.

Skipped, saying why, when /usr/bin/chromium or the playwright package is missing."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import Builder

CHROMIUM = os.environ.get("CREDIT_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401  (importing it is the check)
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = missing()
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def site_url(live_app) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1, one request at a time, over the `live`
    database (write what a test needs with `live_make`)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, live_app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_make(live, live_app, password_hash) -> Builder:
    """Firms, records, listings and accounts written to the served database."""
    return Builder(live, live_app, password_hash)


def _page(browser, viewport: dict, site_url: str):
    context = browser.new_context(viewport=viewport, base_url=site_url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, site_url):
    """A page 1280 px wide, its relative addresses on the served app."""
    yield from _page(browser, DESKTOP, site_url)


@pytest.fixture
def phone_page(browser, site_url):
    """A page 375 px wide, as on a phone."""
    yield from _page(browser, PHONE, site_url)


def screenshot(page, name: str) -> Path:
    """The whole page as tests/browser/screenshots/NAME.png (not kept in git), for a person to
    look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
