"""A batch on local processes and on Dask clusters, against real clusters on 127.0.0.1: the same
briefings as one process builds, each article analysed once across the workers, no briefing
lost to a worker killed mid-run, and one line for a scheduler that does not answer."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from briefgen.analyse.workspace import Workspace
from briefgen.batch import executors as distribute
from briefgen.batch.executors import DaskCluster, InProcess, LocalProcesses, open_executor
from briefgen.batch.run import executor_for, run_batch
from briefgen.errors import BriefgenError, ClusterError

from .conftest import AS_OF, run_cli
from .test_batch import SAMPLES, TOPICS

distributed = pytest.importorskip("distributed")

STATS = re.compile(r"inputs read (\d+), from cache (\d+), reused (\d+); documents analysed (\d+)")


def write_configs(root: Path) -> list[Path]:
    """Three briefings over the sample articles, each in every format on one of them."""
    root.mkdir(parents=True)
    paths = []
    for i, (name, topic) in enumerate(TOPICS.items()):
        formats = ["md", "html", "email", "pdf"] if i == 0 else ["md", "html", "email"]
        config = {
            "title": f"{name.title()} Brief",
            "topic": topic,
            "audience": ["executive", "analyst"][i % 2],
            "sources": [str(SAMPLES)],
            "window": {"as_of": AS_OF.isoformat()},
            "output": {"dir": f"out/{name}", "formats": formats},
        }
        path = root / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def snapshot(root: Path) -> dict[str, bytes]:
    out = root / "configs" / "out"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def pdf_structure(data: bytes) -> tuple[int, list[str]]:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def assert_same_briefings(root: Path, expected: dict[str, bytes]) -> None:
    """Every file the batch wrote is byte for byte the sequential batch's; PDFs equal by structure
    (pages and their text), and the manifests apart from the PDFs' hashes."""
    got = snapshot(root)
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():
        if name.endswith(".pdf"):
            assert pdf_structure(got[name]) == pdf_structure(data), name
        elif name.endswith("manifest.json"):
            mine, theirs = json.loads(got[name]), json.loads(data)
            for manifest in (mine, theirs):
                manifest["files"].pop("briefing.pdf", None)
            assert mine == theirs, name
        else:
            assert got[name] == data, name


def analysed(summary: str) -> tuple[int, int]:
    """Inputs read and documents analysed, from a batch's summary line."""
    found = STATS.search(summary)
    assert found, summary
    return int(found[1]), int(found[4])


def cache_entries(cache: Path) -> int:
    """Analyses in the cache: of documents analysed in full, and for their words alone."""
    return sum(len(list(cache.glob(f"*/{kind}/*/*.json"))) for kind in ("sentences", "light"))


