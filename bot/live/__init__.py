"""Moods over time from a live picture, one path for every live front end.

``python -m bot watch`` (a camera, file or stream on this machine) and the
camera Mini App (a phone's camera, inside Telegram) both turn each analysed
frame into tracked faces with smoothed emotions (:mod:`bot.live.tracker`), say
when the main face's mood has settled (:mod:`bot.live.mood`), and choose songs
for a settled mood without storing anything (:mod:`bot.live.suggest`).
"""

from bot.live.mood import LiveMood, SettledMood, Step
from bot.live.suggest import Suggester, Suggestion, suggest
from bot.live.tracker import FaceTracker, TrackedFace

__all__ = ["FaceTracker", "LiveMood", "SettledMood", "Step", "Suggester", "Suggestion", "TrackedFace", "suggest"]
