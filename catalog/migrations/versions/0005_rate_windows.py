"""Per-user rate-limit windows shared by every replica.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("started", sa.Float, nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
    )
    op.create_index("ix_rate_windows_started", "rate_windows", ["started"])


def downgrade() -> None:
    op.drop_table("rate_windows")
