"""Average several trained models into one self-contained Keras model.

The members' probabilities are averaged inside the model, so the result is
still a plain ``.keras`` file (built-in layers only) that takes raw 48x48
pixels and gives 7 probabilities: evaluation, export and the bot's LiteRT
runtime treat it like any single network, and one forward pass runs every
member.
"""

from __future__ import annotations

from pathlib import Path

import keras

from model.preprocess import INPUT_SIZE


def average(model_paths: list[str | Path], out: str | Path) -> Path:
    """Save the probability average of the models at ``model_paths`` to ``out``."""
    if len(model_paths) < 2:
        raise ValueError("an ensemble needs at least two models")
    members = [keras.models.load_model(p, compile=False) for p in model_paths]
    inputs = keras.Input(shape=(INPUT_SIZE, INPUT_SIZE, 1), name="pixels")
    outputs = []
    for i, member in enumerate(members):
        # Re-wrapped under a unique name: the members come from the same architecture code.
        wrapped = keras.Model(member.inputs[0], member.outputs[0], name=f"member_{i}")
        outputs.append(wrapped(inputs))
    model = keras.Model(inputs, keras.layers.Average(name="mean_probs")(outputs), name="ensemble")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    return out
