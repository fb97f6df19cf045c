"""Initial schema: songs, users, mood readings, recommendations, feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "songs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("spotify_id", sa.String(22), nullable=False, unique=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("artist", sa.String(500), nullable=False),
        sa.Column("album", sa.String(500), nullable=False),
        sa.Column("genre", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("popularity", sa.Integer, nullable=False),
        sa.Column("valence", sa.Float, nullable=False),
        sa.Column("energy", sa.Float, nullable=False),
        sa.Column("danceability", sa.Float),
        sa.Column("tempo", sa.Float),
        sa.Column("acousticness", sa.Float),
        sa.Column("spotify_url", sa.String(200)),
        sa.Column("image_url", sa.String(500)),
        sa.Column("enriched_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_songs_artist", "songs", ["artist"])
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "mood_readings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("probs", sa.JSON, nullable=False),
        sa.Column("emotion", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_mood_user_time", "mood_readings", ["user_id", "created_at"])
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("song_id", sa.Integer, sa.ForeignKey("songs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("strategy", sa.String(10), nullable=False),
    )
    op.create_index("ix_rec_user_time", "recommendations", ["user_id", "created_at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("song_id", sa.Integer, sa.ForeignKey("songs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "song_id", name="uq_feedback_user_song"),
    )


def downgrade() -> None:
    for table in ("feedback", "recommendations", "mood_readings", "users"):
        op.drop_table(table)
    op.drop_index("ix_songs_artist", "songs")
    op.drop_table("songs")
