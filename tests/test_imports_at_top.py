"""Our modules import each other at the top: an import inside a function is how a cycle hides
(import-linter reads those too, but a function-level import still suggests a cycle dodged)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "xinfang"

# Two deliberate kinds of late import, both inside one app, never across apps:
# - a module naming its own app's Huey tasks when it queues one (the tasks module imports the
#   services it runs at the top, so the services can only name their task late);
# - an AppConfig.ready() registering its app's hooks (Django forbids model imports earlier).
# And one entry point: the web server's master process sets Django up itself, then loads the
# application before it forks (site/webserver.py), so its imports follow django.setup().
ENTRY_POINTS = {"site/webserver.py"}


def _allowed(path: Path, module: str) -> bool:
    if str(path.relative_to(SRC)) in ENTRY_POINTS:
        return True
    app = path.relative_to(SRC).parts[0]
    if path.name == "apps.py":
        return module.startswith(f"xinfang.{app}.")
    return module == f"xinfang.{app}.tasks"


def _late_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                    "xinfang."
                ):
                    yield inner.module, inner.lineno
                elif isinstance(inner, ast.Import):
                    for alias in inner.names:
                        if alias.name.startswith("xinfang."):
                            yield alias.name, inner.lineno


def test_no_module_of_ours_is_imported_inside_a_function() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line} imports {module}"
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        for module, line in _late_imports(path)
        if not _allowed(path, module)
    ]
    assert found == []
