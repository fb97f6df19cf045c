"""A local fake of the Telegram Bot API, spoken over real HTTP on 127.0.0.1.

The real python-telegram-bot ``Application`` (built by ``bot.app``) talks to it
exactly as to api.telegram.org: getUpdates long polling, sendMessage, sendPhoto
(multipart upload), getFile and file download, callback answers, keyboard
edits, setMyCommands. Tests push updates in (a user sending a photo, pressing a
button) and wait for the bot's calls to come out; failures (429 with
retry_after, 500) can be injected per method.

It enforces Telegram's limits as the real server does: message text 4096
characters, captions 1024, callback data 64 bytes, sendPhoto's width +
height <= 10000, side ratio <= 20 and 10 MB, command descriptions 1-256
characters, the bot's description 512 and short description 120, and
per-language settings under two-letter language codes. Files can lie about their size or
drip slowly, as a hostile or broken server would. Group chats carry what
Telegram sends there: anonymous admins as ``GroupAnonymousBot`` with the group
as ``sender_chat``, posts as a channel with the channel as ``sender_chat``, and
a bot may not message a user who never opened a private chat with it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

from PIL import Image

from tests.fakes import LocalServer

TOKEN = "123456:" + "A" * 35
BOT_USER = {"id": 1000, "is_bot": True, "first_name": "MoodTunes", "username": "moodtunes_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
ANONYMOUS_ADMIN = 1087968824
"""``GroupAnonymousBot``: the ``from`` of every message an anonymous group admin sends."""
CHANNEL_BOT = 136817688
"""``Channel_Bot``: the ``from`` of messages sent in a group on behalf of a channel."""
_SENDERS = {ANONYMOUS_ADMIN: {"id": ANONYMOUS_ADMIN, "is_bot": True, "first_name": "Group",
                              "username": "GroupAnonymousBot"},
            CHANNEL_BOT: {"id": CHANNEL_BOT, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}}


def web_app_init_data(user_id: int, token: str = TOKEN, auth_date: float | None = None,
                      language_code: str | None = None, leave_out: tuple[str, ...] = (), **fields: str) -> str:
    """A Mini App's launch data (``Telegram.WebApp.initData``) as Telegram signs it for the bot with ``token``.

    Written from Telegram's "Validating data received via the Mini App", apart from the
    bot's own check: every field but ``hash`` sorted by key as ``key=value`` lines, signed
    with HMAC-SHA256 under the key HMAC-SHA256(key="WebAppData", message=token).
    ``leave_out`` drops fields before signing (a signed query without a user, say).
    """
    user = {"id": user_id, "first_name": f"User{user_id}", "allows_write_to_pm": True}
    if language_code:
        user["language_code"] = language_code
    values = {"query_id": f"AAQ{user_id}", "user": json.dumps(user, separators=(",", ":")),
              "auth_date": str(int(time.time() if auth_date is None else auth_date)), **fields}
    values = {k: v for k, v in values.items() if k not in leave_out}
    check = "\n".join(f"{k}={v}" for k, v in sorted(values.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    values["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(values, quote_via=quote)


def mini_app_url(page: str, init_data: str, theme: dict[str, str]) -> str:
    """The address Telegram opens a Mini App at: launch data, version, platform and theme in its fragment."""
    return (f"{page}#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=android"
            f"&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}")


@dataclass
class FakeFile:
    data: bytes
    declared: int | None = None
    """What getFile claims (None: the truth)."""
    body_bytes: int | None = None
    """Serve this many bytes instead of ``data``, with no Content-Length (a body far larger than declared)."""
    drip: float = 0.0
    """Seconds between single bytes (a server that never quite finishes)."""
    served: int = 0
    """Bytes actually written before the client stopped reading."""


def _visible(html_text: str) -> int:
    return len(unescape(re.sub(r"<[^>]+>", "", html_text)))


@dataclass
class Call:
    method: str
    params: dict
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class FakeTelegram(LocalServer):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.sent: dict[int, dict] = {}
        self.received: dict[tuple[int, int], dict] = {}
        """Users' messages by (chat id, message id), so bot replies can quote them."""
        self._updates: list[dict] = []
        self._files: dict[str, FakeFile] = {}
        self._failures: dict[str, list[tuple[int, dict]]] = {}
        self.not_started: set[int] = set()
        """Users who never opened a private chat with the bot: sending to them is refused (403) until they do."""
        self.language_codes: dict[int, str] = {}
        """The language a user's Telegram app is set to ("pt-br"), sent with their updates as Telegram does."""
        self.webhook: dict = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        """What getWebhookInfo answers; tests add last_error_date/last_error_message to play a failing proxy."""
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        super().__init__(self._handler())

    @property
    def base_url(self) -> str:
        return f"{self.origin}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.origin}/file/bot"

    # -- what tests do -------------------------------------------------------------------
    def add_file(self, data: bytes, **behaviour) -> str:
        """Store a file users can send; ``behaviour`` as :class:`FakeFile` (declared, body_bytes, drip)."""
        file_id = f"file{next(self._ids)}"
        self._files[file_id] = FakeFile(data, **behaviour)
        return file_id

    def file(self, file_id: str) -> FakeFile:
        return self._files[file_id]

    def fail(self, method: str, status: int, description: str, retry_after: int | None = None,
             times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram would."""
        body = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._cond:
            self._failures.setdefault(method, []).extend([(status, body)] * times)

    def _push(self, update: dict) -> int:
        """Queue an update for getUpdates; return its message id (or callback id)."""
        with self._cond:
            update["update_id"] = next(self._ids)
            self._updates.append(update)
            self._cond.notify_all()
        if "message" in update:
            msg = update["message"]
            self.received[(msg["chat"]["id"], msg["message_id"])] = msg
            if msg["chat"]["type"] == "private":
                self.not_started.discard(msg["chat"]["id"])
        inner = update.get("message") or update.get("callback_query") or {}
        return int(inner.get("message_id") or inner.get("id") or 0)

    def take_updates(self) -> list[dict]:
        """The queued updates, removed: for delivering them to a webhook instead of getUpdates."""
        with self._cond:
            taken, self._updates = self._updates, []
        return taken

    def _user(self, user_id: int) -> dict:
        """The sender as Telegram describes it, with the language of their app when a test set one."""
        user = dict(_SENDERS.get(user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}))
        if user_id in self.language_codes:
            user["language_code"] = self.language_codes[user_id]
        return user

    def _message(self, user_id: int, chat: dict | None = None, sender_chat: dict | None = None, **content) -> dict:
        """A message from ``user_id`` (``ANONYMOUS_ADMIN``/``CHANNEL_BOT`` with the chat it is sent as)."""
        user = self._user(user_id)
        extra = {"sender_chat": sender_chat} if sender_chat else {}
        return {"message_id": next(self._ids), "date": int(time.time()),
                "chat": chat or {"id": user_id, "type": "private"}, "from": user, **extra, **content}

    def user_sends_text(self, user_id: int, text: str, chat: dict | None = None, sender_chat: dict | None = None,
                        reply_to: dict | None = None) -> int:
        """Text (a command when it starts with /, "@name" a mention); ``reply_to`` a message it answers."""
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text[:1] == "/" else []
        entities += [{"type": "mention", "offset": m.start(), "length": len(m.group())}
                     for m in re.finditer(r"(?<![/\w])@\w+", text)]
        extra = {"reply_to_message": reply_to} if reply_to else {}
        return self._push({"message": self._message(user_id, chat, sender_chat, text=text, entities=entities,
                                                    **extra)})

    def user_sends_photo(self, user_id: int, data: bytes, chat: dict | None = None, caption: str | None = None,
                         size: int | None = None, file_id: str | None = None, sender_chat: dict | None = None) -> int:
        file_id = file_id or self.add_file(data)
        photo = [{"file_id": file_id, "file_unique_id": file_id + "u", "width": 640, "height": 480,
                  "file_size": size if size is not None else len(data)}]
        extra = {"caption": caption} if caption else {}
        return self._push({"message": self._message(user_id, chat, sender_chat, photo=photo, **extra)})

    def user_sends_document(self, user_id: int, data: bytes, mime: str, name: str, size: int | None = None) -> int:
        file_id = self.add_file(data)
        doc = {"file_id": file_id, "file_unique_id": file_id + "u", "file_name": name, "mime_type": mime,
               "file_size": size if size is not None else len(data)}
        return self._push({"message": self._message(user_id, document=doc)})

    def user_sends(self, user_id: int, **content) -> int:
        """Any other message (sticker, voice, location, ...), given as its Bot API fields."""
        return self._push({"message": self._message(user_id, **content)})

    def push_raw(self, update: dict) -> None:
        """Queue an update exactly as given (its update_id included), e.g. a redelivery."""
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def user_sends_video_note(self, user_id: int, data: bytes) -> int:
        file_id = self.add_file(data)
        note = {"file_id": file_id, "file_unique_id": file_id + "u", "length": 240, "duration": 3,
                "file_size": len(data)}
        return self._push({"message": self._message(user_id, video_note=note)})

    def user_presses(self, user_id: int, message: dict | None, data: str) -> str:
        """A button press; ``message`` None as for a button whose message Telegram no longer has. Returns its id."""
        user = self._user(user_id)
        query_id = str(next(self._ids))
        query = {"id": query_id, "from": user, "chat_instance": "ci", "data": data}
        if message is not None:
            query["message"] = message
        self._push({"callback_query": query})
        return query_id

    def answered(self, query_id: str, timeout: float = 30) -> Call:
        """The answerCallbackQuery call for a press; AssertionError if it never comes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                for call in self.calls:
                    if call.method == "answerCallbackQuery" and call.params.get("callback_query_id") == query_id:
                        return call
                self._cond.wait(0.1)
        raise AssertionError(f"callback query {query_id} was never answered")

    def wait_for(self, method: str, chat_id: int | None = None, after: int = 0, timeout: float = 60) -> Call:
        """The first call of ``method`` (to ``chat_id``) at index >= ``after``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id)):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.params.get("chat_id")) for c in self.calls[after:]]
                    raise AssertionError(f"no {method} to {chat_id} within {timeout}s; calls: {seen}")
                self._cond.wait(left)

    def mark(self) -> int:
        """Index to pass as ``after`` so that only calls from now on count."""
        with self._cond:
            return len(self.calls)

    def count(self, method: str, after: int = 0) -> int:
        with self._cond:
            return sum(c.method == method for c in self.calls[after:])

    # -- the Bot API -----------------------------------------------------------------------
    def _sent_message(self, params: dict, **content) -> dict:
        chat_id = int(params["chat_id"])
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        msg = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "from": BOT_USER, **content}
        quoted = json.loads(params.get("reply_parameters") or "{}").get("message_id")
        if (chat_id, quoted) in self.received:
            msg["reply_to_message"] = self.received[(chat_id, quoted)]
        if "reply_markup" in params:
            msg["reply_markup"] = json.loads(params["reply_markup"])
        self.sent[msg["message_id"]] = msg
        return msg

    def _answer(self, method: str, params: dict, files: dict[str, bytes]) -> tuple[int, dict]:
        """Answer a call, then record it: a test woken by the record sees what the call changed."""
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        status, body = self._result(method, params, files)
        with self._cond:
            self.calls.append(Call(method, params, files))
            self._cond.notify_all()
        return status, body

    def _result(self, method: str, params: dict, files: dict[str, bytes]) -> tuple[int, dict]:
        with self._cond:
            failures = self._failures.get(method)
            if failures:
                return failures.pop(0)
        refusal = _over_limits(method, params, files)
        if refusal:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {refusal}"}
        if method.startswith("send") and params.get("chat_id", "").lstrip("-").isdigit() \
                and int(params["chat_id"]) in self.not_started:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot can't initiate conversation with a user"}
        if method == "getMe":
            result: object = BOT_USER
        elif method == "sendMessage":
            result = self._sent_message(params, text=params.get("text", ""))
        elif method == "sendPhoto":
            photo_id = self.add_file(files.get("photo", b""))
            result = self._sent_message(params, caption=params.get("caption", ""),
                                        photo=[{"file_id": photo_id, "file_unique_id": photo_id + "u",
                                                "width": 100, "height": 100}])
        elif method == "getFile":
            file_id = params["file_id"]
            if file_id not in self._files:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            stored = self._files[file_id]
            size = stored.declared if stored.declared is not None else len(stored.data)
            result = {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": size,
                      "file_path": f"files/{file_id}"}
        elif method == "setWebhook":
            self.webhook["url"] = params.get("url", "")
            result = True
        elif method == "getWebhookInfo":
            result = dict(self.webhook)
        elif method in ("editMessageReplyMarkup", "editMessageText"):
            if int(params.get("message_id", 0)) not in self.sent:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
            msg = dict(self.sent[int(params["message_id"])])
            if "reply_markup" in params:
                msg["reply_markup"] = json.loads(params["reply_markup"])
            if "text" in params:
                msg["text"] = params["text"]
            result = msg
        else:  # setMyCommands, answerCallbackQuery, sendChatAction, deleteWebhook, ...
            result = True
        return 200, {"ok": True, "result": result}

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self._updates)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real Bot API

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                path = unquote(urlparse(self.path).path)
                prefix = f"/file/bot{TOKEN}/files/"
                stored = fake._files.get(path[len(prefix):]) if path.startswith(prefix) else None
                if stored is None:
                    self.send_error(404)
                    return
                length = stored.body_bytes if stored.body_bytes is not None else len(stored.data)
                self.send_response(200)
                if stored.body_bytes is None:
                    self.send_header("Content-Length", str(length))
                else:  # no length at all: the body runs until the server closes the connection
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    if stored.drip:
                        for i in range(length):
                            self.wfile.write(stored.data[i:i + 1] or b"\0")
                            self.wfile.flush()
                            stored.served += 1
                            time.sleep(stored.drip)
                    elif stored.body_bytes is not None:
                        chunk = b"\0" * 65536
                        while stored.served < length:
                            self.wfile.write(chunk)
                            stored.served += len(chunk)
                    else:
                        self.wfile.write(stored.data)
                        stored.served = length
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def do_POST(self) -> None:
                path = unquote(urlparse(self.path).path)
                if not path.startswith(f"/bot{TOKEN}/"):
                    self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params, files = _parse(self.headers.get("Content-Type", ""), body)
                self._reply(*fake._answer(path.rsplit("/", 1)[-1], params, files))

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _over_limits(method: str, params: dict, files: dict[str, bytes]) -> str | None:
    """Telegram's own refusal for a call past its limits, or None."""
    if method in ("sendMessage", "editMessageText") and _visible(params.get("text", "")) > 4096:
        return "message is too long"
    if "caption" in params and _visible(params["caption"]) > 1024:
        return "message caption is too long"
    if method in ("setMyCommands", "setMyDescription", "setMyShortDescription") \
            and not re.fullmatch(r"([a-z]{2})?", params.get("language_code", "")):
        return "language code is invalid"
    if method == "setMyCommands" and any(not 1 <= len(c["description"]) <= 256 or not re.fullmatch(r"[a-z0-9_]{1,32}",
                                                                                                c["command"])
                                         for c in json.loads(params.get("commands", "[]"))):
        return "BOT_COMMAND_INVALID"
    if method == "setMyDescription" and len(params.get("description", "")) > 512:
        return "BOT_DESCRIPTION_INVALID"
    if method == "setMyShortDescription" and len(params.get("short_description", "")) > 120:
        return "BOT_SHORT_DESCRIPTION_INVALID"
    for row in json.loads(params.get("reply_markup") or "{}").get("inline_keyboard", []):
        if any(len(b.get("callback_data", "").encode()) > 64 for b in row):
            return "BUTTON_DATA_INVALID"
    if method == "sendPhoto" and "photo" in files:
        photo = files["photo"]
        if len(photo) > 10_000_000:
            return "file must be non-empty and at most 10 MB"
        try:  # the size from the header: a full decode of every photo would take the bot's cores in load tests
            w, h = Image.open(io.BytesIO(photo)).size
        except Image.DecompressionBombError:
            return "PHOTO_INVALID_DIMENSIONS"
        except (OSError, ValueError):
            return "IMAGE_PROCESS_FAILED"
        if w + h > 10_000 or max(w, h) / max(1, min(w, h)) > 20:
            return "PHOTO_INVALID_DIMENSIONS"
    return None


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
_DISPOSITION = re.compile(rb"^content-disposition:[ \t]*form-data(.*)$", re.IGNORECASE | re.MULTILINE)
_FIELD = re.compile(rb';[ \t]*(name|filename)="([^"]*)"')


def _parse(content_type: str, body: bytes) -> tuple[dict, dict[str, bytes]]:
    """Form fields and uploaded files of a Bot API request (urlencoded, JSON or multipart)."""
    if content_type.startswith("multipart/form-data"):
        # Split on the boundary and read only each part's Content-Disposition: the email parser, over a photo's bytes
        # or only over the parts' headers, took more of a load test's cores than the bot's own upload did.
        boundary = _BOUNDARY.search(content_type)
        if boundary is None:
            return {}, {}
        params, files = {}, {}
        for part in body.split(b"--" + boundary.group(1).encode())[1:-1]:
            head, _, payload = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            disposition = _DISPOSITION.search(head)
            fields = dict(_FIELD.findall(disposition.group(1))) if disposition else {}
            name = fields.get(b"name", b"").decode()
            payload = payload.removesuffix(b"\r\n")
            if b"filename" in fields:
                files[name] = payload
            else:
                params[name] = payload.decode()
        return params, files
    if content_type.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body or b"{}").items()}, {}
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}, {}
