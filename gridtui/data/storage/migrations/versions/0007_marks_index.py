"""The breach marks and the rework steps found without reading every timeline step: a
partial index by time of the ``reject`` / ``reopen`` steps and the sweeper's
``breach:`` notes, for the assessment's breach and reopen counts (返工、超时) of a
period (a full scan of the timeline table takes seconds at city scale).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: the same text as ``gridtui.data.storage.models.MARKS_WHERE`` (frozen here)
WHERE = "action IN ('reject', 'reopen') OR target LIKE 'breach:%'"


def upgrade() -> None:
    where = sa.text(WHERE)
    op.create_index(
        "ix_ticket_events_marks",
        "ticket_events",
        ["at"],
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_events_marks", table_name="ticket_events")
