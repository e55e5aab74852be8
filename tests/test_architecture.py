"""The dependency rule (ARCHITECTURE §3), checked on the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDGES = ("kiosk_app", "mobile_api", "backoffice", "verify_pages")

FORBIDDEN = {
    "govcore": (
        "flask",
        "flask_sqlalchemy",
        "flask_migrate",
        "werkzeug",
        "marshmallow",
        "devices",
        "webapp",
        *EDGES,
    ),
    "devices": (
        "flask",
        "werkzeug",
        "webapp",
        *EDGES,
        "govcore.db",
        "govcore.catalog",
        "govcore.datahub",
        "govcore.applications",
        "govcore.certificates",  # devices see tickets through govcore.ports
    ),
    "kiosk_app": ("webapp", "devices", "mobile_api", "backoffice"),
    "mobile_api": ("webapp", "devices", "kiosk_app", "backoffice"),
    "backoffice": ("webapp", "devices", "kiosk_app", "mobile_api"),
    "verify_pages": ("webapp", "devices", "kiosk_app", "mobile_api", "backoffice"),
}
ALLOWED = {"govcore/db.py": ("flask_sqlalchemy",)}


def imported_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_layers(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for name in imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            if name in ALLOWED.get(rel, ()):
                continue
            bad = [p for p in FORBIDDEN[package] if matches(name, p)]
            assert not bad, f"{rel} imports {name}, which {package} must not import"


def test_nobody_imports_webapp() -> None:
    for package in ("govcore", "devices", *EDGES):
        for path in (ROOT / package).rglob("*.py"):
            names = imported_names(ast.parse(path.read_text(encoding="utf-8")))
            assert not any(matches(n, "webapp") for n in names), path


def test_checker_catches_a_forbidden_import() -> None:
    tree = ast.parse("import flask\nfrom werkzeug.exceptions import NotFound\n")
    names = imported_names(tree)
    assert any(matches(n, "flask") for n in names)
    assert any(matches(n, "werkzeug") for n in names)
    assert not matches("flask_sqlalchemy", "flask")
