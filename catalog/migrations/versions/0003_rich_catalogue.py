"""The rich catalogue: all artists, genres, family, language, explicit, more audio features; user preferences.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TEXT = {"artists": 1000, "genres": 300, "family": 30, "language": 8}
_NUMBERS = {"instrumentalness": sa.Float, "speechiness": sa.Float, "loudness": sa.Float, "mode": sa.Integer}


def upgrade() -> None:
    with op.batch_alter_table("songs") as batch:
        for name, length in _TEXT.items():
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))
        batch.add_column(sa.Column("explicit", sa.Boolean))
        for name, kind in _NUMBERS.items():
            batch.add_column(sa.Column(name, kind))
        batch.create_index("ix_songs_family", ["family"])
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("liked_families", sa.JSON, nullable=False),
        sa.Column("avoided_families", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("explicit", sa.Boolean, nullable=False),
        sa.Column("songs_per_list", sa.Integer),
        sa.Column("strategy", sa.String(10)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "catalog_meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_meta")
    op.drop_table("preferences")
    with op.batch_alter_table("songs") as batch:
        batch.drop_index("ix_songs_family")
        for name in (*_TEXT, "explicit", *_NUMBERS):
            batch.drop_column(name)
