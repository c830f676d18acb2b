"""What is new: selection with a background the reader has read, on pseudo-update sets made from DUC.

No "what is new" references are at hand, so two kinds of update set are made from the
clusters of an evaluation file (``../shared/eval``), and each is summarized with its
background and without it (``--no-background``), in the same run:

- **later**: each cluster's earlier half of articles (by date) is the background and its
  later half the new articles. Printed: ROUGE against the cluster's references, and the
  share of the summary's content-word bigrams the background already held ("told"). A
  selection that says what is new tells less of the background at little cost in ROUGE.
- **switch**: the background is cluster A's earlier half, the new articles are A's later
  half mixed with all of cluster B, a different story. Printed: ROUGE-2 recall against B's
  references and against A's. A selection that says what is new leans to the new story B.

    python bench/update_bench.py ../shared/eval/duc2003_task2.jsonl [--words 100]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selection_bench import fill  # the same cut as the selection benchmark's

from briefgen.analyse import nlp
from briefgen.analyse.workspace import Workspace
from briefgen.commands.evaluate import (
    Cluster,
    analyse_articles,
    rank_key_points,
    read_clusters,
    rouge_scorer,
    score_summary,
    summary_text,
)
from briefgen.models import Article, Background, Sentence
from briefgen.select.summarize import bigram_concepts


def by_date(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda a: (a.date is None, a.date.toordinal() if a.date else 0, a.path))


def halves(cluster: Cluster) -> tuple[list[Article], list[Article]]:
    ordered = by_date(cluster.articles)
    cut = len(ordered) // 2
    return ordered[:cut], ordered[cut:]


def told_share(summary_sentences: Sequence[Sentence], background: Background) -> float:
    """The share of the summary's bigram concepts that the background's sentences already hold."""
    told = {c for s in background.sentences for c in bigram_concepts(s)}
    said = [c for s in summary_sentences for c in bigram_concepts(s)]
    return sum(1 for c in said if c in told) / len(said) if said else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--words", type=int, default=100)
    args = parser.parse_args()

    clusters = read_clusters(args.dataset)
    pipeline = nlp.load_pipeline()
    workspace = Workspace()
    scorer = rouge_scorer()
    t0 = time.perf_counter()

    def read(articles: Sequence[Article]) -> Background:
        return Background(sentences=analyse_articles(articles, pipeline, workspace).sentences)

    rows: dict[str, dict[str, float]] = {}
    for use in (False, True):
        name = "with background" if use else "without (--no-background)"
        totals = {"later R1": 0.0, "later R2": 0.0, "later told": 0.0, "switch R2 new": 0.0, "switch R2 old": 0.0}
        for cluster in clusters:
            before, after = halves(cluster)
            background = read(before)
            corpus = analyse_articles(after, pipeline, workspace)
            ranked = rank_key_points(corpus, args.words, "coverage", cluster.brief, background if use else None)
            cut = summary_text(ranked, args.words)
            scores = score_summary(scorer, cut, cluster.references)
            totals["later R1"] += 100 * scores["rouge1"][0]
            totals["later R2"] += 100 * scores["rouge2"][0]
            totals["later told"] += 100 * told_share(fill(ranked, args.words), background)
        for a, b in pairs(clusters):
            before, after = halves(a)
            background = read(before)
            corpus = analyse_articles([*after, *b.articles], pipeline, workspace)
            ranked = rank_key_points(corpus, args.words, "coverage", "", background if use else None)
            cut = summary_text(ranked, args.words)
            totals["switch R2 new"] += 100 * score_summary(scorer, cut, b.references)["rouge2"][0]
            totals["switch R2 old"] += 100 * score_summary(scorer, cut, a.references)["rouge2"][0]
        n, m = len(clusters), len(pairs(clusters))
        rows[name] = {k: v / (m if k.startswith("switch") else n) for k, v in totals.items()}
    print(
        f"{args.dataset}: {len(clusters)} 'later' sets and {len(pairs(clusters))} 'switch' sets, "
        f"{args.words} words, {time.perf_counter() - t0:.0f} s"
    )
    keys = list(next(iter(rows.values())))
    print(f"{'':<28}" + "".join(f"{k:>15}" for k in keys))
    for name, row in rows.items():
        print(f"{name:<28}" + "".join(f"{row[k]:>15.2f}" for k in keys))


def pairs(clusters: Sequence[Cluster]) -> list[tuple[Cluster, Cluster]]:
    """Each cluster with the next one: stories that have nothing to do with each other."""
    return list(itertools.pairwise(clusters))


if __name__ == "__main__":
    main()