@pytest.fixture(scope="module")
def sequential(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The batch built in one process: its directory, and every file it wrote."""
    root = tmp_path_factory.mktemp("cluster-batch")
    write_configs(root / "configs")
    proc = run_cli("batch", "configs", "--cache-dir", str(root / "cache"), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " on " not in proc.stdout.splitlines()[-1]
    return root, snapshot(root)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    """A LocalCluster of two worker processes on 127.0.0.1; its scheduler's address.

    Its scheduler's HTTP server (no dashboard) takes any free port, not 8787, which another
    cluster on the machine may hold."""
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A cluster started as a user starts one: ``dask scheduler`` and a ``dask worker`` process (two
    workers sharing the work are the local cluster's tests)."""
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip("the dask command is not installed beside this Python")
    work = tmp_path_factory.mktemp("dask")
    scheduler_file = work / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> None:
        with (work / f"{len(procs)}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [str(dask), *args], cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    try:
        start(
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)
        )
        start(
            "worker",
            "--scheduler-file",
            str(scheduler_file),
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
            "--local-directory",
            str(work),
        )
        with distributed.Client(scheduler_file=str(scheduler_file), timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(1, timeout=120)
            address = str(client.scheduler.address)
        yield address
    finally:
        # The workers first, then the scheduler: a worker whose scheduler went first spends
        # seconds trying to reach it again before it stops.
        for group in (procs[1:], procs[:1]):
            for proc in group:
                proc.terminate()
            for proc in group:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def test_local_processes_build_the_same_batch(sequential, tmp_path):
    root, expected = sequential
    cache = tmp_path / "cache"
    proc = run_cli("batch", "configs", "--workers", "2", "--rebuild", "--cache-dir", str(cache), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.splitlines()[-1]
    assert summary.startswith("3 config(s): 3 ok, 0 failed") and " on 2 local processes; " in summary
    assert_same_briefings(root, expected)
    # Each of the nine sample files read once, each distinct document analysed once.
    assert analysed(summary) == (9, cache_entries(cache))


def test_a_process_that_dies_loses_no_briefing(sequential):
    """A pool whose process is killed is started afresh and the briefings it lost are built again
    (a pool of one: its only process killed as the first briefing is done, the others not yet built)."""
    import multiprocessing

    root, expected = sequential
    paths = sorted((root / "configs").glob("*.yaml"))
    others = {p.pid for p in multiprocessing.active_children()}
    executor = LocalProcesses(1)
    killed: list[int] = []

    def kill_one(row: object) -> None:
        if not killed:  # one of the pool's processes, as the first briefing is done and others are not
            victim = next(p.pid for p in multiprocessing.active_children() if p.pid not in others)
            assert victim is not None
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    try:
        rows = run_batch(paths, AS_OF, Workspace(root / "cache"), rebuild=True, executor=executor, done=kill_one)
    finally:
        executor.close()
    assert killed and [r.status for r in rows] == ["built"] * len(paths)
    assert_same_briefings(root, expected)


def test_a_local_cluster_builds_the_same_batch_analysing_each_article_once(sequential, local_cluster, tmp_path):
    root, expected = sequential
    cache = tmp_path / "cache"
    proc = run_cli("batch", "configs", "--scheduler", local_cluster, "--rebuild", "--cache-dir", str(cache), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.splitlines()[-1]
    assert f" on {local_cluster}, 2 workers; " in summary
    assert_same_briefings(root, expected)
    # The work of every worker, gathered back: each sample file read once and each distinct
    # document analysed once, however many of the three briefings use it.
    inputs_read, documents = analysed(summary)
    assert inputs_read == 9 and documents == cache_entries(cache) > 0
    # A second run finds everything in the shared cache.
    again = run_cli("batch", "configs", "--scheduler", local_cluster, "--rebuild", "--cache-dir", str(cache), cwd=root)
    assert again.returncode == 0 and analysed(again.stdout.splitlines()[-1]) == (0, 0)
    assert_same_briefings(root, expected)


def test_a_worker_killed_mid_run_loses_no_briefing(sequential, local_cluster, tmp_path):
    root, expected = sequential
    paths = sorted((root / "configs").glob("*.yaml"))
    rows: list[object] = []
    with distributed.Client(local_cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)
        executor = DaskCluster(scheduler=local_cluster)

        def batch() -> None:
            rows.extend(run_batch(paths, AS_OF, Workspace(tmp_path / "cache"), rebuild=True, executor=executor))

        thread = threading.Thread(target=batch)
        thread.start()
        killed = None
        deadline = time.monotonic() + 120
        while killed is None and thread.is_alive() and time.monotonic() < deadline:
            for worker, keys in client.processing().items():
                if any(str(key).startswith("briefgen-build-") for key in keys):
                    os.kill(pids[worker], signal.SIGKILL)  # mid-build: its tasks go to the other worker
                    killed = worker
                    break
            time.sleep(0.01)
        thread.join(timeout=300)
        executor.close()
        client.wait_for_workers(2, timeout=60)  # the nanny starts a new one, for the tests that follow
    assert killed is not None, "no build was seen running"
    assert [getattr(r, "status", r) for r in rows] == ["built"] * len(paths)
    assert_same_briefings(root, expected)


def test_a_cluster_of_dask_commands_builds_the_same_batch(sequential, dask_cluster, tmp_path):
    root, expected = sequential
    cache = tmp_path / "cache"
    proc = run_cli(
        "batch",
        "configs",
        "--rebuild",
        "--cache-dir",
        str(cache),
        cwd=root,
        env={"BRIEFGEN_DASK_SCHEDULER": dask_cluster},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.splitlines()[-1]
    assert f" on {dask_cluster}, 1 worker; " in summary
    assert_same_briefings(root, expected)
    assert analysed(summary) == (9, cache_entries(cache))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path, monkeypatch):
    monkeypatch.setattr(distribute, "CONNECT_TIMEOUT", 0.5)
    (config,) = write_configs(tmp_path / "configs")[:1]
    address = f"tcp://127.0.0.1:{free_port()}"
    # Nothing listens there: refused, and tried again until the deadline (a scheduler may be starting).
    expected = f"briefgen: error: cannot reach the Dask scheduler at {address}: connection refused (tried for 0.5 s)"
    for how in (["--scheduler", address], []):
        proc = run_cli("batch", str(config), *how, cwd=tmp_path, env={"BRIEFGEN_DASK_SCHEDULER": address})
        assert (proc.returncode, proc.stdout, proc.stderr.strip()) == (1, "", expected)
    # The project's setting names the scheduler when neither the command line nor the environment does.
    (tmp_path / "briefgen.yaml").write_text(f"batch: {{scheduler: '{address}'}}\n", encoding="utf-8")
    proc = run_cli("batch", str(config), cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (1, expected)


def test_where_a_batch_runs_comes_from_the_command_line_the_environment_or_the_project(tmp_path, monkeypatch):
    configs = write_configs(tmp_path / "configs")
    monkeypatch.delenv("BRIEFGEN_DASK_SCHEDULER", raising=False)
    chosen = executor_for(configs)
    assert isinstance(chosen, InProcess) and chosen.where == ""
    (tmp_path / "briefgen.yaml").write_text("batch: {workers: 3}\n", encoding="utf-8")
    chosen = executor_for(configs)
    assert isinstance(chosen, LocalProcesses) and chosen.where == "on 3 local processes"
    chosen.close()
    monkeypatch.setenv("BRIEFGEN_DASK_SCHEDULER", "tcp://127.0.0.1:1")
    assert isinstance(executor_for(configs, workers=1), InProcess)  # the command line wins
    monkeypatch.setattr(distribute, "CONNECT_TIMEOUT", 0.2)
    with pytest.raises(ClusterError, match=re.escape("at tcp://127.0.0.1:1: connection refused")):
        executor_for(configs)
    # A mistake in the setting is reported like any other in the project file, on every config's row.
    (tmp_path / "briefgen.yaml").write_text("batch: {worker: 3}\n", encoding="utf-8")
    monkeypatch.delenv("BRIEFGEN_DASK_SCHEDULER")
    proc = run_cli("batch", "configs", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.count("batch.worker (line 1): unknown key") == 3


def test_executors_are_alternatives_by_name():
    assert list(distribute.EXECUTORS) == ["sequential", "processes", "dask"]
    with pytest.raises(BriefgenError, match=r"unknown executor 'threads'; choose from sequential, processes, dask"):
        open_executor("threads")
    proc = run_cli("batch", "configs", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert proc.returncode == 2 and "--workers and --scheduler cannot be used together" in proc.stderr


def test_without_the_cluster_extra_a_dask_batch_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as when briefgen[cluster] is not installed
    (config,) = write_configs(tmp_path / "configs")[:1]
    proc = run_cli("batch", str(config), "--scheduler", f"tcp://127.0.0.1:{free_port()}", cwd=tmp_path)
    expected = "briefgen: error: running on a Dask cluster needs the cluster extra: pip install 'briefgen[cluster]'"
    assert (proc.returncode, proc.stderr.strip()) == (1, expected)
    # Local processes need nothing more.
    assert run_cli("batch", str(config), "--workers", "1", cwd=tmp_path).returncode == 0
