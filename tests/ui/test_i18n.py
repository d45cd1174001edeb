"""Every label in both languages; domain names have labels; the language default; a
Chinese screen shows no English word and no internal code (issue 13, point 4)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from textual.command import CommandPalette

from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import TicketEvent
from gridtui.domain.channels import Channel
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.roles import Role
from gridtui.i18n import (
    CATALOG,
    CLOCK_STATE,
    action_label,
    channel_label,
    default_lang,
    role_label,
    status_label,
    tr,
)
from gridtui.labels import error_text, one_language
from gridtui.registry import SCREEN_NAMES
from gridtui.screens.modals.forms import ActionForm
from gridtui.screens.ticket import TicketScreen
from gridtui.sim import LocalTarget, ManualClock, Simulator
from tests.conftest import FIXTURES, NOW
from tests.ui.test_ticket import ticket_in
from tests.waiting import pilot_until

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalog_entry_has_both_languages():
    for key, (zh, en) in CATALOG.items():
        assert zh.strip() and en.strip(), key
        assert re.findall(r"{(\w+)", zh) == re.findall(r"{(\w+)", en) or sorted(
            re.findall(r"{(\w+)", zh)
        ) == sorted(re.findall(r"{(\w+)", en)), key


def test_every_key_the_code_uses_exists():
    used: set[str] = set()
    for path in (ROOT / "gridtui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""tr\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        used |= set(re.findall(r"""id=["']([a-z_]+\.[a-z_.]+)["']""", text)) - {
            k for k in re.findall(r"""id=["'](action\.[a-z_]+)["']""", text)
        }
    missing = sorted(k for k in used if k not in CATALOG)
    assert not missing, missing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_domain_names_have_labels(lang):
    for s in Status:
        assert status_label(s.value, lang) != s.value or lang == "en"
    for a in Action:
        assert action_label(a.value, lang)
    for c in Channel:
        assert channel_label(c.value, lang) != c.value
    for r in Role:
        assert role_label(r.value, lang)
    for state in ("pending", "ok", "warning", "critical", "breached", "met"):
        assert state in CLOCK_STATE


def test_unknown_key_fails_loudly():
    with pytest.raises(KeyError):
        tr("no.such.key", "zh")


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "C.UTF-8"}, "zh"),
     ({"GRIDTUI_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"), ({}, "zh")],
)  # fmt: skip
def test_default_language_from_the_environment(monkeypatch, env, expected):
    for var in ("GRIDTUI_LANG", "LC_ALL", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert default_lang() == expected


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "无法连接服务器（连接被拒绝）"),
        (TimeoutError("timed out"), "服务器无响应（超时）"),
        ("unknown department 'NOPE'", "没有这个部门：NOPE"),
        ("reject needs a reason in the note", "请在说明中写明原因"),
        (
            "cannot accept a ticket that is resolved; allowed here: note",
            "工单当前为“已处置”，不能“签收”",
        ),
        (
            "回访不满意，不能验收 / the resident's callback was 'not satisfied'",
            "回访不满意，不能验收",
        ),
        (
            "role viewer may not adjust; it needs supervisor or above",
            "角色“只读”无权执行“加减分”，需要“督办员”或以上",
        ),
        ("adjustment 50 is outside [-10, 10]", "分值须在 -10 到 10 之间"),
        ("something nobody foresaw", "操作失败，请稍后重试"),
    ],
)
def test_errors_are_said_in_chinese_with_the_detail_reduced(error, zh):
    assert error_text(error, "zh") == zh
    assert error_text(error, "en") == str(error)


def test_a_bilingual_system_note_shows_one_language():
    note = "超时: 24小时内办结 / breached: Solved within 24 h"
    assert one_language(note, "zh") == "超时: 24小时内办结"
    assert one_language(note, "en") == "breached: Solved within 24 h"
    assert one_language("门牌 3 / 4 号", "zh") == "门牌 3 / 4 号"  # not a bilingual pair


#: ASCII words a Chinese screen may show, and why:
#: key names, as printed on the keys and shown beside what they do ("space 展开");
#: single letters (the keys themselves, "x 操作"; ticket versions "v3"; worker codes
#: "W0003") are not words to the pattern below.
KEYS = {"enter", "space", "backspace", "tab", "shift", "ctrl", "super", "esc", "escape"}
ALLOWED = KEYS | {
    "pgup",
    "pgdn",
    "pageup",
    "pagedown",
    "home",
    "end",
    "up",
    "down",
    "left",
    "right",
}
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


def screen_lines(app: Any) -> list[str]:
    """The text of every line the current screen draws."""
    strips = app.screen._compositor.render_strips()
    return [strip.text for strip in strips]


def english(lines: list[str]) -> list[str]:
    """Lines with ASCII words outside the allowlist, each with its words."""
    bad = []
    for line in lines:
        words = [w for w in WORD.findall(line) if w.lower() not in ALLOWED]
        if words:
            bad.append(f"{words}: {line.strip()}")
    return bad


def simulate(url: str, hours: float) -> None:
    """A few hours of the simulator on the city at ``url`` (its actors on timelines)."""
    clock = ManualClock(NOW)
    sim_source = LocalSource(url, clock=clock.now)
    try:
        sim = Simulator(LocalTarget(sim_source), clock, seed=6, fixtures=FIXTURES)
        sim.start()
        sim.run_until(NOW + timedelta(hours=hours))
    finally:
        sim_source.close()


