"""Whether quoted sentences stand on their own and in their time, on DUC 2003 and DUC 2006.

Each cluster of ``../shared/eval`` is cleaned and analysed as ``briefgen eval`` does (through the
persistent analysis cache), given what a build infers of its documents' dates
(:func:`briefgen.ingest.dates.infer`, for a window from the cluster's first date to its last), and
selected twice in one run: with the rules of :mod:`briefgen.select.standalone` switched off
(``standalone=False``: the older pronoun rule alone), the baseline, and on. Printed for each:

- **key points** as ``briefgen eval`` chooses them (no window, cut to the dataset's budget: 100
  words on DUC 2003, 250 on DUC 2006): ROUGE-1 and ROUGE-2 recall; the share of items that open
  with a pronoun or demonstrative ("pronoun"), and of items that do without the sentence they lean
  on right before them in the summary, unless they quote a speaker the sentence names ("dangling");
- **the analyst's briefing** (every section), as a build makes it with the cluster's last date as
  the as-of date and its first as the window's start: the same two shares over all its items; the
  share of What's next items whose times, resolved against their article's date, are all past at
  the as-of date ("past next"), and that tell a past event with no time ahead ("past event"); and
  the share of briefings whose bottom line or first key point states no fact.

    python bench/standalone_bench.py [../shared/eval/duc2003_task2.jsonl:100 ../shared/eval/duc2006_qf.jsonl:250]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefgen.analyse import nlp
from briefgen.analyse.topic import TopicMatcher
from briefgen.analyse.workspace import Workspace
from briefgen.commands.evaluate import (
    Cluster,
    analyse_articles,
    background_of,
    read_clusters,
    rouge_scorer,
    score_summary,
    summary_text,
)
from briefgen.config.defaults import AUDIENCES, Audience, Topic
from briefgen.dirs import cache_home
from briefgen.ingest.dates import infer
from briefgen.models import Background, Corpus, Selection, Sentence
from briefgen.select import summarize
from briefgen.select.standalone import (
    Opening,
    anchor,
    has_fact,
    opens_with_pronoun,
    periods,
    reference,
    reports_past,
)

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
DEFAULT = (f"{SHARED / 'duc2003_task2.jsonl'}:100", f"{SHARED / 'duc2006_qf.jsonl'}:250")
#: The tests' persistent analysis cache (``BRIEFGEN_TEST_CACHE``), so the DUC documents are analysed once.
CACHE = Path(os.environ.get("BRIEFGEN_TEST_CACHE") or cache_home() / "test-analysis")


def window(corpus: Corpus) -> tuple[dt.date, dt.date] | None:
    """The cluster's first and last document dates: the window a build of it would have."""
    dates = sorted(d.article.date for d in corpus.documents if d.article.date)
    return (dates[0], dates[-1]) if dates else None


def dated(corpus: Corpus, span: tuple[dt.date, dt.date] | None) -> Corpus:
    """The corpus with what a build infers of its documents' dates (previews, not-before dates)."""
    if span is None:
        return corpus
    return dataclasses.replace(corpus, documents=tuple(infer(d, *span) for d in corpus.documents))


def key_points(
    corpus: Corpus, cluster: Cluster, words: int, standalone: bool, background: Background | None
) -> list[Sentence]:
    """Key points as ``briefgen eval`` chooses them (:func:`~briefgen.commands.evaluate.rank_key_points`),
    with the rules on or off, cut to ``words`` words, in the order chosen."""
    audience = Audience(name="eval", max_points=50, max_words=max(20, words), why_it_matters=0, sections=["key_points"])
    topic = TopicMatcher(Topic(brief=cluster.brief))
    relevance = topic.focus(corpus.documents) if topic.focused else None
    selection = summarize.select(corpus, topic, audience, "coverage", relevance, background, standalone=standalone)
    if not selection.sections:
        return []
    section = selection.sections[0]
    ranked = [s for _, s in sorted(zip(section.ranks, section.sentences, strict=True), key=lambda p: p[0])]
    cut, n = [], 0
    for s in ranked:
        if n >= words:
            break
        cut.append(s)
        n += s.words
    return cut


def openers(items: Sequence[Sentence]) -> tuple[int, int]:
    """How many items open with a pronoun or demonstrative, and how many of those are left dangling:
    without the sentence before them in their article right before them among ``items``, and not a
    first-person quotation whose speaker the sentence names ("'We will …,' said the minister")."""
    pronoun = dangling = 0
    for k, s in enumerate(items):
        if not opens_with_pronoun(s.text):
            continue
        pronoun += 1
        before = items[k - 1] if k else None
        preceded = before is not None and (before.doc, before.position) == (s.doc, s.position - 1)
        if not preceded and reference(s) is not Opening.ALONE:
            dangling += 1
    return pronoun, dangling


