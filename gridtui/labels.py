"""Names for the codes a screen would otherwise show (issue 13, point 4).

Timeline actors and targets, breach marks, bilingual system notes, SLA policies,
source systems, Textual's own keys, and errors (the service's refusals and the
transport's failures) in the screen's language with the technical detail reduced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from gridtui.data.sources.records import Reference
from gridtui.domain.handling import Level
from gridtui.i18n import CATALOG, colour_label, tr

#: Textual's own binding actions and their catalog keys
TEXTUAL_ACTIONS = {
    "focus_next": "textual.focus_next",
    "app.focus_next": "textual.focus_next",
    "focus_previous": "textual.focus_previous",
    "app.focus_previous": "textual.focus_previous",
    "copy_text": "textual.copy",
    "screen.copy_text": "textual.copy",
    "app.copy_text": "textual.copy",
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese character."""
    return bool(_CJK.search(text))


def one_language(note: str, lang: str) -> str:
    """A system note stored as ``中文 / English`` in ``lang`` only (others unchanged)."""
    zh, sep, en = note.partition(" / ")
    if not sep or not has_cjk(zh) or has_cjk(en):
        return note
    return zh if lang == "zh" else en


#: the simulator's actors (gridtui.sim) and their catalog keys
SIM_ACTORS = {
    "sim:centre": "actor.sim_centre",
    "sim:supervisor": "actor.sim_supervisor",
    "sim:department": "actor.sim_department",
    "sim:leader": "actor.sim_leader",
    "sim:patrol": "actor.sim_patrol",
}


def actor_label(actor: str, ref: Reference, lang: str) -> str:
    """Who acted: a worker's name, a department's name, the centre, the system, the
    simulator's stand-ins … (the one place an actor code becomes a name)."""
    if actor in SIM_ACTORS:
        return tr(SIM_ACTORS[actor], lang)
    if actor.startswith("sim:"):
        return tr("actor.sim_other", lang, name=actor.removeprefix("sim:"))
    if actor in ("system", "centre", "citizen", "import"):
        return tr(f"actor.{actor}", lang)
    if actor == "12345":
        return tr("actor.hotline", lang)
    if actor == "dept":
        return tr("actor.dept", lang)
    if actor.startswith("duty:"):
        return tr("actor.duty", lang, name=actor.removeprefix("duty:"))
    if actor.startswith("dept:") or any(w.code == actor for w in ref.workers.values()):
        return ref.holder_label(actor, lang)
    return actor


def target_label(target: str, ref: Reference, clocks: Iterable[Any], lang: str) -> str:
    """A timeline target by name: ``breach:<holder>/<clock>`` → "超时：<name> <clock>",
    ``dept:CODE`` → the department, a worker code → the worker, ``up:<level>``,
    a callback result, a colour."""
    from gridtui.domain.callback import Satisfaction
    from gridtui.domain.colours import RiskColour

    if target.startswith("breach:"):
        holder, _, clock = target.removeprefix("breach:").rpartition("/")
        label = next(
            (
                c.label(lang)
                for c in clocks
                if c.name == clock and (not holder or c.holder == holder)
            ),
            None,
        ) or next((c.label(lang) for c in clocks if c.name == clock), clock)
        name = ref.holder_label(holder, lang) if holder else ""
        return tr("target.breach", lang, holder=name, clock=label).replace("  ", " ")
    if target.startswith("up:"):
        try:
            return tr("target.up", lang, level=Level(target[3:]).label(lang))
        except ValueError:
            return target
    if target.startswith(("dept:", "level:")) or target == "centre":
        return ref.holder_label(target, lang)
    if any(w.code == target for w in ref.workers.values()):
        return ref.holder_label(target, lang)
    if target.isdigit():
        return tr("target.merge", lang, id=target)
    try:
        return Satisfaction(target).label(lang)
    except ValueError:
        pass
    try:
        RiskColour(target)
        return colour_label(target, lang)
    except ValueError:
        return target


