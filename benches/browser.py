"""Headless Chromium driving the page, for tests/test_page.py and `zkpor bench page`.

Debian's Chromium (/usr/bin/chromium, ``apt-get install chromium``) through the Python
``playwright`` package (the ``web`` extra); Playwright's own browser download is never
used. Every request the browser makes, the worker's included, is recorded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("ZKPOR_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
READY_TIMEOUT_MS = 120_000
"""Pyodide's start takes 5-20 s on a loaded two-core machine; allow far more."""
CHECK_TIMEOUT_MS = 180_000


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install '.[web]')"
    return None


@dataclass
class Browser:
    """One Chromium with a fresh profile; ``requests`` and ``failures`` over all its pages."""

    context: Any
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def open(self, url: str, wait_ready: bool = True) -> Any:
        page = self.context.new_page()
        page.on("console", lambda msg: self.console.append(msg.text))
        page.goto(url)
        if wait_ready:
            page.wait_for_selector(
                "body[data-verifier=ready]", state="attached", timeout=READY_TIMEOUT_MS
            )
        return page


@contextlib.contextmanager
def chromium(viewport: tuple[int, int] = (900, 1100)) -> Iterator[Browser]:
    """Launch headless Chromium; closed and its profile removed whatever happens."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="zkpor-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=FLAGS, headless=True,
                viewport={"width": viewport[0], "height": viewport[1]},
            )  # fmt: skip
            browser = Browser(context)
            context.on("request", lambda request: browser.requests.append(request.url))
            context.on(
                "response",
                lambda r: browser.failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            context.on("requestfailed", lambda r: browser.failures.append(f"failed {r.url}"))
            try:
                yield browser
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@dataclass(frozen=True)
class PageResult:
    result: str
    """"pass" or "fail": the result element's data-result."""
    text: str
    seconds: float
    """Wall time from the file chosen to the result shown."""


def check(page: Any, uid: str, inclusion: Path, timeout_ms: int = CHECK_TIMEOUT_MS) -> PageResult:
    """Type ``uid``, choose ``inclusion`` (which starts the check) and wait for the result."""
    page.fill('input[name="uid"]', uid)
    start = time.perf_counter()
    page.set_input_files('input[type="file"]', str(inclusion))
    element = page.wait_for_selector("#result[data-result]", timeout=timeout_ms)
    seconds = time.perf_counter() - start
    return PageResult(element.get_attribute("data-result"), element.inner_text(), seconds)
