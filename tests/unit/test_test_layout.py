"""Test files share helpers through tests/helpers/ only, never by importing one another:
a helper living in a test file is found by nobody and breaks when that file moves."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imported_test_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n == "tests" or n.startswith("tests.")]


def test_test_files_import_shared_code_only_from_the_helpers() -> None:
    wrong = {
        f"{path.relative_to(TESTS)}: {module}"
        for path in TESTS.rglob("*.py")
        for module in _imported_test_modules(path)
        if not module.startswith("tests.helpers.") and module != "tests.helpers"
    }
    assert wrong == set()


def test_the_helpers_hold_no_fixtures() -> None:
    """Fixtures stay in conftest.py files, where pytest finds them without an import."""
    for path in (TESTS / "helpers").glob("*.py"):
        assert "@pytest.fixture" not in path.read_text(), path.name
