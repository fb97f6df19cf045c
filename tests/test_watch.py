"""Live camera mode (`python -m bot watch`): sources, tracking, smoothing, outputs and the preview page."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from bot.__main__ import main
from bot.live import FaceTracker, SettledMood
from bot.settings import WatchSettings
from bot.watch.moods import MoodTime, Timeline
from bot.watch.preview import PreviewServer, PreviewState
from bot.watch.session import Watch
from bot.watch.source import FrameReader, Source, open_capture
from bot.watch.terminal import Terminal
from model import EMOTIONS, FaceEmotion
from tests.fakes.mjpeg import FakeMjpegCamera

DATA = Path(__file__).parent / "data"
NEUTRAL = DATA / "congress_A000014.jpg"  # the shipped model: neutral 62%
HAPPY = DATA / "congress_S001179.jpg"  # happy 87%


def scene(seconds: float, fps: float = 30.0, switch: float | None = None) -> list[np.ndarray]:
    """640x480 frames of one face gliding left and right; the neutral face, then the happy one from ``switch`` s."""
    neutral, happy = cv2.imread(str(NEUTRAL)), cv2.imread(str(HAPPY))
    frames = []
    for i in range(round(seconds * fps)):
        frame = np.full((480, 640, 3), 70, np.uint8)
        face = happy if switch is not None and i / fps >= switch else neutral
        x = 200 + round(100 * np.sin(i / fps))
        frame[100:375, x:x + 225] = face
        frames.append(frame)
    return frames


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (frames[0].shape[1], frames[0].shape[0]))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def probs(label: str, p: float = 0.9) -> tuple[float, ...]:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return tuple(p if e == label else rest for e in EMOTIONS)


@pytest.fixture
def watch_catalog(monkeypatch, tmp_path, seeded_sqlite):
    """The CLI's catalogue: a copy of the seeded SQLite file (the watch must not write to it)."""
    import catalog
    from catalog.db import make_engine
    from catalog.service import Catalog
    from catalog.settings import CatalogSettings

    path = tmp_path / "catalog.db"
    shutil.copyfile(seeded_sqlite, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    cat = Catalog(engine, CatalogSettings(DATABASE_URL=url, SPOTIFY_CLIENT_ID="", SPOTIFY_CLIENT_SECRET=""))
    monkeypatch.setattr(catalog, "get_catalog", lambda: cat)
    yield cat
    engine.dispose()


# -- tracking and smoothing ------------------------------------------------------------------
def test_tracking_keeps_ids_when_two_faces_move():
    tracker = FaceTracker(smoothing=1.0)
    seen = []
    for step in range(25):  # two faces walk toward each other at 12 px a frame, one detection missed
        left = FaceEmotion((40 + 12 * step, 100, 120, 120), 0.9, probs("happy"))
        right = FaceEmotion((460 - 12 * step, 110, 110, 110), 0.9, probs("sad"))
        faces = [left] if step == 10 else [left, right]
        tracks = tracker.update(step * 0.2, faces)
        seen.append({t.box[1]: t.id for t in tracks})
    assert all(ids[100] == 1 for ids in seen)
    assert all(ids[110] == 2 for i, ids in enumerate(seen) if i != 10)
    assert tracker.next_id == 3  # nobody got a new id, not even after the missed frame

    tracker.update(10.0, [FaceEmotion((40, 100, 120, 120), 0.9, probs("happy"))])  # long gone, then back
    assert tracker.next_id == 4


def test_smoothing_removes_single_frame_flicker_but_follows_a_real_change():
    tracker = FaceTracker(smoothing=1.5)
    box = (100, 100, 120, 120)
    labels, raw = [], []
    for step in range(40):
        t = step * 0.2
        label = "angry" if step == 10 else "happy" if step < 20 else "sad"  # one odd frame, then a real change
        face = tracker.update(t, [FaceEmotion(box, 0.9, probs(label))])[0]
        labels.append(face.label)
        raw.append(EMOTIONS[int(np.argmax(face.raw))])
    assert raw[10] == "angry" and labels[10] == "happy"
    assert labels[:20] == ["happy"] * 20
    flip = labels.index("sad")
    assert 20 < flip <= 27  # within 1.4 s of the change
    assert labels[flip:] == ["sad"] * (40 - flip)

    unsmoothed = FaceTracker(smoothing=0)
    unsmoothed.update(0, [FaceEmotion(box, 0.9, probs("happy"))])
    assert unsmoothed.update(0.2, [FaceEmotion(box, 0.9, probs("angry"))])[0].label == "angry"


def test_a_mood_is_said_once_when_it_has_held():
    settled = SettledMood(stable_seconds=2)
    said = [settled.update(t / 2, label) for t, label in enumerate(
        ["sad"] * 3 + [None] + ["sad"] * 5 + ["happy"] * 2 + ["sad"] * 6)]
    assert said.count("sad") == 1 and said.index("sad") == 8  # the face left at 1.5 s: the clock restarted
    assert "happy" not in said  # held only 1 s
    assert said[-1] is None  # sad again, but sad was the last mood said


def test_mood_time_and_the_bounded_timeline():
    clock = MoodTime()
    for t, label in [(0, "happy"), (3, "sad"), (4, None), (5, "happy")]:
        clock.update(t, label)
    assert clock.shares() == [("happy", 0.6), ("sad", 0.2), ("no face", 0.2)]
    timeline = Timeline(capacity=100)
    for i in range(1000):
        timeline.add(i * 0.2, np.full(7, 1 / 7))
    assert len(timeline.points) < 100 and timeline.points[-1][0] > 150  # thinned, still spans the watch


# -- sources ------------------------------------------------------------------------------------
def test_sources_are_parsed_and_passwords_hidden():
    assert Source.parse("0") == Source(0, "camera")
    assert Source.parse("/dev/video2").kind == "camera"
    assert Source.parse("clip.mp4").kind == "file"
    stream = Source.parse("rtsp://admin:hunter2@10.0.0.5/live")
    assert stream.kind == "stream" and stream.live and "hunter2" not in stream.name


@pytest.mark.parametrize("url, shown", [
    ("rtsp://admin:p@ss@10.0.0.5:554/live", "rtsp://***@10.0.0.5:554/live"),
    ("rtsp://admin:pa/ss@10.0.0.5/live", "rtsp://***@10.0.0.5/live"),
    ("rtsp://admin:pa?ss@10.0.0.5/live", "rtsp://***@10.0.0.5/live"),
    ("http://cam.lan/video.mjpg?user=admin&pwd=hunter2&res=hd", "http://cam.lan/video.mjpg?user=***&pwd=***&res=hd"),
    ("http://cam.lan/v.cgi?Password=hun;ter2", "http://cam.lan/v.cgi?Password=***"),
    ("https://cdn.example/live.m3u8?token=hunter2#t", "https://cdn.example/live.m3u8?token=***#t"),
    ("https://cdn.example/live.m3u8?api_key=hunter2&x=1", "https://cdn.example/live.m3u8?api_key=***&x=1"),
    ("http://cam.lan/live", "http://cam.lan/live"),
])
def test_every_kind_of_stream_credential_is_hidden(url, shown):
    assert Source.parse(url).name == shown


def test_a_port_out_of_range_gets_one_line(capsys, tmp_path, monkeypatch):
    video = write_video(tmp_path / "clip.mp4", scene(1))
    assert main(["watch", str(video), "--preview", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == "error: --port must be between 0 and 65535 (0: any free port)"
    monkeypatch.setenv("WATCH_PREVIEW_PORT", "70000")
    assert main(["watch", str(video), "--preview"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: WATCH_PREVIEW_PORT: ") and "\n" not in err


@pytest.mark.parametrize("source, message", [
    ("7", "camera 7 does not exist or is busy"),
    ("/dev/video99", "no such camera device: /dev/video99"),
    ("missing.mp4", "missing.mp4: no such file"),
    (str(DATA), f"{DATA}: a directory, not a file"),
    (str(DATA / "README.md"), "is not a video"),
])
def test_missing_sources_get_one_line(capsys, source, message):
    assert main(["watch", source, "--seconds", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_a_stream_that_does_not_answer_is_given_up_in_time(capsys, monkeypatch):
    monkeypatch.setenv("WATCH_CONNECT_TIMEOUT", "1")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never says a word
    started = time.monotonic()
    try:
        assert main(["watch", f"http://127.0.0.1:{silent.getsockname()[1]}/cam", "--seconds", "5"]) == 1
    finally:
        silent.close()
    assert time.monotonic() - started < 3
    assert "could not be opened: nothing answered within 1 s" in capsys.readouterr().err


# -- whole watches ------------------------------------------------------------------------------
def test_watch_a_video_file_end_to_end(capsys, monkeypatch, tmp_path, watch_catalog):
    monkeypatch.setenv("WATCH_STABLE_SECONDS", "1")
    video = write_video(tmp_path / "clip.mp4", scene(6, switch=3))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["watch", str(video), "--jsonl", str(out / "w.jsonl"), "--annotate", str(out / "w.mp4"),
                 "--chart", str(out / "w.png")]) == 0
    printed = capsys.readouterr().out

    statuses = [line for line in printed.splitlines() if "analysed/s" in line]
    assert len(statuses) >= 4 and "#1 😐 neutral" in statuses[1] and "#1 😄 happy" in statuses[-1]
    assert "♪ Songs for your neutral mood" in printed and "♪ Songs for your happy mood" in printed
    assert printed.count("https://open.spotify.com/track/") == 10 and "youtube.com/results" in printed
    assert "(end of video): 180 frames read" in printed
    assert "Moods of the main face: " in printed and "Faces seen: 1." in printed

    records = [json.loads(line) for line in (out / "w.jsonl").read_text().splitlines()]
    assert 20 <= len(records) <= 32  # 5 a second for 6 s
    times = [r["t"] for r in records]
    assert times == sorted(times) and times[-1] > 5
    face = records[-1]["faces"][0]
    assert face["id"] == 1 and face["label"] == "happy" and len(face["box"]) == 4
    assert abs(sum(face["probs"].values()) - 1) < 0.01 and abs(sum(face["raw"].values()) - 1) < 0.01
    assert records[0]["faces"][0]["label"] == "neutral"

    annotated = cv2.VideoCapture(str(out / "w.mp4"))
    assert annotated.get(cv2.CAP_PROP_FRAME_COUNT) == 180
    annotated.set(cv2.CAP_PROP_POS_FRAMES, 170)
    ok, frame = annotated.read()
    assert ok and frame.shape == (480, 640, 3)
    yellow = (frame[:, :, 0] < 60) & (frame[:, :, 1] > 170) & (frame[:, :, 2] > 220)  # the happy box colour
    assert yellow.sum() > 500
    assert (out / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with watch_catalog.engine.connect() as db:  # the catalogue was read, never written
        for table in ("users", "mood_readings", "recommendations"):
            assert db.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0


def test_watch_an_http_stream_that_drops_reconnects_then_ends(capsys, monkeypatch, tmp_path, watch_catalog):
    monkeypatch.setenv("WATCH_RECONNECTS", "2")
    monkeypatch.setenv("WATCH_CONNECT_TIMEOUT", "1")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    with FakeMjpegCamera(scene(2), fps=30, sessions=2) as camera:
        started = time.monotonic()
        status = main(["watch", camera.url])
        took = time.monotonic() - started
    printed = capsys.readouterr()
    assert status == 1 and camera.served == 2
    assert "was lost and did not come back after 2 reconnect attempts" in printed.err
    assert "Reconnected 1 time." in printed.out and "#1 😐 neutral" in printed.out
    read = int(printed.out.split("frames read")[0].rsplit(" ", 2)[-2])
    assert read >= 100  # both sessions' frames (2 x 60), give or take what was in flight
    assert took < 12
    assert list(here.iterdir()) == []  # nothing of the stream was written


def test_the_preview_page_serves_the_live_watch(tmp_path, analyzer, watch_catalog):
    shared = PreviewState()
    server = PreviewServer(shared, "127.0.0.1", 0, clients=2)
    server.start()
    video = write_video(tmp_path / "clip.mp4", scene(4))
    source = Source.parse(str(video))
    settings = WatchSettings(WATCH_STABLE_SECONDS=0.5)
    reader = FrameReader(source, open_capture(source, 1), max_side=1280, timeout=1, reconnects=0)
    session = Watch(reader, analyzer, watch_catalog, settings, terminal=Terminal(every=60), preview=shared)
    watch_catalog.index()  # as the CLI does before it starts: a cold index could stall the songs past the clip's end
    runner = threading.Thread(target=session.run)
    try:
        runner.start()
        with httpx.Client(base_url=server.url, timeout=5) as http:
            page = http.get("/")
            assert page.status_code == 200 and '<img id="feed" src="/stream.mjpg"' in page.text
            state: dict = {}
            for _ in range(100):
                state = http.get("/state").json()
                if state["faces"] and state["songs"]:
                    break
                time.sleep(0.05)
            assert state["faces"][0]["id"] == 1 and state["faces"][0]["label"] == "neutral"
            assert len(state["songs"]["tracks"]) == 5 and state["songs"]["tracks"][0]["spotify"].startswith("https://")
            frame = cv2.imdecode(np.frombuffer(http.get("/frame.jpg").content, np.uint8), cv2.IMREAD_COLOR)
            assert frame.shape == (480, 640, 3)
            with http.stream("GET", "/stream.mjpg") as one, http.stream("GET", "/stream.mjpg") as two:
                assert one.headers["content-type"].startswith("multipart/x-mixed-replace")
                parts = one.iter_bytes()  # held: a dropped iterator closes the connection
                first = next(parts)
                assert first.startswith(b"--frame\r\nContent-Type: image/jpeg") and two.status_code == 200
                assert http.get("/stream.mjpg").status_code == 503  # a third viewer waits for a free slot
            runner.join(10)
            assert not runner.is_alive()
            assert http.get("/state").json()["ended"] == "end of video"
            with http.stream("GET", "/stream.mjpg") as late:  # after the end the feed closes by itself
                assert b"".join(late.iter_bytes()).count(b"--frame") == 1
    finally:
        reader.stop()
        runner.join(10)
        server.stop()


def test_the_preview_answers_only_to_its_own_address():
    """DNS rebinding: a page from rebind.attacker.example whose name now points to 127.0.0.1 gets nothing."""
    shared = PreviewState()
    shared.publish(cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes(), {"faces": [], "ended": None})
    server = PreviewServer(shared, "127.0.0.1", 0, clients=2)
    server.start()
    port = server.port
    try:
        with httpx.Client(base_url=server.url, timeout=5) as http:
            for host in ("rebind.attacker.example", f"rebind.attacker.example:{port}", f"127.0.0.1:{port + 1}",
                         f"localhost.attacker.example:{port}", f"127.0.0.1.attacker.example:{port}", ""):
                for path in ("/frame.jpg", "/state", "/stream.mjpg", "/"):
                    assert http.get(path, headers={"Host": host}).status_code == 421, (host, path)
            for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
                assert http.get("/frame.jpg", headers={"Host": host}).status_code == 200, host
    finally:
        server.stop()
    from bot.watch.preview import HostCheck

    everywhere = HostCheck(None, "0.0.0.0", 8765)  # bound to every interface: reached by any address, never a name
    assert everywhere.allowed("192.168.1.20:8765") and everywhere.allowed("[fe80::1]:8765")
    assert not everywhere.allowed("cam.attacker.example:8765") and not everywhere.allowed("192.168.1.20:80")
    named = HostCheck(None, "studio.lan", 80)
    assert named.allowed("studio.lan") and named.allowed("studio.lan:80") and not named.allowed("other.lan")


def test_ctrl_c_stops_cleanly_with_a_summary(tmp_path, seeded_sqlite):
    video = write_video(tmp_path / "clip.mp4", scene(20))
    shutil.copyfile(seeded_sqlite, tmp_path / "catalog.db")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}", "PYTHONFAULTHANDLER": "1"}
    # Ctrl-C reaches a program in the foreground of a terminal; a test run started in the background (``cmd &``
    # in a script) hands its children SIGINT ignored, and Python then leaves it ignored: restore the default.
    watcher = subprocess.Popen([sys.executable, "-m", "bot", "watch", str(video), "--jsonl", str(tmp_path / "w.jsonl")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not ((tmp_path / "w.jsonl").exists()
                                               and (tmp_path / "w.jsonl").stat().st_size > 0):
        time.sleep(0.1)
    watcher.send_signal(signal.SIGINT)
    try:
        out, err = watcher.communicate(timeout=15)
    except subprocess.TimeoutExpired:  # say where it hangs: SIGABRT makes faulthandler print every thread's stack
        watcher.send_signal(signal.SIGABRT)
        out, err = watcher.communicate()
        pytest.fail(f"still running 15 s after Ctrl-C\n{out[-2000:]}\n{err[-8000:]}")
    assert watcher.returncode == 0, err
    assert "(stopped with Ctrl-C)" in out and "Traceback" not in err
    assert json.loads((tmp_path / "w.jsonl").read_text().splitlines()[-1])["faces"]  # every line written whole
