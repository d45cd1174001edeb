"""The residents' callbacks (回访) found without reading every timeline step: a partial
index of the ``feedback`` steps by time, for the satisfaction rates of the risk board
and the scorecards (a full scan of 7.8 million steps took 3 s at city scale).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    where = sa.text("action = 'feedback'")
    op.create_index(
        "ix_ticket_events_feedback",
        "ticket_events",
        ["at"],
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_events_feedback", table_name="ticket_events")
