"""The shape of the package: stages in layers, no import cycles, imports at the top, a light config,
and fingerprints that follow the code wherever it lives."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from briefgen.analyse.workspace import ENGINE_ROOTS, engine_modules, engine_version
from briefgen.codebase import code_version, import_statements, imported_closure, package_modules
from briefgen.config import defaults
from briefgen.select import summarize

from .conftest import ROOT

PACKAGE = ROOT / "briefgen"
MODULES = package_modules(PACKAGE)

#: The house, from the ground up: each part may import from its own floor and the floors below only.
FLOORS: list[set[str]] = [
    {"_version", "errors", "textsafe", "dirs", "models", "codebase", "safe_yaml", "timing"},
    {"config"},
    {"records"},
    {"ingest"},
    {"collect"},
    {"analyse"},
    {"select"},
    {"render"},
    {"reuse", "pipeline"},
    {"deliver", "publish"},
    {"batch"},
    {"commands"},
    {"cli", "__main__"},
]
#: What sending is made of: building never imports any of it.
SENDING = ("briefgen.deliver", "briefgen.publish", "briefgen.batch", "briefgen.commands", "briefgen.cli")


def part(module: str) -> str:
    """The part of the house a module belongs to: its sub-package, or itself at the top."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def floor(module: str) -> int:
    return next(i for i, names in enumerate(FLOORS) if part(module) in names)


def test_every_part_of_the_package_has_a_floor():
    parts = {part(m) for m in MODULES} - {""}
    assert parts <= set().union(*FLOORS), f"parts with no floor: {parts - set().union(*FLOORS)}"


def test_each_part_imports_only_from_its_floor_and_below():
    wrong = [
        f"{module} (line {imp.line}) imports {imp.module}"
        for module in MODULES
        if part(module)
        for imp in import_statements(module, MODULES)
        if not imp.type_checking and part(imp.module) and floor(imp.module) > floor(module)
    ]
    assert not wrong, "\n".join(wrong)


def test_building_never_imports_sending():
    built_from = imported_closure(["briefgen.pipeline"], MODULES)
    assert not [m for m in built_from if m.startswith(SENDING)]


def test_no_module_imports_itself_through_others():
    graph = {
        m: {i.module for i in import_statements(m, MODULES) if not i.type_checking and i.module != m} for m in MODULES
    }

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

    # A package's __init__ imported by its own modules is Python's doing, not a cycle of ours.
    cycles = [
        c
        for name in sorted(graph)
        if (c := cycle_from(name)) and not any(m in MODULES and MODULES[m].name == "__init__.py" for m in c)
    ]
    assert not cycles, "import cycle: " + " -> ".join(cycles[0])


def test_briefgen_modules_are_imported_at_the_top():
    """Lazy imports hide the house's floor plan; only heavy third-party libraries are imported lazily."""
    found = [(m, i) for m in MODULES for i in import_statements(m, MODULES) if not i.type_checking]
    lazy = [f"{m} (line {i.line}) imports {i.module}" for m, i in found if i.in_function]
    assert len(lazy) <= 0.05 * len(found), "\n".join(lazy)