def sim_ticket(source: LocalSource) -> int:
    """The ticket with the shortest timeline among those the simulator acted on (all of
    its timeline in view)."""
    with source.factory() as s:
        acted = (
            select(TicketEvent.ticket_id)
            .where(TicketEvent.actor.like("sim:%"))
            .group_by(TicketEvent.ticket_id)
            .subquery()
        )
        tid = s.scalar(
            select(TicketEvent.ticket_id)
            .where(TicketEvent.ticket_id.in_(select(acted.c.ticket_id)))
            .group_by(TicketEvent.ticket_id)
            .order_by(func.count(), TicketEvent.ticket_id)
            .limit(1)
        )
    assert tid is not None, "the simulator acted on no ticket"
    return tid


@pytest.mark.slow
async def test_no_english_on_any_chinese_screen(make_app, source, demo_url, wait):
    simulate(demo_url, hours=3)  # the simulator's actors on the screens too
    app = make_app(screen="overview", role="supervisor", lang="zh")
    found: dict[str, list[str]] = {}

    def read(where: str) -> None:
        bad = english(screen_lines(app))
        if bad:
            found[where] = bad

    async with app.run_test(size=(160, 50)) as pilot:
        for key, name in enumerate(
            SCREEN_NAMES,
            start=1,
        ):
            await pilot.press(str(key))
            await wait(app, pilot)
            read(name)
            await pilot.press("question_mark")
            await wait(app, pilot)
            read(f"{name} help")
            await pilot.press("escape")
            await wait(app, pilot)
        # the palette, every command listed
        await pilot.press("ctrl+p")
        await wait(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        read("palette")
        await pilot.press("escape")
        await wait(app, pilot)
        # the queue's filter dialog
        await pilot.press("2")
        await wait(app, pilot)
        await pilot.press("f")
        await wait(app, pilot)
        read("filter dialog")
        await pilot.press("escape")
        await wait(app, pilot)
        # the assessment's figures behind a score (its previous period read too)
        await pilot.press("8")
        await wait(app, pilot)
        await pilot.press("enter")
        await pilot_until(pilot, lambda: getattr(app.screen, "previous_read", False), "figures")
        await wait(app, pilot)
        read("assessment figures")
        await pilot.press("escape")
        await wait(app, pilot)
        # the scorecards' adjustment form
        await pilot.press("5")
        await wait(app, pilot)
        await pilot.press("a")
        await wait(app, pilot)
        read("adjust form")
        await pilot.press("escape")
        await wait(app, pilot)
        # a ticket with a breach and a department on its timeline: menu and forms
        app.ticket_id = source.most_urgent()
        await pilot.press("6")
        await wait(app, pilot)
        assert isinstance(app.screen, TicketScreen)
        read("ticket")
        # a ticket the simulator acted on: its actors by name (模拟·指挥中心 …)
        app.open_ticket(sim_ticket(source))
        await wait(app, pilot)
        assert any("模拟·" in line for line in screen_lines(app)), screen_lines(app)
        read("simulated ticket")
        for keys in (("x",), ("d",), ("e",), ("f",)):
            await pilot.press(*keys)
            await wait(app, pilot)
            read(f"ticket {keys}")
            await pilot.press("escape")
            await wait(app, pilot)
        # the pickers' suggestions, and a refusal from the service, on a new ticket
        app.open_ticket(ticket_in(source, {"new"}).id)
        await wait(app, pilot)
        for key, typed in (("d", "区"), ("e", "区")):
            await pilot.press(key)
            await wait(app, pilot)
            await pilot.press("ctrl+u", *typed)
            await wait(app, pilot)
            read(f"suggestions {key}")
            await pilot.press("ctrl+u", *"999", "tab", "enter")
            await wait(app, pilot)
            assert isinstance(app.screen, ActionForm) and app.screen.error
            read(f"refusal {key}")
            await pilot.press("escape")
            await wait(app, pilot)
        # the database stops answering: the header says so
        path = source.engine.url.database
        source.engine.dispose()
        os.rename(path, f"{path}.away")
        os.makedirs(path)
        app.screen.reload()
        await pilot_until(pilot, app.is_stale, "the header to say stale")
        await wait(app, pilot)
        assert app.is_stale()
        read("outage")
        os.rmdir(path)
        os.rename(f"{path}.away", path)
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


@pytest.mark.parametrize(
    ("actor", "zh", "en"),
    [
        ("sim:centre", "模拟·指挥中心", "Simulated centre"),
        ("sim:supervisor", "模拟·督办员", "Simulated supervisor"),
        ("sim:department", "模拟·部门", "Simulated department"),
        ("sim:leader", "模拟·领导交办", "Simulated leader"),
        ("sim:patrol", "模拟·网格巡查", "Simulated patrol"),
    ],
)
def test_simulator_actors_have_names(source, actor, zh, en):
    from gridtui.labels import actor_label
    from gridtui.sim import behaviour

    ref = source.reference()
    assert actor_label(actor, ref, "zh") == zh
    assert actor_label(actor, ref, "en") == en
    known = {behaviour.CENTRE, behaviour.SUPERVISOR, *behaviour.REPORTERS.values()}
    assert {a for a in known if a.startswith("sim:")} <= {
        "sim:centre", "sim:supervisor", "sim:department", "sim:leader", "sim:patrol"
    }  # fmt: skip