def timeline_note(
    note: str, actor: str, target: str | None, ref: Reference, clocks: Iterable[Any], lang: str
) -> str:
    """A timeline entry's note and target in ``lang``: a system note in one language;
    a breach mark names whose clock ran out once (the system's note "超时: <clock>"
    would only repeat the clock)."""
    shown = one_language(note, lang) if actor == "system" else note
    if not target:
        return shown
    label = target_label(target, ref, clocks, lang)
    if target.startswith("breach:") and actor == "system":
        return label
    return f"{shown} [{label}]" if shown else label


def policy_label(name: str | None, lang: str) -> str:
    """An SLA policy's name in ``lang``."""
    if not name:
        return "—"
    key = f"policy.{name}"
    return tr(key, lang) if key in CATALOG else tr("policy.other", lang, name=name)


def source_label(source: str, lang: str) -> str:
    """A source system's name in ``lang``."""
    key = f"source.{source}"
    return tr(key, lang) if key in CATALOG else tr("source.other", lang, name=source)


#: the service's refusals, by their English text, and the catalog keys saying them
_REFUSALS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"unknown worker '?([^']*)'?"), "error.unknown_worker"),
    (re.compile(r"unknown department '?([^']*)'?"), "error.unknown_dept"),
    (re.compile(r"needs a department"), "error.needs_dept"),
    (re.compile(r"needs a reason"), "error.needs_reason"),
    (re.compile(r"recolour needs a colour"), "error.needs_colour"),
    (re.compile(r"needs the callback result"), "error.needs_callback"),
    (re.compile(r"merge needs the id"), "error.needs_merge"),
    (re.compile(r"cannot merge into ticket (\d+)"), "error.no_merge"),
    (re.compile(r"someone else acted first|changed meanwhile"), "error.stale"),
    (re.compile(r"Errno 111|[Cc]onnection refused|ConnectError"), "error.refused"),
    (re.compile(r"[Tt]imed? ?out"), "error.timeout"),
    (re.compile(r"Errno -?\d+|Name or service|unreachable|getaddrinfo"), "error.unreachable"),
    (re.compile(r"sqlite|database|OperationalError", re.I), "error.database"),
]
_ILLEGAL = re.compile(r"cannot (\w+) a ticket that is (\w+)")
_ROLE = re.compile(r"role (\w+) may not (\w+)(?:; it needs (\w+))?")
_OUTSIDE = re.compile(r"outside \[([-\d.]+), ([-\d.]+)\]")
_VALUE = {"error.unknown_worker": "code", "error.unknown_dept": "code", "error.no_merge": "id"}


def error_text(error: BaseException | str, lang: str) -> str:
    """A refusal or failure in ``lang``: a known message translated, a bilingual one
    halved, a technical one reduced to what it means; the English text unchanged."""
    message = str(error) if isinstance(error, str) or str(error) else repr(error)
    if lang != "zh":
        return message
    halved = one_language(message, lang)
    if halved != message or (has_cjk(message) and not re.search(r"[A-Za-z]{3}", message)):
        return halved
    moved = _ILLEGAL.search(message)
    if moved:
        from gridtui.i18n import action_label, status_label

        return tr(
            "act.status_refused",
            lang,
            action=action_label(moved.group(1), lang),
            status=status_label(moved.group(2), lang),
        )
    role = _ROLE.search(message)
    if role:
        return _role_refusal(role, lang)
    outside = _OUTSIDE.search(message)
    if outside:
        return tr("error.outside", lang, min=outside.group(1), max=outside.group(2))
    for pattern, key in _REFUSALS:
        found = pattern.search(message)
        if found:
            field = _VALUE.get(key)
            return tr(key, lang, **{field: found.group(1)}) if field else tr(key, lang)
    return tr("error.other", lang)


def _role_refusal(found: re.Match[str], lang: str) -> str:
    """ "role viewer may not adjust; it needs supervisor or above" in ``lang``."""
    from gridtui.i18n import action_label, role_label

    what = found.group(2)
    key = f"key.{what}"
    label = tr(key, lang) if key in CATALOG else action_label(what, lang)
    need = found.group(3)
    return tr(
        "act.role_refused",
        lang,
        role=role_label(found.group(1), lang),
        action=label,
        need=role_label(need, lang) if need else "—",
    )
