"""HTML extraction on real web pages: briefgen against trafilatura, all measured in one run.

Usage: .venv/bin/python bench/extraction_bench.py [--limit N] [--json] [--rules]

Reads the 474 pages in ``../shared/extraction`` (beside the checkout; not ours, so read in
place and never copied; the script exits 0 with a message when the directory is absent) in
sorted order of their keys in ``pages.json``, and runs, page by page so that machine load
affects all three alike:

- briefgen as a build sees an HTML page: ``ingest.read_url(url, body, "text/html")`` then
  ``clean.clean(article, 0)`` for each article; the text is the documents' texts joined by a
  space, the metadata (title, author, date) the first article's. An ``ArticleError`` is a
  refused page; any other exception is counted apart, as an error, and scored as refused;
- ``trafilatura.extract(body, url=url, include_comments=False)``, with metadata from
  ``trafilatura.extract_metadata(body, default_url=url)``;
- the same with ``favor_precision=True``.

The URL is each page's key in ``pages.json`` (a few keys are not web addresses, such as
``hard::...``; they are passed as they stand to all three). Every extractor gets the gunzipped
bytes and decodes them itself.

Scoring follows the set's README: whitespace in the extracted text is normalised (runs become
one space); each ``with`` snippet found is a true positive, missing a false negative; each
``without`` snippet found a false positive ("furniture"), missing a true negative; the counts
are summed over pages. A refused page misses all its ``with`` snippets. Title and author are
compared where the page's value is not empty, exactly (after whitespace normalisation) and
leniently (one contains the other, case-insensitive); the date exactly (``YYYY-MM-DD``). The few
pages that list several authors are compared with them joined by "; " (trafilatura's form).
"Invented" counts authors reported on pages annotated with no author (an empty value; pages
without metadata annotations count for none of the metadata figures).

``--rules`` also prints, for each of briefgen's cleaning rules (``clean.block_reasons``), how
many annotated furniture snippets and how many main-text snippets the blocks it removes hold
(snippets still found in the kept text are not counted): a rule earns its place by removing
more furniture than text.

Timed (``time.process_time()``, CPU seconds summed over pages, after an untimed warm-up on the first
five pages so that one-off costs of the process fall on no extractor): for briefgen, ``read_url`` and
``clean`` (the read yields the metadata too); for each trafilatura row, its ``extract`` call plus
an ``extract_metadata`` call, so both sides pay for their metadata. Gunzipping is not timed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.errors import ArticleError
from briefgen.ingest.clean import block_reasons, clean
from briefgen.ingest.readers import read_url

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "extraction"
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Result:
    """What one extractor made of one page; ``text`` is None when it refused the page."""

    text: str | None
    title: str | None
    author: str | None
    date: str | None
    error: bool  # refused by an unexpected exception rather than by the extractor's own decision


@dataclass
class Tally:
    """Figures for one extractor, summed over pages."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    pages: int = 0
    refused: int = 0
    errors: int = 0
    title_exact: int = 0
    title_lenient: int = 0
    titles: int = 0
    author_exact: int = 0
    author_lenient: int = 0
    authors: int = 0
    invented_authors: int = 0
    no_author_pages: int = 0
    date_exact: int = 0
    dates: int = 0
    cpu_s: float = 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def normalise(text: str | None) -> str:
    return SPACE.sub(" ", text or "").strip()


def lenient(found: str, expected: str) -> bool:
    a, b = found.casefold(), expected.casefold()
    return bool(a) and (a in b or b in a)


def run_briefgen(url: str, body: bytes) -> Result:
    try:
        articles = read_url(url, body, "text/html")
        docs = [clean(article, 0) for article in articles]
    except ArticleError:
        return Result(None, None, None, None, error=False)
    except Exception:
        return Result(None, None, None, None, error=True)
    if not docs:
        return Result(None, None, None, None, error=False)
    first = docs[0].article
    date = first.date.isoformat() if first.date else None
    return Result(" ".join(doc.text for doc in docs), first.title, first.author, date, error=False)


def rule_effects(url: str, body: bytes, page: dict[str, Any], effects: dict[str, list[int]]) -> None:
    """Add to ``effects[reason]`` the [furniture, main text] snippets that rule's removed blocks hold."""
    try:
        articles = read_url(url, body, "text/html")
    except Exception:
        return
    for article in articles:
        reasons = block_reasons(article.blocks)
        kept = normalise(" ".join(b.text for b, r in zip(article.blocks, reasons, strict=True) if r is None))
        for block, reason in zip(article.blocks, reasons, strict=True):
            if reason is None:
                continue
            text = normalise(block.text)
            tally = effects.setdefault(reason, [0, 0])
            tally[0] += sum(s in text and s not in kept for s in page["without"])
            tally[1] += sum(s in text and s not in kept for s in page["with"])


def trafilatura_runner(**options: Any) -> Callable[[str, bytes], Result]:
    def run(url: str, body: bytes) -> Result:
        try:
            text = trafilatura.extract(body, url=url, include_comments=False, **options)
            meta = trafilatura.extract_metadata(body, default_url=url)
        except Exception:
            return Result(None, None, None, None, error=True)
        return Result(text, meta.title, meta.author, meta.date, error=False)

    return run


EXTRACTORS: dict[str, Callable[[str, bytes], Result]] = {
    "briefgen (read + clean)": run_briefgen,
    "trafilatura default": trafilatura_runner(),
    "trafilatura favor_precision": trafilatura_runner(favor_precision=True),
}
BASELINE = "trafilatura default"


