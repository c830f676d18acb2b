"""briefgen's own code: its modules, what each imports, and the hashes that follow it.

Two fingerprints follow the code, wherever a module lives in the package:

- :func:`code_version` hashes every module of the package (and the libraries that shape a
  briefing), so a finished build made by other code is never reused;
- the analysis engine's version (:func:`briefgen.analyse.workspace.engine_version`) hashes the
  modules that reading, cleaning and analysis run, found by following their imports
  (:func:`imported_closure`), so a cache entry made by other code is never used.

Both walk the package recursively, and one import scanner (:func:`import_statements`) serves the
engine version and the package's structure test alike. This module imports nothing of briefgen.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

#: The package's directory.
PACKAGE_DIR = Path(__file__).resolve().parent

#: Libraries whose version can change what a build writes.
CODE_LIBRARIES = (
    "spacy", "trafilatura", "lxml", "lxml_html_clean", "ftfy", "json-repair", "feedparser", "charset-normalizer",
    "python-dateutil", "markdown-it-py", "pyyaml", "jinja2", "markupsafe", "weasyprint", "numpy", "scipy",
    "pycountry", "pydantic", "pypdf", "python-docx", "wordfreq",
)  # fmt: skip


def dist_version(name: str) -> str:
    """An installed distribution's version, or "-" when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package by dotted name (``briefgen.ingest.readers``; a sub-package's
    ``__init__.py`` by the sub-package's name), sorted by name."""
    found: dict[str, Path] = {}
    for path in package_dir.rglob("*.py"):
        parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class Import:
    """One module of the package that a module imports, and where."""

    module: str
    """The module imported, by dotted name."""
    line: int
    in_function: bool
    """Made inside a function or method (a lazy import), not when the module loads."""
    type_checking: bool
    """Made under ``if TYPE_CHECKING:``, for the type checker only."""


def _targets(node: ast.Import | ast.ImportFrom, package: str, modules: Mapping[str, Path]) -> list[str]:
    """The package's modules one import statement names, in any form: ``from .x import y``,
    ``from . import x``, ``from briefgen.x import y``, ``from briefgen import x``, ``import briefgen.x``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if node.level:
        base = package.split(".")
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    else:
        source = node.module or ""
    if source not in modules:
        return []
    named = [f"{source}.{alias.name}" for alias in node.names]
    return [source, *(name for name in named if name in modules)]


def import_statements(module: str, modules: Mapping[str, Path] | None = None) -> list[Import]:
    """Every import of a package module that ``module`` makes, at the top, in a function or for
    the type checker, in the order they appear."""
    modules = modules if modules is not None else package_modules()
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(Import(m, child.lineno, in_function, guarded) for m in _targets(child, package, modules))
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(child, in_function, True)
            else:
                visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef), guarded)

    visit(tree, False, False)
    return found


def _with_packages(name: str) -> list[str]:
    """A module and the packages above it, which Python runs first when it imports the module."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imported_closure(roots: Iterable[str], modules: Mapping[str, Path] | None = None) -> list[str]:
    """``roots`` and every package module they import, directly or not, anywhere in their code (but
    for the type checker), with the packages above each (their ``__init__`` runs too), sorted."""
    modules = modules if modules is not None else package_modules()
    seen: set[str] = set()
    todo = [m for root in roots for m in _with_packages(root)]
    while todo:
        name = todo.pop()
        if name in seen or name not in modules:
            continue
        seen.add(name)
        for found in import_statements(name, modules):
            if not found.type_checking:  # those never run
                todo.extend(_with_packages(found.module))
    return sorted(seen)


def hash_modules(names: Iterable[str], modules: Mapping[str, Path], h: hashlib._Hash) -> None:
    """Feed each module's name and code into ``h``: moving or renaming a module changes the hash too."""
    for name in sorted(names):
        h.update(name.encode() + b"\n" + modules[name].read_bytes())


def code_version(package_dir: Path = PACKAGE_DIR) -> str:
    """A hash of every module of briefgen, wherever it lives in the package, and of the versions of
    every library that shapes a briefing, so a build made by other code is never taken for an
    unchanged one."""
    return _code_version(package_dir)


@lru_cache(maxsize=4)
def _code_version(package_dir: Path) -> str:
    modules = package_modules(package_dir)
    h = hashlib.sha256()
    hash_modules(modules, modules, h)
    for dist in sorted(CODE_LIBRARIES):
        h.update(f"{dist} {dist_version(dist)}\n".encode())
    return h.hexdigest()[:16]
