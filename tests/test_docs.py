"""What a newcomer reads first: the README and docs/, the terminal help, the deployment files."""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_reads_in_five_minutes():
    assert len(README.read_text().splitlines()) <= 200


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    targets = [t for t in LINK.findall(page.read_text()) if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert targets, "a page with no links to the rest of the project"
    missing = [t for t in targets if not (page.parent / t.split("#")[0]).exists()]
    assert missing == []


def test_readme_names_every_command():
    from bot.replies import COMMANDS

    table = README.read_text()
    assert [name for name, _ in COMMANDS if f"`/{name}" not in table] == []


def _sample_script():
    spec = importlib.util.spec_from_file_location("sample_conversation", ROOT / "scripts" / "sample_conversation.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_sample_conversation_is_what_the_bot_says(analyzer, seeded_sqlite, tmp_path):
    """The block is regenerated from the real bot; rerun scripts/sample_conversation.py when this fails."""
    script = _sample_script()
    path = tmp_path / "catalog.db"
    shutil.copyfile(seeded_sqlite, path)
    text = script.conversation(analyzer, f"sqlite:///{path}")
    assert "You look 😄 happy" in text  # the demo selfie is read as it is labelled
    readme = README.read_text()
    assert script.replace_block(readme, text) == readme, "README.md drifted: run scripts/sample_conversation.py"


def test_replies_render_as_plain_text_as_the_user_reads_them():
    from bot.plain import plain

    html = '<b>&quot;Weird Al&quot; Yankovic</b> <a href="https://x.y/?a=1&amp;b=2">Spotify</a> &amp; co &#x27;x&#x27;'
    assert plain(html, links=False) == '"Weird Al" Yankovic Spotify & co \'x\''
    assert plain(html) == '"Weird Al" Yankovic Spotify <https://x.y/?a=1&b=2> & co \'x\''
    script = _sample_script()
    songs = "1. A\n    why\n2. B\n    why\n3. C\n    why\n4. D\nend"
    assert script.shorten_lists(songs) == "1. A\n    why\n2. B\n    why\n...\nend"


def _help_texts(module: str) -> dict[str, str]:
    """`--help` of a CLI and of each of its commands, as argparse prints them."""
    main = importlib.import_module(module if "." in module else f"{module}.__main__").main
    texts = {}

    def run(*args: str) -> str:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
            main([*args, "--help"])
        assert stop.value.code == 0, args
        return out.getvalue()

    texts[module] = run()
    commands = re.search(r"\{([a-z,-]+)\}", texts[module])
    for command in commands.group(1).split(",") if commands else []:
        texts[f"{module} {command}"] = run(command)
    return texts


@pytest.mark.parametrize("module", ["bot", "model", "catalog", "training", "training.portable"])
def test_help_is_written_for_terminals(module):
    texts = _help_texts(module)
    for name, text in texts.items():
        assert "``" not in text, name  # reStructuredText markup shown raw
        assert not re.search(r"\S {4,}--\w", text), name  # a line continuation swallowed into spaces


def test_compose_requires_a_database_password_and_env_example_documents_its_variables():
    compose = (ROOT / "compose.yaml").read_text()
    uses = re.findall(r"\$\{(POSTGRES_PASSWORD)([^}]*)\}", compose)
    assert uses and all(rest.startswith(":?") for _, rest in uses)  # no silent default password
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose)) - documented == set()


def test_image_builds_matplotlib_font_cache_where_the_runtime_user_reads_it():
    """Built as root in a folder the runtime user cannot write, the cache is rebuilt in /tmp at every start,
    with two warnings; so the final stage builds it as the runtime user, inside that user's home."""
    final = (ROOT / "Dockerfile").read_text().split("\nFROM ")[-1]
    lines = [line.strip() for line in final.replace("\\\n", " ").splitlines()]
    user = next(line.split()[1] for line in lines if line.startswith("USER "))
    home = re.search(rf"useradd .*--home-dir (\S+) .*{user}", final)
    config = re.search(r"MPLCONFIGDIR=(\S+)", final)
    assert home and config and config.group(1).startswith(home.group(1) + "/")
    build = next(i for i, line in enumerate(lines) if line.startswith("RUN") and "matplotlib.font_manager" in line)
    switch = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    assert switch < build
