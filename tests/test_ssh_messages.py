"""What ``gridtui ssh-serve`` tells a person it turns away: each message in Chinese and
in English, the Chinese line free of English words (commands excepted), the same
placeholders in both, lines ending as the client's terminal needs."""

from __future__ import annotations

import re

from gridtui.ssh.messages import message, names, span_text, texts

#: what a Chinese line may hold in Latin letters: the command to type
COMMANDS = re.compile(r"ssh -t")


def test_every_message_in_both_languages() -> None:
    for name in names():
        zh, en = texts(name)
        assert re.findall(r"{(\w+)", zh) == re.findall(r"{(\w+)", en) or {
            p.replace("zh_", "") for p in re.findall(r"{(\w+)", zh)
        } == {p.replace("en_", "") for p in re.findall(r"{(\w+)", en)}, name
        latin = re.findall(r"[A-Za-z]{2,}", COMMANDS.sub("", re.sub(r"{\w+}", "", zh)))
        assert not latin, (name, latin)
        assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii(), name


def test_lines_and_spans() -> None:
    raw = message("server_full", crlf=True, n=20).decode()
    assert raw == (
        "gridtui: 会话已满（最多 20 个同时在线），请稍后再试。\r\n"
        "gridtui: all 20 sessions are in use; try again later\r\n"
    )
    assert message("needs_terminal", crlf=False).decode().count("\n") == 2
    assert "\r" not in message("needs_terminal", crlf=False).decode()
    assert span_text(1800) == ("30 分钟", "30 minutes")
    assert span_text(60) == ("1 分钟", "1 minute")
    assert span_text(3) == ("3 秒", "3 seconds")
    assert span_text(90) == ("1.5 分钟", "1.5 minutes")
