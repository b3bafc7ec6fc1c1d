"""A plain `pip install .` is what production runs: every third-party module production code
imports comes from the pinned `dependencies`, and the sandbox's own needs come only from the
`sandbox` extra, so no production image carries the simulator's libraries."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "opsconsole"


def _requirement_names(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = requirement.split("==")[0].split("[")[0].strip()
        names.add(name.lower().replace("_", "-"))
    return names


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]  # type: ignore[no-any-return]


def _third_party_distributions(files: list[Path]) -> dict[str, str]:
    """{distribution: a file importing it} for every import outside the standard library."""
    owners = packages_distributions()
    found: dict[str, str] = {}
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top == "opsconsole" or top in sys.stdlib_module_names:
                    continue
                for dist in owners.get(top, [top]):
                    found.setdefault(dist.lower().replace("_", "-"), str(file.relative_to(ROOT)))
    return found


def _production_files() -> list[Path]:
    return [
        path for path in PACKAGE.rglob("*.py") if "sandbox" not in path.relative_to(PACKAGE).parts
    ]


def test_production_code_imports_only_production_dependencies() -> None:
    project = _pyproject()
    declared = _requirement_names(project["dependencies"])  # type: ignore[arg-type]
    # Installed as dependencies of what we pin (Django brings asgiref, celery brings kombu).
    transitive = {"asgiref", "kombu", "urllib3", "django-stubs-ext"}
    missing = {
        dist: where
        for dist, where in _third_party_distributions(_production_files()).items()
        if dist not in declared and dist not in transitive
    }
    assert missing == {}


def test_the_simulators_libraries_are_not_production_dependencies() -> None:
    project = _pyproject()
    production = _requirement_names(project["dependencies"])  # type: ignore[arg-type]
    extras: dict[str, list[str]] = project["optional-dependencies"]  # type: ignore[assignment]
    sandbox_only = _requirement_names(extras["sandbox"])
    assert {"aiohttp", "kubernetes-validate"} <= sandbox_only
    assert production.isdisjoint(sandbox_only | _requirement_names(extras["demo"]))
    assert "kmock" not in production | sandbox_only  # nothing imports it


def test_the_sandbox_needs_nothing_beyond_production_and_its_extra() -> None:
    project = _pyproject()
    extras: dict[str, list[str]] = project["optional-dependencies"]  # type: ignore[assignment]
    allowed = _requirement_names(project["dependencies"]) | _requirement_names(  # type: ignore[arg-type]
        extras["sandbox"]
    )
    # What kubernetes-validate brings along and the sandbox uses directly.
    allowed |= {"jsonschema", "referencing"}
    sandbox_files = list((PACKAGE / "sandbox").rglob("*.py"))
    assert {
        dist: where
        for dist, where in _third_party_distributions(sandbox_files).items()
        if dist not in allowed
    } == {}
