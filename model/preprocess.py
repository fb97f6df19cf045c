"""THE face preprocessing step shared by training and inference.

FER2013 images are 48x48 grayscale crops of a face. Training feeds dataset
images through :func:`face_to_input` and inference feeds detected face crops
through it, so the two can never drift apart. Intensity normalisation is *not*
done here: it lives inside the saved Keras model, which takes raw 0-255 values.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.labels import INPUT_SIZE


def to_gray(image: np.ndarray) -> np.ndarray:
    """Convert a BGR, BGRA or grayscale uint8/uint16/float image to 2-D grayscale.

    16-bit and float inputs are scaled to the 0-255 range first, so a 16-bit PNG
    gives the same face as its 8-bit twin.
    """
    if image.dtype == np.uint16:
        image = (image / 257.0).astype(np.float32)
    elif image.dtype != np.uint8:
        image = image.astype(np.float32)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"unsupported image shape {image.shape}")


def face_to_input(face: np.ndarray) -> np.ndarray:
    """Turn one face crop (any size, BGR/BGRA/gray) into a (48, 48) float32 array in 0-255.

    Shrinking uses area interpolation (the alias-free choice for downscaling),
    enlarging uses bicubic. The values stay raw intensities: the model itself
    normalises them, so this function is all a caller needs.
    """
    gray = to_gray(face)
    h, w = gray.shape[:2]
    if h == 0 or w == 0:
        raise ValueError("empty face crop")
    if (h, w) != (INPUT_SIZE, INPUT_SIZE):
        shrink = h > INPUT_SIZE or w > INPUT_SIZE
        gray = cv2.resize(
            gray,
            (INPUT_SIZE, INPUT_SIZE),
            interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC,
        )
    return np.clip(gray.astype(np.float32), 0.0, 255.0)


def batch_to_input(faces: list[np.ndarray]) -> np.ndarray:
    """Stack face crops into the model's input tensor, shape (N, 48, 48, 1) float32."""
    if not faces:
        return np.zeros((0, INPUT_SIZE, INPUT_SIZE, 1), np.float32)
    return np.stack([face_to_input(f) for f in faces])[..., None]
