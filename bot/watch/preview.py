"""``--preview``: a local page with the annotated feed, the current mood and its songs, updating by itself.

Served by starlette + uvicorn on a thread beside the watch, bound to 127.0.0.1
unless told otherwise. Only requests addressed to that socket are answered
(``Host`` is checked, 421 otherwise): without that check, any web page the user
opens could point its own host name at 127.0.0.1 (DNS rebinding) and read the
camera. Routes:

- ``/``: the page, in the watcher's language (the feed is an ``<img>`` on ``/stream.mjpg``; the rest polls
  ``/state``);
- ``/stream.mjpg``: the annotated analysed frames as MJPEG, at most ``clients`` viewers at once;
- ``/frame.jpg``: the latest annotated frame alone;
- ``/state``: the watch as JSON (faces, rates, the settled mood and its songs).

The watch publishes; the server only reads what was published last.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.i18n import Words, words
from bot.server import listening_socket, server_config
from bot.wording import mood
from model import EMOTIONS

BOUNDARY = "frame"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
MAX_CONNECTIONS = 64
REQUEST_TIMEOUT = 10.0


class PreviewState:
    """The latest annotated JPEG and state, swapped whole under a lock by the watch thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version = 0
        self.jpeg: bytes | None = None
        self.state: dict[str, Any] = {"faces": [], "ended": None}

    def publish(self, jpeg: bytes | None, state: dict[str, Any]) -> None:
        with self._lock:
            if jpeg is not None:
                self.jpeg, self.version = jpeg, self.version + 1
            self.state = state

    def latest(self) -> tuple[int, bytes | None, dict[str, Any]]:
        with self._lock:
            return self.version, self.jpeg, self.state


class _Feed:
    """The MJPEG stream as a plain ASGI app, so a viewer's slot is freed however its connection ends."""

    def __init__(self, shared: PreviewState, clients: int, poll: float = 0.05):
        self.shared, self.clients, self.poll = shared, clients, poll
        self.watching = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.watching >= self.clients:
            response: Response = PlainTextResponse(f"{self.clients} viewers already: close one and reload", 503)
            await response(scope, receive, send)
            return
        self.watching += 1
        try:
            await StreamingResponse(self._parts(), media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                                    headers={"Cache-Control": "no-store"})(scope, receive, send)
        finally:
            self.watching -= 1

    async def _parts(self) -> AsyncIterator[bytes]:
        shown = -1
        while True:
            version, jpeg, state = self.shared.latest()
            if version != shown and jpeg is not None:
                shown = version
                yield (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                       + jpeg + b"\r\n")
            if state.get("ended"):
                return
            await asyncio.sleep(self.poll)


def page(t: Words) -> str:
    """The live page in the words ``t``: its few sentences and the mood names go into the page as JSON."""
    lang, waiting = t.locale.replace("_", "-"), t.gettext("waiting for a face…")
    vocabulary = {
        "lang": lang, "no_face": t.gettext("no face in view"), "ended": t.gettext("ended: {reason}"),
        "rates": t.gettext("{fps} analysed/s · {dropped} dropped"), "moods": {name: mood(t, name) for name in EMOTIONS},
    }
    script_safe = json.dumps(vocabulary, ensure_ascii=False).replace("</", "<\\/")
    return (PAGE.replace("__LANG__", html.escape(lang)).replace("__WORDS__", script_safe)
            .replace("__TITLE__", html.escape(t.gettext("MoodTunes live")))
            .replace("__FEED__", html.escape(t.gettext("annotated camera feed")))
            .replace("__WAITING__", html.escape(waiting)))


