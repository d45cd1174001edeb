"""``gridtui web`` end to end (docs/web.md): the real server on 127.0.0.1 over the demo
city, a real headless Chromium (Debian's package, driven by Playwright), tokens made
with the real CLI.

A token opens the app with the token's role and ``web:<name>`` in the audit trail; the
overview shows, ``2`` opens the queue, a note lands in the database under that name;
signing out ends the app and the cookie. A wrong or revoked token sees the login page
again and no app starts; nothing without a session reaches the websocket, the page or
the terminal's files.

Skipped, with the reason, without ``/usr/bin/chromium`` or Playwright.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from gridtui.i18n import role_label, tr
from gridtui.web.cookies import COOKIE
from gridtui.web.pages import label
from tests.e2e.sshd import free_port
from tests.e2e.web_browser import chromium, missing_browser, screen, wait_screen, websocket_outcome
from tests.waiting import until

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

#: one worker runs the module: one server, one browser
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("web")]

GRIDTUI = str(Path(sys.prefix) / "bin" / "gridtui")
#: the handshake of a websocket, as a browser opens it
UPGRADE = {
    "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}  # fmt: skip


@dataclass
class Site:
    """A running ``gridtui web`` and what it serves."""

    base: str
    db: Path
    tokens: dict[str, str]
    server: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def ws(self) -> str:
        return self.base.replace("http:", "ws:") + "/ws"

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as conn:
            return conn.execute(sql, params).fetchall()

    def apps(self) -> list[str]:
        """The command lines of the server's apps (its descendant processes)."""
        return [" ".join(argv) for argv in descendants(self.server.pid)]


def descendants(pid: int) -> list[list[str]]:
    """The argv of every process below ``pid``."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
    found, frontier = [], {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        for child in frontier:
            with suppress(OSError):
                argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                found.append([a.decode() for a in argv if a])
    return found


def cli(db_url: str, *args: str) -> str:
    """``gridtui --db URL ARGS``, checked; its standard output."""
    done = subprocess.run([GRIDTUI, "--db", db_url, *args], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def site(
    demo_city: Callable[[int], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    reason = missing_browser()
    if reason:
        pytest.skip(f"browser end-to-end: {reason}")
    folder = tmp_path_factory.mktemp("web")
    db = folder / "city.sqlite"
    shutil.copyfile(demo_city(1), db)
    url = f"sqlite:///{db}"
    tokens = {"wang": cli(url, "token", "create", "--name", "wang", "--role", "supervisor"),
              "old": cli(url, "token", "create", "--name", "old", "--role", "admin")}  # fmt: skip
    tokens = {name: value.strip() for name, value in tokens.items()}
    cli(url, "token", "revoke", "--name", "old")
    port = free_port()
    log = folder / "web.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDTUI_")}
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [GRIDTUI, "--db", url, "web", "--host", "127.0.0.1", "--port", str(port),
             "--recheck", "1"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    site = Site(base, db, tokens, server, log)
    try:
        with httpx.Client(timeout=5) as http:  # one client for every look
            until(lambda: server.poll() is not None or _answers(http, f"{base}/login"),
                  "gridtui web to answer", 60, every=0.2)  # fmt: skip
        assert server.poll() is None, log.read_text()
        yield site
    finally:
        left = descendants(server.pid)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(15)
        assert not left, f"apps still running at the end: {left}"


def _answers(http: httpx.Client, url: str) -> bool:
    try:
        return http.get(url).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def browser(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    browser.clear_cookies()
    page = browser.new_page()
    try:
        yield page
    finally:
        page.close()


def role_text(role: str, lang: str) -> str:
    """The header's role, as the app writes it."""
    return f"{tr('header.role', lang)}: {role_label(role, lang)}"


def most_urgent(site: Site) -> tuple[int, str]:
    """(id, title) of the queue's first row, the ticket screen's default."""
    rows = site.query(
        "SELECT id, title FROM tickets WHERE closed_at IS NULL AND next_deadline IS NOT NULL"
        " ORDER BY next_deadline, id LIMIT 1"
    )
    return int(rows[0][0]), str(rows[0][1])  # type: ignore[call-overload]


def log_in(page: Page, site: Site, token: str, lang: str = "zh") -> int:
    """Submit ``token`` on the login page in ``lang``; the answer's status."""
    page.goto(f"{site.base}/")  # no session yet: the login page
    assert page.url.startswith(f"{site.base}/login"), page.url
    if lang == "en":
        page.click(f"text={label('login.other', 'zh')}")
        page.wait_for_url(f"{site.base}/login?lang=en")
    assert label("login.heading", lang) in page.inner_text("h2")
    page.fill("#token", token)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    page.wait_for_load_state()
    return answer.value.status


