"""Key-point selection against published unsupervised baselines, all measured in one run.

Every system gets the same clusters, the same cleaning and the same spaCy sentences,
and is scored with the same protocol as ``briefgen eval`` (sentences in the order the
system ranks them, cut to the first N words, rouge-score with stemming, recall averaged
over references then clusters). Times are selection only, sentences already split.

    python bench/selection_bench.py ../shared/eval/duc2003_task2.jsonl [--words 100]

Baselines: lead (round-robin over documents), sumy's LexRank and TextRank, and a tf-idf
MMR whose query is the cluster centroid (lambda 0.7, sentences of 8 words or more).
sumy is a development dependency (``pip install -e ".[dev]"``).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from briefgen.analyse import nlp
from briefgen.commands.evaluate import (
    METRICS,
    analyse_cluster,
    rank_key_points,
    read_clusters,
    rouge_scorer,
    score_summary,
    summary_text,
)
from briefgen.models import Corpus, Sentence

WORD = re.compile(r"[a-z0-9]+")


def fill(ranked: Sequence[Sentence], words: int) -> list[Sentence]:
    """Take ranked sentences until the summary has ``words`` words."""
    out, n = [], 0
    for s in ranked:
        if n >= words:
            break
        out.append(s)
        n += s.words
    return out


def lead_round_robin(corpus: Corpus, words: int) -> list[Sentence]:
    by_doc: dict[int, list[Sentence]] = {}
    for s in corpus.sentences:
        by_doc.setdefault(s.doc, []).append(s)
    ranked = []
    for k in range(max((len(v) for v in by_doc.values()), default=0)):
        ranked += [v[k] for _, v in sorted(by_doc.items()) if k < len(v)]
    return fill(ranked, words)


class _Words:
    """A sumy tokenizer over our own sentences, so every system splits sentences the same way."""

    @staticmethod
    def to_words(text: str) -> list[str]:
        return WORD.findall(text.lower())


def sumy_ranked(summarizer_class: type, corpus: Corpus, words: int) -> list[Sentence]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    class Ranking(summarizer_class):  # type: ignore[misc]  # sumy ships no types, so the base class is Any
        @staticmethod
        def _get_best_sentences(
            sentences: Sequence[SumySentence],
            count: object,
            rating: Mapping[SumySentence, float],
            *args: object,
            **kwargs: object,
        ) -> list[SumySentence]:
            return sorted(sentences, key=lambda s: -rating[s])

    tokenizer = _Words()
    paragraphs = []
    by_text: dict[str, Sentence] = {}
    for doc in corpus.documents:
        sents = [s for s in corpus.sentences if s.doc == doc.index]
        paragraphs.append(Paragraph([SumySentence(s.text, tokenizer) for s in sents]))
        for s in sents:
            by_text.setdefault(s.text.strip(), s)
    summarizer = Ranking(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    ranked = summarizer(ObjectDocumentModel(paragraphs), len(by_text))
    return fill([by_text[str(s)] for s in ranked], words)


def lexrank(corpus: Corpus, words: int) -> list[Sentence]:
    from sumy.summarizers.lex_rank import LexRankSummarizer

    return sumy_ranked(LexRankSummarizer, corpus, words)


def textrank(corpus: Corpus, words: int) -> list[Sentence]:
    from sumy.summarizers.text_rank import TextRankSummarizer

    return sumy_ranked(TextRankSummarizer, corpus, words)


def tfidf_mmr(corpus: Corpus, words: int, lam: float = 0.7, min_words: int = 8) -> list[Sentence]:
    """MMR with the cluster centroid as the query (Carbonell & Goldstein, 1998)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    sents = [s for s in corpus.sentences if s.words >= min_words]
    if not sents:
        return []
    bags = [Counter(w for w in WORD.findall(s.text.lower()) if w not in STOP_WORDS) for s in sents]
    vocab = {w: k for k, w in enumerate(sorted({w for b in bags for w in b}))}
    m = np.zeros((len(sents), max(1, len(vocab))))
    for i, bag in enumerate(bags):
        for w, n in bag.items():
            m[i, vocab[w]] = n
    idf = np.log(len(sents) / np.maximum(1, (m > 0).sum(axis=0))) + 1
    m *= idf
    m /= np.maximum(1e-12, np.linalg.norm(m, axis=1, keepdims=True))
    query = m.mean(axis=0)
    query /= max(1e-12, float(np.linalg.norm(query)))
    relevance = m @ query
    chosen: list[int] = []
    n = 0
    while n < words and len(chosen) < len(sents):
        best, best_score = -1, -math.inf
        for i in range(len(sents)):
            if i in chosen:
                continue
            red = max((float(m[i] @ m[j]) for j in chosen), default=0.0)
            score = lam * relevance[i] - (1 - lam) * red
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
        n += sents[best].words
    return [sents[i] for i in chosen]


def ours(name: str) -> Callable[[Corpus, int], list[Sentence]]:
    return lambda corpus, words: rank_key_points(corpus, words, name)


SYSTEMS: dict[str, Callable[[Corpus, int], list[Sentence]]] = {
    "lead, round-robin": lead_round_robin,
    "sumy LexRank": lexrank,
    "sumy TextRank": textrank,
    "tf-idf MMR (centroid query)": tfidf_mmr,
    "briefgen centroid": ours("centroid"),
    "briefgen coverage (default)": ours("coverage"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--words", type=int, default=100)
    args = parser.parse_args()

    clusters = read_clusters(args.dataset)
    pipeline = nlp.load_pipeline()
    t0 = time.perf_counter()
    corpora = [analyse_cluster(c, pipeline) for c in clusters]
    print(
        f"{len(clusters)} clusters, {sum(len(c.sentences) for c in corpora)} sentences, "
        f"analysed in {time.perf_counter() - t0:.1f} s; summaries cut to {args.words} words"
    )
    scorer = rouge_scorer()
    results: dict[str, tuple[dict[str, float], float]] = {}
    for name, system in SYSTEMS.items():
        totals = dict.fromkeys(METRICS, 0.0)
        elapsed = 0.0
        for cluster, corpus in zip(clusters, corpora, strict=True):
            t = time.perf_counter()
            chosen = system(corpus, args.words)
            elapsed += time.perf_counter() - t
            scores = score_summary(scorer, summary_text(chosen, args.words), cluster.references)
            for m in METRICS:
                totals[m] += 100 * scores[m][0] / len(clusters)
        results[name] = (totals, 1000 * elapsed / len(clusters))

    ours_r2 = results["briefgen coverage (default)"][0]["rouge2"]
    print(f"\n{'system':<30}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'ms/cluster':>12}{'our R-2 / theirs':>18}")
    for name, (recall, ms) in results.items():
        ratio = ours_r2 / recall["rouge2"] if recall["rouge2"] else float("inf")
        print(
            f"{name:<30}{recall['rouge1']:>7.2f}{recall['rouge2']:>7.2f}{recall['rougeL']:>7.2f}{ms:>12.1f}{ratio:>18.2f}"
        )
    print("\n(recall x100; rouge-score reads about 1.2 R-1 and 0.2 R-2 below the official ROUGE-1.5.5 script)")


if __name__ == "__main__":
    main()
