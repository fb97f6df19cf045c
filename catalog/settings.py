"""Settings of the catalogue package, read from the environment or ``.env``.

Every variable is documented in ``.env.example``. With none set, the catalogue
is a SQLite file created and seeded on first use in one place, whatever the
current directory: the checkout's ``data/`` folder, or the user's data folder
for an installed package (see :func:`default_database_url`).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the default SQLite file lives: the checkout's ``data/`` when this package runs from one, else the
    user's data folder (``~/.local/share/moodtunes`` or ``$XDG_DATA_HOME/moodtunes``; on macOS
    ``~/Library/Application Support/moodtunes``, on Windows ``%LOCALAPPDATA%\\moodtunes``); never the current
    directory, so a command run from another folder finds the same database instead of seeding a new one there."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data"
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "moodtunes"


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'moodtunes.db'}"


class CatalogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default_factory=default_database_url, alias="DATABASE_URL")
    """SQLAlchemy URL: SQLite by default, ``postgresql+psycopg://user:pw@host/db`` for scale."""
    spotify_client_id: str = Field("", alias="SPOTIFY_CLIENT_ID")
    spotify_client_secret: str = Field("", alias="SPOTIFY_CLIENT_SECRET")
    spotify_api_url: str = Field("https://api.spotify.com/v1/", alias="SPOTIFY_API_URL")
    spotify_token_url: str = Field("https://accounts.spotify.com/api/token", alias="SPOTIFY_TOKEN_URL")
    spotify_timeout: float = Field(3.0, alias="SPOTIFY_TIMEOUT")
    """Seconds per Spotify request; enrichment as a whole never takes more than twice this."""
    recent_days: int = Field(14, alias="CATALOG_RECENT_DAYS")
    """Songs recommended to a user within this many days are not recommended again."""

    @property
    def spotify_enabled(self) -> bool:
        return bool(self.spotify_client_id and self.spotify_client_secret)


@lru_cache(maxsize=1)
def get_settings() -> CatalogSettings:
    return CatalogSettings()
