"""One batch over many configs against the same configs built one by one, in the same run.

Usage: .venv/bin/python bench/batch_bench.py [--configs 20] [--keep DIR]

Writes N configs that share the sample corpus (different topics, audiences, clients and
paper sizes; every format, PDF included), then times, as the user would run them:

- ``briefgen batch DIR`` with an empty analysis cache (the first run of a week);
- the same batch again with ``--rebuild``, the cache now warm (next week's overlapping articles);
- the same batch once more, every build unchanged, so each is reused as it stands (a re-run);
- N separate ``briefgen build CONFIG --no-cache`` processes: the baseline.

It shows that the batch reads and analyses each article once from briefgen's own counters
(``inputs read``, ``documents analysed``), which count calls to the readers and to spaCy,
and from the separate builds' counters (``--verbose``), summed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BRIEFGEN = [sys.executable, "-m", "briefgen.cli"]
AS_OF = "2025-02-14"
TOPICS = [
    {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
    {"keywords": ["radar", "missile", "warning"], "entities": ["North Korea"]},
    {"keywords": ["market", "shares", "investors"], "entities": ["Japan"]},
    {"keywords": ["shipyard", "navy", "production"]},
    {},
]
STATS = re.compile(
    r"inputs read (\d+), from cache (\d+), reused (\d+); documents analysed (\d+), from cache (\d+), reused (\d+)"
)


def write_configs(root: Path, n: int) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        config = {
            "title": f"Client {i + 1:02d} Weekly Brief",
            "topic": TOPICS[i % len(TOPICS)],
            "audience": ["executive", "analyst"][i % 2],
            "sources": [str(ROOT / "samples" / "articles")],
            "output": {"dir": f"out/client-{i + 1:02d}", "page_size": ["A4", "Letter"][i % 2]},
            "client": [None, "acme", "northwind"][i % 3],
        }
        path = root / f"client-{i + 1:02d}.yaml"
        path.write_text(
            yaml.safe_dump({k: v for k, v in config.items() if v is not None}, sort_keys=False), encoding="utf-8"
        )
        paths.append(path)
    return paths


def timed(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, proc


def counters(text: str) -> list[int]:
    found = STATS.findall(text)
    if not found:
        sys.exit(f"no counters in output:\n{text}")
    return [sum(int(row[k]) for row in found) for k in range(6)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="keep the configs and outputs in this directory")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="briefgen-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    configs = write_configs(work / "configs", args.configs)
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)

    cold, proc = timed([*BRIEFGEN, "batch", "configs", "--as-of", AS_OF, "--cache-dir", str(cache)], work)
    batch_counts = counters(proc.stdout)
    batch_md = {p.stem: (work / "configs" / "out" / p.stem / "briefing.md").read_bytes() for p in configs}
    warm, proc = timed([*BRIEFGEN, "batch", "configs", "--as-of", AS_OF, "--cache-dir", str(cache), "--rebuild"], work)
    warm_counts = counters(proc.stdout)
    reused, proc = timed([*BRIEFGEN, "batch", "configs", "--as-of", AS_OF, "--cache-dir", str(cache)], work)
    reused_counts = counters(proc.stdout)
    all_reused = proc.stdout.count(" reused ") >= args.configs

    separate = 0.0
    separate_counts = [0] * 6
    for path in configs:
        elapsed, proc = timed([*BRIEFGEN, "build", str(path), "--as-of", AS_OF, "--no-cache", "--verbose"], work)
        separate += elapsed
        separate_counts = [a + b for a, b in zip(separate_counts, counters(proc.stderr), strict=True)]
    same = all((work / "configs" / "out" / p.stem / "briefing.md").read_bytes() == batch_md[p.stem] for p in configs)

    print(
        f"{args.configs} configs over {len(list((ROOT / 'samples' / 'articles').iterdir()))} sample articles, every format (PDF included)"
    )
    print(f"{'run':<34}{'wall s':>8}{'inputs read':>13}{'analysed':>10}{'reused':>8}{'vs separate':>13}")
    rows = [
        (f"{args.configs} separate builds (baseline)", separate, separate_counts),
        ("batch, empty cache", cold, batch_counts),
        ("batch, warm cache (--rebuild)", warm, warm_counts),
        ("batch, builds unchanged", reused, reused_counts),
    ]
    for label, seconds, c in rows:
        print(f"{label:<34}{seconds:>8.2f}{c[0]:>13}{c[3]:>10}{c[5]:>8}{separate / seconds:>12.1f}x")
    print(
        f"batch: {batch_counts[0]} inputs read, each once, for {args.configs} configs ({batch_counts[2]} later uses served "
        f"from memory); {batch_counts[3]} documents analysed, each once ({batch_counts[5]} later uses)"
    )
    print(
        f"separate builds analysed {separate_counts[3]} documents: {separate_counts[3] / max(batch_counts[3], 1):.0f}x the batch"
    )
    print(
        f"briefings identical to the batch's: {'yes' if same else 'NO'}; unchanged builds all reused: {'yes' if all_reused else 'NO'}"
    )
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
