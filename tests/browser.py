"""Headless Chromium for the tests: Debian's /usr/bin/chromium driven by Playwright.

tests/setup_system.sh installs Chromium with apt; Playwright's own browser
download is never used. Without Chromium the browser tests skip, except under
CI, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("TAFITI_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def chromium() -> Iterator[Any]:
    """Yield a Playwright browser running Debian's Chromium."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}; run tests/setup_system.sh as root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflineLoad:
    """Requests and script errors of a page loaded with everything outside ``allowed`` blocked."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def open_offline(
    browser: Any, page_file: Path, allowed: Path, viewport: dict[str, int] = DESKTOP
) -> Iterator[tuple[Any, OfflineLoad]]:
    """Open ``page_file`` with every request outside the folder ``allowed`` aborted.

    Yields the page and a record of the requests it made, those blocked, and
    its script errors.
    """
    allowed_prefix = allowed.resolve().as_uri() + "/"
    load = OfflineLoad()
    context = browser.new_context(viewport=viewport, service_workers="block")

    def route(route: Any) -> None:
        url = route.request.url
        load.requested.append(url)
        if url.startswith(allowed_prefix):
            route.continue_()
        else:
            load.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: load.errors.append(str(error)))
    try:
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        yield page, load
    finally:
        context.close()


def page_overflow(page: Any) -> int:
    """Return how many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
