"""A local fake of the Telegram Bot API, spoken over real HTTP on 127.0.0.1.

The real python-telegram-bot ``Application`` (built by ``bot.app``) talks to it
exactly as to api.telegram.org: getUpdates long polling, sendMessage, sendPhoto
(multipart upload), getFile and file download, callback answers, keyboard
edits, setMyCommands. Tests push updates in (a user sending a photo, pressing a
button) and wait for the bot's calls to come out; failures (429 with
retry_after, 500) can be injected per method.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes import LocalServer

TOKEN = "123456:" + "A" * 35
BOT_USER = {"id": 1000, "is_bot": True, "first_name": "MoodTunes", "username": "moodtunes_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


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
        self._updates: list[dict] = []
        self._files: dict[str, bytes] = {}
        self._failures: dict[str, list[tuple[int, dict]]] = {}
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
    def add_file(self, data: bytes) -> str:
        file_id = f"file{next(self._ids)}"
        self._files[file_id] = data
        return file_id

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
        inner = update.get("message") or update.get("callback_query") or {}
        return int(inner.get("message_id") or inner.get("id") or 0)

    def _message(self, user_id: int, chat: dict | None = None, **content) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        return {"message_id": next(self._ids), "date": int(time.time()),
                "chat": chat or {"id": user_id, "type": "private"}, "from": user, **content}

    def user_sends_text(self, user_id: int, text: str, chat: dict | None = None) -> int:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        return self._push({"message": self._message(user_id, chat, text=text, entities=entities)})

    def user_sends_photo(self, user_id: int, data: bytes, chat: dict | None = None, caption: str | None = None,
                         size: int | None = None) -> int:
        file_id = self.add_file(data)
        photo = [{"file_id": file_id, "file_unique_id": file_id + "u", "width": 640, "height": 480,
                  "file_size": size if size is not None else len(data)}]
        extra = {"caption": caption} if caption else {}
        return self._push({"message": self._message(user_id, chat, photo=photo, **extra)})

    def user_sends_document(self, user_id: int, data: bytes, mime: str, name: str, size: int | None = None) -> int:
        file_id = self.add_file(data)
        doc = {"file_id": file_id, "file_unique_id": file_id + "u", "file_name": name, "mime_type": mime,
               "file_size": size if size is not None else len(data)}
        return self._push({"message": self._message(user_id, document=doc)})

    def user_sends_video_note(self, user_id: int, data: bytes) -> int:
        file_id = self.add_file(data)
        note = {"file_id": file_id, "file_unique_id": file_id + "u", "length": 240, "duration": 3,
                "file_size": len(data)}
        return self._push({"message": self._message(user_id, video_note=note)})

    def user_presses(self, user_id: int, message: dict, data: str) -> int:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        return self._push({"callback_query": {"id": str(next(self._ids)), "from": user, "chat_instance": "ci",
                                              "message": message, "data": data}})

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
        msg = {"message_id": next(self._ids), "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
               "from": BOT_USER, **content}
        if "reply_markup" in params:
            msg["reply_markup"] = json.loads(params["reply_markup"])
        self.sent[msg["message_id"]] = msg
        return msg

    def _answer(self, method: str, params: dict, files: dict[str, bytes]) -> tuple[int, dict]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._cond:
            self.calls.append(Call(method, params, files))
            self._cond.notify_all()
            failures = self._failures.get(method)
            if failures:
                return failures.pop(0)
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
            result = {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": len(self._files[file_id]),
                      "file_path": f"files/{file_id}"}
        elif method in ("editMessageReplyMarkup", "editMessageText"):
            msg = dict(self.sent.get(int(params.get("message_id", 0)), {}))
            if "reply_markup" in params:
                msg["reply_markup"] = json.loads(params["reply_markup"])
            if "text" in params:
                msg["text"] = params["text"]
            result = msg or True
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
                data = fake._files.get(path[len(prefix):]) if path.startswith(prefix) else None
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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


def _parse(content_type: str, body: bytes) -> tuple[dict, dict[str, bytes]]:
    """Form fields and uploaded files of a Bot API request (urlencoded, JSON or multipart)."""
    if content_type.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        params, files = {}, {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                params[name] = payload.decode()
        return params, files
    if content_type.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body or b"{}").items()}, {}
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}, {}
