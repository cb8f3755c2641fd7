"""The helper library (tromsvekst/lib/) knows no domain: none of its modules imports a domain app
or the project's audit and accounts apps, not even inside a function."""

import ast
from pathlib import Path

from django.conf import settings

LIB = Path(settings.BASE_DIR) / "tromsvekst" / "lib"
ABOVE_THE_LIBRARY = ("agreements", "actionplans", "evaluation", "tromsvekst")
ALLOWED_FROM_THE_PROJECT = ("tromsvekst.lib",)


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _is_above(name: str) -> bool:
    if any(name == ok or name.startswith(ok + ".") for ok in ALLOWED_FROM_THE_PROJECT):
        return False
    return any(name == top or name.startswith(top + ".") for top in ABOVE_THE_LIBRARY)


def test_the_helper_library_imports_no_app_above_it():
    modules = sorted(LIB.rglob("*.py"))
    assert modules, LIB
    upward = {
        path.relative_to(LIB).as_posix(): [name for name in _imports(path) if _is_above(name)]
        for path in modules
    }
    assert {path: names for path, names in upward.items() if names} == {}
