"""Optional Spotify enrichment: canonical links and album art, cached in the database.

Only used when ``SPOTIFY_CLIENT_ID``/``SPOTIFY_CLIENT_SECRET`` are set; links
work without it. Uses only endpoints still open to new apps (track lookup and
search; audio-features and recommendations were closed in November 2024).

Spotify trouble must never delay or break a recommendation, so: no retries
inside spotipy (a plain ``requests.Session``), a timeout per request, a total
deadline per call, and a breaker that stops asking for a while after a 429
(honouring ``Retry-After``, capped), a 401 or a 5xx/network error. During that
time recommendations come from the catalogue alone.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

import requests
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.exceptions import SpotifyException, SpotifyOauthError
from sqlalchemy import Engine, select, update

from catalog.schema import Song, utcnow
from catalog.settings import CatalogSettings
from catalog.songs import Track

log = logging.getLogger(__name__)

MAX_BACKOFF = 600.0
"""Longest pause after a 429, whatever Retry-After says."""
ERROR_BACKOFF = 30.0
AUTH_BACKOFF = 300.0


class SpotifyEnricher:
    def __init__(self, settings: CatalogSettings):
        self.timeout = settings.spotify_timeout
        auth = spotipy.SpotifyClientCredentials(
            settings.spotify_client_id, settings.spotify_client_secret,
            requests_session=requests.Session(), requests_timeout=self.timeout,
            cache_handler=MemoryCacheHandler())
        auth.OAUTH_TOKEN_URL = settings.spotify_token_url
        self.client = spotipy.Spotify(auth_manager=auth, requests_session=requests.Session(),
                                      requests_timeout=self.timeout)
        self.client.prefix = settings.spotify_api_url
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._paused_until

    def _pause(self, seconds: float, why: str) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        log.warning("Spotify paused for %.0f s: %s", seconds, why)

    def _call(self, fn, *args, **kwargs):
        """Run one spotipy call; on trouble pause the breaker and return None."""
        try:
            return fn(*args, **kwargs)
        except SpotifyException as exc:
            if exc.http_status == 429:
                try:
                    wait = float((exc.headers or {}).get("Retry-After", ERROR_BACKOFF))
                except ValueError:
                    wait = ERROR_BACKOFF
                self._pause(min(max(wait, 1.0), MAX_BACKOFF), "rate limited (429)")
            elif exc.http_status == 401:
                self._pause(AUTH_BACKOFF, "unauthorised (401)")
            elif exc.http_status >= 500:
                self._pause(ERROR_BACKOFF, f"server error {exc.http_status}")
            else:
                log.info("Spotify answered %s for %s", exc.http_status, args)
        except SpotifyOauthError as exc:
            self._pause(AUTH_BACKOFF, f"credentials rejected ({exc.error})")
        except requests.RequestException as exc:
            self._pause(ERROR_BACKOFF, f"network error ({type(exc).__name__})")
        return None

    def enriched(self, tracks: list[Track], engine: Engine) -> list[Track]:
        """The tracks with the links and album art Spotify (or the database's copy of its answers) gave."""
        found = self.enrich([t.spotify_id for t in tracks], engine)
        return [replace(t, spotify_url=found[t.spotify_id][0], image_url=found[t.spotify_id][1])
                if t.spotify_id in found else t for t in tracks]

    def enrich(self, spotify_ids: list[str], engine: Engine) -> dict[str, tuple[str, str | None]]:
        """{spotify_id: (link, album art url)} for the ids Spotify (or the cache) knows.

        Cached rows answer at once; the rest are looked up until the deadline
        (twice the request timeout) passes or the breaker opens.
        """
        with engine.connect() as conn:
            cached = {r.spotify_id: (r.spotify_url, r.image_url) for r in conn.execute(
                select(Song.spotify_id, Song.spotify_url, Song.image_url)
                .where(Song.spotify_id.in_(spotify_ids), Song.enriched_at.is_not(None)))}
        deadline = time.monotonic() + 2 * self.timeout
        fresh: dict[str, tuple[str, str | None]] = {}
        for sid in spotify_ids:
            if sid in cached or not self.available or time.monotonic() > deadline:
                continue
            track = self._call(self.client.track, sid)
            if track:
                images = (track.get("album") or {}).get("images") or []
                fresh[sid] = ((track.get("external_urls") or {}).get("spotify")
                              or f"https://open.spotify.com/track/{sid}",
                              images[0]["url"] if images else None)
        if fresh:
            with engine.begin() as conn:
                for sid, (url, image) in fresh.items():
                    conn.execute(update(Song).where(Song.spotify_id == sid)
                                 .values(spotify_url=url, image_url=image, enriched_at=utcnow()))
        return {**cached, **fresh}

    def search_id(self, title: str, artist: str) -> str | None:
        """Spotify id of a song known only by title and artist, or None."""
        if not self.available:
            return None
        found = self._call(self.client.search, q=f"track:{title} artist:{artist}", type="track", limit=10)
        items = ((found or {}).get("tracks") or {}).get("items") or []
        wanted = artist.casefold()
        for item in items:
            if any(a.get("name", "").casefold() == wanted for a in item.get("artists", [])):
                return item.get("id")
        return items[0].get("id") if items else None
