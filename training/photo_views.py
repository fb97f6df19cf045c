"""Training faces as the bot's pipeline receives them from photos, to train on beside the originals.

Much of the photo gap of :mod:`training.robustness` is not blur or noise (training with camera
degradation did not shrink it) but what the detector and aligner make of a face in a scene: a box a
little off, a crop a little turned, resampled twice. So each Training face is pasted into a scene
once (:func:`training.robustness.render` with the run's own seed, never the report's), found by the
bot's detector and cut out by its aligner, exactly as a user's photo would be; a fit with
``--photo-views P`` then trains on that crop in place of the original for a share P of faces.
A face the detector misses keeps its original. The views are cached in the run folder.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from model.analyze import EmotionAnalyzer
from training.robustness import render

log = logging.getLogger(__name__)
CACHE = "photo_views.npy"
THREADS = 2
"""The detector and OpenCV release the GIL, so the one-off rendering keeps both cores of a 2-core machine busy."""


def photo_views(images: np.ndarray, seed: int) -> np.ndarray:
    """Each (48, 48) uint8 face as the pipeline crops it from a rendered photo (its original where none is found)."""
    analyzer = EmotionAnalyzer()  # its faces_in: the bot's own detection and crop, whatever they become
    seeds = np.random.SeedSequence(seed).spawn(len(images))  # one stream per face: the same views in any order

    def view(i: int) -> np.ndarray:
        faces, inputs = analyzer.faces_in(render(images[i], np.random.default_rng(seeds[i])).scene(), limit=1)
        return np.round(inputs[0, ..., 0]).astype(np.uint8) if faces else images[i]

    with ThreadPoolExecutor(THREADS) as pool:
        return np.stack(list(pool.map(view, range(len(images))))) if len(images) else images.copy()


def cached_views(images: np.ndarray, seed: int, out: Path) -> np.ndarray:
    """:func:`photo_views` of ``images``, from ``out`` when an earlier start of the run made them for these faces."""
    stamp = hashlib.sha256(images.tobytes() + str(seed).encode()).hexdigest()
    cache, stamp_file = out / CACHE, out / (CACHE + ".sha256")
    if cache.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return np.load(cache)
    log.info("rendering %d training faces as photos and finding them again", len(images))
    views = photo_views(images, seed)
    np.save(cache, views)
    stamp_file.write_text(stamp)
    log.info("photo views made: %.1f%% differ from their original (the rest were not found)",
             float((views != images).any(axis=(1, 2)).mean()) * 100)
    return views
