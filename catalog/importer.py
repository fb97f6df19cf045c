"""Import song tables into the catalogue: validate each row, then upsert by Spotify id.

Two layouts are understood: the project's own (``spotify_id,title,artist,...``,
as in ``catalog/seed/songs.csv.gz``) and the ``data_moods.csv`` layout
(``name,album,artist,id,release_date,...``). Re-importing the same file changes
nothing (idempotent); rows that fail validation are reported with their line
number and skipped, never half-written.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from catalog.content import parse_tags
from catalog.schema import Song

SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_BATCH = 1000
_LAYOUTS = {
    "moodtunes": {"spotify_id", "title", "artist", "valence", "energy"},
    "data_moods": {"id", "name", "artist", "valence", "energy"},
}
_UNIT_FIELDS = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "speechiness")
_FLAGS = {"1": True, "true": True, "0": False, "false": False, "": None}
Resolver = Callable[[str, str], "str | None"]
_CLEARABLE = ("tags", "copy_of")
"""Columns where a blank says "none" (no tags, the canonical copy) rather than "unknown, keep what is stored"."""


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unknown layout, not text, not gzip)."""


@dataclass
class ImportSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    """One message per bad row: 'line N: what is wrong'."""

    def __str__(self) -> str:
        text = (f"inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}, "
                f"rejected {len(self.rejected)}")
        return text + "".join(f"\n  {msg}" for msg in self.rejected[:20]) + (
            f"\n  ... and {len(self.rejected) - 20} more" if len(self.rejected) > 20 else "")


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ImportFileError(f"{path}: broken gzip file ({exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Decode line by line so the error names the line, then give up on the file.
        for number, line in enumerate(raw.split(b"\n"), 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportFileError(f"{path}, line {number}: not UTF-8 text ({exc.reason})") from None
        raise ImportFileError(f"{path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, row


def _layout(fields: set[str]) -> str:
    for name, needed in _LAYOUTS.items():
        if needed <= fields:
            return name
    raise ImportFileError("unknown CSV layout: expected columns spotify_id,title,artist,valence,energy "
                          "(or the data_moods.csv layout id,name,artist,valence,energy)")


def _number(row: dict[str, str], key: str, cast: Callable = float, required: bool = False):
    value = (row.get(key) or "").strip()
    if not value:
        if required:
            raise ValueError(f"missing {key}")
        return None
    try:
        return cast(float(value)) if cast is int else cast(value)
    except ValueError:
        raise ValueError(f"{key} {value!r} is not a number") from None


def parse_row(row: dict[str, str], layout: str, resolve: Resolver | None = None) -> dict:
    """Validate one CSV row into Song column values; raise ValueError saying what is wrong.

    ``resolve(title, artist)`` may find the Spotify id of a row that lacks one.
    """
    if layout == "data_moods":
        row = {**row, "spotify_id": row.get("id", ""), "title": row.get("name", ""),
               "year": (row.get("release_date") or "")[:4], "genre": ""}
    sid = (row.get("spotify_id") or "").strip()
    if not sid and resolve and row.get("title") and row.get("artist"):
        sid = resolve(row["title"].strip(), row["artist"].strip()) or ""
    if not sid:
        raise ValueError("missing spotify_id")
    if not SPOTIFY_ID.match(sid):
        raise ValueError(f"spotify_id {sid!r} is not a 22-character Spotify id")
    title, artist = (row.get("title") or "").strip(), (row.get("artist") or "").strip()
    if not title or not artist:
        raise ValueError("missing title or artist")
    explicit = (row.get("explicit") or "").strip().lower()
    if explicit not in _FLAGS:
        raise ValueError(f"explicit {explicit!r} is not 0/1/true/false")
    values = {"spotify_id": sid, "title": title[:500], "artist": artist[:500],
              "artists": (row.get("artists") or artist).strip()[:1000],
              "album": (row.get("album") or "").strip()[:500], "genre": (row.get("genre") or "").strip()[:40],
              "genres": (row.get("genres") or "").strip()[:300], "family": (row.get("family") or "").strip()[:30],
              "language": (row.get("language") or "").strip()[:8], "explicit": _FLAGS[explicit],
              "year": _number(row, "year", int), "popularity": _number(row, "popularity", int) or 0,
              "valence": _number(row, "valence", required=True), "energy": _number(row, "energy", required=True),
              "danceability": _number(row, "danceability"), "tempo": _number(row, "tempo"),
              "acousticness": _number(row, "acousticness"), "instrumentalness": _number(row, "instrumentalness"),
              "speechiness": _number(row, "speechiness"), "loudness": _number(row, "loudness"),
              "mode": _number(row, "mode", int)}
    if "explicit_inferred" in row or "tags" in row or "copy_of" in row:  # the seed's newer columns
        values.update(_song_facts(row))
    for key in _UNIT_FIELDS:
        if values[key] is not None and not 0.0 <= values[key] <= 1.0:
            raise ValueError(f"{key} {values[key]} is outside 0-1")
    if not 0 <= values["popularity"] <= 100:
        raise ValueError(f"popularity {values['popularity']} is outside 0-100")
    return values


def _song_facts(row: dict[str, str]) -> dict:
    """The inferred-flag marker, content tags and copy link of a seed row, validated."""
    inferred = (row.get("explicit_inferred") or "").strip().lower()
    if inferred not in _FLAGS:
        raise ValueError(f"explicit_inferred {inferred!r} is not 0/1/true/false")
    copy_of = (row.get("copy_of") or "").strip()
    if copy_of and not SPOTIFY_ID.match(copy_of):
        raise ValueError(f"copy_of {copy_of!r} is not a 22-character Spotify id")
    return {"explicit_inferred": bool(_FLAGS[inferred]), "tags": ";".join(sorted(parse_tags(row.get("tags") or ""))),
            "copy_of": copy_of}


def _differs(stored: object, new: object) -> bool:
    if isinstance(stored, float) and isinstance(new, float):
        return abs(stored - new) > 1e-6
    return stored != new


def _copy(conn: Connection, batch: list[dict]) -> None:
    """Insert rows with PostgreSQL's COPY: the first seed of an empty table, 116,668 songs, in seconds."""
    cols = list(batch[0])
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {Song.__tablename__} ({', '.join(cols)}) FROM STDIN") as copy:
        for v in batch:
            copy.write_row([v[c] for c in cols])


def _upsert(engine: Engine, batch: list[dict], summary: ImportSummary, fresh: set[str] | None = None) -> None:
    """Insert new songs and update changed ones, in one transaction per batch.

    ``fresh``, when the table was empty as the import began, holds the ids
    inserted so far: a row with another id cannot exist yet, so on PostgreSQL
    such rows go in by COPY, without a lookup.
    """
    batch = list({v["spotify_id"]: v for v in batch}.values())  # a repeated id: the last row wins
    if fresh is not None:
        unseen = [v for v in batch if v["spotify_id"] not in fresh]
        fresh.update(v["spotify_id"] for v in unseen)
        if unseen and engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                _copy(conn, unseen)
            summary.inserted += len(unseen)
            copied = {v["spotify_id"] for v in unseen}
            batch = [v for v in batch if v["spotify_id"] not in copied]
            if not batch:
                return
    ids = [v["spotify_id"] for v in batch]
    cols = [c for c in batch[0] if c != "spotify_id"]
    with engine.begin() as conn:
        existing = {r.spotify_id: r for r in conn.execute(
            select(Song.__table__).where(Song.spotify_id.in_(ids)))}
        # A blank in the file keeps the stored value (data_moods.csv has no genre, say).
        batch = [{c: (getattr(existing[v["spotify_id"]], c)
                      if v[c] in (None, "") and c not in _CLEARABLE and v["spotify_id"] in existing
                      else v[c]) for c in v} for v in batch]
        changed = [v for v in batch if v["spotify_id"] in existing
                   and any(_differs(getattr(existing[v["spotify_id"]], c), v[c]) for c in cols)]
        new = [v for v in batch if v["spotify_id"] not in existing]
        summary.inserted += len(new)
        summary.updated += len(changed)
        summary.unchanged += len(batch) - len(new) - len(changed)
        todo = new + changed
        if not todo:
            return
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(Song)
        stmt = stmt.on_conflict_do_update(index_elements=["spotify_id"],
                                          set_={c: getattr(stmt.excluded, c) for c in cols})
        conn.execute(stmt, todo)


def import_file(engine: Engine, path: str | Path, progress: bool = False,
                resolve: Resolver | None = None) -> ImportSummary:
    """Import one CSV (plain or gzip) into the songs table and say what happened."""
    from tqdm import tqdm

    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: {'a directory, not a file' if path.is_dir() else 'no such file'}")
    summary = ImportSummary()
    with engine.connect() as conn:
        fresh: set[str] | None = set() if conn.execute(select(Song.id).limit(1)).first() is None else None
    rows = _rows(path)
    batch: list[dict] = []
    layout = None
    with tqdm(desc=f"importing {path.name}", unit=" rows", disable=not progress) as bar:
        for line, row in rows:
            layout = layout or _layout(set(row))
            try:
                batch.append(parse_row(row, layout, resolve))
            except ValueError as exc:
                summary.rejected.append(f"line {line}: {exc}")
            if len(batch) >= _BATCH:
                _upsert(engine, batch, summary, fresh)
                batch = []
            bar.update()
        if batch:
            _upsert(engine, batch, summary, fresh)
    if layout is None:
        raise ImportFileError(f"{path}: no rows")
    return summary