def score(tally: Tally, page: dict[str, Any], result: Result) -> None:
    tally.pages += 1
    if result.text is None:
        if result.error:
            tally.errors += 1
        else:
            tally.refused += 1
    text = normalise(result.text)
    for snippet in page["with"]:
        if result.text is not None and snippet in text:
            tally.tp += 1
        else:
            tally.fn += 1
    for snippet in page["without"]:
        if result.text is not None and snippet in text:
            tally.fp += 1
        else:
            tally.tn += 1

    title, expected_title = normalise(result.title), normalise(page.get("title"))
    if expected_title:
        tally.titles += 1
        tally.title_exact += title == expected_title
        tally.title_lenient += lenient(title, expected_title)
    author = normalise(result.author)
    if "author" in page:
        expected = page["author"]  # a few pages list several authors: compared as trafilatura writes them
        expected_author = normalise("; ".join(expected) if isinstance(expected, list) else expected)
        if expected_author:
            tally.authors += 1
            tally.author_exact += author == expected_author
            tally.author_lenient += lenient(author, expected_author)
        else:
            tally.no_author_pages += 1
            tally.invented_authors += bool(author)
    expected_date = normalise(page.get("date"))
    if expected_date:
        tally.dates += 1
        tally.date_exact += normalise(result.date) == expected_date


def figures(tallies: dict[str, Tally]) -> dict[str, dict[str, Any]]:
    base = tallies[BASELINE].cpu_s
    out: dict[str, dict[str, Any]] = {}
    for name, t in tallies.items():
        row: dict[str, Any] = asdict(t)
        row.update(
            precision=round(t.precision, 4),
            recall=round(t.recall, 4),
            f1=round(t.f1, 4),
            cpu_s=round(t.cpu_s, 3),
            cpu_ratio=round(t.cpu_s / base, 3) if base else None,
        )
        out[name] = row
    return out


def print_table(tallies: dict[str, Tally]) -> None:
    base = tallies[BASELINE].cpu_s
    header = (
        f"{'extractor':<29}{'prec':>7}{'recall':>7}{'F1':>7}{'refused':>9}{'errors':>7}{'furniture':>10}"
        f"{'title ex/len':>14}{'author ex/len':>15}{'invented':>9}{'date':>6}{'CPU s':>8}{'/ traf':>8}"
    )
    print(header)
    for name, t in tallies.items():
        ratio = f"{t.cpu_s / base:.2f}" if base else "-"
        print(
            f"{name:<29}{t.precision:>7.3f}{t.recall:>7.3f}{t.f1:>7.3f}{t.refused:>9}{t.errors:>7}{t.fp:>10}"
            f"{f'{t.title_exact}/{t.title_lenient}':>14}{f'{t.author_exact}/{t.author_lenient}':>15}"
            f"{t.invented_authors:>9}{t.date_exact:>6}{t.cpu_s:>8.1f}{ratio:>8}"
        )
    t = next(iter(tallies.values()))
    print(
        f"\n(snippets: {t.tp + t.fn} to keep, {t.fp + t.tn} furniture; title out of {t.titles} pages, "
        f"author out of {t.authors}, invented authors out of {t.no_author_pages} pages annotated with none, "
        f"date out of {t.dates}; CPU = process time summed over pages, '/ traf' its ratio to {BASELINE})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (sorted by key)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rules", action="store_true", help="also print what each cleaning rule removes")
    args = parser.parse_args()

    if not (DATA / "pages.json").is_file():
        print(f"skipped: {DATA / 'pages.json'} not found (the extraction set lives beside the checkout, in ../shared)")
        return
    pages: dict[str, dict[str, Any]] = json.loads((DATA / "pages.json").read_text(encoding="utf-8"))
    urls = sorted(pages)[: args.limit]
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # per-page warnings would drown the table
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    logging.getLogger("courlan").setLevel(logging.CRITICAL)

    tallies = {name: Tally() for name in EXTRACTORS}
    # One untimed page each first: the one-off costs of a process (imports, the date parsers'
    # locale tables) would otherwise all fall on whichever extractor happens to run first.
    for url in urls[:5]:
        body = gzip.decompress((DATA / pages[url]["file"]).read_bytes())
        for extract in EXTRACTORS.values():
            extract(url, body)
    for url in urls:
        page = pages[url]
        body = gzip.decompress((DATA / page["file"]).read_bytes())
        for name, extract in EXTRACTORS.items():
            t = time.process_time()
            result = extract(url, body)
            tallies[name].cpu_s += time.process_time() - t
            score(tallies[name], page, result)

    effects: dict[str, list[int]] = {}
    if args.rules:
        for url in urls:
            rule_effects(url, gzip.decompress((DATA / pages[url]["file"]).read_bytes()), pages[url], effects)

    if args.json:
        out: dict[str, Any] = {"pages": len(urls), "extractors": figures(tallies)}
        if args.rules:
            out["rules"] = {r: {"furniture": f, "text": t} for r, (f, t) in sorted(effects.items())}
        print(json.dumps(out, indent=2))
        return
    print(f"{len(urls)} pages from {DATA}\n")
    print_table(tallies)
    if args.rules:
        print(f"\n{'cleaning rule':<24}{'furniture removed':>19}{'text removed':>14}")
        for reason, (furniture, text) in sorted(effects.items()):
            print(f"{reason:<24}{furniture:>19}{text:>14}")


if __name__ == "__main__":
    main()
