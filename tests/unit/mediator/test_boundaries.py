"""mwf_core.mediator stays pure: standard library, domain and ports only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MEDIATOR = Path(__file__).resolve().parents[3] / "mwf_core" / "mediator"
ALLOWED = ("mwf_core.domain", "mwf_core.ports", "mwf_core.mediator")


def _imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against mwf_core.mediator
                base = ["mwf_core", "mediator"][: 3 - node.level]
                found.append(".".join([*base, node.module] if node.module else base))
            else:
                found.append(node.module or "")
    return found


def test_mediator_imports_only_stdlib_domain_and_ports() -> None:
    files = sorted(MEDIATOR.glob("*.py"))
    assert files
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    bad = [
        f"{path.name}: {module}"
        for path in files
        for module in _imports(path)
        if module.split(".")[0] not in stdlib
        and not any(module == p or module.startswith(p + ".") for p in ALLOWED)
    ]
    assert bad == []
