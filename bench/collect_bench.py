"""``briefgen collect`` over many feeds served locally, and a build's window over a large archive.

Usage: .venv/bin/python bench/collect_bench.py [--feeds 200] [--entries 50] [--articles 100000] [--keep DIR]

1. **Collect.** ``--feeds`` RSS feeds of ``--entries`` full-text entries each, served from
   127.0.0.1 on eight loopback addresses (127.0.0.2 to 127.0.0.9: eight hosts, so the run polls
   four at once as ``collect.workers`` says; ``collect.delay`` is 0, since every host is this
   machine). Each feed has an ETag. Measured: a cold run (every entry new), a warm run (every
   feed answers 304) and, as the baseline, one plain GET of every feed with nothing read or
   stored. Then four feeds of 50 summaries whose entries ``collect`` follows to their article
   pages (200 pages, the default ``collect.max_new_pages``).
2. **The archive.** ``--articles`` articles stored one by one (one transaction each, as collect
   stores them) across 200 sources and a year of days; its size on disk per 10,000 articles.
3. **A build's window** over that archive: the articles of a config's sources for a seven-day
   window, for a config of 20 sources and one of all 200, cold (a fresh process) and, as the
   baseline, a scan of every row of the archive.

Each phase runs in a process of its own (forked), which reports its seconds and its peak
resident memory. The entries' text is the DUC 2006 documents of ``../shared/eval`` (read there;
never copied into the project), each entry led by a sentence of its own so that no two are the
same text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import html
import json
import multiprocessing
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.collect.archive import Archive
from briefgen.collect.overview import gather
from briefgen.collect.serve import Shelf
from briefgen.config.load import load_config
from briefgen.ingest.fetch import request
from briefgen.models import PARAGRAPH, Article, Block

SHARED = ROOT.parent / "shared" / "eval" / "duc2006_qf.jsonl"
HOSTS = [f"127.0.0.{k}" for k in range(2, 10)]
START = dt.date(2024, 2, 15)
AS_OF = dt.date(2025, 2, 14)


def texts() -> list[list[str]]:
    """The paragraphs of every DUC 2006 document of at least 200 words (shorter ones would read as
    summaries, and collect would follow them)."""
    if not SHARED.is_file():
        sys.exit(f"{SHARED} is not there: this benchmark reads its text from ../shared/eval")
    out = []
    with SHARED.open(encoding="utf-8") as f:
        for line in f:
            for doc in json.loads(line)["documents"]:
                paragraphs = [" ".join(p.split()) for p in doc["text"].split("\n\n") if p.strip()]
                if len(doc["text"].split()) >= 200:
                    out.append(paragraphs)
    return out


def phase(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked process; its result with its seconds and peak resident memory (MB)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        start = time.perf_counter()
        result = work()
        result["seconds"] = time.perf_counter() - start
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put(result)

    process = context.Process(target=child)
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


# ----------------------------------------------------------------------------- the sites


class Sites:
    """Feeds and pages on eight loopback hosts; feeds answer 304 to their own ETag."""

    def __init__(self) -> None:
        self.bodies: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.servers: list[ThreadingHTTPServer] = []
        self.ports: dict[str, int] = {}
        sites = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rpartition(":")[0]
                found = sites.bodies.get((host, self.path.partition("?")[0]))
                if found is None:
                    self.send_error(404)
                    return
                body, ctype = found
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        for host in HOSTS:
            server = ThreadingHTTPServer((host, 0), Handler)
            server.daemon_threads = True
            self.servers.append(server)
            self.ports[host] = server.server_address[1]
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.ports[host]}{path}"

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def rss(items: list[tuple[str, str, dt.date, str, str]]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Desk</title>'
    ]
    for title, link, day, summary, content in items:
        when = email.utils.format_datetime(dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC))
        out.append(
            f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link><pubDate>{when}</pubDate>"
        )
        if summary:
            out.append(f"<description>{html.escape(summary)}</description>")
        if content:
            out.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
        out.append("</item>")
    return ("".join(out) + "</channel></rss>").encode()


def page(title: str, day: dt.date, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{html.escape(title)} | Desk</title>"
        f'<meta property="article:published_time" content="{day.isoformat()}T09:00:00Z"></head>'
        f'<body><nav><a href="/">Home</a></nav><article><h1>{html.escape(title)}</h1>{body}</article>'
        "<footer><p>Copyright Desk</p></footer></body></html>"
    ).encode()


def serve_feeds(sites: Sites, docs: list[list[str]], feeds: int, entries: int) -> list[str]:
    urls = []
    n = 0
    for f in range(feeds):
        host = HOSTS[f % len(HOSTS)]
        items = []
        for e in range(entries):
            paragraphs = [f"Desk {f} filed report {e} on the story below.", *docs[n % len(docs)]]
            n += 1
            day = AS_OF - dt.timedelta(days=e % 7)
            link = sites.url(host, f"/f{f}/a{e}")
            items.append((f"Report {f}-{e}", link, day, "", "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)))
        sites.bodies[(host, f"/f{f}.xml")] = (rss(items), "application/rss+xml")
        urls.append(sites.url(host, f"/f{f}.xml"))
    return urls


def serve_summaries(sites: Sites, docs: list[list[str]], feeds: int, entries: int) -> list[str]:
    urls = []
    for f in range(feeds):
        host = HOSTS[f % len(HOSTS)]
        items = []
        for e in range(entries):
            paragraphs = [f"Desk s{f} filed story {e}.", *docs[(7919 * (f * entries + e)) % len(docs)]]
            day = AS_OF - dt.timedelta(days=e % 7)
            path = f"/s{f}/story{e}"
            sites.bodies[(host, path)] = (page(f"Story {f}-{e}", day, paragraphs), "text/html; charset=utf-8")
            items.append((f"Story {f}-{e}", sites.url(host, path), day, paragraphs[1][:200] + " [\u2026]", ""))
        sites.bodies[(host, f"/s{f}.xml")] = (rss(items), "application/rss+xml")
        urls.append(sites.url(host, f"/s{f}.xml"))
    return urls


def project(root: Path, urls: list[str], **collect: Any) -> Path:
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "briefgen.yaml").write_text("defaults: {}\n", encoding="utf-8")
    config = {"title": "Bench", "sources": urls, "collect": {"delay": 0, **collect}, "window": {"days": 7}}
    (root / "configs" / "bench.yaml").write_text(json.dumps(config), encoding="utf-8")
    return root / "configs" / "bench.yaml"


def run_collect(root: Path) -> dict[str, Any]:
    done = gather([root], root)
    (report,) = done.reports
    return {
        "requests": report.requests,
        "not_modified": report.not_modified,
        "pages": report.pages,
        "new": sum(o.new for o in report.outcomes),
        "failed": sum(o.status == "failed" for o in report.outcomes),
        "articles": report.articles,
    }


def plain_gets(urls: list[str]) -> dict[str, Any]:
    total = 0
    for url in urls:
        total += len(request(url, timeout=20, max_bytes=8 << 20).body)
    return {"requests": len(urls), "bytes": total}


# ----------------------------------------------------------------------------- a large archive


def fill_archive(path: Path, docs: list[list[str]], n: int) -> dict[str, Any]:
    rng = random.Random(7)
    sizes = {}
    with Archive(path) as archive:
        for k in range(n):
            source = f"https://site{k % 200}.example/feed.xml"
            day = START + dt.timedelta(days=rng.randrange(366))
            paragraphs = [f"Story {k} from site {k % 200}.", *docs[k % len(docs)]]
            url = f"https://site{k % 200}.example/{day.isoformat()}/story-{k}"
            article = Article(
                path=url,
                form="html",
                blocks=tuple(Block(PARAGRAPH, p) for p in paragraphs),
                title=f"Story {k}",
                publisher=f"Site {k % 200}",
                date=day,
                url=url,
                date_source="page",
            )
            seen = f"{day.isoformat()}T{rng.randrange(24):02d}:00:00Z"
            archive.add(article, url=url, aliases=[url], source=source, seen_at=url, origin="page", at=seen)
            if (k + 1) % 10_000 == 0:
                checkpoint = sqlite3.connect(path)
                checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                checkpoint.close()
                sizes[k + 1] = path.stat().st_size
    return {"sizes": sizes}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock"))


def window(config: Path) -> dict[str, Any]:
    loaded = load_config(config)
    start = AS_OF - dt.timedelta(days=6)
    found = 0
    chars = 0
    with Shelf(loaded) as shelf:
        for source in loaded.config.sources:
            for item in shelf.articles(str(source), (start, AS_OF), loaded.config.limits.max_articles):
                found += 1
                chars += sum(len(b.text) for b in item.article.blocks)
    return {"articles": found, "chars": chars}


def scan(path: Path) -> dict[str, Any]:
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    rows = 0
    for _ in db.execute("SELECT id, url, day, blocks FROM articles"):
        rows += 1
    db.close()
    return {"rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Keep the projects and the archive in this directory.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="collect-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = texts()
    sites = Sites()
    try:
        feeds = serve_feeds(sites, docs, args.feeds, args.entries)
        summaries = serve_summaries(sites, docs, 4, 50)
        news = work / "feeds"
        project(news, feeds)
        follow = work / "follow"
        project(follow, summaries)

        print(f"collect: {args.feeds} feeds x {args.entries} entries on {len(HOSTS)} loopback hosts, 4 workers")
        base = phase(lambda: plain_gets(feeds))
        cold = phase(lambda: run_collect(news))
        warm = phase(lambda: run_collect(news))
        print(f"{'run':<28}{'requests':>9}{'new':>7}{'304':>6}{'seconds':>9}{'x base':>8}{'peak MB':>9}")
        for name, r in (
            ("plain GET of every feed", base),
            ("cold (every entry new)", cold),
            ("warm (every feed 304)", warm),
        ):
            ratio = r["seconds"] / base["seconds"]
            print(
                f"{name:<28}{r['requests']:>9}{r.get('new', 0):>7}{r.get('not_modified', 0):>6}"
                f"{r['seconds']:>9.2f}{ratio:>8.1f}{r['peak_mb']:>9.0f}"
            )
        followed = phase(lambda: run_collect(follow))
        print(
            f"{'follow 4 x 50 summaries':<28}{followed['requests']:>9}{followed['new']:>7}{followed['not_modified']:>6}"
            f"{followed['seconds']:>9.2f}{followed['seconds'] / base['seconds']:>8.1f}{followed['peak_mb']:>9.0f}"
            f"   ({followed['pages']} article pages)"
        )
        print(
            f"archive after the cold run: {cold['articles']:,} articles, {_size(news / 'output' / 'archive.sqlite') / 1e6:.1f} MB"
        )
    finally:
        sites.close()

    big = work / "big"
    (big / "output").mkdir(parents=True, exist_ok=True)
    path = big / "output" / "archive.sqlite"
    print(f"\narchive: {args.articles:,} articles, one transaction each, 200 sources, a year of days")
    filled = phase(lambda: fill_archive(path, docs, args.articles))
    per = args.articles / filled["seconds"]
    print(f"stored in {filled['seconds']:.1f} s ({per:,.0f} articles/s), peak {filled['peak_mb']:.0f} MB")
    for n, size in sorted(filled["sizes"].items()):
        if n in (10_000, args.articles) or n % 50_000 == 0:
            print(f"  {n:>7,} articles: {size / 1e6:7.1f} MB ({size / n * 10_000 / 1e6:.1f} MB per 10,000)")

    twenty = project(big / "twenty", [f"https://site{k}.example/feed.xml" for k in range(20)], archive=str(path))
    every = project(big / "every", [f"https://site{k}.example/feed.xml" for k in range(200)], archive=str(path))
    print("\na build's window (7 days to 2025-02-14) over the archive")
    print(f"{'config':<22}{'articles':>9}{'seconds':>9}{'x scan':>8}{'peak MB':>9}")
    scanned = phase(lambda: scan(path))
    for name, config in (("20 sources", twenty), ("200 sources", every)):
        got = phase(lambda c=config: window(c))  # type: ignore[misc]
        print(
            f"{name:<22}{got['articles']:>9,}{got['seconds']:>9.2f}{got['seconds'] / scanned['seconds']:>8.2f}{got['peak_mb']:>9.0f}"
        )
    print(
        f"{'baseline: scan all':<22}{scanned['rows']:>9,}{scanned['seconds']:>9.2f}{1.0:>8.2f}{scanned['peak_mb']:>9.0f}"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
