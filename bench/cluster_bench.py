"""A batch at scale: configs × articles of DUC 2003 and DUC 2006 documents, in one process, on two
local processes and on a two-worker Dask LocalCluster, with an empty and a warm analysis cache.

Writes the DUC clusters of ``../shared/eval`` as JSON Lines files (as ``scale_bench.py`` does),
then for each size ``CONFIGSxARTICLES`` writes that many configs, each one DUC 2006 topic's
briefing (its title's words as keywords, its narrative as the brief) over the first ARTICLES
articles, and runs the batch six ways, each in a fresh process:

- ``sequential``: ``run_batch`` in one process, as ``briefgen batch`` runs by default;
- ``--workers 2``: on a pool of two local processes (their start-up counted);
- ``LocalCluster``: on a running two-worker Dask LocalCluster (its start-up not counted);

each with an empty analysis cache (cold) and again with the cache that run left (warm, every
briefing built afresh). Printed per run: wall time, documents analysed and analysed per
second, peak memory (``VmHWM``) of the batch's process and of each worker, the speedup over the
sequential run of the same size and cache, whether every briefing (Markdown, HTML, JSON) is
byte for byte the sequential run's, and the share of the machine's CPU that other processes took
meanwhile (a run they took more than a tenth of is run again, ``--tries`` times in all). Then the cost per article and per config-article, size by
size (constant when cost grows linearly with articles and configs), and what a week of
200 configs × 20,000 articles costs on N machines by that model.

    .venv/bin/python bench/cluster_bench.py [--sizes 10x500,20x1000,40x1548] [--eval ../shared/eval]
        [--runs sequential:cold,workers2:cold,...] [--save FILE.json]
    .venv/bin/python bench/cluster_bench.py --model A.json B.json     # fit the runs of several sessions
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from scale_bench import AS_OF, DAYS, title_keywords, write_corpus  # the same corpus as the scale benchmark's

MODES = {"sequential": "sequential", "workers2": "--workers 2", "cluster2": "LocalCluster, 2 workers"}
#: A run during which other processes took more than this share of the machine is run again (``--tries``).
DISTURBED = 0.10


def corpus_files(corpus: Path, articles: int) -> list[Path]:
    """The first cluster files (DUC 2006, then DUC 2003) holding ``articles`` articles."""
    files, total = [], 0
    for path in sorted(corpus.glob("*.jsonl"), key=lambda p: p.name.lower()):
        if total >= articles:
            break
        files.append(path)
        total += sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return files


def corpus_words(files: list[Path]) -> int:
    """The words of every article in ``files``: articles differ in length, so cost is measured per word."""
    return sum(
        len(json.loads(line)["text"].split())
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )


def write_configs(root: Path, n: int, files: list[Path], topics: dict[str, dict[str, str]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    chosen = list(topics.values())
    for i in range(n):
        topic = chosen[i % len(chosen)]
        config = {
            "title": f"Client {i + 1:02d}",
            "topic": {"keywords": title_keywords(topic["title"]), "brief": topic["narrative"], "min_relevance": 0.1},
            "audience": "analyst",
            "sources": [str(f) for f in files],
            "window": {"days": DAYS, "as_of": AS_OF.isoformat()},
            "output": {"dir": f"out/client-{i + 1:02d}", "formats": ["md", "html"]},
            "novelty": "none",
        }
        (root / f"client-{i + 1:02d}.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def peak_mb(pid: int | str = "self") -> float:
    """The peak resident memory of a process (``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def outputs_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted((root / "out").rglob("*")):
        if path.suffix in (".md", ".html", ".json", ".txt") and path.name != "manifest.json":
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cpu_busy() -> float:
    """Seconds of CPU time the whole machine has spent busy since boot (``/proc/stat``)."""
    fields = [int(x) for x in Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(configs: Path, mode: str, cache: Path) -> dict[str, Any]:
    """One run in a fresh process, with the share of the machine that other processes took meanwhile."""
    busy, ours = cpu_busy(), children_cpu()
    proc = subprocess.run(
        [sys.executable, __file__, "--run", str(configs), mode, str(cache)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"{configs.parent.name} {mode} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    got: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    others = max(cpu_busy() - busy - (children_cpu() - ours), 0.0)
    got["others"] = others / ((os.cpu_count() or 1) * got["total"])
    return got


def run_one(configs: Path, mode: str, cache: Path) -> dict[str, Any]:
    """One batch run in this process: what the parent prints a row of."""
    from briefgen.analyse.workspace import Workspace
    from briefgen.batch.executors import DaskCluster, LocalProcesses
    from briefgen.batch.run import run_batch

    started = time.perf_counter()
    paths = sorted(configs.glob("*.yaml"))
    workspace = Workspace(cache)
    cluster = None
    executor: Any = None
    if mode == "workers2":
        executor = LocalProcesses(2)
    elif mode == "cluster2":
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
        executor = DaskCluster(scheduler=cluster.scheduler_address)
    start = time.perf_counter()
    rows = run_batch(paths, AS_OF, workspace, rebuild=True, executor=executor)
    wall = time.perf_counter() - start
    total = time.perf_counter() - started
    workers: list[float] = []
    if mode == "workers2":
        import multiprocessing

        workers = sorted(peak_mb(p.pid) for p in multiprocessing.active_children() if p.pid is not None)
    elif executor is not None:
        workers = sorted(executor.client.run(peak_mb).values())
    if executor is not None:
        executor.close()
    if cluster is not None:
        cluster.close()
    failed = [f"{r.config}: {r.detail}" for r in rows if not r.ok]
    if failed:
        sys.exit("\n".join(failed))
    return {
        "wall": wall,
        "total": total,
        "analysed": workspace.stats.documents_analysed,
        "driver_mb": peak_mb(),
        "workers_mb": workers,
        "digest": outputs_digest(configs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10x500,20x1000,40x1548", help="CONFIGSxARTICLES, comma-separated")
    parser.add_argument("--eval", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument(
        "--tries",
        type=int,
        default=2,
        help=f"runs of one kind while other processes take over {DISTURBED:.0%}".replace("%", "%%"),
    )
    parser.add_argument(
        "--runs",
        default=",".join(f"{m}:{s}" for m in MODES for s in ("cold", "warm")),
        help="MODE:CACHE pairs to run (modes: sequential, workers2, cluster2; cache: cold, warm); a warm run needs its cold one",
    )
    parser.add_argument("--save", type=Path, help="also write the runs' figures to this JSON file")
    parser.add_argument("--model", type=Path, nargs="+", help="only fit the runs of these saved files")
    parser.add_argument("--run", nargs=3, metavar=("CONFIGS", "MODE", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(Path(args.run[0]), args.run[1], Path(args.run[2]))))
        return
    if args.model:
        model([r for path in args.model for r in json.loads(path.read_text(encoding="utf-8"))])
        return

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="briefgen-cluster-bench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        topics = write_corpus(args.eval, corpus)
        print(f"{os.cpu_count()} CPUs; DUC 2003 and 2006: {len(list(corpus.glob('*.jsonl')))} clusters as JSON Lines")
        print(f"{'size':<12}{'run':<26}{'cache':<7}{'wall s':>8}{'analysed':>10}{'an./s':>7}"
              f"{'peak MB: batch':>16}{' / workers':<14}{'speedup':>8}  same  others")  # fmt: skip
        for size in args.sizes.split(","):
            n_configs, n_articles = (int(x) for x in size.lower().split("x"))
            files = corpus_files(corpus, n_articles)
            words = corpus_words(files)
            configs = work / size / "configs"
            write_configs(configs, n_configs, files, topics)
            base: dict[str, dict[str, Any]] = {}
            for mode, label in MODES.items():
                cache = work / size / f"cache-{mode}"
                for state in ("cold", "warm"):
                    if f"{mode}:{state}" not in args.runs.split(","):
                        continue
                    fresh = state == "cold"
                    for attempt in range(args.tries):
                        if fresh:
                            shutil.rmtree(cache, ignore_errors=True)
                        got = timed_run(configs, mode, cache)
                        if got["others"] <= DISTURBED:
                            break
                        if attempt + 1 < args.tries:  # a warm run stays warm: the cache is as the cold run left it
                            print(f"  ({size} {label} {state}: others took {got['others']:.0%} of the machine; again)")
                    got.update(size=size, configs=n_configs, articles=n_articles, words=words, mode=mode, state=state)
                    results.append(got)
                    first = base.setdefault(state, got)
                    rate = f"{got['analysed'] / got['wall']:>7.1f}" if got["analysed"] else f"{'-':>7}"
                    workers = "/".join(f"{mb:.0f}" for mb in got["workers_mb"]) or "-"
                    print(
                        f"{size:<12}{label:<26}{state:<7}{got['wall']:>8.1f}{got['analysed']:>10}{rate}"
                        f"{got['driver_mb']:>16.0f}{' / ' + workers:<14}{first['wall'] / got['wall']:>7.2f}x  "
                        f"{'yes' if got['digest'] == first['digest'] else 'NO ':<4}  {got['others']:>5.0%}",
                        flush=True,
                    )
    if args.save:
        args.save.write_text(json.dumps(results, indent=1), encoding="utf-8")
    model(results)


def model(results: list[dict[str, Any]]) -> None:
    """Fit the sequential runs to seconds = fixed + a × words analysed + b × configs × words read
    (least squares; articles differ in length, so words are the unit), show how well each run
    fits, and what the fit predicts for a large week."""
    import numpy as np

    calm = [r for r in results if r.get("others", 0.0) <= DISTURBED]
    if len(calm) < len(results):
        print(f"\n(left out: {len(results) - len(calm)} run(s) during which other processes took over {DISTURBED:.0%})")
    results = calm
    seq = [r for r in results if r["mode"] == "sequential"]
    if len({r["size"] for r in seq}) < 2:
        return
    x = np.array([[1.0, r["words"] * r["analysed"] / r["articles"], r["configs"] * r["words"]] for r in seq])
    y = np.array([r["wall"] for r in seq])
    (fixed, a, b), *_ = np.linalg.lstsq(x, y, rcond=None)
    print(
        f"\nsequential runs fitted: seconds = {fixed:.1f} + {a * 1e6:.0f} ms × 1,000 words analysed "
        f"+ {b * 1e6:.2f} ms × configs × 1,000 words read"
    )
    print(f"{'size':<12}{'words':>9}  {'cache':<7}{'measured s':>11}{'fitted s':>10}{'off by':>8}")
    for r, fit in zip(seq, x @ np.array([fixed, a, b]), strict=True):
        print(
            f"{r['size']:<12}{r['words']:>9,}  {r['state']:<7}{r['wall']:>11.1f}{fit:>10.1f}"
            f"{(r['wall'] - fit) / r['wall']:>8.0%}"
        )
    # The speedup of two workers at the largest size measured both ways, cold.
    pairs = [
        (r["configs"] * r["words"], r["size"], base["wall"] / r["wall"])
        for base in seq
        if base["state"] == "cold"
        for r in results
        if r["size"] == base["size"] and r["mode"] != "sequential" and r["state"] == "cold"
    ]
    if not pairs:
        return
    _, where, speedup = max(pairs)
    efficiency = speedup / 2
    configs, articles = 200, 20_000
    words = articles * sum(r["words"] / r["articles"] for r in seq) / len(seq)
    analysing, building = a * words, b * configs * words
    print(
        f"a week of {configs} configs × {articles:,} new articles ({words / articles:.0f} words each), by this fit: "
        f"{(analysing + building) / 3600:.1f} core-hours ({analysing / 3600:.1f} analysing, {building / 3600:.1f} "
        f"building); two workers ran {where} here {speedup:.2f}× faster than one process "
        f"({efficiency:.0%} of a core each), so on"
    )
    for machines, cores in ((1, 2), (1, 8), (4, 8), (16, 8)):
        minutes = (analysing + building) / (machines * cores * efficiency) / 60
        print(f"  {machines:>2} machine(s) × {cores} cores: about {minutes:.0f} min")


if __name__ == "__main__":
    main()
