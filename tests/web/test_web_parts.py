"""``gridtui web``'s parts without a browser: the session cookie, the pages' labels and
text, the loopback check (the browser end to end: tests/e2e/test_web.py)."""

from __future__ import annotations

import re

import pytest

from gridtui.cli.web import is_loopback
from gridtui.web.cookies import MIN_SECRET, Signer
from gridtui.web.pages import LABELS, app_page, label, login_page

SECRET = b"s" * MIN_SECRET


def test_a_cookie_reads_back_until_it_expires_or_is_ended():
    signer = Signer(SECRET, lifetime=60)
    value, session = signer.issue("ab" * 32, "en", now=1000.0)
    assert signer.read(value, now=1059.0) == session
    assert session.token_hash == "ab" * 32 and session.lang == "en"
    assert signer.read(value, now=1060.0) is None  # expired
    signer.end(session)
    assert signer.read(value, now=1001.0) is None  # logged out
    other, _ = signer.issue("ab" * 32, "en", now=1000.0)
    assert signer.read(other, now=1001.0) is not None  # another session of the same token


def test_a_forged_or_foreign_cookie_is_refused():
    signer = Signer(SECRET, lifetime=60)
    value, _ = signer.issue("ab" * 32, "zh", now=1000.0)
    body, mac = value.split(".")
    forged_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    for bad in ("", "x", "a.b.c", f"{forged_body}.{mac}", f"{body}.{mac[:-2]}", f"{body}.", "é.é"):
        assert signer.read(bad, now=1001.0) is None, bad
    assert Signer(b"t" * MIN_SECRET, lifetime=60).read(value, now=1001.0) is None
    with pytest.raises(ValueError, match="at least"):
        Signer(b"short", lifetime=60)


def test_every_page_label_in_both_languages_and_no_english_on_the_chinese_page():
    for key, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), key
        assert sorted(re.findall(r"{(\w+)}", zh)) == sorted(re.findall(r"{(\w+)}", en)), key
        if key != "login.other":  # the other language's own name
            assert not re.search(r"[A-Za-z]{2,}", re.sub(r"{\w+}", "", zh)), key
    for page in (login_page("zh", error=True), app_page("zh", name="王", role="supervisor",
                                                        websocket_url="ws://h:1/ws")):  # fmt: skip
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
        words = set(re.findall(r"[A-Za-z]{2,}", visible)) - {"DOCTYPE", "html", "English"}
        assert not words, words
        assert 'lang="zh-CN"' in page
    assert label("login.refused", "zh") in login_page("zh", error=True)


def test_pages_load_nothing_from_elsewhere_and_escape_names():
    page = app_page("zh", name='web:<b>"x"</b>', role="viewer", websocket_url="ws://h:1/ws")
    assert "<b>" not in page and "&lt;b&gt;" in page
    for html in (page, login_page("en"), login_page("zh", signed_out=True)):
        assert not re.search(r"(src|href)=\"(https?:)?//", html), html


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.2", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.0.2.7", False),
     ("centre.example.org", False)],
)  # fmt: skip
def test_loopback_or_not(host, loopback):
    assert is_loopback(host) is loopback
