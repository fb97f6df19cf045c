"""The camera Mini App's page and API, mounted at ``/app`` on the bot's own server (:mod:`bot.server`).

- ``GET /app/``: the page; ``/app/camera.js`` and ``/app/camera.css`` beside it.
  Its Content-Security-Policy allows scripts from this origin and Telegram's
  web-app script only, no inline script or style, and connections to this
  origin only. Its words (:mod:`bot.camera.texts`) travel inside it as JSON
  data, in the language the browser asks for (``Accept-Language``): the page
  is loaded before anyone is known, so these serve until the user is.
- ``POST /app/api/start``: opens a camera view: its id, the frame rate and size to send, and the
  page's words in the user's language (chosen in /settings, else their Telegram app's), which the
  page takes from then on, with the songs' headings and reasons.
- ``POST /app/api/frame``: one JPEG frame of the view (``X-Camera-View``), read
  in memory by the same :class:`model.EmotionAnalyzer` call as a photo, in the
  same analysis threads; answered with the faces, the smoothed mood and the
  latest songs (:mod:`bot.live`, as ``python -m bot watch``).
- ``POST /app/api/save``: records the view's current mood and sends the songs the page shows into the chat.
- ``POST /app/api/stop``: closes the view.

Every API call carries Telegram's signed launch data (``Authorization: tma
<initData>``, :mod:`bot.camera.auth`); without valid data it gets 401 and no
work is done. Frames are never written anywhere; a view keeps only smoothed
probabilities and its latest song list, and is forgotten when closed or idle.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.error import Forbidden, TelegramError

from bot import metrics
from bot.app import BotApp
from bot.camera import texts
from bot.camera.auth import InitDataError, WebAppUser, check_init_data
from bot.camera.chat import save_mood
from bot.camera.views import CameraView, CameraViews, Refused
from bot.context import Context
from bot.i18n import LANGUAGES, Words, from_accept_language, words
from bot.live import LiveMood, Step, Suggester, Suggestion, TrackedFace, suggest
from bot.logs import throttle
from bot.replies import EMOJI, daily_limit
from bot.wording import reason
from catalog import DailyLimit, Forgotten
from model import EmotionAnalyzer, FaceEmotion, InputError

log = logging.getLogger(__name__)
throttle(__name__)
STATIC = Path(__file__).parent / "static"
FRAME_SIDE = 480
"""Long side of the frames the page sends: faces stay well above the detector's smallest at arm's length."""
MOST_SIDE = 1280
"""Frames larger than this are refused before decoding: they would cost more than a frame should."""
SHOWN_FACES = 5
CSP = ("default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors https://web.telegram.org")
"""Telegram's web-app script is the only thing loaded from elsewhere; only Telegram Web may frame the page."""
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                "Permissions-Policy": "camera=(self), microphone=()", "Cache-Control": "no-cache"}


