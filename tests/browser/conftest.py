"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Run with the rest of the suite, or alone: `.venv/bin/python -m pytest -q -m browser`. They need
/usr/bin/chromium (`.ci/browser-deps` installs it); without it they are skipped, saying so. Playwright's
own browser downloads are never used. Screenshots of the main pages go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's Chromium (/usr/bin/chromium) through Playwright")


@pytest.fixture
def server(ledger_transactional_db, request):
    """pytest-django's live server, over real commits. Asked for here, after ledger_transactional_db, rather
    than as `live_server` in the test's arguments: pytest-django would then set up transactional_db first,
    and the flush after the test would run with the append-only triggers back in place."""
    return request.getfixturevalue("live_server")


@pytest.fixture
def browser(server, monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run .ci/browser-deps to install Debian's Chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own database calls are
    # synchronous code, not coroutines, so Django's async guard does not apply to them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
            # Database calls made while Playwright runs happen in another context (its greenlet's), so
            # they opened their own connection: close it here, or PostgreSQL refuses to drop the test
            # database at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture
def desk(server, browser):
    """desk(username) -> a page in its own browser context (own cookies), not yet signed in."""
    contexts = []

    def open_page(username: str):
        context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
