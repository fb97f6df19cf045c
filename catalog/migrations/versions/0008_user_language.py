"""Users' chosen language, and the language to ask in when a crashed process's work is lost.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

``preferences.language`` is the one language setting of a user: the bot speaks it and it sets the
default languages of their songs ("" follows their Telegram app). ``pending_work.language`` lets
another process ask the user to send a lost photo again in their language. Plain ``ADD COLUMN`` with
defaults on both backends: every stored row stays as it was.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TABLES = ("preferences", "pending_work")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("language", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.execute(f"ALTER TABLE {table} DROP COLUMN language")  # SQLite 3.35+ drops in place