def page_html(t: Words) -> str:
    """The page in the words ``t``, as a JSON data block (never run as script; ``<`` escaped so it cannot close it)."""
    page = texts.page(t)
    data = json.dumps(page, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return ((STATIC / "index.html").read_text().replace("__WORDS__", data)
            .replace("__LANG__", escape(str(page["lang"]))).replace("__TITLE__", escape(str(page["title"]))))


def read_frame(analyzer: EmotionAnalyzer, frame: bytes) -> tuple[list[FaceEmotion], tuple[int, int]]:
    """The faces in one JPEG frame (largest first) and its (width, height): the photo path, in memory."""
    reading = analyzer.analyze_image(frame)
    return reading.faces, reading.size


def frame_size(frame: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's header alone; 415 for anything else, 413 for one too large to be a frame."""
    if not frame.startswith(b"\xff\xd8\xff"):
        raise Refused(415, "not_jpeg")
    try:
        width, height = Image.open(io.BytesIO(frame), formats=("JPEG",)).size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Refused(400, "unreadable") from None
    if max(width, height) > MOST_SIDE:
        raise Refused(413, "too_large")
    return width, height


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, 413 as soon as it passes ``limit`` bytes (declared or sent)."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise Refused(413, "too_large")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Refused(413, "too_large")
    except ClientDisconnect:
        raise Refused(400, "incomplete") from None
    return bytes(body)


def face_json(face: TrackedFace, size: tuple[int, int]) -> dict[str, Any]:
    """A tracked face for the page: its box as fractions of the frame, so the page can draw it at any size."""
    w, h = size
    x, y, bw, bh = face.box
    return {"box": [round(x / w, 4), round(y / h, 4), round(bw / w, 4), round(bh / h, 4)], "label": face.label,
            "emoji": EMOJI[face.label], "confidence": round(face.confidence, 3)}


def songs_json(view: CameraView) -> dict[str, Any] | None:
    shown = view.shown
    if shown is None:
        return None
    return {"key": view.lists, "heading": shown.heading, "mood": shown.mood,
            "tracks": [{"title": s.title, "artist": s.artist, "spotify": s.link, "youtube": s.youtube_search,
                        "reason": reason(view.words, s.reason) if s.reason else ""} for s in shown.tracks]}


def camera_app(app: BotApp) -> Starlette:
    """The page and API for ``app``'s users (its settings, analyzer, analysis threads, catalogue and bot)."""
    data = app.bot_data
    settings = data.settings
    songs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera-songs")

    def choose(user: WebAppUser, t: Words, at: float, label: str, probs: np.ndarray) -> Suggestion | None:
        """A list for the view's settled mood, with the user's settings, headed in their words; nothing is stored."""
        try:
            prefs = data.catalog.preferences(user.id, user.language_code)
            return suggest(data.catalog, t, at, label, probs, prefs,
                           n=prefs.songs_per_list or settings.songs_per_list)
        except Exception:
            log.exception("camera: choosing songs failed")
            return None

    views = CameraViews(settings.webapp_sessions, settings.webapp_max_sessions, settings.webapp_rate,
                        lambda: LiveMood(settings.webapp_smoothing, settings.webapp_stable_seconds),
                        lambda user, t: Suggester(songs, partial(choose, user, t)))
    pages: dict[str, str] = {}
    page_words = lru_cache(maxsize=len(LANGUAGES))(texts.page)

    def caller(request: Request) -> WebAppUser:
        scheme, _, raw = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "tma":
                raise InitDataError("no launch data")
            return check_init_data(raw, settings.token, settings.webapp_max_age)
        except InitDataError as exc:
            log.warning("camera: refused a call (%s)", exc)
            raise Refused(401, "refused") from None

    def view_of(request: Request, user: WebAppUser) -> CameraView:
        view = views.find(request.headers.get("x-camera-view", ""), user.id)
        request.state.words = view.words  # refusals from here on speak the user's language
        return view

    def browser_words(request: Request) -> Words:
        return words(from_accept_language(request.headers.get("accept-language", "")))

    async def page(request: Request) -> Response:
        t = browser_words(request)
        if t.locale not in pages:
            pages[t.locale] = page_html(t)
        return Response(pages[t.locale], media_type="text/html; charset=utf-8",
                        headers=PAGE_HEADERS | {"Vary": "Accept-Language"})

    def static(name: str, media_type: str) -> Route:
        body = (STATIC / name).read_bytes()

        async def serve(request: Request) -> Response:
            return Response(body, media_type=media_type, headers=PAGE_HEADERS)

        return Route(f"/{name}", serve)

    async def start(request: Request) -> Response:
        user = caller(request)
        t = words(await asyncio.to_thread(data.catalog.language, user.id) or user.language_code)
        request.state.words = t
        view = views.open(user, t)
        return JSONResponse({"view": view.id, "rate": settings.webapp_rate, "side": FRAME_SIDE,
                             "frame_bytes": settings.webapp_frame_bytes, "words": page_words(t)})

    async def frame(request: Request) -> Response:
        user = caller(request)
        view = view_of(request, user)
        if view.busy:
            raise Refused(429, "one_at_a_time", 0.1)
        wait = views.budget.take(user.id)
        if wait:
            raise Refused(429, "too_fast", wait)
        view.busy = True
        try:
            body = await read_body(request, settings.webapp_frame_bytes)
            frame_size(body)
            started = time.perf_counter()
            try:
                faces, size = await asyncio.get_running_loop().run_in_executor(data.pool, read_frame, data.analyzer,
                                                                               body)
            except InputError:
                raise Refused(400, "unreadable") from None
            finally:
                metrics.ANALYSIS_SECONDS.labels("camera").observe(time.perf_counter() - started)
        finally:
            view.busy = False
        del body
        now = time.monotonic()
        view.seen = now
        step = view.mood.update(now - view.opened, faces)
        return JSONResponse(answer(view, step, now, size))

    def answer(view: CameraView, step: Step, now: float, size: tuple[int, int]) -> dict[str, Any]:
        """The frame's answer; the main face kept for Save, and songs asked for when its mood settled."""
        main = step.main
        if main is not None:
            view.face = (main.label, main.probs.copy(), now)
            if step.settled:
                view.songs.ask(now - view.opened, main.label, main.probs)
        finished = view.songs.collect()
        if finished is not None:
            view.shown, view.lists = finished, view.lists + 1
        return {"faces": [face_json(f, size) for f in step.faces[:SHOWN_FACES]],
                "mood": face_json(main, size) if main is not None else None, "songs": songs_json(view)}

    async def save(request: Request) -> Response:
        user = caller(request)
        view = view_of(request, user)
        found = view.saveable(time.monotonic())
        if found is None:
            raise Refused(409, "nothing_to_save")
        verdict = await data.actions.admit(user.id)
        if not verdict.allowed:
            raise Refused(429, "slow_down", verdict.wait)
        context: Context = app.context_types.context(app)
        try:
            label = await save_mood(context, view.words, user, found[1], view.shown)
        except DailyLimit as exc:
            raise Refused(429, "daily_limit", message=daily_limit(view.words, exc.kind, exc.limit)) from None
        except Forgotten:
            raise Refused(409, "forgotten") from None
        except Forbidden:
            raise Refused(403, "chat_closed") from None
        except TelegramError as exc:
            log.warning("camera: the saved list could not be sent: %s", exc.message)
            raise Refused(502, "save_failed") from None
        return JSONResponse({"saved": label})

    async def stop(request: Request) -> Response:
        user = caller(request)
        views.close(view_of(request, user))
        return Response(status_code=204)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        headers = {"Cache-Control": "no-store"}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        t = getattr(request.state, "words", None) or browser_words(request)
        body: dict[str, object] = {"error": exc.code, "message": exc.message or page_words(t).get(exc.code, exc.code)}
        if exc.retry_after is not None:
            body["retry_after"] = round(exc.retry_after, 2)
        return JSONResponse(body, status_code=exc.status, headers=headers)

    routes = [Route("/", page), static("camera.js", "text/javascript; charset=utf-8"),
              static("camera.css", "text/css; charset=utf-8"),
              Route("/api/start", start, methods=["POST"]), Route("/api/frame", frame, methods=["POST"]),
              Route("/api/save", save, methods=["POST"]), Route("/api/stop", stop, methods=["POST"])]
    return Starlette(routes=routes, exception_handlers={Refused: refused})
