"""The pages ``gridtui web`` writes itself: the login page and the page that holds the
app's terminal, in zh-CN and en. Plain HTML and inline CSS, nothing from elsewhere: the
terminal's script, style sheet and font are textual-serve's own files, served here
under ``/static`` (its stock page would load a web font from a CDN).

Text from outside (a token's name) is escaped; nothing on them is markup."""

from __future__ import annotations

from html import escape

from gridtui.i18n import role_label, tr

#: the languages the pages speak
LANGS = ("zh", "en")

#: every label of the pages, (zh-CN, en)
LABELS: dict[str, tuple[str, str]] = {
    "login.heading": ("登录", "Sign in"),
    "login.token": ("访问令牌", "Access token"),
    "login.hint": (
        "请输入管理员为您创建的访问令牌。角色和审计署名由令牌决定。",
        "Enter the access token your administrator created for you. "
        "It decides your role and the name in the audit trail.",
    ),
    "login.submit": ("登录", "Sign in"),
    "login.refused": ("令牌无效或已被撤销。", "That token is not valid or has been revoked."),
    "login.signed_out": ("已退出登录。", "You have signed out."),
    "login.other": ("English", "中文"),
    "app.signed_in": ("{name} · {role}", "{name} · {role}"),
    "app.sign_out": ("退出登录", "Sign out"),
    "app.ended": ("会话已结束。", "The session has ended."),
    "app.again": ("重新打开", "Open again"),
}


def label(key: str, lang: str, **values: object) -> str:
    """The page label ``key`` in ``lang`` (zh unless ``en``)."""
    text = LABELS[key][1 if lang == "en" else 0]
    return text.format(**values) if values else text


def pick_lang(value: str | None, default: str) -> str:
    """A language the pages speak: ``value`` if it is one, else ``default``."""
    return value if value in LANGS else default


_STYLE = """
html, body { margin: 0; height: 100%; background: #0c181f; color: #e8eef2;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; }
a { color: #8fd3ff; }
button { font: inherit; padding: 4px 14px; border: 0; border-radius: 3px;
  background: #2f6f9f; color: #fff; cursor: pointer; }
"""

_LOGIN_STYLE = """
main { max-width: 28em; margin: 12vh auto 0; padding: 24px 28px; background: #12232d;
  border-radius: 6px; }
h1 { font-size: 1.25em; margin: 0 0 4px; }
h2 { font-size: 1.05em; font-weight: normal; margin: 0 0 18px; color: #b5c4cc; }
label { display: block; margin-bottom: 6px; }
input { box-sizing: border-box; width: 100%; padding: 6px 8px; font: 14px monospace;
  margin-bottom: 10px; }
p.hint { color: #b5c4cc; font-size: 0.9em; }
p.error { color: #ff8a80; font-weight: bold; }
p.note { color: #a5d6a7; }
nav { margin-top: 18px; font-size: 0.9em; }
"""


def _head(lang: str, title: str, style: str) -> str:
    html_lang = "en" if lang == "en" else "zh-CN"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="same-origin">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}{style}</style>\n"
    )


def login_page(lang: str, *, error: bool = False, signed_out: bool = False) -> str:
    """The login form: one field, the token; ``error``: the last one was refused."""
    other = "zh" if lang == "en" else "en"
    message = ""
    if error:
        message = f'<p class="error" role="alert">{escape(label("login.refused", lang))}</p>\n'
    elif signed_out:
        message = f'<p class="note" role="status">{escape(label("login.signed_out", lang))}</p>\n'
    title = tr("app.title", lang)
    return (
        _head(lang, f"{title} · {label('login.heading', lang)}", _LOGIN_STYLE)
        + "</head>\n<body>\n<main>\n"
        f"<h1>{escape(title)}</h1>\n<h2>{escape(label('login.heading', lang))}</h2>\n"
        f"{message}"
        '<form method="post" action="/login" autocomplete="off">\n'
        f'<input type="hidden" name="lang" value="{lang}">\n'
        f'<label for="token">{escape(label("login.token", lang))}</label>\n'
        '<input id="token" name="token" type="password" required autofocus '
        'spellcheck="false" maxlength="200">\n'
        f'<p class="hint">{escape(label("login.hint", lang))}</p>\n'
        f'<button type="submit">{escape(label("login.submit", lang))}</button>\n'
        "</form>\n"
        f'<nav><a href="/login?lang={other}" lang="{"en" if other == "en" else "zh-CN"}">'
        f"{escape(label('login.other', lang))}</a></nav>\n"
        "</main>\n</body>\n</html>\n"
    )


_APP_STYLE = """
@font-face { font-family: "Roboto Mono"; font-weight: 100 700;
  src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
body { display: flex; flex-direction: column; }
header { display: flex; gap: 16px; align-items: center; padding: 3px 10px;
  background: #12232d; font-size: 14px; }
header form { margin: 0 0 0 auto; }
#terminal { flex: 1; min-height: 0; }
.ended { display: none; position: absolute; inset: 40% 0 auto 0; margin: auto;
  width: 22em; padding: 18px; background: #12232d; text-align: center;
  border-radius: 6px; z-index: 20; }
body.-closed .ended { display: block; }
"""


def app_page(lang: str, *, name: str, role: str, websocket_url: str) -> str:
    """The page around the app's terminal: who is signed in, a sign-out button, and the
    terminal that textual-serve's script connects to ``websocket_url``."""
    title = tr("app.title", lang)
    who = label("app.signed_in", lang, name=name, role=role_label(role, lang))
    return (
        _head(lang, title, _APP_STYLE) + '<link rel="stylesheet" href="/static/css/xterm.css">\n'
        '<script src="/static/js/textual.js"></script>\n'
        "</head>\n<body>\n<header>\n"
        f'<strong>{escape(title)}</strong>\n<span id="who">{escape(who)}</span>\n'
        '<form method="post" action="/logout">'
        f'<button type="submit">{escape(label("app.sign_out", lang))}</button></form>\n'
        "</header>\n"
        f'<div class="ended" role="alert">{escape(label("app.ended", lang))} '
        f'<a href="/">{escape(label("app.again", lang))}</a></div>\n'
        '<div id="terminal" class="textual-terminal" '
        f'data-session-websocket-url="{escape(websocket_url)}" data-font-size="16"></div>\n'
        "</body>\n</html>\n"
    )
