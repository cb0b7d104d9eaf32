"""routing/ is a pure library: it imports nothing from the web, the database, app or tracking."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

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
    assert clock_reads(ROOT / "app" / "models" / "columns.py")


PACKAGES = ("app", "routing", "tracking")


def _module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Every module of the product by dotted name (migrations aside: Alembic loads them)."""
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> nx.DiGraph:
    """Who imports whom among the product's modules: every import statement counts, at the
    top, inside a function, or under ``TYPE_CHECKING`` (the type checker follows those)."""
    modules = _module_files(root, packages)

    def owner(name: str) -> str | None:  # the module a dotted name lives in
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = nx.DiGraph()
    for module, path in modules.items():
        graph.add_node(module)
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    up = package[: len(package) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                # ``from pkg import sub`` imports the submodule; ``from mod import name``, mod.
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            else:
                continue
            for target in targets:
                found = owner(target)
                if found is not None and found != module:
                    graph.add_edge(module, found)
    return graph


def test_the_import_graph_finds_imports_in_functions_and_type_checking_blocks(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.a import A\n")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\nA = 1\n"
    )
    (package / "b.py").write_text("def f():\n    from . import c\nB = 2\n")
    (package / "c.py").write_text("from .a import A\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert set(graph.edges) == {
        ("pkg", "pkg.a"), ("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a"),
    }  # fmt: skip
    cycles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == [{"pkg.a", "pkg.b", "pkg.c"}]
    product = import_graph()
    assert product.number_of_nodes() > 80
    assert product.has_edge("app.api.deps", "app.services.state")
    assert product.has_edge("routing", "routing.region")  # a package re-exporting


def test_no_import_cycles_among_the_product_modules() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []
