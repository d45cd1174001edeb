"""File watching: refused rules edits, drop-folder imports by content, and (PostgreSQL)
a NOTIFY at each commit that appends to the change feed, so readers wake instead of
polling.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gridtui.data.storage.models import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: the channel :class:`gridtui.data.storage.wakeup.PgWaker` listens on
CHANNEL = "gridtui_changes"


def upgrade() -> None:
    op.create_table(
        "config_problems",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inbox_files",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # One notification per transaction that appended changes: PostgreSQL folds
        # identical notifications of a transaction into one and delivers it at commit.
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION gridtui_notify_change() RETURNS trigger AS $$
            BEGIN
                PERFORM pg_notify('{CHANNEL}', '');
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER changes_notify AFTER INSERT ON changes "
            "FOR EACH STATEMENT EXECUTE FUNCTION gridtui_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS changes_notify ON changes")
        op.execute("DROP FUNCTION IF EXISTS gridtui_notify_change()")
    op.drop_table("inbox_files")
    op.drop_table("config_problems")
