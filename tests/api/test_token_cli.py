"""`gridtui token create|list|revoke` and `gridtui serve` arguments."""

from __future__ import annotations

from gridtui.cli import build_parser, main
from gridtui.data.db import make_engine, session_factory, upgrade
from gridtui.data.tokens import verify_token


def test_token_lifecycle_from_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/t.sqlite"
    upgrade(url)
    assert main(["--db", url, "token", "create", "--name", "desk-1", "--role", "officer"]) == 0
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("gt_") and "shown once" in out.err
    factory = session_factory(make_engine(url))
    assert verify_token(factory, secret).name == "desk-1"
    assert main(["--db", url, "token", "create", "--name", "desk-1", "--role", "viewer"]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["--db", url, "token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "desk-1" in listing and "officer" in listing and "active" in listing
    assert secret not in listing
    assert main(["--db", url, "token", "revoke", "--name", "desk-1"]) == 0
    assert verify_token(factory, secret) is None
    assert main(["--db", url, "token", "revoke", "--name", "nobody"]) == 1


def test_serve_binds_loopback_by_default():
    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8765
