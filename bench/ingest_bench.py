"""Ingest + clean throughput on a generated corpus of mixed forms.

Usage: .venv/bin/python bench/ingest_bench.py [--articles 1000] [--words 700] [--keep DIR]

Writes N articles of about W words (plain text, Markdown with front matter, HTML pages
with navigation and related links, WordPress REST JSON, RSS feed entries), some of them
syndicated copies, then times briefgen's intake (read, clean, filter, de-duplicate) and
reports peak memory. As a baseline measured in the same run it also times reading the
same files' bytes, so the ratio shows what parsing and cleaning cost on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.config.defaults import Config, Window
from briefgen.config.load import LoadedConfig
from briefgen.select.intake import take_in

WORDS = [
    "minister",
    "defense",
    "alliance",
    "summit",
    "secretariat",
    "radar",
    "missile",
    "network",
    "exercise",
    "budget",
    "navy",
    "shipyard",
    "government",
    "agreement",
    "cooperation",
    "officials",
    "statement",
    "security",
    "region",
    "partners",
    "talks",
    "plan",
    "program",
    "investment",
    "trade",
    "tariff",
    "industry",
    "market",
    "shares",
    "analysts",
    "lawmakers",
    "opposition",
    "election",
    "policy",
    "capital",
    "border",
    "coast",
    "guard",
    "patrol",
    "drill",
    "contract",
    "production",
    "interceptor",
    "warning",
    "data",
    "real",
    "time",
]
NAMES = ["Seoul", "Tokyo", "Washington", "Honolulu", "Jeju", "Busan", "Osaka", "Manila", "Canberra"]


def sentence(rng: random.Random) -> str:
    n = rng.randint(12, 28)
    words = [rng.choice(WORDS) for _ in range(n)]
    words[rng.randrange(n)] = rng.choice(NAMES)
    return " ".join(words).capitalize() + "."


def paragraphs(rng: random.Random, words: int) -> list[str]:
    out, count = [], 0
    while count < words:
        para = " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
        out.append(para)
        count += len(para.split())
    return out


def write_corpus(root: Path, n: int, words: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    day = dt.date(2025, 2, 14)
    feed_items: list[str] = []
    previous: list[str] = []
    for i in range(n):
        paras = previous if i % 25 == 24 else paragraphs(rng, words)  # every 25th is a syndicated copy
        previous = paras
        title = f"Story {i}: " + " ".join(rng.choice(WORDS) for _ in range(6))
        date = (day - dt.timedelta(days=i % 6)).isoformat()
        form = i % 5
        if form == 0:
            (root / f"a{i}.txt").write_text(
                title + "\n\n" + "\n\n".join(paras) + "\n\nSubscribe today for full access.\n", encoding="utf-8"
            )
        elif form == 1:
            front = f"---\ntitle: {json.dumps(title)}\npublisher: Bench Daily\ndate: {date}\n---\n\n"
            (root / f"a{i}.md").write_text(front + "\n\n".join(paras) + "\n", encoding="utf-8")
        elif form == 2:
            body = "".join(f"<p>{p}</p>\n" for p in paras)
            page = (
                f"<!DOCTYPE html><html><head><title>{title}</title><meta property='og:site_name' content='Bench Ledger'>"
                f"<meta property='article:published_time' content='{date}T08:00:00Z'></head><body>"
                "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/markets'>Markets</a></nav>"
                f"<article><h1>{title}</h1>{body}<aside><h3>Related</h3><ul><li><a href='/x'>Other Story Title Here</a></li></ul></aside>"
                "</article><footer>&copy; 2025 Bench Ledger. All rights reserved.</footer></body></html>"
            )
            (root / f"a{i}.html").write_text(page, encoding="utf-8")
        elif form == 3:
            post = {
                "date": f"{date}T08:00:00",
                "link": f"https://bench.example/{i}",
                "title": {"rendered": title},
                "content": {"rendered": "".join(f"<p>{p}</p>\n" for p in paras)},
            }
            (root / f"a{i}.json").write_text(json.dumps(post), encoding="utf-8")
        else:
            content = "".join(f"<p>{p}</p>" for p in paras)
            feed_items.append(
                f"<item><title>{title}</title><link>https://feed.example/{i}</link>"
                f"<pubDate>{dt.datetime.fromisoformat(date):%a, %d %b %Y} 08:00:00 +0000</pubDate>"
                f"<description><![CDATA[{content}]]></description></item>"
            )
    for k in range(0, len(feed_items), 50):
        chunk = "".join(feed_items[k : k + 50])
        (root / f"feed{k // 50}.rss").write_text(
            f"<?xml version='1.0'?><rss version='2.0'><channel><title>Bench Feed</title><link>https://feed.example/</link>{chunk}</channel></rss>",
            encoding="utf-8",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="briefgen-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        write_corpus(root, args.articles, args.words)
        files = sorted(p for p in root.iterdir() if p.is_file())
        size = sum(p.stat().st_size for p in files)

        start = time.perf_counter()
        for p in files:
            p.read_bytes()
        baseline = time.perf_counter() - start

        config = Config(title="bench", sources=[str(root)], window=Window(days=7))
        loaded = LoadedConfig(config=config, path=root / "bench.yaml")
        timings: dict[str, float] = {}
        start = time.perf_counter()
        intake = take_in(loaded, dt.date(2025, 2, 14), timings)
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        counts: dict[str, int] = {}
        for d in intake.decisions:
            counts[d.status] = counts.get(d.status, 0) + 1
        words = sum(d.words_before or 0 for d in intake.decisions)
        print(
            f"corpus: {args.articles} articles, {len(files)} files, {size / 1e6:.1f} MB, {words} words before cleaning"
        )
        print(f"outcome: {', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}")
        print(f"baseline (read bytes only): {baseline:.3f} s")
        print(f"ingest+clean: {elapsed:.2f} s  ({', '.join(f'{k} {v:.2f} s' for k, v in timings.items())})")
        print(f"  {args.articles / elapsed:.0f} articles/s, {elapsed / max(baseline, 1e-9):.0f}x the baseline")
        print(f"peak memory (RSS): {peak_mb:.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
