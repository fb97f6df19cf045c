"""Robustness: PrivateTest faces re-rendered as a camera would give them, through the whole pipeline.

FER2013 faces are tight, upright, grey 48x48 crops; users send colour photos
in which the face is somewhere, at some size, a little tilted, lit and
compressed in many ways. This evaluation pastes every PrivateTest face into a
larger scene (varied size and place, a rotation of up to 15 degrees, a colour
cast, brightness and contrast, blur, sensor noise, JPEG) and runs the bot's
own :class:`model.analyze.EmotionAnalyzer` on it: detection, eye levelling,
cropping and the classifier with its TTA. A face the detector misses counts as
wrong. The direct PrivateTest accuracy of the same classifier is measured in
the same run, so the two figures differ only by the rendering and the pipeline.
``split="PublicTest"`` measures the same on the faces models are chosen on, so
that the photo gap can be part of choosing without looking at PrivateTest.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from model.analyze import EmotionAnalyzer
from model.labels import EMOTIONS
from model.preprocess import INPUT_SIZE
from model.settings import ModelSettings
from training.data import BadRowPolicy, load_fer2013
from training.evaluate import Scores, score, score_predictions

SIZE_BUCKETS = ((0, 120), (120, 200), (200, 10_000))
"""Face side in scene pixels, for the per-size breakdown."""


@dataclass(frozen=True)
class Rendering:
    """One re-rendered face: the encoded scene and how it was made."""

    jpeg: bytes
    face_side: int
    face_centre: tuple[float, float]
    angle: float

    def scene(self) -> np.ndarray:
        """The photo, decoded (BGR), as the bot would receive it."""
        image = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None, "a rendering this module encoded itself"
        return image


def render(face: np.ndarray, rng: np.random.Generator) -> Rendering:
    """Paste one (48, 48) uint8 face into a random colour scene and photograph it badly."""
    height, width = (int(v) for v in rng.choice([(480, 640), (640, 480), (720, 960), (600, 600)]))
    # Smooth, muted colour background (a few random colours blown up, mostly greyed), plus fine texture.
    colours = rng.uniform(0, 255, (4, 4, 3)).astype(np.float32)
    colours = 0.4 * colours + 0.6 * colours.mean(axis=2, keepdims=True)
    background = cv2.resize(colours, (width, height), interpolation=cv2.INTER_CUBIC)
    scene = background + rng.normal(0, 6, background.shape)
    side = int(min(height, width) * rng.uniform(0.15, 0.6))
    y, x = int(rng.integers(0, height - side)), int(rng.integers(0, width - side))
    patch = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    tint = np.array([rng.uniform(0.7, 0.95), rng.uniform(0.8, 1.0), rng.uniform(0.95, 1.1)])  # B, G, R
    scene[y:y + side, x:x + side] = patch[..., None] * tint
    angle = float(rng.uniform(-15, 15))
    matrix = cv2.getRotationMatrix2D((x + side / 2, y + side / 2), angle, 1.0)
    scene = cv2.warpAffine(scene, matrix, (width, height), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REFLECT_101)
    scene = scene * rng.uniform(0.6, 1.4) + rng.uniform(-40, 40)  # contrast, brightness
    if rng.random() < 0.5:
        scene = cv2.GaussianBlur(scene, (0, 0), rng.uniform(0.5, 1.5))
    scene = scene + rng.normal(0, rng.uniform(0, 8), scene.shape)
    scene = np.clip(scene, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", scene, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 96))])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return Rendering(jpeg.tobytes(), side, (x + side / 2, y + side / 2), angle)


@dataclass
class RobustnessReport:
    """Direct and on-photo scores of one model, saved as robustness.json."""

    model: str
    tta: str
    split: str
    direct: Scores
    """The classifier on the original 48x48 faces."""
    rendered: Scores
    """Detect-and-classify on the re-rendered photos; a missed face counts as wrong."""
    detected: float
    """Share of rendered photos in which a face was found."""
    by_size: dict[str, dict[str, float]]

    def summary(self) -> str:
        gap = self.direct.accuracy - self.rendered.accuracy
        lines = [f"model: {self.model}  (TTA: {self.tta}), {self.split}, {self.direct.n} faces",
                 f"{'':<30}{'accuracy':>9}{'macro-F1':>10}",
                 f"{'direct (48x48 faces)':<30}{self.direct.accuracy:>9.4f}{self.direct.macro_f1:>10.4f}",
                 f"{'re-rendered, full pipeline':<30}{self.rendered.accuracy:>9.4f}{self.rendered.macro_f1:>10.4f}",
                 f"gap {gap * 100:.2f} points; face found in {self.detected:.4f} of the photos",
                 "by face side: " + ", ".join(f"{k} px: found {v['detected']:.3f}, accuracy {v['accuracy']:.3f}"
                                              f" (n={int(v['n'])})" for k, v in self.by_size.items()),
                 "re-rendered recall: " + ", ".join(f"{e} {r:.2f}" for e, r in zip(EMOTIONS, self.rendered.recall))]
        return "\n".join(lines)


def evaluate_robustness(model_path: str | Path, data_path: str | Path, out: str | Path, tta: str = "flip",
                        seed: int = 2026, limit: int | None = None, on_bad_row: BadRowPolicy = "error",
                        split: Literal["PrivateTest", "PublicTest"] = "PrivateTest") -> RobustnessReport:
    """Render every face of ``split`` (or the first ``limit``), run the pipeline, write the report folder."""
    model_path, out = Path(model_path), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runtime = "litert" if model_path.with_suffix(".tflite").exists() else "keras"
    analyzer = EmotionAnalyzer(ModelSettings(path=model_path, runtime=runtime, tta=tta))
    data = load_fer2013(data_path, on_bad_row=on_bad_row)
    chosen = data.private_test if split == "PrivateTest" else data.public_test
    images, labels = chosen.images[:limit], chosen.labels[:limit]
    if len(labels) == 0:
        raise ValueError(f"no {split} faces in {data_path}")
    rng = np.random.default_rng(seed)

    inputs = np.zeros((len(images), INPUT_SIZE, INPUT_SIZE, 1), np.float32)
    found = np.zeros(len(images), bool)
    sides = np.zeros(len(images), int)
    samples: list[Rendering] = []
    for i, face in enumerate(images):
        r = render(face, rng)
        sides[i] = r.face_side
        if len(samples) < 12:
            samples.append(r)
        faces, face_inputs = analyzer.faces_in(r.scene(), limit=1)
        if faces:
            inputs[i], found[i] = face_inputs[0], True
    classify = analyzer.classifier.predict
    direct = _batched(classify, images.astype(np.float32)[..., None])
    rendered = np.where(found, _batched(classify, inputs).argmax(1), -1)  # -1: no face found, wrong
    hits = rendered == labels

    by_size = {}
    for lo, hi in SIZE_BUCKETS:
        mask = (sides >= lo) & (sides < hi)
        if mask.any():
            by_size[f"{lo}-{hi}" if hi < SIZE_BUCKETS[-1][1] else f"{lo}+"] = {
                "n": float(mask.sum()), "detected": float(found[mask].mean()), "accuracy": float(hits[mask].mean())}
    report = RobustnessReport(model=str(model_path), tta=tta, split=split, direct=score(labels, direct),
                              rendered=score_predictions(labels, rendered),
                              detected=float(found.mean()), by_size=by_size)
    (out / "robustness.json").write_text(json.dumps(asdict(report), indent=2))
    (out / "robustness.md").write_text("```\n" + report.summary() + "\n```\n")
    _sample_sheet(samples, out / "robustness_samples.jpg")
    return report


def _batched(predict, x: np.ndarray, size: int = 256) -> np.ndarray:
    return np.concatenate([predict(x[i:i + size]) for i in range(0, len(x), size)])


def _sample_sheet(renders: list[Rendering], path: Path) -> None:
    """A contact sheet of rendered photos, so people can see what the pipeline was given."""
    thumbs = []
    for r in renders:
        img = r.scene()
        scale = 240 / max(img.shape[:2])
        thumb = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        canvas = np.full((240, 240, 3), 255, np.uint8)
        canvas[:thumb.shape[0], :thumb.shape[1]] = thumb
        thumbs.append(canvas)
    thumbs += [np.full((240, 240, 3), 255, np.uint8)] * (-len(thumbs) % 4)
    rows = [np.hstack(thumbs[i:i + 4]) for i in range(0, len(thumbs), 4)]
    cv2.imwrite(str(path), np.vstack(rows))
