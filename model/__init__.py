"""Emotion inference: faces in photos and videos -> FER2013 emotion probabilities.

Knows nothing of Telegram or songs. Typical use::

    from model import get_analyzer, analyze_video
    faces = get_analyzer().analyze_image(jpeg_bytes)      # list[FaceEmotion], largest first
    video = analyze_video(get_analyzer(), mp4_bytes)      # VideoEmotion
"""

from model.analyze import EmotionAnalyzer, FaceEmotion, get_analyzer
from model.errors import ImageTooLarge, InputError, InvalidImage, InvalidVideo, VideoTooLarge
from model.labels import EMOTIONS, NUM_CLASSES
from model.video import FrameEmotion, VideoEmotion, analyze_video

__all__ = [
    "EMOTIONS", "NUM_CLASSES", "EmotionAnalyzer", "FaceEmotion", "FrameEmotion", "ImageTooLarge",
    "InputError", "InvalidImage", "InvalidVideo", "VideoEmotion", "VideoTooLarge", "analyze_video",
    "get_analyzer",
]
