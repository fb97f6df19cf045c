"""Take the README's screenshots of the camera Mini App, in Telegram's light and dark themes.

    .venv/bin/python scripts/camera_screenshots.py    # writes docs/camera-light.png and docs/camera-dark.png

The real bot (its own server at /app/) against the tests' fake Bot API, a fresh SQLite catalogue, and
headless Chromium (Debian's chromium package) whose camera plays a test face (tests/data, public domain),
opened as Telegram opens the page. PNGs are reduced to 256 colours to stay small.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a file: the project's packages and the test fakes

USER = 7001
THEMES = {
    "light": {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579", "link_color": "#3390ec",
              "button_color": "#3390ec", "button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f5"},
    "dark": {"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa", "link_color": "#8774e1",
             "button_color": "#8774e1", "button_text_color": "#ffffff", "secondary_bg_color": "#181818"},
}


def shoot(address: str, folder: Path, out: Path) -> list[Path]:
    from PIL import Image

    from tests.chromium import Chromium, fake_camera
    from tests.fakes.camera import face_video
    from tests.fakes.telegram import mini_app_url, web_app_init_data

    written = []
    with Chromium(*fake_camera(face_video(folder / "face.y4m"))) as browser:
        for name, theme in THEMES.items():
            page = browser.open(mini_app_url(address, web_app_init_data(USER, language_code="en"), theme),
                                width=390, height=1010, scale=1.5)
            page.wait_for("document.querySelectorAll('#songs li').length === 5", 90)
            time.sleep(3)  # a few seconds of timeline
            shot = page.screenshot(folder / f"{name}.png")
            path = out / f"camera-{name}.png"
            Image.open(shot).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
            written.append(path)
            page.close()
    return written


async def run(out: Path) -> list[Path]:
    from bot.app import build_application
    from bot.runner import running
    from catalog.db import make_engine, prepare
    from catalog.service import Catalog
    from catalog.settings import CatalogSettings
    from model import get_analyzer
    from tests.fakes.telegram import FakeTelegram
    from tests.test_bot import _settings
    from tests.test_camera import APP_URL, free_port

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/catalog.db"
        engine = make_engine(url)
        prepare(engine)
        catalog = Catalog(engine, CatalogSettings(DATABASE_URL=url, SPOTIFY_CLIENT_ID="", SPOTIFY_CLIENT_SECRET=""))
        port = free_port()
        with FakeTelegram() as fake:
            settings = _settings(fake, OPS_PORT=port, WEBAPP_URL=APP_URL, WEBAPP_STABLE_SECONDS=1)
            async with running(build_application(settings, get_analyzer(), catalog), poll_timeout=1):
                return await asyncio.to_thread(shoot, f"http://127.0.0.1:{port}/app/", Path(folder), out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the two PNGs (default: docs/)")
    args = parser.parse_args()
    for path in asyncio.run(run(args.out.resolve())):
        print(f"{path}: {path.stat().st_size // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
