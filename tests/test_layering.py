"""The import graph follows the layering of the design notes (shared/design.md, Architecture):
data flows one way, ``evaluation`` → ``actionplans`` → ``agreements`` → ``tromsvekst/lib``, never
back, and the supporting apps inside ``tromsvekst/`` know no domain app they do not need.

Every import in the project's own modules is read with ``ast`` (also imports inside functions and
``if TYPE_CHECKING`` blocks), so a new upward import fails here, with the file and line.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Each part, by its module prefix (the longest prefix wins), and what it may import from the
# project. The config modules (tromsvekst.settings, urls, views, wsgi, middleware) and the demo
# loader sit on top and may import anything; so do tests and benchmarks (not read here).
PARTS = {
    "tromsvekst.lib": set(),
    "tromsvekst.audit": {"tromsvekst.lib"},
    "tromsvekst.operations": {"tromsvekst.lib", "tromsvekst.audit"},
    "tromsvekst.accounts": {"tromsvekst.lib", "tromsvekst.audit"},
    "agreements": {"tromsvekst.lib", "tromsvekst.audit", "tromsvekst.accounts"},
    "actionplans": {"tromsvekst.lib", "tromsvekst.audit", "tromsvekst.accounts", "agreements"},
    "evaluation": {
        "tromsvekst.lib",
        "tromsvekst.audit",
        "tromsvekst.accounts",
        "tromsvekst.operations",
        "agreements",
        "actionplans",
    },
}
TOP = ("tromsvekst", "agreements", "actionplans", "evaluation")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _part(module: str) -> str | None:
    """The part a module belongs to; None for the config and demo modules on top."""
    best = None
    for prefix in PARTS:
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return best


def _imports(path: Path, module: str):
    """(line, imported module) for every import in the file of ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:  # "from tromsvekst import audit" names a module too
                yield node.lineno, f"{name}.{alias.name}"


def _sources():
    for top in TOP:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def test_no_module_imports_against_the_layering():
    wrong = []
    for path in _sources():
        source = _part(_module(path))
        if source is None:
            continue
        allowed = PARTS[source] | {source}
        for line, name in _imports(path, _module(path)):
            target = _part(name)
            if target is None:
                if name.split(".")[0] in TOP and name not in ("tromsvekst",):
                    # config or demo modules: only the top may import them
                    top_only = name.startswith(
                        (
                            "tromsvekst.demo",
                            "tromsvekst.settings",
                            "tromsvekst.urls",
                            "tromsvekst.views",
                        )
                    )
                    if top_only:
                        wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
                continue
            if target not in allowed:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line} imports {name} ({source} → {target})"
                )
    assert wrong == [], "Imports against the layering:\n" + "\n".join(sorted(set(wrong)))


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    """The reader finds an import inside a function, where the upward ones used to hide, and
    resolves relative imports."""
    path = tmp_path / "example.py"
    path.write_text(
        "from . import selectors\ndef f():\n    from evaluation.report import build_report\n"
    )

    found = set(_imports(path, "actionplans.example"))

    assert (3, "evaluation.report") in found
    assert _part("evaluation.report") == "evaluation"
    assert (1, "actionplans.selectors") in found


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_part_of_the_layering_exists(part):
    assert (ROOT / part.replace(".", "/")).is_dir(), part
