"""The queue sorted by age reads open tickets oldest first from a partial index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    where = sa.text("closed_at IS NULL")
    op.create_index(
        "ix_tickets_open_opened",
        "tickets",
        ["opened_at", "id"],
        sqlite_where=where,
        postgresql_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_open_opened", table_name="tickets")
