"""The accountability chain: a ticket's handling level (网格→社区→街道→区) and the
resident's callback result (回访), and two per-category flags: matters about persons
(withheld from public Open311 reads) and whether on-site inspection (查验) is required.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PUBLIC_BEFORE = ("safety", "order", "utility", "environment", "market", "legal")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("level", sa.String(12), nullable=False, server_default="grid")
        )
        batch_op.add_column(sa.Column("satisfaction", sa.String(16), nullable=True))
    where = sa.text("closed_at IS NULL")
    op.create_index(
        "ix_tickets_open_level",
        "tickets",
        ["level", "colour"],
        sqlite_where=where,
        postgresql_where=where,
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        # withheld unless known public: a category this migration does not know stays
        # private until `gridtui load` says otherwise
        batch_op.add_column(
            sa.Column("personal", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("inspection", sa.Boolean(), nullable=True))
    # the functions Open311 showed in full before the flag existed (places and things)
    categories = sa.table(
        "categories", sa.column("function", sa.String), sa.column("personal", sa.Boolean)
    )
    op.execute(
        categories.update().where(categories.c.function.in_(PUBLIC_BEFORE)).values(personal=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("inspection")
        batch_op.drop_column("personal")
    op.drop_index("ix_tickets_open_level", table_name="tickets")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("satisfaction")
        batch_op.drop_column("level")
