"""The gateway talks to the server only through the contract: no core or server imports."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import rest_gateway.app

GATEWAY_DIR = Path(rest_gateway.app.__file__).parent
THIRD_PARTY = {"aiohttp", "grpc", "grpc_status", "grpc_health", "google"}


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_gateway_imports_only_the_contract_and_libraries() -> None:
    offenders = []
    for path in sorted(GATEWAY_DIR.rglob("*.py")):
        for module in _imported_modules(path):
            root = module.split(".")[0]
            allowed = (
                root in sys.stdlib_module_names
                or root in THIRD_PARTY
                or root in {"__future__", "rest_gateway"}
                or module == "mwf.v1"
                or module.startswith("mwf.v1.")
            )
            if not allowed:
                offenders.append(f"{path.relative_to(GATEWAY_DIR)}: {module}")
    assert not offenders
