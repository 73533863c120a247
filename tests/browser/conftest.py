"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Nothing is downloaded: the browser is the system's /usr/bin/chromium (.ci/run installs
the Debian package), never `playwright install`. Without it these tests are skipped.
"""

import os
from pathlib import Path

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - requirements-dev.txt pins it
    sync_playwright = None

needs_chromium = pytest.mark.skipif(
    sync_playwright is None or not CHROMIUM.exists(),
    reason="needs the playwright package and Debian's chromium at /usr/bin/chromium "
           "(apt-get install chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module. Playwright's sync API runs an event loop in this thread
    while it is open; the ORM calls the tests make between browser steps are still
    synchronous, so Django's async guard is lifted for exactly that time."""
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = before


class Outside:
    """Every request a page makes, to prove nothing is loaded from outside the project."""

    def __init__(self, base: str):
        self.base, self.urls = base, []

    def __call__(self, request):
        if not request.url.startswith(self.base) and not request.url.startswith("data:"):
            self.urls.append(request.url)


@pytest.fixture
def open_page(browser, live_server):
    """open_page(width) → a new page in its own context (its own session), recording any
    request that leaves the live server."""
    contexts, outside = [], Outside(live_server.url)

    def make(width: int = 390, height: int = 844):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("request", outside)
        return page

    make.outside = outside
    yield make
    for context in contexts:
        context.close()
