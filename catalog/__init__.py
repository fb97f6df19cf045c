"""Songs, moods and music choice in SQL. Knows nothing of images or Telegram.

    from catalog import get_catalog
    cat = get_catalog()                                   # migrated + seeded on first use
    cat.record_mood(user_id, probs, source="photo")
    tracks = cat.recommend(user_id, probs)                # or a mood by name: cat.recommend(user_id, "sad")
    cat.set_preferences(user_id, liked_families=("jazz/blues",), explicit=False)
"""

from catalog.build import FAMILIES
from catalog.history import Mood, NewReading, SavedList
from catalog.lists import Plan, SongList, plan
from catalog.moods import EMOTIONS, TARGETS
from catalog.operations import DailyLimit, Forgotten, Unfinished
from catalog.people import FEEDBACK_KINDS, STRATEGIES, Preferences
from catalog.service import Catalog, get_catalog, open_catalog
from catalog.songs import Reason, Track

__all__ = ["EMOTIONS", "FAMILIES", "FEEDBACK_KINDS", "STRATEGIES", "TARGETS", "Catalog", "DailyLimit", "Forgotten",
           "Mood", "NewReading", "Plan", "Preferences", "Reason", "SavedList", "SongList", "Track", "Unfinished",
           "get_catalog", "open_catalog", "plan"]
