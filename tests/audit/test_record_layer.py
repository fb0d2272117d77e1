"""The record (petitions) sits below the rules (workflow), the audit log and the API, and it
alone writes a case's hash chain: audit reads it, workflow calls it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import xinfang

SRC = Path(xinfang.__file__).parent
# Apps the record must not import: they are above it (DESIGN.md, Layout).
ABOVE_PETITIONS = ("workflow", "audit", "api", "prevention", "portal", "notifications")


def _modules(app: str) -> list[Path]:
    # The demo builders are moving to their own package on top (issue 13 §1).
    return [
        f
        for f in (SRC / app).rglob("*.py")
        if "migrations" not in f.parts and "demo" not in f.parts
    ]


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every `xinfang.*` module the file imports, with its line, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("xinfang.")]


@pytest.mark.parametrize("app", ["petitions"])
def test_it_keeps_the_record_free_of_the_apps_above_it(app: str) -> None:
    wrong = [
        f"{path.relative_to(SRC)}:{line} imports {name}"
        for path in _modules(app)
        for line, name in _imports(path)
        if name.split(".")[1] in ABOVE_PETITIONS
    ]
    assert wrong == []


def test_it_builds_chain_events_only_in_the_history_module() -> None:
    """One writer of the chain: a PetitionEvent is made nowhere but petitions/history.py."""
    makers = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "PetitionEvent"
            ):
                makers.append(str(path.relative_to(SRC)))
    assert set(makers) == {"petitions/history.py"}
