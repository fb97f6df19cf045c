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
    """A GPU machine may have JAX or PyTorch and no TensorFlow: nothing training.portable or choose loads needs it."""
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


def test_the_tree_travels_to_a_gpu_machine_with_the_pack():
    """A copy to a GPU machine should stay under 64 MiB: the tracked tree, the training pack (26.9 MB) and the
    Keras wheels (2.9 MB) together, so the tree must stay under 37 MB (the shipped model's files are most of it)."""
    import subprocess

    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    size = sum((ROOT / name).stat().st_size for name in listed.stdout.decode().split("\0")
               if name and (ROOT / name).is_file())
    assert size < 37_000_000, f"the tracked tree is {size / 1e6:.1f} MB"


PROCESS_WORDS = re.compile("|".join([
    r"\bsessions? \d", r"\bGPU session", r"\b(this|next|working|a later|another) session\b",
    r"\b(across|between) sessions\b", r"\bsittings?\b", r"\blent\b", r"\bdevice (call|command|tool|time)",
    r"\bwhat to carry\b", r"\bcarry \[", r"closing note", r"\bissues? #?\d", r"\(#\d+\)", r"files_at",
    r"\btimeout_s\b", r"minutes a command", r"never leaves this machine", r"slower that day",
    r"\bcoordinator\b", r"\bworktrees?\b",
]), re.IGNORECASE)
"""Words that tell how the project was made rather than what it is. A database ``Session`` or a watch
session matches none of them: only numbered or organisational uses of the word do."""


def test_project_files_speak_of_the_product_only():
    """Docs, comments, help texts and scripts describe the product, never how the work on it was organised."""
    import subprocess

    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    found = []
    for name in listed.stdout.decode().split("\0"):
        path = ROOT / name
        if not name or name == "tests/test_project.py" or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, weights, compressed data
        for number, line in enumerate(text.splitlines(), 1):
            if match := PROCESS_WORDS.search(line):
                found.append(f"{name}:{number}: {match.group(0)!r}")
    assert found == [], "\n".join(found)