def test_the_config_is_light():
    """Reading a config needs neither the selection engine nor numpy nor spaCy nor Jinja nor WeasyPrint."""
    found = {part(i.module) or i.module for m in MODULES if part(m) == "config" for i in import_statements(m, MODULES)}
    assert found <= {"config", "errors", "safe_yaml", "briefgen"}, found
    code = (
        "import sys, briefgen.config as c; c.load_config(sys.argv[1]);"
        "print(sorted(m for m in ('numpy', 'spacy', 'briefgen.select.summarize', 'jinja2', 'weasyprint') if m in sys.modules))"
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
    assert tuple(summarize.SUMMARIZERS) == defaults.SUMMARIZER_NAMES
    for name in defaults.SUMMARIZER_NAMES:
        assert defaults.Config(sources=["x"], summarizer=name).summarizer == name


def test_the_engine_version_covers_every_module_reading_and_analysis_run():
    """Read, clean and analyse real inputs of every form through a workspace, in a fresh process,
    and see which briefgen modules were loaded: every one of them is hashed into the engine."""
    code = """
import sys
from pathlib import Path
from briefgen.analyse.workspace import Workspace
samples = Path(sys.argv[1])
workspace = Workspace(None)
docs = [d for f in sorted(samples.iterdir()) for d in workspace.file_documents(f)]
workspace.analyse(docs, None)
print(" ".join(sorted(m for m in sys.modules if m.startswith("briefgen"))))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "samples" / "articles")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    modules = set(engine_modules())
    assert set(ENGINE_ROOTS) | {"briefgen.ingest.decode", "briefgen.models", "briefgen.errors"} <= loaded
    assert loaded <= modules, f"modules analysis runs but the engine version leaves out: {loaded - modules}"
    # Selection and rendering do not change what is cached.
    assert not [m for m in modules if part(m) in ("select", "render", "pipeline", "cli", "deliver")]


def test_the_scanner_finds_imports_in_any_form_anywhere(tmp_path):
    package = tmp_path / "briefgen"
    files = {
        "__init__.py": "",
        "a.py": "from .b import x\n",
        "b.py": "def f():\n    from . import c\n    from .sub.d import y\n",
        "c.py": "import os\nfrom briefgen import f\n",
        "f.py": "",
        "unused.py": "",
        "sub/__init__.py": "",
        "sub/d.py": "from ..sub import e\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import briefgen.g\n",
        "sub/e.py": "",
        "g.py": "",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    modules = package_modules(package)
    b = import_statements("briefgen.b", modules)
    assert [(i.module, i.in_function) for i in b] == [
        ("briefgen", True),
        ("briefgen.c", True),
        ("briefgen.sub.d", True),
    ]
    d = import_statements("briefgen.sub.d", modules)
    assert [(i.module, i.type_checking) for i in d] == [
        ("briefgen.sub", False),
        ("briefgen.sub.e", False),
        ("briefgen.g", True),
    ]
    assert imported_closure(["briefgen.a"], modules) == [
        "briefgen",
        "briefgen.a",
        "briefgen.b",
        "briefgen.c",
        "briefgen.f",
        "briefgen.sub",
        "briefgen.sub.d",
        "briefgen.sub.e",
    ]


def test_both_fingerprints_follow_a_module_added_in_a_sub_package(tmp_path):
    """A module moved or added anywhere in the package is hashed: builds are not reused and cache
    entries not looked up after a change to it. (Each state is a fresh copy: the versions are
    worked out once per package directory.)"""

    def state(n: int, previous: Path) -> Path:
        copy: Path = tmp_path / str(n) / "briefgen"
        shutil.copytree(previous, copy, ignore=shutil.ignore_patterns("__pycache__"))
        return copy

    first = state(0, PACKAGE)
    before = code_version(first), engine_version(first)
    assert before == (code_version(PACKAGE), engine_version(PACKAGE))

    second = state(1, first)
    helpers = second / "ingest" / "helpers"
    helpers.mkdir()
    (helpers / "__init__.py").write_text('"""Helpers for reading."""\n', encoding="utf-8")
    (helpers / "split.py").write_text("def split(text: str) -> list[str]:\n    return text.split()\n", encoding="utf-8")
    readers = second / "ingest" / "readers.py"
    readers.write_text(readers.read_text(encoding="utf-8") + "\nfrom briefgen.ingest.helpers import split\n")
    added = code_version(second), engine_version(second)
    assert added[0] != before[0] and added[1] != before[1]

    # The new module's own code counts, not only the import that reaches it.
    third = state(2, second)
    (third / "ingest" / "helpers" / "split.py").write_text("def split(text: str) -> list[str]:\n    return []\n")
    changed = code_version(third), engine_version(third)
    assert changed[0] != added[0] and changed[1] != added[1]

    # A module nothing of reading imports changes the code version only.
    fourth = state(3, third)
    (fourth / "render" / "extra.py").write_text('"""Not read by analysis."""\n', encoding="utf-8")
    assert code_version(fourth) != changed[0] and engine_version(fourth) == changed[1]


def test_every_module_says_what_it_does():
    for name, path in MODULES.items():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc, f"{name} has no docstring"
        assert "TODO" not in doc, f"{name}'s docstring is unfinished"


def test_every_part_says_what_it_owns_and_what_it_may_import():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "Owns" in doc and "mports" in doc, f"{init.parent.name}/__init__.py: say what it owns and may import"


def test_a_plain_install_builds_and_checks_without_the_extras(tmp_path):
    """``pip install briefgen`` without ``[cluster]``, ``[eval]``, ``[notify]`` or ``[svg]``: build, validate
    and batch on local processes."""
    code = """
import sys
for name in ("distributed", "dask", "rouge_score", "apprise", "cairosvg"):
    sys.modules[name] = None  # as when the extras are not installed
from briefgen.cli import main
out, config = sys.argv[1], sys.argv[2]
for args in (["validate", config], ["build", config, "--format", "md", "--out", out, "--no-cache", "--quiet"]):
    try:
        main(args)
    except SystemExit as exc:
        if exc.code:
            raise
"""
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out"), str(ROOT / "configs" / "example.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "briefing.md").is_file()


def test_the_command_line_starts_without_the_heavy_libraries():
    """``briefgen --help``, ``validate`` or ``deliveries`` should not wait for numpy or spaCy to load: the
    stages import them when they first run."""
    heavy = ("numpy", "scipy", "spacy", "weasyprint", "distributed", "rouge_score", "trafilatura", "wordfreq")
    code = f"import sys, briefgen.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_stemming_does_not_load_nltks_statistics_and_leaves_them_importable():
    """Stemming imports nltk without ``scipy.stats`` (a second of every command's start-up), and
    hides it only for that import: the same stems, and ``scipy.stats`` imports afterwards."""
    script = (
        "import sys\n"
        "from briefgen.analyse import lang\n"
        "from briefgen.analyse.topic import stem\n"
        "assert (stem('reservations'), lang.stem('Solarmodule', 'de')) == ('reserv', 'solarmodul')\n"
        "assert 'nltk' in sys.modules and 'scipy.stats' not in sys.modules\n"
        "from scipy.stats import fisher_exact\n"
        "assert 0 < fisher_exact([[1, 9], [11, 3]])[1] < 1\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
