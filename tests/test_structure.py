"""The shape of the package: no import cycles, a light config, an engine version that follows the code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from briefgen import config, summarize
from briefgen.workspace import engine_modules

from .conftest import ROOT

PACKAGE = ROOT / "briefgen"


def _imports(path: Path) -> set[str]:
    """briefgen modules a module imports, at the top or in a function, leaving out ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in guarded or not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif node.level == 1:
            found.update(alias.name for alias in node.names)
        elif (node.module or "").startswith("briefgen."):
            found.add((node.module or "").split(".")[1])
    return {m for m in found if (PACKAGE / f"{m}.py").is_file()}


def test_no_module_imports_itself_through_others():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for name in sorted(graph) if (c := cycle_from(name))]
    assert not cycles, "import cycle: " + " -> ".join(cycles[0])


def test_the_config_is_a_leaf():
    """Reading a config needs neither the selection engine nor numpy nor spaCy."""
    assert _imports(PACKAGE / "config.py") <= {"errors"}
    code = (
        "import sys, briefgen.config as c; c.load_config(sys.argv[1]);"
        "print(sorted(m for m in ('numpy', 'spacy', 'briefgen.summarize', 'jinja2', 'weasyprint') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "configs" / "example.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_summarizers_a_config_accepts_are_exactly_the_registered_ones():
    assert tuple(summarize.SUMMARIZERS) == config.SUMMARIZER_NAMES
    for name in config.SUMMARIZER_NAMES:
        assert config.Config(sources=["x"], summarizer=name).summarizer == name


def test_the_engine_version_covers_every_module_analysis_imports():
    modules = set(engine_modules())
    assert {"ingest", "decode", "clean", "nlp", "models", "errors", "workspace"} <= modules
    # Selection and rendering do not change what is cached.
    assert not modules & {"summarize", "players", "render", "pipeline", "cli"}
    for name in modules:
        assert _imports(PACKAGE / f"{name}.py") - {"_version"} <= modules | {"_version"}


def test_the_engine_follows_imports_made_anywhere_in_a_module(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from . import c\n    from .d import y\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("import os\n", encoding="utf-8")
    (tmp_path / "d.py").write_text("from briefgen.e import z\n", encoding="utf-8")
    (tmp_path / "e.py").write_text("", encoding="utf-8")
    (tmp_path / "unused.py").write_text("", encoding="utf-8")
    assert engine_modules(["a"], tmp_path) == ["a", "b", "c", "d", "e"]


def test_every_module_says_what_it_does():
    for path in sorted(PACKAGE.glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc, f"{path.name} has no module docstring"
