"""Shared fixtures: paths, the frozen as-of date, and the ``--update-golden`` switch."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
EXAMPLE = ROOT / "configs" / "example.yaml"
#: The example corpus covers the week ending on this day.
AS_OF = dt.date(2025, 2, 14)


def run_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``briefgen`` as a user would: a real process, its output captured.

    For what only a process shows: start-up, hash seeds, signals. Everything else uses the
    faster :func:`run_cli`, which runs the same entry point in this process.
    """
    return subprocess.run(
        [sys.executable, "-m", "briefgen", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
        timeout=600,
        check=False,
    )


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``briefgen.cli.main`` in this process as the ``briefgen`` command would run, in ``cwd``
    with ``env`` added to the environment; its exit status, stdout and stderr captured.

    Everything it changes is put back: the working directory, the environment and the
    ``briefgen`` logger, which ``main`` points at its own stderr.
    """
    from briefgen.cli import main

    root = logging.getLogger("briefgen")
    saved_logger = (root.handlers[:], root.level, root.propagate)
    saved_env = os.environ.copy()
    saved_cwd = Path.cwd()
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    try:
        os.environ.update(env or {})
        os.chdir(cwd or ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:], root.level, root.propagate = saved_logger
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if isinstance(code, str):
        err.write(code + "\n")
    return subprocess.CompletedProcess(["briefgen", *args], status, out.getvalue(), err.getvalue())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


#: The tests that take far longer than the rest, with about how many seconds each takes on one
#: core of a 2-core machine (the evaluation gates with a cold analysis cache). A path without
#: ``::`` is a whole module, kept in one run so its tests share their module fixtures.
LONG_TESTS = {
    "tests/test_evaluate.py::test_quality_gate_duc2006_with_the_topic_as_brief": 180,
    "tests/test_cluster.py": 60,
    "tests/test_stories.py::test_stories_match_the_duc_clusters": 30,
    "tests/test_evaluate.py::test_quality_gate_duc2003": 40,
    "tests/test_webpage.py::test_extraction_quality_on_real_pages": 35,
    "tests/test_hostile_input.py::test_a_huge_ordinary_article_is_cut_not_fatal": 12,
    "tests/test_cli.py::test_same_inputs_same_bytes_whatever_the_hash_seed": 10,
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: half again as many workers as cores, since many tests spend their time waiting on
    a server, a subprocess or a deadline, and another worker's test can use the core meanwhile. On
    2 cores the suite took 235 to 256 s with 2 workers, 200 s with 3 and 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores + (cores + 1) // 2


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell each xdist worker how the tests are dealt out (a worker's own ``--dist`` reads "no")."""
    node.workerinput["dist"] = node.config.getoption("dist")
    node.workerinput["maxschedchunk"] = node.config.getoption("maxschedchunk")


def _first_runs(config: pytest.Config, count: int) -> list[int]:
    """Where each xdist worker's first run of tests starts in a collection of ``count`` tests.

    ``--dist worksteal`` hands each worker an equal share at once; ``--dist load`` a quarter of a
    share each. Without xdist (or with another mode) there is one run, from the start.
    """
    worker: dict[str, Any] = getattr(config, "workerinput", {})
    workers, mode = int(worker.get("workercount", 1)), worker.get("dist")
    if workers < 2 or mode not in ("worksteal", "load"):
        return [0]
    if mode == "load":
        chunk = max(min(count // workers // 4, worker.get("maxschedchunk") or count), 2)
        return [k * chunk for k in range(workers)]
    starts, given = [], 0
    for k in range(workers):
        starts.append(given)
        given += (count - given) // (workers - k)
    return starts


@pytest.hookimpl(trylast=True)  # after ``-k`` and ``-m`` have deselected what they deselect
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the long tests first, so that none of them is left running alone at the end.

    They are dealt longest first, each to the worker with the fewest seconds so far, and put at
    the head of that worker's first run (:func:`_first_runs`); the other tests keep their order.
    The order depends only on the collection and the number of workers, so every worker
    collects the same.
    """
    groups: dict[str, list[pytest.Item]] = {}
    rest: list[pytest.Item] = []
    for item in items:
        test, module = item.nodeid.split("[")[0], item.nodeid.split("::")[0]
        key = test if test in LONG_TESTS else module if module in LONG_TESTS else None
        if key is None:
            rest.append(item)
        else:
            groups.setdefault(key, []).append(item)
    if not groups:
        return
    starts = _first_runs(config, len(items))
    runs: list[list[pytest.Item]] = [[] for _ in starts]
    seconds = [0] * len(starts)
    for key in sorted(groups, key=lambda k: -LONG_TESTS[k]):
        k = seconds.index(min(seconds))
        runs[k] += groups[key]
        seconds[k] += LONG_TESTS[key]
    ordered: list[pytest.Item] = []
    for start, run in zip(starts, runs, strict=True):
        while len(ordered) < start and rest:
            ordered.append(rest.pop(0))
        ordered += run
    items[:] = ordered + rest


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    return SEEDS


@pytest.fixture(scope="module")
def warm_model() -> None:
    """Load spaCy once in the test process, and what else a build loads on first use (the stemmer,
    word frequencies, stop words, the version hashes, the default templates compiled), so every
    case forked from it starts with them loaded: a forked build then takes about half a second, not two."""
    from briefgen.analyse.nlp import load_pipeline
    from briefgen.analyse.topic import english_idf, stem, stop_words
    from briefgen.analyse.workspace import engine_version
    from briefgen.codebase import code_version
    from briefgen.render.templates import template_env

    load_pipeline()
    stem("warm"), english_idf("warm"), stop_words(), engine_version(), code_version()
    env = template_env([])  # the environment a build without override directories is given, kept
    for name in env.list_templates(filter_func=lambda name: not name.startswith("default:")):
        env.get_template(name)


@pytest.fixture(scope="session")
def nlp():
    from briefgen.analyse.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def persistent_workspace():
    """A workspace whose analysis cache outlives the test run, for the evaluation sets.

    Entries are keyed by each document's text and the analysis engine (briefgen's reading,
    cleaning and NLP code, its libraries and the spaCy model), so they are only ever reused
    for exactly the analysis the current code would make. ``BRIEFGEN_TEST_CACHE`` moves it;
    deleting it measures a cold run.
    """
    from briefgen.analyse.workspace import Workspace
    from briefgen.dirs import cache_home

    return Workspace(Path(os.environ.get("BRIEFGEN_TEST_CACHE") or cache_home() / "test-analysis"))


@pytest.fixture(scope="session")
def _duc_analysed(persistent_workspace) -> Path:
    """Every document of ``../shared/eval`` analysed into the persistent cache, once per machine and
    analysis engine: under a file lock, so that the tests reading the DUC sets, whichever xdist
    workers they run in, never analyse a document twice (cold, that is most of a run's work), and
    in a forked process, so that the test process does not hold every analysis in memory."""
    import fcntl
    import multiprocessing

    from briefgen.analyse.workspace import Workspace
    from briefgen.commands.evaluate import analyse_articles, read_clusters

    paths = sorted((SHARED / "eval").glob("*.jsonl"))
    if not paths:
        pytest.skip("../shared/eval is not beside this checkout")
    cache: Path = persistent_workspace.cache_dir

    def analyse_all() -> None:
        articles = [a for path in paths for c in read_clusters(path) for a in (*c.articles, *c.background)]
        analyse_articles(articles, None, Workspace(cache))

    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "duc.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        child = multiprocessing.get_context("fork").Process(target=analyse_all)
        child.start()
        child.join()
        assert child.exitcode == 0, f"analysing the DUC sets failed (exit {child.exitcode})"
    return cache


@pytest.fixture
def duc_workspace(_duc_analysed: Path):
    """A workspace over the persistent cache, in which every DUC document is already analysed; each
    test gets its own, so that what it loads is freed with it."""
    from briefgen.analyse.workspace import Workspace

    return Workspace(_duc_analysed)


@pytest.fixture(scope="session", autouse=True)
def _private_analysis_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands the tests run keep their analysis cache in a temporary directory, not the user's."""
    os.environ["BRIEFGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("analysis-cache"))


def briefing_data(out: Path) -> dict[str, Any]:
    """The ``briefing.json`` of the build in ``out``."""
    data: dict[str, Any] = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    return data


def section_items(out: Path, name: str) -> list[dict[str, Any]]:
    """The items of one section of the build in ``out``."""
    return next(s["items"] for s in briefing_data(out)["sections"] if s["name"] == name)


def rewrite(path: Path, text: str) -> None:
    """Replace a file whole, as an editor saves it: a watcher never reads it half-written."""
    path.with_name(path.name + ".new").write_text(text, encoding="utf-8")
    path.with_name(path.name + ".new").replace(path)
