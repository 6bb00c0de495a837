"""The API docs in a real browser: Swagger UI renders from this server alone, and the CSP blocks nothing."""

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def docs_server(ledger_transactional_db, request):
    return request.getfixturevalue("live_server")


def test_swagger_ui_renders_offline_under_the_csp(docs_server, monkeypatch):
    """In a real browser with every request off this server refused: the operations render, and the
    Content-Security-Policy blocks nothing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run .ci/browser-deps to install Debian's Chromium")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems, elsewhere = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))

            def local_only(route):
                if route.request.url.startswith(docs_server.url):
                    route.continue_()
                else:
                    elsewhere.append(route.request.url)
                    route.abort()

            page.route("**/*", local_only)
            page.goto(f"{docs_server.url}/api/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
        finally:
            browser.close()
            connections.close_all()
    assert any("/api/transactions/{uid}/review" in p for p in paths), paths
    assert elsewhere == []
    assert problems == []
