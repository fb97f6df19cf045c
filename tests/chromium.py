"""Headless Chromium, driven over the DevTools protocol through a pipe: no port, no driver, no extra package.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands on
file descriptor 3 and writes answers and events on 4, each a JSON object ended
by a NUL byte. That is all the browser tests need: open a page at a phone's
size, evaluate JavaScript, wait for a condition, take a screenshot. Debian's
``chromium`` package is the browser (``apt-get install chromium``).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
"""Headless, and no request leaves the machine: every host name but 127.0.0.1 fails at once."""


def find() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def fake_camera(video: Path) -> list[str]:
    """Flags that grant the camera without asking and feed it from a .y4m file (looped)."""
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]


class ProtocolError(RuntimeError):
    pass


class Page:
    def __init__(self, browser: Chromium, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def call(self, method: str, **params: Any) -> dict:
        return self.browser.call(method, params, self.session)

    def evaluate(self, expression: str) -> Any:
        found = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in found:
            raise ProtocolError(f"{expression}: {found['exceptionDetails'].get('text')}")
        return found["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """The first truthy value of ``expression``, polled every 0.1 s; AssertionError with the page's log if none.

        An expression that throws (the page still loading, say) counts as false.
        """
        deadline = time.monotonic() + timeout
        problem = "false"
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except ProtocolError as exc:
                value, problem = None, str(exc)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"{expression} stayed {problem} for {timeout} s; page log: {self.browser.log[-10:]}")

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target})


class Chromium:
    """One headless browser with a fresh profile, as a context manager."""

    def __init__(self, *flags: str, binary: str | None = None):
        binary = binary or find()
        if binary is None:
            raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="moodtunes-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def as_fds_3_and_4() -> None:
            read, write = os.dup(commands_read), os.dup(answers_write)  # above 4, whatever the pipes got
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe", *flags, "about:blank"],
            preexec_fn=as_fds_3_and_4, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(answers_write)
        self._ids = itertools.count(1)
        self._answered: dict[int, dict] = {}
        self._cond = threading.Condition()
        self.log: list[str] = []
        """Console messages, uncaught exceptions and browser log entries (CSP refusals among them)."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> None:
        buffer = b""
        with open(self._answers, "rb", buffering=0) as answers:
            while chunk := answers.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    self._take(json.loads(raw))
        with self._cond:
            self._cond.notify_all()

    def _take(self, message: dict) -> None:
        if "id" in message:
            with self._cond:
                self._answered[message["id"]] = message
                self._cond.notify_all()
            return
        params = message.get("params", {})
        if message.get("method") == "Runtime.consoleAPICalled":
            self.log.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif message.get("method") == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.log.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif message.get("method") == "Log.entryAdded":
            self.log.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        """Send one protocol command and wait for its answer."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while number not in self._answered:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise ProtocolError(f"no answer to {method} (browser exit status {self.process.poll()})")
                self._cond.wait(left)
            answer = self._answered.pop(number)
        if "error" in answer:
            raise ProtocolError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def open(self, url: str, width: int = 390, height: int = 780, scale: float = 2) -> Page:
        """A new tab the size of a phone's screen, showing ``url``."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            page.call(domain)
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale,
                  mobile=True)
        page.call("Page.navigate", url=url)
        return page

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.call("Browser.close", timeout=5)
            except ProtocolError:
                pass
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self._commands)
        shutil.rmtree(self.profile, ignore_errors=True)

