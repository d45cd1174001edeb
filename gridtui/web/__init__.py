"""``gridtui web``: the command centre in a browser, behind a login with the API tokens
(textual-serve runs one app per browser connection; see docs/web.md)."""
