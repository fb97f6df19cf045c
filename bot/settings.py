"""Settings of the Telegram bot, read from the environment or ``.env`` (see ``.env.example``)."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
"""Telegram allows 1-256 characters of A-Za-z0-9_-; fewer than 16 would be guessable."""


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    token: str = Field("", alias="TELEGRAM_BOT_TOKEN")
    base_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_BASE_URL")
    """Bot API base URL, as python-telegram-bot's ``base_url`` (a self-hosted Bot API server, or the tests' fake)."""
    base_file_url: str = Field("https://api.telegram.org/file/bot", alias="TELEGRAM_BASE_FILE_URL")
    max_file_bytes: int = Field(20_000_000, alias="BOT_MAX_FILE_BYTES")
    """Larger files are refused before download (and a download stops there); 20 MB is the Bot API's own limit."""
    download_timeout: float = Field(30.0, alias="BOT_DOWNLOAD_TIMEOUT")
    """Seconds a whole download may take, however slowly the bytes drip in."""
    workers: int = Field(2, alias="BOT_WORKERS")
    """Threads for image/video analysis, so the event loop never waits on a video."""
    media_in_flight: int = Field(8, ge=1, alias="BOT_MEDIA_IN_FLIGHT")
    """Photos/videos downloaded, analysed and answered at once; more wait in arrival order. Enough to keep the
    analysis threads busy while others download or send; more only adds memory (a file each) and contention."""
    rate_limit: int = Field(6, alias="BOT_RATE_LIMIT")
    """Photos/videos one user may send per ``BOT_RATE_WINDOW`` seconds."""
    rate_window: float = Field(60.0, alias="BOT_RATE_WINDOW")
    rate_shared: bool = Field(False, alias="BOT_RATE_SHARED")
    """Keep the rate limits in the database, so that they hold across replicas (a fixed window per user)."""
    action_limit: int = Field(30, ge=1, alias="BOT_ACTION_LIMIT")
    """Commands, button presses and other messages one user may send per ``BOT_RATE_WINDOW`` seconds."""
    daily_readings: int = Field(100, ge=1, alias="BOT_DAILY_READINGS")
    """Mood readings stored per user in 24 hours; more get a reply saying so."""
    daily_songs: int = Field(500, ge=1, alias="BOT_DAILY_SONGS")
    """Suggested songs remembered per user in 24 hours (100 lists of 5); more lists are refused until later."""
    daily_playlists: int = Field(20, ge=1, alias="BOT_DAILY_PLAYLISTS")
    """Song lists one user may save (💾) in 24 hours."""
    songs_per_list: int = Field(5, alias="BOT_SONGS")
    send_annotated: bool = Field(True, alias="BOT_SEND_ANNOTATED")
    """Reply to a photo with a copy showing the face box and label (the copy is not kept either)."""
    mode: Literal["polling", "webhook"] = Field("polling", alias="BOT_MODE")
    webhook_url: str = Field("", alias="WEBHOOK_URL")
    """Public HTTPS URL Telegram posts updates to (webhook mode)."""
    webhook_listen: str = Field("127.0.0.1", alias="WEBHOOK_LISTEN")
    """Behind a TLS proxy on the same host; 0.0.0.0 to accept from other hosts (containers)."""
    webhook_port: int = Field(8443, ge=0, le=65535, alias="WEBHOOK_PORT")
    webhook_secret: str = Field("", alias="WEBHOOK_SECRET")
    """Checked against the X-Telegram-Bot-Api-Secret-Token header of every webhook call; required in webhook mode."""
    ops_port: int | None = Field(None, ge=0, le=65535, alias="OPS_PORT")
    """Polling mode: serve /healthz, /readyz and /metrics on this port (off when unset; webhook mode serves
    them on the webhook's port)."""
    ops_listen: str = Field("127.0.0.1", alias="OPS_LISTEN")
    server_max_connections: int = Field(100, ge=1, le=10_000, alias="SERVER_MAX_CONNECTIONS")
    """Connections the webhook/ops server keeps open at once; more are closed on arrival. Telegram opens at most
    100 to a webhook (40 by default); each connection is a file descriptor."""
    server_request_timeout: float = Field(10.0, gt=0, le=300, alias="SERVER_REQUEST_TIMEOUT")
    """Seconds a connection has to send a whole request (line, headers and body) before it is answered 408 and
    closed: stalled and trickling clients hold nothing for long."""
    shutdown_grace: float = Field(4.0, alias="BOT_SHUTDOWN_GRACE")
    """On SIGTERM, seconds to let running analyses finish; the users of the rest are asked to send again."""
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")
    """json: one object per line with update id, update type, handler, duration and outcome."""
    webapp_url: str = Field("", alias="WEBAPP_URL")
    """Public https address of the live camera Mini App (/camera, the menu button), served at /app/ by the bot's
    own server: the webhook's port, or ``OPS_PORT`` when polling. Empty: the camera is off."""
    webapp_max_age: float = Field(3600.0, gt=0, alias="WEBAPP_MAX_AGE")
    """Seconds a Mini App's signed launch data (Telegram's ``initData``) stays valid after Telegram issued it."""
    webapp_rate: float = Field(4.0, gt=0, le=15, alias="WEBAPP_RATE")
    """Camera frames analysed per second for one user at most (the page sends no more; the server refuses more)."""
    webapp_sessions: int = Field(2, ge=1, le=20, alias="WEBAPP_SESSIONS")
    """Camera views one user may have open at once."""
    webapp_max_sessions: int = Field(20, ge=1, alias="WEBAPP_MAX_SESSIONS")
    """Camera views open at once in this process, all users together; one more is asked to try later."""
    webapp_frame_bytes: int = Field(150_000, ge=10_000, le=2_000_000, alias="WEBAPP_FRAME_BYTES")
    """Largest camera frame accepted (the page sends JPEGs 480 pixels on the long side, quality 0.75)."""
    webapp_smoothing: float = Field(1.5, ge=0, alias="WEBAPP_SMOOTHING")
    """As ``WATCH_SMOOTHING``, for the camera Mini App."""
    webapp_stable_seconds: float = Field(3.0, ge=0, alias="WEBAPP_STABLE_SECONDS")
    """As ``WATCH_STABLE_SECONDS``, for the camera Mini App: how long a mood holds before its songs change."""
    sentry_dsn: str = Field("", alias="SENTRY_DSN")
    """Report errors to Sentry (needs the ``ops`` extra); off when empty. Events are scrubbed of the token,
    user and chat ids, message contents and media."""


