"""Fetch a user's file from Telegram into memory, bounded in bytes and in time.

The Bot API's ``getFile`` tells the size it knows; the download itself is
streamed and stops the moment it passes the limit, whatever the server
declared, and the whole fetch has one deadline, so a server that drips bytes
cannot hold a handler.
"""

from __future__ import annotations

import asyncio

import httpx
from telegram import Bot
from telegram.error import BadRequest


class DownloadError(Exception):
    """The file could not be had; subclasses say why."""


class TooLarge(DownloadError):
    pass


class Unavailable(DownloadError):
    """Telegram does not know the file (expired or forged id) or refuses it."""


class TooSlow(DownloadError):
    pass


async def fetch(bot: Bot, client: httpx.AsyncClient, file_id: str, limit: int, timeout: float) -> bytes:
    """The file's bytes; raises a :class:`DownloadError` instead of going past ``limit`` or ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            try:
                tg_file = await bot.get_file(file_id)
            except BadRequest as exc:
                if "too big" in exc.message.lower():
                    raise TooLarge() from None
                raise Unavailable() from None
            if tg_file.file_size and tg_file.file_size > limit:
                raise TooLarge()
            if not tg_file.file_path:
                raise Unavailable()
            # file_path is the full download URL, bot token included: never log it.
            async with client.stream("GET", tg_file.file_path) as response:
                if response.status_code != 200:
                    raise Unavailable()
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise TooLarge()
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise TooLarge()
                return bytes(data)
    except TimeoutError:
        raise TooSlow() from None
    except httpx.HTTPError:
        raise Unavailable() from None
