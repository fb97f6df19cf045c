"""Spotify enrichment against a local fake Spotify: success, caching, and every failure mode."""

from __future__ import annotations

import time

import pytest

from catalog.service import Catalog
from catalog.settings import CatalogSettings
from tests.fakes.spotify import FakeSpotify

HAPPY = [0, 0, 0, 1, 0, 0, 0]


@pytest.fixture
def fake():
    with FakeSpotify() as server:
        yield server


def _with_spotify(catalog: Catalog, fake: FakeSpotify, timeout: float = 1.0) -> Catalog:
    settings = CatalogSettings(SPOTIFY_CLIENT_ID="id", SPOTIFY_CLIENT_SECRET="secret", SPOTIFY_API_URL=fake.api_url,
                               SPOTIFY_TOKEN_URL=fake.token_url, SPOTIFY_TIMEOUT=timeout)
    return Catalog(catalog.engine, settings)


def test_links_work_without_credentials(catalog):
    tracks = catalog.with_spotify(catalog.recommend(None, HAPPY, n=3, seed=1))
    assert all(t.link == f"https://open.spotify.com/track/{t.spotify_id}" for t in tracks)
    assert all(t.youtube_search.startswith("https://www.youtube.com/results?search_query=") for t in tracks)


def test_enrichment_adds_links_and_art_and_caches_them(catalog, fake):
    cat = _with_spotify(catalog, fake)
    tracks = cat.with_spotify(cat.recommend(None, HAPPY, n=3, seed=1))
    assert all(t.link.endswith("?si=canonical") and t.image_url for t in tracks)
    lookups = sum(r.startswith("/v1/tracks/") for r in fake.requests)
    assert lookups == 3
    again = cat.with_spotify(cat.tracks([t.id for t in tracks]))
    assert [t.link for t in again] == [t.link for t in tracks]
    assert sum(r.startswith("/v1/tracks/") for r in fake.requests) == lookups  # served from the database


@pytest.mark.parametrize("mode", ["401", "429", "500", "bad-credentials"])
def test_failures_fall_back_to_catalogue_quickly(catalog, fake, mode):
    fake.mode = mode
    cat = _with_spotify(catalog, fake)
    picked = cat.recommend(None, HAPPY, n=5, seed=2)
    start = time.monotonic()
    tracks = cat.with_spotify(picked)
    assert time.monotonic() - start < 2.0
    assert len(tracks) == 5 and all(t.link.startswith("https://open.spotify.com/track/") for t in tracks)
    assert not any(t.image_url for t in tracks)
    assert not cat.spotify().available  # the breaker is open: no more calls for now
    calls = len(fake.requests)
    cat.with_spotify(cat.recommend(None, HAPPY, n=5, seed=3))
    assert len(fake.requests) == calls


def test_429_honours_retry_after(catalog, fake):
    fake.mode, fake.retry_after = "429", 42
    cat = _with_spotify(catalog, fake)
    cat.with_spotify(cat.recommend(None, HAPPY, n=2, seed=1))
    pause = cat.spotify()._paused_until - time.monotonic()
    assert 35 < pause <= 42


def test_slow_spotify_is_cut_off_by_the_deadline(catalog, fake):
    fake.delay = 1.5
    cat = _with_spotify(catalog, fake, timeout=0.5)
    picked = cat.recommend(None, HAPPY, n=5, seed=4)
    start = time.monotonic()
    tracks = cat.with_spotify(picked)
    assert time.monotonic() - start < 2.5  # timeout per request, breaker after the first one
    assert len(tracks) == 5


def test_search_finds_missing_ids(catalog, fake):
    cat = _with_spotify(catalog, fake)
    assert cat.spotify().search_id("Some Song", "Some Artist") == "0" * 21 + "1"