def past_next(s: Sentence, corpus: Corpus, as_of: dt.date) -> tuple[bool, bool]:
    """Whether a What's next item's times (read ahead, against its article's date) are all past at
    ``as_of``, and whether it tells a past event with no time ahead."""
    doc = next(d for d in corpus.documents if d.index == s.doc)
    found = [p for p in periods(s.text, anchor(doc), ahead=True) if p.forward]
    cue = summarize.FUTURE.search(s.text)
    stale = bool(found) and max(p.end for p in found) < as_of
    event = not found and cue is not None and reports_past(s, cue.start())
    return stale, event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*", default=list(DEFAULT), help="PATH:WORDS, one per dataset")
    args = parser.parse_args()
    pipeline = nlp.load_pipeline()
    workspace = Workspace(CACHE)
    scorer = rouge_scorer()
    analyst = AUDIENCES["analyst"]
    for spec in args.datasets:
        path, _, budget = spec.rpartition(":")
        words = int(budget)
        clusters = read_clusters(Path(path))
        t0 = time.perf_counter()
        analyse_articles([a for c in clusters for a in (*c.articles, *c.background)], pipeline, workspace)
        rows: dict[str, dict[str, float]] = {}
        for standalone in (False, True):
            totals = dict.fromkeys(
                ("R1", "R2", "kp items", "kp pronoun", "kp dangling", "items", "pronoun", "dangling"), 0.0
            )
            totals.update(dict.fromkeys(("next", "past next", "past event", "leads", "no fact"), 0.0))
            for cluster in clusters:
                span_corpus = analyse_articles(cluster.articles, pipeline, workspace)
                span = window(span_corpus)
                corpus = dated(span_corpus, span)
                background = background_of(cluster, pipeline, workspace)
                cut = key_points(corpus, cluster, words, standalone, background)
                scores = score_summary(scorer, summary_text(cut, words), cluster.references)
                totals["R1"] += 100 * scores["rouge1"][0] / len(clusters)
                totals["R2"] += 100 * scores["rouge2"][0] / len(clusters)
                order = sorted(cut, key=lambda s: (s.doc, s.position))  # as a briefing reads them
                pronoun, dangling = openers(order)
                totals["kp items"] += len(cut)
                totals["kp pronoun"] += pronoun
                totals["kp dangling"] += dangling
                as_of = span[1] if span else None
                topic = TopicMatcher(Topic(brief=cluster.brief))
                relevance = topic.focus(corpus.documents) if topic.focused else None
                selection: Selection = summarize.select(
                    corpus,
                    topic,
                    analyst,
                    "coverage",
                    relevance,
                    background,
                    as_of=as_of,
                    window_start=span[0] if span else None,
                    standalone=standalone,
                )
                for section in selection.sections:
                    pronoun, dangling = openers(section.sentences)
                    totals["items"] += len(section.sentences)
                    totals["pronoun"] += pronoun
                    totals["dangling"] += dangling
                    if section.name == "whats_next" and as_of is not None:
                        for s in section.sentences:
                            stale, event = past_next(s, corpus, as_of)
                            totals["next"] += 1
                            totals["past next"] += stale
                            totals["past event"] += event
                    if section.name in {"bottom_line", "key_points"} and section.sentences:
                        totals["leads"] += 1
                        totals["no fact"] += not has_fact(section.sentences[0])
            rows["rules on" if standalone else "rules off (baseline)"] = totals
        print(f"{path}: {len(clusters)} clusters, key points cut to {words} words, {time.perf_counter() - t0:.0f} s")
        header = ("R1", "R2", "pronoun", "dangling", "all pron.", "all dang.", "past next", "past event", "no fact")
        print(f"{'':<22}" + "".join(f"{h:>11}" for h in header))
        for name, t in rows.items():
            cells = (
                t["R1"],
                t["R2"],
                100 * t["kp pronoun"] / max(1, t["kp items"]),
                100 * t["kp dangling"] / max(1, t["kp items"]),
                100 * t["pronoun"] / max(1, t["items"]),
                100 * t["dangling"] / max(1, t["items"]),
                100 * t["past next"] / max(1, t["next"]),
                100 * t["past event"] / max(1, t["next"]),
                100 * t["no fact"] / max(1, t["leads"]),
            )
            print(f"{name:<22}" + "".join(f"{c:>11.2f}" for c in cells))
        counts = {
            name: (int(t["kp items"]), int(t["items"]), int(t["next"]), int(t["leads"])) for name, t in rows.items()
        }
        print("  (shares in %; items counted: key points, all items, What's next items, leads: " + f"{counts})")


if __name__ == "__main__":
    main()
