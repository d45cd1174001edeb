"""What the SSH server tells a person it turns away or disconnects: in Chinese, then in
English, each on its own line (the server cannot know which the person reads)."""

from __future__ import annotations

_MESSAGES: dict[str, tuple[str, str]] = {
    "needs_terminal": (
        "指挥中心需要终端：请用 ssh -t 连接，不带命令。",
        "the command centre needs a terminal: connect with ssh -t, without a command",
    ),
    "no_commands": (
        "本服务器只提供指挥中心，不执行任何命令：请用 ssh -t 连接，不带命令。",
        "this server runs no commands, only the command centre: connect with ssh -t, "
        "without a command",
    ),
    "server_full": (
        "会话已满（最多 {n} 个同时在线），请稍后再试。",
        "all {n} sessions are in use; try again later",
    ),
    "key_full": (
        "此密钥已打开 {n} 个会话（每个密钥的上限），请先关闭一个。",
        "this key already has {n} sessions open (the most per key); close one first",
    ),
    "idle": (
        "{zh_span}无操作，会话已结束。",
        "session ended after {en_span} without input",
    ),
    "revoked": ("此密钥已被吊销，会话已结束。", "this key was revoked; session ended"),
    "no_start": (
        "指挥中心未能启动，请联系值班室。",
        "the command centre could not start; call the duty room",
    ),
}


def span_text(seconds: float) -> tuple[str, str]:
    """A span in Chinese and in English: ``15 分钟`` / ``15 minutes``, or in seconds
    under a minute."""
    if seconds >= 60 and seconds % 60 == 0:
        n = int(seconds // 60)
        return f"{n} 分钟", f"{n} minute{'s' if n != 1 else ''}"
    if seconds >= 60:
        return f"{seconds / 60:.1f} 分钟", f"{seconds / 60:.1f} minutes"
    n = round(seconds)
    return f"{n} 秒", f"{n} second{'s' if n != 1 else ''}"


def message(name: str, *, crlf: bool, **values: object) -> bytes:
    """Message ``name`` as the terminal gets it: ``gridtui: <zh>`` and ``gridtui:
    <en>`` lines; with ``crlf`` (a terminal in raw mode) the lines end in CR LF."""
    zh, en = _MESSAGES[name]
    end = "\r\n" if crlf else "\n"
    text = f"gridtui: {zh.format(**values)}{end}gridtui: {en.format(**values)}{end}"
    return text.encode("utf-8")


def names() -> list[str]:
    """Every message's name (for the tests)."""
    return list(_MESSAGES)


def texts(name: str) -> tuple[str, str]:
    """The Chinese and English templates of ``name`` (for the tests)."""
    return _MESSAGES[name]
