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


def _module_file(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _load_time_imports(path: Path) -> set[str]:
    """Modules imported by the module's own top-level statements (an import inside a function waits for a call)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_gpu_path_loads_without_tensorflow():
    """The lent GPU machine has no TensorFlow: nothing training.portable or choose loads may need it."""
    todo, seen = ["training.portable", "training.choose"], set()
    while todo:
        module = todo.pop()
        path = _module_file(module) or _module_file(module.rpartition(".")[0])  # `from pkg import name`
        if module in seen or path is None:
            continue
        seen.add(module)
        for name in _load_time_imports(path):
            assert name.split(".")[0] != "tensorflow", f"{module} imports {name}, which a GPU machine lacks"
            if name.split(".")[0] in ALLOWED:
                todo.append(name)
    assert {"training.augment_host", "training.distill", "training.evaluate", "training.runs"} <= seen