def preview_app(shared: PreviewState, clients: int = 4, t: Words | None = None) -> Starlette:
    shown = page(t or words(None))

    async def home(request: Any) -> HTMLResponse:
        return HTMLResponse(shown)

    async def state(request: Any) -> JSONResponse:
        return JSONResponse(shared.latest()[2], headers={"Cache-Control": "no-store"})

    async def frame(request: Any) -> Response:
        jpeg = shared.latest()[1]
        if jpeg is None:
            return PlainTextResponse("no frame analysed yet", 503, headers={"Retry-After": "1"})
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/", home), Route("/state", state), Route("/frame.jpg", frame),
                             Route("/stream.mjpg", _Feed(shared, clients), methods=["GET"])])


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class HostCheck:
    """ASGI middleware: 421 for a request whose ``Host`` is not a name this server was bound as, with its port.

    Loopback names always pass; the bind host too; with a wildcard bind
    (0.0.0.0, ::) any IP address does, since rebinding needs a host name.
    """

    def __init__(self, app: Any, host: str, port: int):
        self.app, self.port = app, port
        self.names = LOOPBACK_NAMES | ({f"[{host}]" if ":" in host else host} - WILDCARDS)
        self.any_ip = host in WILDCARDS

    def allowed(self, value: str) -> bool:
        name, _, port = value.lower().rpartition(":") if not value.endswith("]") else (value.lower(), "", "")
        if not name:
            name, port = port, ""
        if port != str(self.port) and not (port == "" and self.port == 80):
            return False
        return name in self.names or (self.any_ip and _is_ip(name))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not self.allowed(host):
                await PlainTextResponse(f"this preview answers only to the address it listens on, "
                                        f"e.g. http://127.0.0.1:{self.port}/", 421)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class PreviewServer:
    """uvicorn on a daemon thread; the socket is bound in the constructor so a taken port fails at once."""

    def __init__(self, shared: PreviewState, host: str, port: int, clients: int, t: Words | None = None):
        try:
            self._socket = listening_socket(host, port)
        except OSError as exc:
            raise OSError(f"the preview {exc}; choose another port with --port") from None
        self.port = self._socket.getsockname()[1]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"
        config = server_config(HostCheck(preview_app(shared, clients, t), host, self.port), MAX_CONNECTIONS,
                               REQUEST_TIMEOUT, timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="preview", daemon=True)

    def start(self, wait: float = 5.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + wait
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the preview server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)
        self._socket.close()


PAGE = """<!doctype html>
<html lang="__LANG__"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
 body{font:16px system-ui,sans-serif;margin:0;background:#111;color:#eee;display:flex;flex-wrap:wrap;gap:1.5rem;
      padding:1.5rem}
 #feed{max-width:min(100%,720px);border-radius:8px;background:#222;min-height:240px}
 aside{flex:1;min-width:280px}
 h1{font-size:1.2rem;margin:0 0 .5rem} .mood{font-size:2.2rem;margin:.2rem 0}
 .faces,.stats{color:#aaa;font-size:.9rem} ol{padding-left:1.3rem} li{margin:.5rem 0}
 li small{display:block;color:#aaa} a{color:#8cf} .ended{color:#f96}
</style></head>
<body>
<img id="feed" src="/stream.mjpg" alt="__FEED__">
<aside>
 <h1>__TITLE__</h1>
 <div class="mood" id="mood">__WAITING__</div>
 <div class="faces" id="faces"></div>
 <h2 id="heading"></h2><ol id="songs"></ol>
 <div class="stats" id="stats"></div>
</aside>
<script>
const $ = id => document.getElementById(id);
const W = __WORDS__;
const EMOJI = {angry:"😠",disgust:"🤢",fear:"😨",happy:"😄",sad:"😢",surprise:"😲",neutral:"😐"};
const PERCENT = new Intl.NumberFormat(W.lang, {style: "percent"}), ONE = new Intl.NumberFormat(W.lang,
  {minimumFractionDigits: 1, maximumFractionDigits: 1});
const face = f => `${W.moods[f.label] || f.label} ${PERCENT.format(f.confidence)}`;
function link(href, text){const a=document.createElement("a");a.textContent=text;
  if(href.startsWith("https://")){a.href=href;a.target="_blank";a.rel="noopener";}return a;}
async function refresh(){
  let s; try{ s = await (await fetch("/state",{cache:"no-store"})).json(); }catch(e){ return; }
  const main = s.faces[0];
  $("mood").textContent = main ? `${EMOJI[main.label]} ${face(main)}` : W.no_face;
  $("faces").textContent = s.faces.map(f => `#${f.id} ${face(f)}`).join(" · ");
  $("stats").textContent = `${ONE.format(s.seconds||0)} s · `
    + W.rates.replace("{fps}", ONE.format(s.fps||0)).replace("{dropped}", s.dropped||0)
    + (s.ended ? " · " + W.ended.replace("{reason}", s.ended) : "");
  $("stats").className = s.ended ? "stats ended" : "stats";
  if (s.songs && $("heading").dataset.key !== s.songs.key){
    $("heading").dataset.key = s.songs.key; $("heading").textContent = s.songs.heading;
    $("songs").replaceChildren(...s.songs.tracks.map(t => { const li=document.createElement("li");
      li.append(`${t.title} — ${t.artist} `, link(t.spotify,"Spotify"), " · ", link(t.youtube,"YouTube"));
      if(t.reason){const r=document.createElement("small");r.textContent=t.reason;li.append(r);} return li; }));
  }
}
setInterval(refresh, 500); refresh();
</script></body></html>
"""
