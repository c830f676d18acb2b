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
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("briefgen."))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1 and module:
                found.add(module.split(".")[0])
            elif node.level == 1 or module == "briefgen":
                found.update(alias.name for alias in node.names)
            elif module.startswith("briefgen."):
                found.add(module.split(".")[1])
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
    assert _imports(PACKAGE / "config.py") <= {"errors", "yamlload"}
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


def test_the_engine_version_covers_every_module_reading_and_analysis_run():
    """Read, clean and analyse real inputs of every form through a workspace, in a fresh process,
    and see which briefgen modules were loaded: every one of them is hashed into the engine."""
    code = """
import sys
from pathlib import Path
from briefgen.workspace import Workspace
samples = Path(sys.argv[1])
workspace = Workspace(None)
docs = [d for f in sorted(samples.iterdir()) for d in workspace.file_documents(f)]
workspace.analyse(docs, None)
print(" ".join(sorted(m.split(".")[1] for m in sys.modules if m.startswith("briefgen."))))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "samples" / "articles")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split()) - {"_version"}
    modules = set(engine_modules())
    assert {"ingest", "decode", "clean", "nlp", "models", "errors", "workspace", "yamlload"} <= loaded
    assert loaded <= modules, f"modules analysis runs but the engine version leaves out: {loaded - modules}"
    # Selection and rendering do not change what is cached.
    assert not modules & {"summarize", "players", "render", "pipeline", "cli"}


def test_the_engine_follows_imports_made_anywhere_in_a_module_in_any_form(tmp_path):
    package = tmp_path / "briefgen"
    package.mkdir()
    files = {
        "a": "from .b import x\n",
        "b": "def f():\n    from . import c\n    from .d import y\n",
        "c": "import os\nfrom briefgen import f\n",
        "d": "from briefgen.e import z\n",
        "e": "import briefgen.g\n",
        "f": "",
        "g": "",
        "unused": "",
    }
    for name, text in files.items():
        (package / f"{name}.py").write_text(text, encoding="utf-8")
    assert engine_modules(["a"], package) == ["a", "b", "c", "d", "e", "f", "g"]


def test_every_module_says_what_it_does():
    for path in sorted(PACKAGE.glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc, f"{path.name} has no module docstring"
