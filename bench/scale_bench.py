"""One briefing over every DUC 2003 and DUC 2006 document at once: time, memory, and topic focus.

Writes each cluster of ``../shared/eval`` as a JSON Lines file (about 1,550 articles in
all, 1996 to 2000) and builds, in one process sharing one analysis:

- a **broad** briefing that keeps every article (no topic terms): the time of each stage (with an
  empty ``--cache-dir``, a cold build), and the process's peak memory (``ru_maxrss``) after it;
- a **narrow** briefing for one DUC 2006 topic;
- for **each DUC 2006 topic**, a config over the whole mixed corpus with the topic's title
  words as keywords and its narrative as the brief: the share of the sources the briefing
  cites that come from that topic's own cluster.

``--clusters 0.5`` builds over about half the clusters, drawn at random, to see how the time grows
with the articles. ``--pages ../shared/extraction/pages`` adds the 474 real web pages of the
extraction set (most German) to the broad briefing, a week's mix of wire copy and pages in several
languages: about 2,000 real documents, read, cleaned and sorted by language and date (a page outside
the briefing's language or window is not analysed). The DUC articles' dates then move forward by
:data:`PAGES_SHIFT_YEARS`, so that both fall in one window of at most ten years.

    python bench/scale_bench.py [--eval ../shared/eval] [--topics 50] [--cache-dir DIR] [--clusters SHARE]
                                [--pages DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefgen import Config, build
from briefgen.analyse.topic import INSTRUCTION_WORDS, stop_words
from briefgen.analyse.workspace import Workspace

AS_OF = dt.date(2000, 12, 31)
DAYS = 366 * 5
#: The seed of the clusters drawn by ``--clusters``.
SHARE_SEED = 7
#: With ``--pages``: how many years the DUC articles' dates move forward, and the as-of date of the
#: window (the longest a config allows) that holds them and most of the pages.
PAGES_SHIFT_YEARS = 22
PAGES_AS_OF = dt.date(2025, 12, 31)
PAGES_DAYS = 3660


def shifted(date: str | None, years: int) -> str | None:
    """A date ``years`` later (29 February becomes 28 February in a common year); a date as the source
    wrote it ("1998-30-06") keeps its form, its year moved."""
    if not date or not years:
        return date
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return re.sub(r"^\d{4}", lambda m: str(int(m.group()) + years), date)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


def write_corpus(eval_dir: Path, out: Path, years: int = 0) -> dict[str, dict[str, str]]:
    """One JSON Lines file per cluster, its dates ``years`` later; returns the DUC 2006 topics by cluster id."""
    topics: dict[str, dict[str, str]] = {}
    for name in ("duc2003_task2.jsonl", "duc2006_qf.jsonl"):
        for line in (eval_dir / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            cluster = json.loads(line)
            if cluster.get("topic"):
                topics[cluster["id"]] = cluster["topic"]
            with (out / f"{cluster['id']}.jsonl").open("w", encoding="utf-8") as f:
                for doc in cluster["documents"]:
                    record = {
                        "title": doc.get("title"),
                        "publisher": doc.get("source"),
                        "date": shifted(doc.get("date"), years),
                    }
                    f.write(json.dumps({**record, "text": doc["text"]}) + "\n")
    return topics


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def config(corpus: Path, days: int = DAYS, **topic: object) -> Config:
    return Config.model_validate(
        {
            "title": "Scale",
            "topic": {**topic, "min_relevance": 0.1} if topic else {},
            "audience": "analyst",
            "sources": [
                str(corpus / "*.jsonl"),
                *([str(corpus / "*.html.gz")] if any(corpus.glob("*.html.gz")) else []),
            ],
            "window": {"days": days},
            "output": {"formats": ["md"]},
            "novelty": "none",
        }
    )


def cluster_of(path: str) -> str:
    return Path(path.rsplit(":", 1)[0]).stem


def title_keywords(title: str) -> list[str]:
    stop = stop_words() | INSTRUCTION_WORDS | {"pros", "cons"}
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", title) if w.lower() not in stop and len(w) > 2})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--topics", type=int, default=50, help="How many DUC 2006 topics to build as configs.")
    parser.add_argument("--cache-dir", type=Path, help="Keep the analysis on disk here, so a second run skips it.")
    parser.add_argument(
        "--clusters",
        type=float,
        default=1.0,
        help="Build over this share of the clusters, drawn at random (a fixed seed), to see how time grows.",
    )
    parser.add_argument("--pages", type=Path, help="Add these web pages (*.html.gz) to the broad briefing.")
    args = parser.parse_args()
    years, as_of, days = (PAGES_SHIFT_YEARS, PAGES_AS_OF, PAGES_DAYS) if args.pages else (0, AS_OF, DAYS)
    workspace = Workspace(args.cache_dir)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        topics = write_corpus(args.eval, corpus, years)
        if args.clusters < 1.0:
            rng = random.Random(SHARE_SEED)
            for path in sorted(corpus.glob("*.jsonl")):
                if rng.random() >= args.clusters:
                    path.unlink()
                    topics.pop(path.stem, None)
        print(f"corpus: {len(list(corpus.glob('*.jsonl')))} clusters as JSON Lines files")
        if args.pages:
            pages = sorted(args.pages.glob("*.html.gz"))
            for page in pages:
                shutil.copyfile(page, corpus / page.name)
            print(f"and {len(pages)} web pages; the DUC dates {years} years later, as of {as_of}, {days} days")

        t0 = time.perf_counter()
        broad = build(config(corpus, days), as_of, Path(tmp) / "broad", workspace=workspace)
        wall = time.perf_counter() - t0
        t = broad.timings
        stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in t.items() if seconds >= 0.05)
        print(
            f"broad: {broad.briefing.articles_used} of {broad.briefing.articles_read} articles used; "
            f"whole build {wall:.1f} s ({stages}); peak memory {peak_mb():.0f} MB"
        )
        first_id, first = next(iter(topics.items()))
        t0 = time.perf_counter()
        narrow = build(
            config(corpus, days, keywords=title_keywords(first["title"]), brief=first["narrative"]),
            as_of,
            Path(tmp) / "narrow",
            workspace=workspace,
        )
        t = narrow.timings
        print(
            f"narrow ({first_id}): {narrow.briefing.articles_used} of {narrow.briefing.articles_read} articles used; "
            f"select {t.get('select', 0):.2f} s, whole build {time.perf_counter() - t0:.1f} s (analysis shared)"
        )

        shares: list[float] = []
        selects: list[float] = []
        for n, (cluster_id, topic) in enumerate(list(topics.items())[: args.topics]):
            result = build(
                config(corpus, days, keywords=title_keywords(topic["title"]), brief=topic["narrative"]),
                as_of,
                Path(tmp) / f"topic{n}",
                workspace=workspace,
            )
            cited = [cluster_of(s.path) for s in result.briefing.sources]
            shares.append(sum(1 for c in cited if c == cluster_id) / len(cited) if cited else 0.0)
            selects.append(result.timings.get("select", 0.0))
            print(f"  {cluster_id}: {shares[-1]:.2f} of {len(cited)} cited sources from its own cluster")
        if shares:
            print(
                f"topic focus over {len(shares)} DUC 2006 topics: mean share {sum(shares) / len(shares):.3f}, "
                f"lowest {min(shares):.2f}; selection {sum(selects) / len(selects):.2f} s a briefing on average"
            )
        print(f"peak memory of the whole process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
