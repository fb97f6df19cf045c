"""The load side of bench_bot_load.py, in its own process: the fake Bot API plus the users it plays.

Run by bench_bot_load.py, never by hand. It prints ``READY <base url>``, waits
until every bot replica serves (its ``setWebhook``, or the ``deleteWebhook`` polling begins with: after
start-up has loaded the song index and introduced the bot in every language), plays three scenarios
(steady photos, a burst between the lines ``BURST`` and ``BURST DONE``, mixed
photos/commands/buttons) and prints one JSON line of figures. Updates reach
the bots by getUpdates, or, with ``--webhook``, by POSTs spread round robin over
the replicas' webhook URLs, as Telegram and a load balancer would.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import stats  # noqa: E402

from tests.fakes.telegram import FakeTelegram  # noqa: E402


class Users:
    """Sends what users send, through getUpdates or the replicas' webhooks."""

    def __init__(self, fake: FakeTelegram, webhooks: list[str], secret: str):
        self.fake, self.secret = fake, secret
        self.targets = itertools.cycle(webhooks) if webhooks else None
        self.http = httpx.AsyncClient(timeout=30)
        self.posts: list[asyncio.Task] = []

    async def deliver(self) -> None:
        if self.targets is None:
            return
        for update in self.fake.take_updates():
            self.posts.append(asyncio.create_task(self.http.post(
                next(self.targets), json=update, headers={"X-Telegram-Bot-Api-Secret-Token": self.secret})))

    async def photo(self, user: int, data: bytes) -> None:
        self.fake.user_sends_photo(user, data)
        await self.deliver()

    async def text(self, user: int, text: str) -> None:
        self.fake.user_sends_text(user, text)
        await self.deliver()

    async def press(self, user: int, message: dict, data: str) -> str:
        query = self.fake.user_presses(user, message, data)
        await self.deliver()
        return query


async def drive(users: Users, photos: list[bytes], arrivals: list[float], first_user: int) -> dict:
    """Send photo i at arrivals[i] seconds, each from its own user; wait for all replies."""
    fake = users.fake
    start = time.monotonic()
    sent: dict[int, float] = {}
    for i, at in enumerate(arrivals):
        delay = start + at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await users.photo(first_user + i, photos[i % len(photos)])
        sent[first_user + i] = time.monotonic()
    deadline = time.monotonic() + 120
    replies: dict[int, float] = {}
    while len(replies) < len(sent) and time.monotonic() < deadline:
        for call in list(fake.calls):
            if call.method in ("sendPhoto", "sendMessage"):
                chat = int(call.params["chat_id"])
                if chat in sent and chat not in replies:
                    replies[chat] = call.at
        await asyncio.sleep(0.02)
    wall = max(replies.values(), default=start) - start
    errors = sum(c.method == "sendMessage" and "went wrong" in c.params.get("text", "") for c in fake.calls)
    latencies = [(replies[m] - sent[m]) * 1000 for m in replies]
    return {"photos": len(sent), "replied": len(replies), "errors": errors,
            "photos_per_s": round(len(replies) / wall, 2) if wall else 0.0, **stats(latencies or [0.0])}


async def drive_mixed(users: Users, photos: list[bytes], rate: float, seconds: float, first_user: int) -> dict:
    """Photos, commands and button presses interleaved; each event's time to its first answer."""
    fake = users.fake
    start = time.monotonic()
    n = int(rate * seconds)
    pending: dict[str, float] = {}  # event key -> sent at
    commands = ("/mood", "/history", "/playlist sad")
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": first_user, "type": "private"},
               "from": {"id": 1000, "is_bot": True, "first_name": "MoodTunes"}, "text": "songs"}
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user = first_user + i % 20
        kind = i % 3
        if kind == 0:
            await users.photo(user, photos[i % len(photos)])
            pending[f"chat:{user}:{i}"] = time.monotonic()
        elif kind == 1:
            await users.text(user, commands[i % len(commands)])
            pending[f"chat:{user}:{i}"] = time.monotonic()
        else:
            data = ("fb:like:1", "more", "set:page:main")[i % 3]
            query = await users.press(user, {**message, "chat": {"id": user, "type": "private"}}, data)
            pending[f"query:{query}"] = time.monotonic()
    deadline = time.monotonic() + 120
    answered: dict[str, float] = {}
    while len(answered) < len(pending) and time.monotonic() < deadline:
        chats: dict[int, list[float]] = {}
        for call in list(fake.calls):
            if call.method == "answerCallbackQuery":
                key = f"query:{call.params.get('callback_query_id')}"
                if key in pending:
                    answered.setdefault(key, call.at)
            elif call.method in ("sendPhoto", "sendMessage"):
                chats.setdefault(int(call.params["chat_id"]), []).append(call.at)
        for key, sent in pending.items():  # a chat event counts as answered by the first reply after it
            if key.startswith("chat:") and key not in answered:
                user = int(key.split(":")[1])
                later = [t for t in chats.get(user, []) if t >= sent and t not in answered.values()]
                if later:
                    answered[key] = min(later)
        await asyncio.sleep(0.05)
    latencies = [(answered[k] - pending[k]) * 1000 for k in answered]
    return {"events": n, "answered": len(answered), **stats(latencies or [0.0])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--webhook", default="", help="comma-separated webhook URLs of the replicas")
    parser.add_argument("--secret", default="")
    parser.add_argument("--photos", required=True, help="comma-separated JPEG files the users send, in turn")
    args = parser.parse_args()
    photos = [Path(name).read_bytes() for name in args.photos.split(",")]
    figures: dict = {}
    with FakeTelegram() as fake:
        print(f"READY {fake.origin}", flush=True)
        deadline = time.monotonic() + 120
        serving = "setWebhook" if args.webhook else "deleteWebhook"  # after start-up, as updates begin to flow
        while fake.count(serving) < args.replicas:
            if time.monotonic() > deadline:
                raise SystemExit("the bot replicas did not start within 120 s")
            time.sleep(0.1)

        async def run() -> None:
            users = Users(fake, [u for u in args.webhook.split(",") if u], args.secret)
            n = int(args.rate * args.seconds)
            figures["steady"] = {"rate_per_s": args.rate, **await drive(
                users, photos, [i / args.rate for i in range(n)], 10_000)}
            print("BURST", flush=True)  # the parent reads the bots' CPU time at these two lines
            figures["burst"] = await drive(users, photos, [0.0] * args.burst, 20_000)
            print("BURST DONE", flush=True)
            figures["mixed"] = {"rate_per_s": args.rate, **await drive_mixed(users, photos, args.rate, args.seconds,
                                                                             30_000)}
            answers = await asyncio.gather(*users.posts, return_exceptions=True)
            refused = [a for a in answers if isinstance(a, BaseException) or a.status_code != 200]
            figures["webhook_posts"] = {"sent": len(users.posts), "refused": len(refused)}
            await users.http.aclose()

        asyncio.run(run())
        print(json.dumps(figures), flush=True)
        sys.stdin.read()  # serve until the parent has stopped the bots, so their last polls get an answer


if __name__ == "__main__":
    main()
