"""The map (issue 17): node outlines (``boundaries``) and where registered entities are.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gridtui.data.storage.models import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "boundaries",
        sa.Column(
            "node_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("nodes.id"),
            primary_key=True,
        ),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False, server_default=""),
        sa.Column("loaded_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_boundaries_level", "boundaries", ["level"])
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("lon")
        batch.drop_column("lat")
    op.drop_index("ix_boundaries_level", table_name="boundaries")
    op.drop_table("boundaries")
