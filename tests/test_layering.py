"""routing/ is a pure library: it imports nothing from the web, the database, app or tracking."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"fastapi", "starlette", "sqlmodel", "sqlalchemy", "app", "tracking", "uvicorn"}
ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_routing_imports_no_web_database_or_service_code() -> None:
    files = sorted((ROOT / "routing").rglob("*.py"))
    assert len(files) > 10
    offenders = {str(f.relative_to(ROOT)): imported_modules(f) & FORBIDDEN for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_tracking_imports_no_service_code() -> None:
    files = sorted((ROOT / "tracking").rglob("*.py"))
    assert len(files) >= 3
    forbidden = {"app", "fastapi", "starlette", "sqlmodel", "sqlalchemy"}
    offenders = {str(f.relative_to(ROOT)): imported_modules(f) & forbidden for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}
