"""The command lines as a newcomer meets them: plain text, one song format, one-line errors, no native noise."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import replies
from bot.plain import plain
from catalog import Reason, Track
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
PHOTO = DATA / "congress_D000407.jpg"
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)
NATIVE_NOISE = ("XNNPACK", "oneDNN", "absl::InitializeLog")


def _environ(cwd: Path, **env: str) -> dict[str, str]:
    """A newcomer's environment: this checkout's packages, a home of its own, nothing else of ours."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(cwd), **env}


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=_environ(cwd, **env), cwd=cwd,
                          timeout=300)


def _tracks() -> list[Track]:
    names = [('"Weird Al" Yankovic', "Eat It & <Beat It>"), ("Sigur Rós", "Hoppípolla"), ("AC/DC", "T.N.T.")]
    why = Reason("fits", "happy", 1, 3, ("high-energy",), "rock", 120)
    return [Track(i, f"id{i}", title, artist, "", "rock", 1990, 50, 0.5, 0.5, reason=why if i != 2 else None)
            for i, (artist, title) in enumerate(names, 1)]


def test_every_front_end_prints_a_song_the_same_way():
    from bot.i18n import words
    from bot.watch.terminal import songs_text
    from bot.wording import reason
    from catalog.listing import song_lines

    tracks, t = _tracks(), words("de")
    lines = song_lines(tracks, lambda why: reason(t, why))
    assert lines[:3] == ["1. Eat It & <Beat It> — \"Weird Al\" Yankovic", f"    {reason(t, tracks[0].reason)}",
                         f"    Spotify <https://open.spotify.com/track/id1> · YouTube <{tracks[0].youtube_search}>"]
    assert lines[3] == "2. Hoppípolla — Sigur Rós" and lines[4].startswith("    Spotify <")  # no empty reason line
    heading = replies.heading(t, "happy", "match", None)
    assert plain(replies.songs_text(t, tracks, heading)).splitlines() == \
        [f"🎧 {heading}", *lines]  # `bot try`: the bot's own reply, as text
    assert songs_text(t, heading, tracks).splitlines() == [f"♪ {heading}", *lines]
    assert song_lines(tracks)[1] == "    high-energy rock 120 BPM; fits 1/3 happy"  # the catalogue's terse words


def _commands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and, depth first, every sub-command's parser under it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield from _commands(command)


def _examples(text: str, prog: str) -> Iterator[list[str]]:
    """The example command lines of a help text (``python -m pkg ...``, continued lines joined), as arguments."""
    for example in re.findall(rf"^ +{re.escape(prog)}\b((?:[^\n]*\\\n)*[^\n]*)$", text, re.M):
        yield shlex.split(example.replace("\\\n", " "), comments=True)


@pytest.mark.parametrize("package", ["bot", "model", "catalog", "training"])
def test_every_help_reads_well_in_a_terminal(package, monkeypatch, capsys):
    """Each command and sub-command says what it does, explains every argument, shows no markup, and its
    examples are commands it accepts."""
    monkeypatch.setenv("COLUMNS", "100")
    top = importlib.import_module(f"{package}.__main__")._parser()
    for parser in _commands(top):
        text = parser.format_help()
        assert parser.description, f"{parser.prog} --help does not say what the command does"
        arguments = [a for a in parser._actions if not isinstance(a, argparse._SubParsersAction)]
        arguments += [c for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                      for c in a._get_subactions()]  # the one-line summary of each sub-command
        assert not [a.dest for a in arguments if not a.help], f"{parser.prog}: arguments without help"
        assert not re.search(r"``|:(func|class|mod|meth):|\x1b", text), f"{parser.prog}: markup in\n{text}"
        assert not re.search(r"\S {3,}--?[a-z]", text), f"{parser.prog}: an option run into a line:\n{text}"
        for line in text.splitlines():
            assert len(line) <= 120, f"{parser.prog}: a line too long for a terminal: {line}"
    examples = list(_examples(top.description or "", top.prog))
    assert examples, f"{top.prog} --help shows no example"
    for example in examples:
        try:
            top.parse_args(example)
        except SystemExit:
            pytest.fail(f"{top.prog} --help shows a command it refuses: {example}\n{capsys.readouterr().err}")


def test_catalog_recommend_prints_the_shared_format(seeded_sqlite, tmp_path, capsys):
    from catalog.__main__ import main

    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    assert main(["--database-url", f"sqlite:///{tmp_path / 'catalog.db'}", "recommend", "sad", "--n", "3",
                 "--language", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:3] for line in lines if re.match(r"\d\. ", line)] == ["1. ", "2. ", "3. "]
    assert sum(line.startswith("    Spotify <https://open.spotify.com/track/") for line in lines) == 3


@pytest.mark.parametrize("package", ["catalog", "model"])
def test_a_reader_that_stops_early_ends_the_command_quietly(package, seeded_sqlite, tmp_path):
    """``python -m catalog recommend happy | head -2``: no BrokenPipeError traceback (``true`` reads nothing)."""
    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    args = ["recommend", "happy"] if package == "catalog" else ["predict", str(PHOTO)]
    command = shlex.join([sys.executable, "-m", package, *args])
    out = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | true"], capture_output=True, text=True,
                         env=_environ(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'catalog.db'}"), cwd=tmp_path,
                         timeout=300)
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr
    assert out.returncode == 1, out.stderr  # the pipe's status says the output was cut short


