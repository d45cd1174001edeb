"""Every label in both languages; domain names have labels; the language default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
