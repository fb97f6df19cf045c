"""Rate-limit windows per kind of action: photos/videos and commands/buttons are counted apart.

The table holds only the current minute's counts, so it is recreated rather
than altered (SQLite cannot change a primary key in place); a deploy forgets at
most one window of counts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _windows(*key: sa.Column) -> None:
    op.create_table("rate_windows", *key, sa.Column("started", sa.Float, nullable=False),
                    sa.Column("used", sa.Integer, nullable=False))
    op.create_index("ix_rate_windows_started", "rate_windows", ["started"])


def upgrade() -> None:
    op.drop_table("rate_windows")
    _windows(sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
             sa.Column("kind", sa.String(10), primary_key=True))


def downgrade() -> None:
    op.drop_table("rate_windows")
    _windows(sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False))
