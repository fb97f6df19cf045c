"""Corrections by hand, as data: ``catalog/seed/overrides.csv`` (artist, field, value, reason).

A few acts are labelled in a way the source tables give no evidence against: every genre seed that lists
Metallica's "Enter Sandman" is a rock or a mixed "metal" playlist, and Grouper's voice is so far back in
the mix that Spotify rates her songs instrumental. For those the file names the artist's family or
language, with the reason; the build applies it to all the artist's tracks (as first artist). Each row
is a judgement a listener would make; the rules in the other ``build_*`` modules come first, and this
list stays short.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

OVERRIDES_FILE = Path(__file__).resolve().parent / "seed" / "overrides.csv"
FIELDS = ("family", "language")
"""Seed columns an override may set."""


@dataclass(frozen=True)
class Overrides:
    """field -> artist -> value."""

    values: dict[str, dict[str, str]]

    @classmethod
    def read(cls, path: Path) -> Overrides:
        """The overrides of a CSV file; ValueError for an unknown field or a row without a reason."""
        values: dict[str, dict[str, str]] = {f: {} for f in FIELDS}
        with path.open(encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                if row["field"] not in FIELDS or not row["reason"].strip() or not row["artist"].strip():
                    raise ValueError(f"{path.name} line {n}: needs an artist, a field of {FIELDS} and a reason")
                values[row["field"]][row["artist"]] = row["value"]
        return cls(values)

    def apply(self, field: str, artists: Iterable[str], found: Sequence[str]) -> list[str]:
        """``found`` (one value per track) with the artist's override where there is one."""
        table = self.values.get(field, {})
        return [table.get(str(a), v) for a, v in zip(artists, found)]
