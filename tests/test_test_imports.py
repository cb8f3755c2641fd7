"""Test modules never import each other: a test module (``test_*.py``) or a ``conftest.py`` is
imported only by pytest. What several tests share lives elsewhere: fixtures in a ``conftest.py``
(which pytest finds by itself), plain builders in tests/factories.py, other helpers and constants
in tests/helpers/ (or a package's ``_*.py`` helper module).

Every import under tests/ is read with ``ast`` (also imports inside functions), relative ones
resolved against the importing file, so a new import of a test module fails here with the file
and line.
"""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _is_test_module(module: str) -> bool:
    """Whether ``module`` (a dotted name) is a test module or a conftest under tests/."""
    if module != "tests" and not module.startswith("tests."):
        return False
    last = module.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every module an import in ``path`` names, relative ones resolved."""
    package = _module_of(path).rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from tests.actionplans import test_plan_page`` imports a module by its name.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


FILES = sorted(path for path in TESTS.rglob("*.py") if "node_modules" not in path.parts)


def test_the_files_are_found():
    assert Path(__file__).resolve() in FILES
    assert TESTS / "conftest.py" in FILES


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(TESTS)) for path in FILES])
def test_no_test_module_or_conftest_is_imported(path):
    problems = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in _imported(path)
        if _is_test_module(module)
    ]
    assert problems == [], "Imports of test modules or conftest.py:\n" + "\n".join(problems)


def test_the_check_sees_every_kind_of_import(monkeypatch):
    """The check finds absolute, relative and by-name imports of a test module or a conftest,
    inside functions too, and lets helper modules through."""
    package = TESTS / "actionplans"
    source = (
        "import tests.actionplans.test_plan_page\n"
        "from tests.conftest import AGREEMENT_FILE\n"
        "from .conftest import oslo\n"
        "from . import test_meeting_brief\n"
        "from tests.actionplans import test_excel_import\n"
        "def f():\n"
        "    from ..test_permission_matrix import VIEWS\n"
        "from tests.factories import oslo\n"
        "from tests.helpers.urls import url_for\n"
        "from ._helpers import x\n"
    )
    path = package / "test_probe_of_the_import_check.py"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source)
    flagged = sorted({m for line, m in _imported(path) if _is_test_module(m)})
    assert flagged == [
        "tests.actionplans.conftest",
        "tests.actionplans.test_excel_import",
        "tests.actionplans.test_meeting_brief",
        "tests.actionplans.test_plan_page",
        "tests.conftest",
        "tests.test_permission_matrix",
    ]
    assert {line for line, m in _imported(path) if _is_test_module(m)} == {1, 2, 3, 4, 5, 7}
