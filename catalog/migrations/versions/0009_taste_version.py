"""Users carry a taste version, which changes with every change of their settings or likes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

Each process keeps what it last read of a user's settings and likes, and checks this one column to
know whether another process changed them since. A plain ``ADD COLUMN`` on both backends (never a
rebuilt table, whose ``ON DELETE CASCADE`` would take the users' rows with it on SQLite); users who
already have settings or likes get version 1, the others 0, which means "nothing set yet".
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("taste_version", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE users SET taste_version = 1 WHERE id IN (SELECT user_id FROM preferences) "
               "OR id IN (SELECT user_id FROM feedback)")


def downgrade() -> None:
    op.execute("ALTER TABLE users DROP COLUMN taste_version")  # SQLite 3.35+ drops in place
