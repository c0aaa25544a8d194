"""The shape of the package (docs/architecture.md): layers that point inward, a pure domain,
small modules and functions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "sla_monitor"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
# What each layer may not import: each arrow points inward, to the domain.
FORBIDDEN = {
    "domain": (
        "sla_monitor.store",
        "sla_monitor.services",
        "sla_monitor.entrypoints",
        "sla_monitor.observability",
        "sla_monitor.render",
        "sla_monitor.bootstrap",
        "sla_monitor.config",
        "sla_monitor.settings",
    ),
    "store": (
        "sla_monitor.services",
        "sla_monitor.entrypoints",
        "sla_monitor.render",
        "sla_monitor.observability",
        "sla_monitor.bootstrap",
    ),
    "services": ("sla_monitor.entrypoints", "sla_monitor.bootstrap"),
    "render": ("sla_monitor.entrypoints", "sla_monitor.store"),
    "observability": ("sla_monitor.entrypoints", "sla_monitor.store", "sla_monitor.services"),
}
LIBRARIES = ("sqlalchemy", "sqlmodel", "fastapi", "starlette", "prometheus_client", "typer", "rich")


def layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_layer_imports_only_inward(path: Path) -> None:
    banned = FORBIDDEN.get(layer(path), ())
    wrong = sorted(m for m in imported(path) if m.startswith(banned))
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {wrong}"


def test_the_domain_imports_no_database_web_metrics_or_terminal_library() -> None:
    """Imported in a fresh interpreter: nothing of the domain pulls such a library in."""
    modules = ["sla_monitor.domain." + p.stem for p in sorted((PACKAGE / "domain").glob("*.py"))]
    script = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({LIBRARIES!r})))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]", f"the domain pulled in {found}"


def test_the_command_line_loads_pages_and_the_server_only_for_the_commands_that_use_them() -> None:
    """Every command starts by importing the whole command line: the libraries of pages,
    workbooks and the HTTP server would add a fifth to each start (docs/cli.md#start-up)."""
    heavy = ("pygal", "jinja2", "openpyxl", "fastapi", "uvicorn", "apscheduler", "httpx")
    script = (
        "import sys\nimport sla_monitor.entrypoints.cli\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]", f"the command line pulled in {found}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    """At most 300 lines a module and 60 lines a function body (its signature aside: a
    command's options are declarations)."""
    source = path.read_text()
    assert len(source.splitlines()) <= 300, f"{path.relative_to(PACKAGE)} is over 300 lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.end_lineno - node.body[0].lineno + 1  # type: ignore[operator]
            assert body <= 60, f"{path.relative_to(PACKAGE)}: {node.name} has {body} lines"
