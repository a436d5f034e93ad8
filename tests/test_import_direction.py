"""Imports point one way: core → training → app / cli (docs/architecture.md).

Checked statically, on every module's source, so an import hidden in a branch
that no test runs is still caught (test_imports.py checks the same at run time).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tui_backprop"
UI_LIBRARIES = ("textual", "textual_plotext", "plotext", "rich", "textual_serve")

# What each layer may not import (its own layer and the ones below it are fine).
FORBIDDEN = {
    "core": ("tui_backprop.training", "tui_backprop.app", "tui_backprop.cli", "tui_backprop.config",
             "tui_backprop.persist", "tui_backprop.export", "tui_backprop.serve", *UI_LIBRARIES),
    "training": ("tui_backprop.app", "tui_backprop.cli", "tui_backprop.serve", *UI_LIBRARIES),
    # The preset's reading and the lesson objects: the session builds on them, they build on core/ alone.
    "config": ("tui_backprop.training", "tui_backprop.app", "tui_backprop.cli", "tui_backprop.cli_train",
               "tui_backprop.persist", "tui_backprop.export", "tui_backprop.serve", "tui_backprop.sweep",
               *UI_LIBRARIES),
}
# "config" is a set of top-level modules rather than a folder.
CONFIG_MODULES = ("config.py", "config_reader.py", "config_checks.py", "config_writer.py", "schema.py",
                  "lessons.py", "lesson_figures.py", "lesson_reader.py", "presets.py")


def layer_files(layer: str, package: Path) -> list[Path]:
    if layer == "config":
        return [package / name for name in CONFIG_MODULES if (package / name).exists()]
    return sorted((package / layer).rglob("*.py"))


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def violations(layer: str, package: Path = PACKAGE) -> list[str]:
    bad = []
    for path in layer_files(layer, package):
        for line, name in imported_modules(path, package.parent):
            for prefix in FORBIDDEN[layer]:
                if name == prefix or name.startswith(prefix + "."):
                    bad.append(f"{path.relative_to(package.parent).as_posix()}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer):
    assert violations(layer) == []


def test_the_check_catches_a_wrong_import(tmp_path):
    """The checker itself can fail: a core module importing textual is reported."""
    fake = tmp_path / "tui_backprop"
    (fake / "core").mkdir(parents=True)
    (fake / "core" / "bad.py").write_text("import numpy\nfrom textual.app import App\nfrom ..training import session\n")
    assert violations("core", fake) == ["tui_backprop/core/bad.py:2 imports textual.app",
                     "tui_backprop/core/bad.py:3 imports tui_backprop.training"]


def test_the_config_modules_exist():
    """A renamed module drops out of the check silently otherwise."""
    assert [name for name in CONFIG_MODULES if not (PACKAGE / name).exists()] == []


def test_the_check_catches_a_config_module_importing_the_session(tmp_path):
    fake = tmp_path / "tui_backprop"
    fake.mkdir()
    (fake / "lessons.py").write_text("from tui_backprop.core.losses import LOSSES\n"
                                     "from tui_backprop.training.session import Session\n")
    (fake / "config_checks.py").write_text("import rich.text\n")
    assert violations("config", fake) == ["tui_backprop/config_checks.py:1 imports rich.text",
                                           "tui_backprop/lessons.py:2 imports tui_backprop.training.session"]