def test_a_no_face_reply_invites_a_pick_only_under_mood_buttons(analyzer):
    import cv2
    import numpy as np

    grey = cv2.imencode(".png", np.full((240, 320, 3), 128, np.uint8))[1].tobytes()
    reading = analyzer.analyze(grey, "image")
    from bot.i18n import words

    for language, pick in [("en", "Or pick your mood:"), ("es", "O elige tu ánimo:")]:
        t = words(language)
        assert replies.no_face(t, reading).endswith(pick)
        assert pick not in replies.no_face(t, reading, buttons=False)
        assert replies.no_face(t, reading, buttons=False).endswith(".")


def test_try_prints_plain_text_without_native_noise_and_bad_paths_in_one_line(tmp_path, seeded_sqlite):
    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    db = {"DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}"}
    done = _run("-m", "bot", "try", str(PHOTO), cwd=tmp_path, **db)
    assert done.returncode == 0, done.stderr
    assert "You look 😄 happy" in done.stdout and done.stdout.count("Spotify <https://open.spotify.com/track/") == 5
    assert not ENTITY.search(done.stdout) and "<b>" not in done.stdout
    assert not any(noise in done.stderr for noise in NATIVE_NOISE), done.stderr
    (tmp_path / "notes.jpg").write_text("not a picture")
    for path, why in [("missing.jpg", "no such file"), (str(tmp_path), "a directory, not a file")]:
        done = _run("-m", "bot", "try", path, cwd=tmp_path, **db)
        assert done.returncode != 0 and done.stdout == ""
        assert done.stderr.strip().splitlines() == [f"error: {path}: {why}"]
    done = _run("-m", "bot", "watch", "notes.jpg", cwd=tmp_path, **db)
    assert done.returncode != 0 and "0 frames read" not in done.stdout
    assert done.stderr.strip() == "error: notes.jpg is not a video this build of OpenCV can read"


def test_litert_start_up_line_only_when_verbose(tmp_path):
    quiet = _run("-m", "model", "predict", str(PHOTO), cwd=tmp_path)
    verbose = _run("-m", "model", "--verbose", "predict", str(PHOTO), cwd=tmp_path)
    assert quiet.returncode == verbose.returncode == 0 and "happy" in quiet.stdout
    assert "XNNPACK" not in quiet.stderr and "XNNPACK" in verbose.stderr  # captured, logged at DEBUG


def test_training_keeps_tensorflow_start_up_lines_to_itself(tmp_path):
    pytest.importorskip("tensorflow")
    pixels = " ".join(["128"] * 48 * 48)
    (tmp_path / "faces.csv").write_text("emotion,pixels,Usage\n" + "".join(
        f"{e},{pixels},{usage}\n" for e, usage in [(3, "Training"), (4, "PublicTest"), (6, "PrivateTest")]))
    done = _run("-m", "training", "describe", "--data", "faces.csv", "--out", "report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not any(noise in done.stderr for noise in NATIVE_NOISE), done.stderr


def test_no_route_to_telegram_is_one_line(tmp_path, seeded_sqlite):
    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    port = free_port()  # nothing listens on it
    done = _run("-m", "bot", cwd=tmp_path, TELEGRAM_BOT_TOKEN="123456:" + "A" * 35,
                TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot", DATABASE_URL=f"sqlite:///{tmp_path / 'catalog.db'}")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: could not reach Telegram's Bot API at 127.0.0.1:{port}")
    assert last.endswith("check the network and proxy settings, and TELEGRAM_BASE_URL")


def test_commands_run_from_another_folder_use_the_one_default_database(tmp_path, seeded_sqlite):
    """No DATABASE_URL: ``catalog stats`` and ``bot try`` from an unrelated folder create nothing there.

    The default folder (the checkout's data/ here) is replaced by a prepared one, so that the test neither
    seeds nor touches the checkout's own database; everything else is the real command line.
    """
    store, elsewhere = tmp_path / "store", tmp_path / "elsewhere"
    store.mkdir()
    elsewhere.mkdir()
    shutil.copyfile(seeded_sqlite, store / "moodtunes.db")
    run = ("import pathlib, runpy, sys, catalog.settings as s; s.default_data_dir = lambda: pathlib.Path({store!r}); "
           "sys.argv = ['python -m {package}', *sys.argv[1:]]; runpy.run_module('{package}', run_name='__main__')")
    stats = _run("-c", run.format(store=str(store), package="catalog"), "stats", cwd=elsewhere, HOME=str(tmp_path))
    assert stats.returncode == 0, stats.stderr
    assert f'"database": "sqlite:///{store / "moodtunes.db"}"' in stats.stdout
    tried = _run("-c", run.format(store=str(store), package="bot"), "try", str(PHOTO), cwd=elsewhere,
                 HOME=str(tmp_path))
    assert tried.returncode == 0 and "Songs for your" in tried.stdout, tried.stderr
    assert list(elsewhere.iterdir()) == []


def test_the_default_database_is_one_file_whatever_the_current_directory(tmp_path, monkeypatch):
    from catalog.settings import CatalogSettings

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert CatalogSettings(_env_file=None).database_url == f"sqlite:///{ROOT / 'data' / 'moodtunes.db'}"
    installed = tmp_path / "site-packages" / "catalog"  # the same module, installed away from a checkout
    installed.mkdir(parents=True)
    shutil.copyfile(ROOT / "catalog" / "settings.py", installed / "settings.py")
    spec = importlib.util.spec_from_file_location("installed_settings", installed / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert module.default_database_url() == f"sqlite:///{tmp_path / 'share' / 'moodtunes' / 'moodtunes.db'}"
    assert list(tmp_path.iterdir()) == [tmp_path / "site-packages"]  # nothing made in the current directory
