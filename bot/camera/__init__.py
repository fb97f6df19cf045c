"""The live mood camera inside Telegram: a Mini App served by the bot's own server at ``/app/``.

- :mod:`bot.camera.chat`: ``/camera``, the chat's menu button, and the list "Save this mood" sends;
- :mod:`bot.camera.api`: the page and its API (mounted by :mod:`bot.server`);
- :mod:`bot.camera.auth`: Telegram's signed launch data, checked on every call;
- :mod:`bot.camera.views`: the open camera views and the per-user limits on them;
- :mod:`bot.camera.texts`: every word the camera says, in the chat and on the page;
- ``static/``: the page (HTML, CSS and JavaScript, no third-party code but Telegram's own script).
"""
