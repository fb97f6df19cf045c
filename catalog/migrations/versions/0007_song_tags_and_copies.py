"""Songs say whether their explicit flag was inferred, what unwanted content they are, and whose copy they are.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

Plain ``ADD COLUMN`` / ``DROP COLUMN`` on both backends, never a rebuilt table: on SQLite, rebuilding
``songs`` drops the old table, and its ``ON DELETE CASCADE`` would take every like and every shown song
with it. The columns come with defaults, so every song, user, like and history row stays as it was;
the next start loads the new seed (its digest changed), which fills them by Spotify id.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS: tuple[sa.Column, ...] = (
    sa.Column("explicit_inferred", sa.Boolean(create_constraint=False), nullable=False, server_default=sa.false()),
    sa.Column("tags", sa.String(100), nullable=False, server_default=""),
    sa.Column("copy_of", sa.String(22), nullable=False, server_default=""),
)


def upgrade() -> None:
    for column in _COLUMNS:
        op.add_column("songs", column.copy())


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE songs DROP COLUMN {column.name}")  # SQLite 3.35+ drops in place
