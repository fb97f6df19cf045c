"""python -m bot: run the MoodTunes Telegram bot, or try its pipeline without Telegram.

    python -m bot                 # long polling (default) or webhook, per BOT_MODE
    python -m bot try selfie.jpg  # no token needed: prints the reply the bot would send
    python -m bot watch 0         # live camera mode: a camera, video file or stream; no Telegram needed
    python -m bot health          # exit 0 when the running bot answers /healthz (a container's health check)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot.logs import JsonFormatter
from bot.logs import configure as configure_logging
from bot.redact import redact
from bot.settings import BotSettings, ConfigError
from bot.watch import __doc__ as watch_doc
from bot.watch import add_arguments, watch

log = logging.getLogger("bot")


def try_file(path: Path, language: str | None = None) -> int:
    """Run one photo or video through model and catalogue and print the bot's reply as plain text, as a user of
    ``language`` (a language tag: the reply's words and the songs' languages) would read it."""
    from bot import replies
    from bot.i18n import words
    from bot.plain import plain
    from catalog import Preferences, get_catalog, plan
    from catalog.languages import default_languages
    from model import InputError, get_analyzer, media_kind, path_problem

    if problem := path_problem(path):
        return _fail(problem, 1)
    t = words(language)
    analyzer, catalog = get_analyzer(), get_catalog()
    try:
        reading = analyzer.analyze(path.read_bytes(), media_kind(path.name))
    except InputError as exc:
        print(plain(replies.bad_input(t, exc)))
        return 1
    except OSError as exc:
        return _fail(f"{path}: {exc.strerror or exc}", 1)
    found = replies.headline(t, reading)
    if found is None:
        print(plain(replies.no_face(t, reading, buttons=False)))
        return 0
    prefs = Preferences(languages=default_languages(language))
    chosen = plan(prefs, found.label, n=BotSettings().songs_per_list)
    tracks = catalog.with_spotify(catalog.recommend(None, found.probs, chosen.strategy, chosen.target, chosen.n,
                                                    preferences=prefs))
    print(plain(found.summary + "\n\n"
                + replies.songs_text(t, tracks, replies.heading(t, found.label, chosen.strategy, chosen.target))))
    return 0


def run(settings: BotSettings) -> None:
    """Start the bot in polling or webhook mode and block until stopped (Ctrl-C / SIGTERM)."""
    from bot import sentry
    from bot.app import build_application
    from bot.memory import return_large_buffers
    from bot.runner import leave_if_stuck, serve
    from bot.settings import check
    from catalog import get_catalog
    from model import get_analyzer

    check(settings)  # before loading anything: a bad token should fail in a second, not after the model loads
    if sentry.init(settings.sentry_dsn):
        log.info("errors are reported to Sentry, scrubbed")
    return_large_buffers()
    app = build_application(settings, get_analyzer(), get_catalog())
    if settings.mode == "webhook":
        log.info("webhook mode on %s:%d", settings.webhook_listen, settings.webhook_port)
    else:
        log.info("long polling")
    asyncio.run(serve(app))
    leave_if_stuck()


def health(settings: BotSettings) -> int:
    """Ask the running bot's /healthz (webhook port, or OPS_PORT when polling): 0 when it answers."""
    import urllib.error
    import urllib.request

    port = settings.webhook_port if settings.mode == "webhook" else settings.ops_port
    listen = settings.webhook_listen if settings.mode == "webhook" else settings.ops_listen
    if port is None:
        print("error: no health route in polling mode without OPS_PORT", file=sys.stderr)
        return 2
    host = "127.0.0.1" if listen in ("0.0.0.0", "::", "") else listen
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=3) as answer:
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


VERBOSE_HELP = "debug logs (LOG_LEVEL=DEBUG), LiteRT's start-up line included"


def _parser() -> argparse.ArgumentParser:
    """Every command and option, with help written for a terminal."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default)",
                   description="Run the Telegram bot until Ctrl-C or SIGTERM: long polling, or a webhook with "
                               "BOT_MODE=webhook. Needs TELEGRAM_BOT_TOKEN (environment or .env).")
    t = sub.add_parser("try", help="print the reply for a photo or video, without Telegram",
                       description="Print, as plain text, the reply the bot would send for a photo or video: the "
                                   "mood it reads and the songs it suggests. No token needed.")
    t.add_argument("path", type=Path, help="a photo, image file or video (JPEG, PNG, WebP, GIF, MP4, ...)")
    t.add_argument("--language", help="reply as to a user of this language (en, es, pt-br, de, fr, it, ru, uk, tr, "
                                      "id; default: English, songs in any language)")
    sub.add_parser("health", help="exit 0 when the running bot answers /healthz (for container health checks)",
                   description="Exit 0 when the running bot answers /healthz on its webhook port (or OPS_PORT "
                               "when polling), 1 otherwise: a container's health check.")
    w = sub.add_parser("watch", help="live camera mode: the mood in a camera, video file or stream, and songs for it",
                       description=watch_doc)
    add_arguments(w)
    for command in sub.choices.values():  # also after the command: python -m bot try x.jpg --verbose
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = BotSettings()
    except ValidationError as exc:
        return _fail(_first_problem(exc))
    configure_logging("DEBUG" if args.verbose else settings.log_level, settings.log_format,
                      secrets=(settings.token, settings.webhook_secret))
    if args.command == "try":
        return try_file(args.path, args.language)
    if args.command == "watch":
        try:
            return watch(args)
        except KeyboardInterrupt:  # Ctrl-C before the watch began (while the model loads, say)
            print("stopped", file=sys.stderr)
            return 130
        except ValidationError as exc:
            return _fail(_first_problem(exc))
    if args.command == "health":
        return health(settings)
    from sqlalchemy.exc import SQLAlchemyError
    from telegram.error import InvalidToken, NetworkError, TelegramError

    try:
        run(settings)
    except (ConfigError, OSError) as exc:  # a bad setting, or a port that is taken
        return _fail(str(exc))
    except InvalidToken:  # its own message quotes the token
        return _fail("Telegram rejected TELEGRAM_BOT_TOKEN: copy it again from @BotFather (/mybots, API Token)")
    except NetworkError as exc:  # no route, DNS, a proxy in the way, or a wrong TELEGRAM_BASE_URL
        host = urlsplit(settings.base_url).netloc or settings.base_url
        return _fail(f"could not reach Telegram's Bot API at {host} ({exc.message}): check the network and "
                     "proxy settings, and TELEGRAM_BASE_URL", 1)
    except TelegramError as exc:
        return _fail(f"Telegram did not answer as expected at start: {exc.message}", 1)
    except SQLAlchemyError as exc:
        return _fail(f"the database (DATABASE_URL) failed at start: {type(exc).__name__}: "
                     f"{getattr(exc, 'orig', None) or exc}", 1)
    return 0


def _first_problem(exc: ValidationError) -> str:
    """One setting's problem in a line, without the value given (it may be a secret)."""
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"])
    return f"{name}: {error['msg']}" + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")


def _fail(message: str, status: int = 2) -> int:
    """One line on stderr, with any secret in it masked (a JSON log line with ``LOG_FORMAT=json``)."""
    line = f"error: {redact(message).splitlines()[0] if message else 'unknown'}"
    if any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
        log.critical(line)
    else:
        print(line, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
