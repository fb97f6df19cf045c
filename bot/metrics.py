"""Prometheus metrics of the bot, served on ``/metrics`` by :mod:`bot.server`.

Labels are small closed sets (update types, outcomes, emotions, media kinds,
Bot API methods and status codes): never a user or chat id, never free text.
The metrics live in prometheus-client's default registry, one set per process;
with several replicas Prometheus scrapes each and sums.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # the *_created series double the output and no dashboard uses them

UPDATES = Counter("moodtunes_updates", "Updates handled, by type and outcome", ["type", "outcome"])
UPDATE_SECONDS = Histogram("moodtunes_update_seconds", "Time to handle one update, by type", ["type"],
                           buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ANALYSIS_SECONDS = Histogram("moodtunes_analysis_seconds", "Decode, detect and classify one photo or video",
                             ["kind"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
FACES = Counter("moodtunes_media", "Photos and videos analysed, by whether a face was found", ["kind", "face"])
EMOTIONS = Counter("moodtunes_emotions", "Moods read from faces, by emotion", ["emotion"])
RECOMMEND_SECONDS = Histogram("moodtunes_recommend_seconds", "Choosing one song list (Spotify enrichment included)",
                              buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
RATE_LIMITED = Counter("moodtunes_rate_limited", "Photos and videos refused by the per-user rate limit")
ACTIONS_REFUSED = Counter("moodtunes_actions_refused",
                          "Commands, button presses and messages refused by the per-user limit")
TELEGRAM_CALLS = Counter("moodtunes_telegram_calls", "Bot API calls by method and HTTP status (429: retried)",
                         ["method", "status"])
TELEGRAM_FAILURES = Counter("moodtunes_telegram_failures", "Bot API calls that got no answer (network, timeout)",
                            ["method"])
SPOTIFY_OPEN = Gauge("moodtunes_spotify_breaker_open", "1 while Spotify enrichment is paused after errors")
