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


LONGEST = 400


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_module_is_longer_than_400_lines(package):
    """Small modules with one job each: a long one is a sign that two concerns share it."""
    long = {str(path.relative_to(ROOT)): lines for path in (ROOT / package).rglob("*.py")
            if (lines := len(path.read_text().splitlines())) > LONGEST}
    assert long == {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_imports(path: Path) -> set[str]:
    """Our modules a module imports anywhere in it: at load time, inside functions and for type checkers alike.

    ``from pkg import name`` counts as importing ``pkg.name`` when that is a module, else ``pkg`` itself.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" if _module_file(f"{node.module}.{alias.name}") else node.module
                      for alias in node.names}
    return {name for name in found if name.split(".")[0] in ALLOWED and _module_file(name)}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of the graph (module -> modules it imports), as a path that returns to its start; [] if none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str]:
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if imported in path:
                return path[path.index(imported):] + [imported]
            if imported not in done and (found := visit(imported)):
                return found
        done.add(path.pop())
        return []

    for module in sorted(graph):
        if module not in done and (found := visit(module)):
            return found
    return []


def test_no_import_cycles():
    """Every module can be understood (and loaded) after the ones it imports, never in a circle."""
    graph = {_module_name(path): _project_imports(path)
             for package in ALLOWED for path in (ROOT / package).rglob("*.py")}
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the check itself sees a circle
    assert _cycle(graph) == []


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
