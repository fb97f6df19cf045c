"""Project rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {"model": set(), "catalog": set(), "training": {"model"}, "bot": {"model", "catalog"}}


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package):
    assert _imports(package) - {package} <= ALLOWED[package]


def test_env_example_documents_every_setting():
    from bot.settings import BotSettings
    from catalog.settings import CatalogSettings
    from model.settings import ModelSettings

    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    names = set()
    for cls in (BotSettings, CatalogSettings):
        names |= {field.alias for field in cls.model_fields.values()}
    names |= {f"MODEL_{name.upper()}" for name in ModelSettings.model_fields}
    assert names - documented == set()
