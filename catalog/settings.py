"""Settings of the catalogue package, read from the environment or ``.env``.

Every variable is documented in ``.env.example``. With none set, the catalogue
is a SQLite file under ``./data`` that is created and seeded on first use.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CatalogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///data/moodtunes.db", alias="DATABASE_URL")
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
