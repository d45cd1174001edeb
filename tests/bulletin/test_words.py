"""The bulletin's own catalogue: every phrase in both languages, no Latin letter in a
Chinese one and no Chinese in an English one, the same blanks to fill in both."""

from __future__ import annotations

import re

from gridtui.bulletin.words import WORDS, level_label, section_number

_BLANKS = re.compile(r"\{(\w+)\}")


def test_every_phrase_is_in_both_languages() -> None:
    for key, (zh, en) in WORDS.items():
        assert zh and en, key
        assert set(_BLANKS.findall(zh)) >= set(_BLANKS.findall(en)) - {"month_name"}, key
        assert re.search(r"[A-Za-z]", _BLANKS.sub("", zh)) is None, key
        assert re.search(r"[\u3400-\u9fff]", en) is None, key


def test_levels_and_numbers() -> None:
    levels = ("street", "community", "grid", "worker", "department")
    assert [level_label(v, "zh") for v in levels] == ["街道", "社区", "网格", "网格员", "部门"]
    assert level_label("worker", "en") == "Worker"
    assert [section_number(n, "zh") for n in (1, 9, 10, 11, 20, 21)] == [
        "一、", "九、", "十、", "十一、", "二十、", "二十一、",
    ]  # fmt: skip
    assert section_number(12, "en") == "12."