class WatchSettings(BaseSettings):
    """Settings of the live camera mode, ``python -m bot watch`` (its flags override them)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    rate: float = Field(5.0, gt=0, le=30, alias="WATCH_RATE")
    """Frames analysed per second at most; frames that arrive meanwhile are dropped, never queued."""
    smoothing: float = Field(1.5, ge=0, alias="WATCH_SMOOTHING")
    """Time constant (seconds) of each face's moving average of probabilities; 0 turns smoothing off."""
    stable_seconds: float = Field(3.0, ge=0, alias="WATCH_STABLE_SECONDS")
    """How long the main face's mood must hold before songs are suggested for it."""
    max_side: int = Field(1280, ge=160, alias="WATCH_MAX_SIDE")
    """Frames are shrunk to this long side as they are read (a 4K camera costs what 720p costs)."""
    connect_timeout: float = Field(5.0, gt=0, alias="WATCH_CONNECT_TIMEOUT")
    """Seconds a stream may take to open, and to deliver each frame, before it counts as lost."""
    reconnects: int = Field(5, ge=0, alias="WATCH_RECONNECTS")
    """Attempts to reopen a camera or stream that stopped (waits 0.5, 1, 2, 4 ... s), then the watch ends."""
    preview_host: str = Field("127.0.0.1", alias="WATCH_PREVIEW_HOST")
    preview_port: int = Field(8765, ge=0, le=65535, alias="WATCH_PREVIEW_PORT")
    preview_clients: int = Field(4, ge=1, alias="WATCH_PREVIEW_CLIENTS")
    """Live feeds served at once by the preview page; more viewers are asked to close one."""


def webhook_path(url: str) -> str:
    """The local path of the webhook: the last segment of its public URL's path ("" when it has none)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line a person can act on."""


def check(settings: BotSettings) -> BotSettings:
    """Validate what python-telegram-bot would otherwise reject with a traceback."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env "
                          "(or try the pipeline without Telegram: python -m bot try PHOTO)")
    if not TOKEN_PATTERN.match(settings.token):
        raise ConfigError("TELEGRAM_BOT_TOKEN looks malformed: expected '<digits>:<35 letters, digits, - or _>' "
                          "as @BotFather gives it")
    if settings.mode == "webhook" and not settings.webhook_url.startswith("https://"):
        raise ConfigError("BOT_MODE=webhook needs WEBHOOK_URL set to a public https:// URL")
    if settings.mode == "webhook" and not webhook_path(settings.webhook_url):
        raise ConfigError("WEBHOOK_URL needs a path after the host, e.g. https://bot.example.com/telegram-hook: "
                          "the bot takes updates on its last segment (/telegram-hook)")
    if settings.mode == "webhook" and not SECRET_PATTERN.match(settings.webhook_secret):
        raise ConfigError("BOT_MODE=webhook needs WEBHOOK_SECRET: 16 to 256 characters of A-Z, a-z, 0-9, _ or - "
                          "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    if settings.webapp_url and not settings.webapp_url.startswith("https://"):
        raise ConfigError("WEBAPP_URL must be a public https:// address (Telegram opens Mini Apps over https only), "
                          "e.g. https://bot.example.com/app/")
    if settings.webapp_url and settings.mode == "polling" and settings.ops_port is None:
        raise ConfigError("WEBAPP_URL needs OPS_PORT in polling mode: the camera page is served on that port, "
                          "at /app/ (webhook mode serves it on WEBHOOK_PORT)")
    return settings
