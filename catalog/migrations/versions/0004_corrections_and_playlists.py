"""Corrections of readings by their users, and saved playlists.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mood_readings") as batch:
        batch.add_column(sa.Column("corrected", sa.String(10)))
    op.create_table(
        "saved_playlists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("song_ids", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_saved_playlists_user_id", "saved_playlists", ["user_id"])


def downgrade() -> None:
    op.drop_table("saved_playlists")
    with op.batch_alter_table("mood_readings") as batch:
        batch.drop_column("corrected")
