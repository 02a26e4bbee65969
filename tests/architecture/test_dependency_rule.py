"""The hexagon's dependency rule, checked on every import statement of the source tree.

domain ← ports ← use cases ← adapters / entrypoints; the gateway knows only the contract.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# package folder → the first-party/third-party top-level imports it may use (beyond stdlib).
ALLOWED: dict[str, set[str]] = {
    "mwf_core/domain": {"mwf_core.domain"},
    "mwf_core/ports": {"mwf_core.domain", "mwf_core.ports"},
    # The mediator is the AI pipeline's pure part: prompts, tool schema, filters, checks.
    "mwf_core/mediator": {"mwf_core.domain", "mwf_core.ports", "mwf_core.mediator"},
    "mwf_core/usecases": {"mwf_core.domain", "mwf_core.ports", "mwf_core.mediator",
                          "mwf_core.usecases"},
    "rest_gateway": {"rest_gateway", "mwf.v1", "aiohttp", "grpc", "grpc_status",
                     "grpc_health", "google", "multidict", "yarl"},
}

# Folders that may import many things, but never these (entrypoints depend on the core, not
# the other way round; the two entrypoints do not know each other).
FORBIDDEN: dict[str, set[str]] = {
    "mwf_core": {"grpc_server", "rest_gateway", "mwf"},
    "grpc_server": {"rest_gateway"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def _allowed(module: str, allowed: set[str]) -> bool:
    top = module.split(".")[0]
    if top in STDLIB:
        return True
    return any(module == prefix or module.startswith(prefix + ".") for prefix in allowed) or (
        top in allowed
    )


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(folder: str) -> None:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"{folder} has no modules: the rule would pass vacuously"
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path)
        if not _allowed(module, ALLOWED[folder])
    ]
    assert violations == []


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_folder_never_imports_forbidden_packages(folder: str) -> None:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path)
        if module.split(".")[0] in FORBIDDEN[folder]
    ]
    assert violations == []


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    """Guard against a checker that never fires."""
    assert not _allowed("piccolo.table", ALLOWED["mwf_core/domain"])
    assert not _allowed("mwf_core.usecases.sessions", ALLOWED["rest_gateway"])
    assert not _allowed("grpc", ALLOWED["mwf_core/usecases"])
    assert _allowed("mwf.v1.session_service_pb2", ALLOWED["rest_gateway"])
