"""The package's layout holds: integrations reach the core only through its public faces.

Every module outside the core (the framework integrations, the command, the
testing helpers) imports the core through ``wsgi_party`` and
``wsgi_party.integration`` only; ``ruff``'s TID251 rule (pyproject.toml)
says the same at lint time. The core imports no framework.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wsgi_party"

#: The frameworks only their own integration may import.
FRAMEWORKS = {"flask", "pyramid", "django", "webob", "starlette", "fastapi", "a2wsgi"}


def _imports(path: Path) -> list[str]:
    """Absolute module names ``path`` imports (relative ones resolved)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(PACKAGE.parent).parent.parts)
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _is_core(path: Path) -> bool:
    return path.parent == PACKAGE and (path.name.startswith("_") or path.name == "integration.py")


def test_no_module_outside_the_core_imports_a_private_core_module() -> None:
    outside = [p for p in PACKAGE.rglob("*.py") if not _is_core(p)]
    assert len(outside) > 5  # the integrations, the command, the testing helpers
    offenders = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in outside
        for name in _imports(path)
        if re.match(r"wsgi_party\._[a-z]", name)
    }
    assert not offenders, sorted(offenders)


def test_the_core_imports_no_framework() -> None:
    core = [p for p in PACKAGE.glob("*.py") if _is_core(p)]
    offenders = {
        f"{path.name}: {name}"
        for path in core
        for name in _imports(path)
        if name.split(".")[0] in FRAMEWORKS
    }
    assert not offenders, sorted(offenders)
