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


CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def clock_reads(path: Path) -> list[str]:
    """Calls that read the wall clock (``datetime.now()``, ``time.time()``...), by line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in CLOCK_READS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_libraries_never_read_the_wall_clock() -> None:
    # Time is an input: the service passes its clock in, and tests pin it.
    files = sorted((ROOT / "routing").rglob("*.py")) + sorted((ROOT / "tracking").rglob("*.py"))
    assert [line for f in files for line in clock_reads(f)] == []
    # The check itself finds a clock read where there is one.
    assert clock_reads(ROOT / "app" / "models.py")