def test_a_token_opens_the_app_with_its_role_and_its_name(site: Site, page: Page) -> None:
    urgent, title = most_urgent(site)
    assert log_in(page, site, site.tokens["wang"]) == 303
    page.wait_for_url(f"{site.base}/")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert site.tokens["wang"] not in cookie["value"]

    # the overview, in Chinese, as supervisor: the token's role, not the browser's
    wait_screen(page, tr("overview.colours", "zh"), role_text("supervisor", "zh"))
    assert page.inner_text("#who") == f"web:wang · {role_label('supervisor', 'zh')}"
    (app,) = site.apps()
    assert "gridtui.web.child --role supervisor --actor web:wang" in app, app

    page.click("#terminal")  # the keyboard goes to the terminal
    page.keyboard.press("2")  # the queue, its first row the most urgent ticket
    wait_screen(page, tr("screen.queue", "zh"), title[:6])

    note = "网页督办 [b]e2e[/b]"  # a note on that ticket, audited under the token's name
    page.keyboard.press("6")
    wait_screen(page, f"#{urgent}")
    page.keyboard.press("n")
    wait_screen(page, tr("act.title", "zh", id=urgent))
    page.keyboard.type(note)
    page.keyboard.press("Enter")
    query = "SELECT actor, ticket_id FROM ticket_events WHERE note = ?"
    try:
        rows = until(lambda: site.query(query, note), "the note", 30, every=0.25)
    except AssertionError as exc:
        raise AssertionError(f"{exc}:\n{screen(page)}") from None
    assert rows == [("web:wang", urgent)]

    # signing out ends the app and the cookie, even one kept from before
    kept = cookie["value"]
    page.click("header button[type=submit]")
    page.wait_for_url(f"{site.base}/login?lang=zh&signed_out=1")
    assert label("login.signed_out", "zh") in page.inner_text("main")
    until(lambda: not site.apps(), "the app to end after signing out", 30)
    answer = httpx.get(site.ws, headers={**UPGRADE, "Cookie": f"{COOKIE}={kept}"})
    assert answer.status_code == 401
    page.goto(f"{site.base}/")
    assert page.url.startswith(f"{site.base}/login")


def test_revoking_the_token_ends_its_running_app(site: Site, page: Page) -> None:
    token = cli(site.url, "token", "create", "--name", "li", "--role", "viewer").strip()
    assert log_in(page, site, token, "en") == 303
    wait_screen(page, tr("overview.colours", "en"), role_text("viewer", "en"))
    (app,) = site.apps()
    assert "--role viewer --actor web:li --lang en" in app, app

    cli(site.url, "token", "revoke", "--name", "li")
    page.wait_for_selector("body.-closed", timeout=30_000)  # the page saw its socket close
    assert label("app.ended", "en") in page.inner_text(".ended")
    until(lambda: not site.apps(), "the app to end after its token was revoked", 30)
    page.goto(f"{site.base}/")
    assert page.url.startswith(f"{site.base}/login")


@pytest.mark.parametrize("which", ["wrong", "revoked"])
def test_a_wrong_or_revoked_token_sees_nothing(site: Site, page: Page, which: str) -> None:
    token = site.tokens["old"] if which == "revoked" else "gt_" + "x" * 43
    assert log_in(page, site, token, "en") == 401
    assert page.url.startswith(f"{site.base}/login")
    assert label("login.refused", "en") in page.inner_text("main")
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert page.evaluate("window.__term === undefined")  # no terminal, no app
    page.goto(f"{site.base}/")
    assert page.url.startswith(f"{site.base}/login")
    assert websocket_outcome(page, site.ws) == "refused"
    assert not site.apps()
    assert "refused a login" in site.log.read_text()


def test_nothing_without_a_session_reaches_the_app(site: Site) -> None:
    no_cookie = httpx.get(site.ws, headers=UPGRADE)
    assert no_cookie.status_code == 401
    forged = httpx.get(site.ws, headers={**UPGRADE, "Cookie": f"{COOKIE}=e30.AAAA"})
    assert forged.status_code == 401
    for path in ("/static/js/textual.js", "/static/css/xterm.css"):
        assert httpx.get(f"{site.base}{path}").status_code == 401
    assert httpx.get(f"{site.base}/").status_code == 303

    # a valid session, but the handshake comes from another site's page
    login = httpx.post(f"{site.base}/login", data={"token": site.tokens["wang"], "lang": "zh"})
    assert login.status_code == 303
    cookie = {"Cookie": f"{COOKIE}={login.cookies[COOKIE]}"}
    other = httpx.get(site.ws, headers={**UPGRADE, **cookie, "Origin": "http://evil.example"})
    assert other.status_code == 403
    assert httpx.get(f"{site.base}/static/css/xterm.css", headers=cookie).status_code == 200
    assert not site.apps()
