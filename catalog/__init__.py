"""Songs, moods and music choice in SQL. Knows nothing of images or Telegram.

    from catalog import get_catalog
    cat = get_catalog()                                   # migrated + seeded on first use
    cat.record_mood(user_id, probs, source="photo")
    tracks = cat.recommend(user_id, probs, strategy="lift", target="calm", n=5)
"""

from catalog.moods import EMOTIONS, TARGETS
from catalog.service import FEEDBACK_KINDS, STRATEGIES, Catalog, Mood, Track, Unfinished, get_catalog, open_catalog

__all__ = ["EMOTIONS", "FEEDBACK_KINDS", "STRATEGIES", "TARGETS", "Catalog", "Mood", "Track", "Unfinished",
           "get_catalog", "open_catalog"]
