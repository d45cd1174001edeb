"""A real headless Chromium for ``tests/e2e/test_web.py``: Debian's ``chromium``
package driven by Playwright (never a browser Playwright downloads), and the text of
the terminal that textual-serve's page draws on a canvas.

xterm.js keeps the screen in a buffer that only its ``Terminal`` object reaches, and
textual-serve's script keeps that object to itself. :data:`CATCH_TERMINAL` runs before
any script of the page: the first object that sets ``_addonManager`` on itself is the
``Terminal`` (its constructor does, once), and it is kept as ``window.__term``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

#: Debian's browser, the only one the tests use
CHROMIUM = "/usr/bin/chromium"
#: its switches: headless, no sandbox (root in a container), nothing fetched from outside
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "_addonManager", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "_addonManager",
      {value, writable: true, configurable: true, enumerable: true});
    if (window.__term === undefined) window.__term = this;
  },
});
"""

#: the terminal's visible rows as text ("" before the terminal exists)
READ_SCREEN = """() => {
  const term = window.__term;
  if (!term) return "";
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no {CHROMIUM} (Debian's chromium package; .ci/run installs it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no Python Playwright (pip install playwright; never `playwright install`)"
    return None


@contextmanager
def chromium(profile: Path) -> Iterator[BrowserContext]:
    """A fresh headless Chromium with its own profile folder ``profile``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 800}, locale="zh-CN",
        )  # fmt: skip
        try:
            context.add_init_script(CATCH_TERMINAL)
            yield context
        finally:
            context.close()


def screen(page: Page) -> str:
    """The terminal's text now."""
    return str(page.evaluate(READ_SCREEN))


def wait_screen(page: Page, *texts: str, seconds: float = 60.0) -> str:
    """The terminal's text once it shows every one of ``texts``."""
    check = f"(texts) => {{ const s = ({READ_SCREEN})(); return texts.every(t => s.includes(t)); }}"
    try:
        page.wait_for_function(check, arg=list(texts), timeout=seconds * 1000, polling=100)
    except Exception as exc:
        raise AssertionError(f"timed out waiting for {texts!r} on:\n{screen(page)}") from exc
    return screen(page)


def websocket_outcome(page: Page, url: str) -> Any:
    """What the page's own ``new WebSocket(url)`` comes to: "open" or "refused"."""
    return page.evaluate(
        """(url) => new Promise((done) => {
             const s = new WebSocket(url);
             s.onopen = () => { s.close(); done("open"); };
             s.onerror = () => done("refused");
           })""",
        url,
    )
