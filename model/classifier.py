"""The emotion classifier runtime: load the shipped model once, classify face batches.

Two runtimes give the same answers (the tests check it): ``litert`` runs the
``.tflite`` twin of the Keras file in the LiteRT interpreter, which needs no
TensorFlow import and classifies a face in about a millisecond; ``keras`` runs
the ``.keras`` file itself, the source of truth, for checking and training.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from model.labels import NUM_CLASSES
from model.tta import merge_views, tta_views


class EmotionClassifier:
    """Maps (N, 48, 48, 1) raw-pixel faces to (N, 7) probabilities, with test-time augmentation."""

    def __init__(self, path: str | Path, runtime: str = "litert", tta: str = "flip"):
        self.path, self.runtime, self.tta = Path(path), runtime, tta
        if runtime == "keras":
            import keras

            self._keras = keras.models.load_model(self.path, compile=False)
        elif runtime == "litert":
            self._tflite = self.path.with_suffix(".tflite")
            if not self._tflite.exists():
                raise FileNotFoundError(f"{self._tflite} is missing; re-run `python -m training export`")
            self._local = threading.local()
            self._forward_litert(np.zeros((1, 48, 48, 1), np.float32))  # load now, not on the first user
        else:
            raise ValueError(f"unknown runtime {runtime!r}; choose litert or keras")

    def _forward_litert(self, x: np.ndarray) -> np.ndarray:
        from ai_edge_litert.interpreter import Interpreter

        it = getattr(self._local, "it", None)
        if it is None:
            # One thread: at batch 1-32 a second thread costs more in hand-off than it saves.
            it = self._local.it = Interpreter(model_path=str(self._tflite), num_threads=1)
            self._local.batch = -1
        inp = it.get_input_details()[0]
        if self._local.batch != len(x):
            it.resize_tensor_input(inp["index"], list(x.shape))
            it.allocate_tensors()
            self._local.batch = len(x)
        it.set_tensor(inp["index"], x)
        it.invoke()
        return it.get_tensor(it.get_output_details()[0]["index"]).copy()

    def forward(self, x: np.ndarray) -> np.ndarray:
        """One forward pass without TTA."""
        if len(x) == 0:
            return np.zeros((0, NUM_CLASSES), np.float32)
        x = np.ascontiguousarray(x, dtype=np.float32)
        if self.runtime == "keras":
            return np.asarray(self._keras(x, training=False))
        return self._forward_litert(x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for a batch of faces, all TTA views in one forward pass."""
        if len(x) == 0:
            return np.zeros((0, NUM_CLASSES), np.float32)
        return merge_views(self.forward(tta_views(x, self.tta)), len(x))
