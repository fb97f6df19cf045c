"""Telegram handlers: one small async function per kind of update, command and button, one module per feature.

:mod:`~bot.handlers.media` answers photos and videos, :mod:`~bot.handlers.commands` the commands,
:mod:`~bot.handlers.buttons` the buttons under replies, :mod:`~bot.handlers.settings` the settings menu;
:mod:`~bot.handlers.common` holds what they share. Commands that show a person their own data live in
:mod:`bot.personal`; :func:`bot.app.build_application` registers them all.

The heavy work (decoding, detection, classification) runs in the bounded thread
pool ``context.bot_data.pool``, charts on their own thread; database calls run
in ``asyncio.to_thread``. The event loop only shuttles bytes, so one long video
never stalls other chats. Before any handler, :mod:`bot.privacy` drops group
messages not addressed to the bot and :mod:`bot.budget` spends the sender's
budget. Messages are HTML by default (``Defaults`` in ``bot.app``); retries of
sends happen in the request layer, where they are safe.
"""
