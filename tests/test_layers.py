"""ARCHITECTURE.md layers: the headless core never imports Textual, and only the store
talks to SQLite. Checked at run time (a fresh interpreter's sys.modules) and statically
(every import statement of every module)."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import helpspace_tui

PACKAGE = Path(helpspace_tui.__file__).parent
TEXTUAL_OK = ("app.py", "render.py", "screens/", "widgets/")
SQLITE_OK = ("store/",)
HEADLESS_PACKAGES = ("services", "store", "mail", "domain")


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _imported_roots(path: Path) -> set[str]:
    """Top-level names of everything a module imports, wherever the import statement is
    (lazy imports inside functions count: they run too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "__import__" and node.args
              and isinstance(node.args[0], ast.Constant)):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def _headless_module_names() -> list[str]:
    names = ["helpspace_tui.cli", "helpspace_tui.config"]
    for pkg in HEADLESS_PACKAGES:
        names.append(f"helpspace_tui.{pkg}")
        for info in pkgutil.walk_packages([str(PACKAGE / pkg)], prefix=f"helpspace_tui.{pkg}."):
            names.append(info.name)
    return names


def test_layers_headless_core_does_not_import_textual_at_run_time() -> None:
    names = _headless_module_names()
    assert "helpspace_tui.services.sync" in names and "helpspace_tui.store.db" in names
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_layers_cli_main_help_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        "from helpspace_tui.cli import build_parser\n"
        "build_parser().format_help()\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_layers_only_the_textual_part_imports_textual() -> None:
    offenders = [
        _rel(p) for p in _modules()
        if "textual" in _imported_roots(p) and not _rel(p).startswith(TEXTUAL_OK)
    ]
    # cli.py may import the app lazily, but never textual itself
    assert offenders == []


def test_layers_headless_packages_import_no_ui_module() -> None:
    ui = ("helpspace_tui.app", "helpspace_tui.screens", "helpspace_tui.widgets",
          "helpspace_tui.render", "helpspace_tui.tui")
    offenders = []
    for p in _modules():
        rel = _rel(p)
        if not rel.startswith(tuple(f"{pkg}/" for pkg in HEADLESS_PACKAGES)) and rel != "config.py":
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            offenders += [f"{rel}: {m}" for m in mods if m.startswith(ui)]
    assert offenders == []


def test_layers_only_the_store_imports_sqlite() -> None:
    offenders = [
        _rel(p) for p in _modules()
        if {"sqlite3", "sqlite_utils"} & _imported_roots(p) and not _rel(p).startswith(SQLITE_OK)
    ]
    assert offenders == []


def test_layers_static_check_sees_known_imports() -> None:
    # guards the checks above against silently matching nothing
    assert "sqlite3" in _imported_roots(PACKAGE / "store" / "db.py")
    assert "sqlite_utils" in _imported_roots(PACKAGE / "store" / "db.py")
    assert "helpspace_tui" in _imported_roots(PACKAGE / "cli.py")
    assert "textual" in _imported_roots(PACKAGE / "app.py")
    assert len(_modules()) > 20
