"""`gridtui token create|list|revoke` and `gridtui serve` arguments."""

from __future__ import annotations

import pytest

from gridtui.cli.main import build_parser, main
from gridtui.data.sources.tokens import verify_token
from gridtui.data.storage.db import make_engine, session_factory, upgrade
from tests.waiting import wait_until_up


def test_token_lifecycle_from_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/t.sqlite"
    upgrade(url)
    assert main(["--db", url, "token", "create", "--name", "desk-1", "--role", "officer"]) == 0
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("gt_") and "shown once" in out.err
    factory = session_factory(make_engine(url))
    info = verify_token(factory, secret)
    assert info is not None and info.name == "desk-1"
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


def test_serve_stops_promptly_with_change_streams_open(tmp_path):
    """Ctrl-C on `gridtui serve` ends the SSE streams and the process, even with
    clients connected (uvicorn alone waits for them forever)."""
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from gridtui.data.sources.tokens import create_token
    from tests.api.conftest import free_port
    from tests.conftest import NOW

    url = f"sqlite:///{tmp_path}/s.sqlite"
    upgrade(url)
    secret = create_token(session_factory(make_engine(url)), "wall", "viewer", at=NOW)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridtui.cli", "--db", url, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        headers = {"Authorization": f"Bearer {secret}", "Accept": "text/event-stream"}
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            with c.stream("GET", "/api/v1/changes") as stream:
                assert stream.status_code == 200
                proc.send_signal(signal.SIGINT)
                started = time.monotonic()
                for _ in stream.iter_lines():  # ends when the server closes it
                    pass
            assert proc.wait(timeout=10) in (0, 130)  # 130: stopped by SIGINT, as shells expect
            assert time.monotonic() - started < 5
        err = proc.stderr.read() if proc.stderr else ""
        assert "CancelledError" not in err and "timeout graceful shutdown" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.mark.slow
def test_serve_with_two_workers_streams_every_write(tmp_path):
    """`serve --workers 2`: two processes on one port; whichever takes a write, a
    change stream on either sees it."""
    import json
    import subprocess
    import sys

    import httpx

    from gridtui.data.intake.fixtures import load_fixtures
    from gridtui.data.sources.tokens import create_token
    from tests.api.conftest import free_port
    from tests.conftest import FIXTURES, NOW

    url = f"sqlite:///{tmp_path}/w.sqlite"
    upgrade(url)
    factory = session_factory(make_engine(url))
    load_fixtures(factory, FIXTURES, now=NOW)
    secret = create_token(factory, "desk", "officer", at=NOW)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridtui.cli", "--db", url, "serve", "--port", str(port),
         "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        auth = {"Authorization": f"Bearer {secret}"}
        grid = next(
            n["code"]
            for n in httpx.get(f"{base}/api/v1/hierarchy", headers=auth).json()["nodes"]
            if n["level"] == "grid"
        )
        opened: list[int] = []
        sse = {"Accept": "text/event-stream"}
        with (
            httpx.Client(base_url=base, headers=auth, timeout=10) as c,
            c.stream("GET", "/api/v1/changes", headers=sse) as s,
        ):
            for i in range(6):  # new connections: the kernel spreads them over both
                with httpx.Client(base_url=base, headers=auth, timeout=10) as w:
                    r = w.post("/api/v1/tickets", json={
                        "title": f"积水 {i}", "category": "env.noise",
                        "channel": "hotline", "grid": grid,
                    })  # fmt: skip
                    assert r.status_code == 201, r.text
                    opened.append(r.json()["ticket_id"])
            seen: list[int] = []
            for line in s.iter_lines():
                if line.startswith("data: "):
                    change = json.loads(line[6:])
                    if change["op"] == "open":
                        seen.append(change["id"])
                if len(seen) == len(opened):
                    break
        assert seen == opened
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_access_log_never_shows_a_token_from_a_query_string(tmp_path):
    """Open311 clients may put their api_key in the URL; `gridtui serve` logs every
    request's path, with the key's value replaced by ***."""
    import signal
    import subprocess
    import sys

    import httpx

    from gridtui.data.sources.tokens import create_token
    from tests.api.conftest import free_port
    from tests.conftest import NOW

    url = f"sqlite:///{tmp_path}/s.sqlite"
    upgrade(url)
    secret = create_token(session_factory(make_engine(url)), "app311", "officer", at=NOW)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridtui.cli", "--db", url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        for path in (
            f"/open311/v2/requests.json?api_key={secret}&jurisdiction_id=x",
            f"/open311/v2/services.xml?API_KEY={secret}",
            f"/api/v1/me?token={secret}",
        ):
            assert httpx.post(f"{base}{path}", data={}).status_code in (400, 401, 404, 405)
    finally:
        proc.send_signal(signal.SIGINT)
        log, _ = proc.communicate(timeout=20)
    assert "/open311/v2/requests.json?api_key=***&jurisdiction_id=x" in log, log
    assert "/open311/v2/services.xml?API_KEY=***" in log and "/api/v1/me?token=***" in log
    assert secret not in log and secret[:12] not in log
