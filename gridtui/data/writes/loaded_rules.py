"""The SLA, scoring and assessment rules as loaded in the database, parsed once per
version.

The ticket writes (and the reads that evaluate clocks) need ``sla.toml`` and
``scoring.toml`` parsed, the assessment reads ``assessment.toml``; :class:`LoadedRules`
keeps the parsed rules while the stored documents' stamps stay the same, and pins them
to a session so that one transaction sees one version of the rules.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import ConfigDoc
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.sla_runtime import SlaRuntime
from gridtui.domain.assessment.config import (
    DEFAULT_ASSESSMENT,
    AssessmentConfig,
    parse_assessment_config,
)
from gridtui.domain.scoring.config import parse_scoring_config
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import ScoringConfig

#: the parsed SLA rules and the scoring engine (None: no scoring.toml loaded)
Rules = tuple[SlaRuntime, ScoringEngine | None]

#: where a session keeps the rules it read (Session.info)
_RULES_KEY = "gridtui.rules"
_ASSESSMENT_KEY = "gridtui.assessment"


@lru_cache(maxsize=8)
def _sla(text_hash: str, text: str) -> SlaRuntime:
    return SlaRuntime.from_text(text)


@lru_cache(maxsize=8)
def _scoring(text_hash: str, text: str) -> ScoringConfig:
    return parse_scoring_config(text)


@lru_cache(maxsize=8)
def _assessment(text_hash: str, text: str) -> AssessmentConfig:
    return parse_assessment_config(text)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class LoadedRules:
    """The rules of one database, kept parsed between sessions."""

    def __init__(self) -> None:
        #: the documents' stamps and the rules parsed from them
        self._cached: tuple[object, Rules] | None = None
        #: the assessment document's stamp and its parsed config
        self._assessment: tuple[object, AssessmentConfig] | None = None

    def of(self, session: Session) -> Rules:
        """The SLA and scoring rules as loaded in the database.

        Parsed rules are kept while the documents' stamps (load time and length) stay
        the same: one small query per session instead of reading and hashing both
        texts (a session, one transaction, sees one version of the rules).

        Raises:
            ServiceError: no ``sla.toml`` loaded.
        """
        pinned = session.info.get(_RULES_KEY)
        if pinned is not None:
            return cast(Rules, pinned)
        stamp = tuple(
            tuple(row)
            for row in session.execute(
                select(ConfigDoc.name, ConfigDoc.loaded_at, func.length(ConfigDoc.text))
                .where(ConfigDoc.name.in_(("sla.toml", "scoring.toml")))
                .order_by(ConfigDoc.name)
            )
        )
        cached = self._cached
        if cached is not None and cached[0] == stamp:
            session.info[_RULES_KEY] = cached[1]
            return cached[1]
        sla_doc = session.get(ConfigDoc, "sla.toml")
        if sla_doc is None:
            raise ServiceError("no sla.toml loaded: run `gridtui load fixtures` first")
        scoring_doc = session.get(ConfigDoc, "scoring.toml")
        sla = _sla(_digest(sla_doc.text), sla_doc.text)
        engine = (
            ScoringEngine(_scoring(_digest(scoring_doc.text), scoring_doc.text))
            if scoring_doc is not None
            else None
        )
        self._cached = (stamp, (sla, engine))
        session.info[_RULES_KEY] = (sla, engine)
        return sla, engine

    def assessment(self, session: Session) -> AssessmentConfig:
        """The assessment rules as loaded in the database (none stored: the defaults,
        :data:`~gridtui.domain.assessment.config.DEFAULT_ASSESSMENT`), kept parsed
        while the document's stamp stays the same and pinned to ``session``."""
        pinned = session.info.get(_ASSESSMENT_KEY)
        if pinned is not None:
            return cast(AssessmentConfig, pinned)
        stamp = session.execute(
            select(ConfigDoc.loaded_at, func.length(ConfigDoc.text)).where(
                ConfigDoc.name == "assessment.toml"
            )
        ).first()
        key = None if stamp is None else tuple(stamp)
        cached = self._assessment
        if cached is not None and cached[0] == key:
            config = cached[1]
        else:
            doc = session.get(ConfigDoc, "assessment.toml") if key is not None else None
            config = DEFAULT_ASSESSMENT if doc is None else _assessment(_digest(doc.text), doc.text)
            self._assessment = (key, config)
        session.info[_ASSESSMENT_KEY] = config
        return config
