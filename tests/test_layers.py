"""Imports run one way: domain apps -> standards -> audit -> vault (docs: architecture.md).

The test reads every module under src/ethos (imports inside functions too) and fails on an
import that points up the stack or sideways between platform apps. A new app must take its place
in LAYERS before it can import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ethos"

# Lowest first. An app may import its own modules, the shared modules and the apps below it.
PLATFORM = ("language", "vault", "audit", "standards")
DOMAIN = (
    "accounts",
    "practice",
    "referrals",
    "clients",
    "coaching",
    "safeguarding",
    "money",
    "portal",
    "certification",
)
# Above every domain app and imported by none: `ethos demo` builds a practice through all of them.
TOP_APPS = ("demo",)
LAYERS = PLATFORM + DOMAIN + TOP_APPS
# Project-level modules any app may use: they import no app themselves.
SHARED = {
    "secretfile",
    "pdf",
    "web",
    "addresses",
    "memo",
    "prepared",
    "progress",
    "dates",
    "links",
    "paging",
    "sqlite",
}
# The project's top: it wires the apps together, so it may import any of them.
TOP = {"settings", "urls", "views", "navigation", "wsgi", "asgi", "__main__", "__init__"}
# What the top may be imported for: the run command serves the WSGI application.
TOP_IMPORTABLE = {"wsgi"}
# The note language checker is a pure library: it imports no other part of Ethos.
PURE = {"language"}


def _module_of(path: Path, root: Path) -> list[str]:
    """Return the module's dotted name as parts, with `root` standing for the ethos package."""
    parts = ["ethos", *path.relative_to(root).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Return (line, absolute module) for every import of an ethos module in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_of(path, root)
    package = module if path.name == "__init__.py" else module[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
                names = [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
            elif node.module == "ethos":
                names = [f"ethos.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        found.extend((node.lineno, name) for name in names if name.split(".")[0] == "ethos")
    return found


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_violations(root: Path = SRC) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = _unit(".".join(_module_of(path, root)))
        for line, module in _imports(path, root):
            target = _unit(module)
            where = f"{path.relative_to(root)}:{line} imports {module}"
            if target == source or source in TOP:
                continue
            if source in SHARED:
                if target not in SHARED:
                    problems.append(f"{where}: a shared module imports no app")
                continue
            if source not in LAYERS:
                problems.append(f"{where}: give the app '{source}' its place in LAYERS first")
                continue
            if source in PURE:
                problems.append(f"{where}: '{source}' is a pure library and imports no other part of Ethos")
                continue
            if target in SHARED or target in TOP_IMPORTABLE:
                continue
            if target in TOP:
                problems.append(f"{where}: apps never import the project's top ({target})")
            elif target not in LAYERS:
                problems.append(f"{where}: unknown part of Ethos '{target}'")
            elif LAYERS.index(target) > LAYERS.index(source):
                problems.append(f"{where}: '{source}' may not import '{target}', which stands above it")
    return problems


def test_imports_run_one_way():
    assert layer_violations() == []


@pytest.mark.parametrize(
    ("app", "line", "complaint"),
    [
        ("vault", "from ethos.accounts.models import User", "stands above it"),
        ("audit", "from ethos.standards.engine import Verdict", "stands above it"),
        ("standards", "from ethos.clients import services", "stands above it"),
        ("vault", "from ethos.views import home", "the project's top"),
        ("language", "from ethos.vault import crypto", "pure library"),
        ("newapp", "from ethos.vault import crypto", "its place in LAYERS"),
        # The portal stands above the apps whose records it shows the client; none of them imports it.
        ("clients", "from ethos.portal.models import ClientAccount", "stands above it"),
        ("safeguarding", "from ethos.portal import services", "stands above it"),
        ("vault", "from ethos.portal.models import Share", "stands above it"),
        # The demo builds through every app; no app may lean on it.
        ("certification", "from ethos.demo import services", "stands above it"),
        ("accounts", "from ethos.demo.services import COACH_EMAIL", "stands above it"),
    ],
)
def test_it_catches_an_upward_import(tmp_path, app, line, complaint):
    (tmp_path / app).mkdir()
    (tmp_path / app / "module.py").write_text(f"def f():\n    {line}\n")
    [problem] = layer_violations(tmp_path)
    assert complaint in problem and f"{app}/module.py:2" in problem


def test_it_lets_the_portal_use_the_apps_below_it(tmp_path):
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "module.py").write_text(
        "from ethos.clients import goals\n"
        "from ethos.safeguarding.models import Consent\n"
        "from ethos.accounts.models import User\n"
        "from ethos.vault import boxes\n"
    )
    assert layer_violations(tmp_path) == []


def test_it_lets_the_demo_use_every_app(tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "module.py").write_text(
        "from ethos.certification.cases import services\n"
        "from ethos.portal import services as portal\n"
        "from ethos.vault.context import unlocked\n"
    )
    assert layer_violations(tmp_path) == []


def test_it_allows_downward_and_relative_imports(tmp_path):
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "module.py").write_text(
        "from ethos.standards.services import action\n"
        "from .models import Client\n"
        "from ethos.web import safe_next\n"
    )
    assert layer_violations(tmp_path) == []
