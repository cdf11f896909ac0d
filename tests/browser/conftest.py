"""A real Chromium (the system's, never a downloaded one) driven by Playwright."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    ViewportSize,
    sync_playwright,
)

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
# Every signed-in page opens a live-update stream (/live/ or /a/<id>/live/).
LIVE_STREAM = re.compile(r"/live/(\?.*)?$")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API runs an event loop in the test thread, which trips Django's
    # async-safety guard for the test's own ORM calls; allowed here only, while browsers run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    from tests.conftest import CHROMIUM, require

    require(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}")
    return CHROMIUM


def _no_stream(route: Route) -> None:
    # No Content: the page carries on without live updates (htmx's sse extension retries,
    # backing off, and each retry is answered here too, never reaching the server).
    route.fulfill(status=204)


def new_context(
    browser: Browser,
    viewport: ViewportSize = DESKTOP,
    *,
    color_scheme: str = "light",
    timezone_id: str | None = None,
) -> BrowserContext:
    """A fresh browser profile (own cookies) for pytest-django's live_server.

    live_server is a threaded WSGI server: it would serve the never-ending live stream from a
    thread that nothing stops, and the test process could then never exit. So here the stream
    answers 204 and pages work as they do without it (reload to see others' moves); the stream
    itself is tested over a real ASGI server in test_live.py, which makes its own contexts.
    """
    context = browser.new_context(
        viewport=viewport,
        color_scheme=color_scheme,  # type: ignore[arg-type]  # "light" or "dark"
        timezone_id=timezone_id,
    )
    context.set_default_timeout(10_000)
    context.route(LIVE_STREAM, _no_stream)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of what people see, for a human to look at (screenshots/ is not committed)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
