"""Measure key-point selection against human summaries with ROUGE (the DUC protocol).

A dataset is JSON Lines, one cluster a line: ``{"id", "documents": [{"id", "text",
"date"?, "source"?, "title"?}], "references": [...], "topic"?: {"title", "narrative"},
"background"?: [documents]}``, paragraphs separated by blank lines. Each cluster goes
through the same clean → analyse → select path as ``build`` (key points only): its
``topic`` (title and narrative) is the brief, as a client's ``topic.brief`` is, and its
``background`` what the reader was briefed on before, as the previous briefing is for
``build``. The chosen sentences are joined in the order they were chosen and cut to the
first N words, and the cut summary is scored with rouge-score against each reference;
scores are averaged over references, then clusters.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefgen.analyse import nlp
from briefgen.analyse.topic import TopicMatcher, stem, stop_words
from briefgen.config.defaults import Audience, Topic
from briefgen.errors import BriefgenError
from briefgen.ingest.clean import clean
from briefgen.ingest.readers import parse_date
from briefgen.models import PARAGRAPH, Article, Background, Block, Corpus, Sentence
from briefgen.select.summarize import get_summarizer, select

if TYPE_CHECKING:
    from rouge_score.rouge_scorer import RougeScorer
    from spacy.language import Language

    from briefgen.analyse.workspace import Workspace

METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True)
class Cluster:
    """Documents on one story and the human summaries written for them."""

    id: str
    articles: tuple[Article, ...]
    references: tuple[str, ...]
    brief: str = ""
    """The cluster's topic, title and narrative, as a brief; empty when it has none."""
    background: tuple[Article, ...] = ()
    """Articles the reader has already been briefed on."""


@dataclass(frozen=True)
class ClusterResult:
    id: str
    summary: str
    scores: dict[str, tuple[float, float]]  # metric → (recall, F1), averaged over references
    analyse_seconds: float
    select_seconds: float


@dataclass
class Report:
    """Scores per cluster and their means."""

    dataset: str
    words: int
    summarizer: str
    topic: bool = True
    background: bool = True
    metrics: tuple[str, ...] = METRICS
    clusters: list[ClusterResult] = field(default_factory=list)
    load_seconds: float = 0.0
    #: Analysis of every cluster's documents at once, before the clusters (with a workspace).
    analyse_seconds: float = 0.0
    total_seconds: float = 0.0

    def mean(self, metric: str, which: int) -> float:
        return sum(c.scores[metric][which] for c in self.clusters) / max(1, len(self.clusters))

    def ms_per_cluster(self, attr: str) -> float:
        """The mean of ``attr`` over the clusters, in ms; analysis done for all clusters at once is shared out."""
        total: float = sum(getattr(c, attr) for c in self.clusters)
        if attr == "analyse_seconds":
            total += self.analyse_seconds
        return 1000 * total / max(1, len(self.clusters))

    def max_ms(self, attr: str) -> float:
        return 1000 * max((getattr(c, attr) for c in self.clusters), default=0.0)

    def as_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "clusters": len(self.clusters),
            "words": self.words,
            "summarizer": self.summarizer,
            "topic": self.topic,
            "background": self.background,
            "recall": {m: round(100 * self.mean(m, 0), 2) for m in self.metrics},
            "f1": {m: round(100 * self.mean(m, 1), 2) for m in self.metrics},
            "ms_per_cluster": {
                "analyse": round(self.ms_per_cluster("analyse_seconds"), 1),
                "select": round(self.ms_per_cluster("select_seconds"), 1),
                "select_max": round(self.max_ms("select_seconds"), 1),
            },
            "seconds": {"load_model": round(self.load_seconds, 2), "total": round(self.total_seconds, 2)},
        }


def read_clusters(path: Path) -> list[Cluster]:
    """Read a dataset; a malformed line is an error naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BriefgenError(f"dataset not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefgenError(f"cannot read dataset {path}: {exc}") from None
    clusters = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            documents = item["documents"]
            references = [r for r in item["references"] if isinstance(r, str) and r.strip()]
            if not isinstance(documents, list) or not documents or not references:
                raise ValueError("needs a non-empty 'documents' list and at least one reference")
            articles = tuple(_article(doc, k) for k, doc in enumerate(documents))
            background = item.get("background") or []
            if not isinstance(background, list):
                raise ValueError("'background' must be a list of documents")
            before = tuple(_article(doc, k) for k, doc in enumerate(background))
            cluster_id = str(item.get("id", f"line{n}"))
            clusters.append(Cluster(cluster_id, articles, tuple(references), _brief(item.get("topic")), before))
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            if isinstance(exc, RecursionError):
                detail = "nested too deeply"
            elif isinstance(exc, KeyError):
                detail = f"missing key {exc}"
            else:
                detail = str(exc)
            raise BriefgenError(f"{path}:{n}: not a cluster: {detail}") from None
    if not clusters:
        raise BriefgenError(f"{path}: no clusters")
    return clusters


def _brief(topic: object) -> str:
    """A cluster's topic as a brief: its title, then its narrative (a plain string is taken as it is)."""
    if topic is None or isinstance(topic, str):
        return topic or ""
    if not isinstance(topic, dict):
        raise ValueError("'topic' must be an object with 'title' and 'narrative', or a string")
    parts = [topic.get("title"), topic.get("narrative")]
    if not all(isinstance(p, str | None) for p in parts):
        raise ValueError("a topic's 'title' and 'narrative' must be strings")
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _article(doc: dict[str, Any], k: int) -> Article:
    text = doc["text"]
    if not isinstance(text, str):
        raise ValueError("a document's 'text' must be a string")
    blocks = tuple(Block(PARAGRAPH, " ".join(p.split())) for p in text.split("\n\n") if p.strip())
    return Article(
        path=str(doc.get("id") or f"doc{k}"),
        form="text",
        blocks=blocks,
        title=doc.get("title"),
        publisher=doc.get("source"),
        date=parse_date(doc.get("date")),
    )


def summary_text(sentences: Sequence[Sentence], words: int) -> str:
    """The protocol's summary: sentences joined by spaces, cut to the first ``words`` words."""
    return " ".join(" ".join(s.text for s in sentences).split()[:words])


def rank_key_points(
    corpus: Corpus, words: int, summarizer: str, brief: str = "", background: Background | None = None
) -> list[Sentence]:
    """Key points as ``build`` chooses them for a ``words``-word budget, in the order chosen: with
    ``brief`` as the topic's brief, each document's relevance to it weighing as in ``build``, and
    ``background`` as what the reader was told before."""

    # The summary is cut to `words` afterwards; an audience is never shorter than 20 words.
    audience = Audience(name="eval", max_points=50, max_words=max(20, words), why_it_matters=0, sections=["key_points"])
    topic = TopicMatcher(Topic(brief=brief))
    relevance = topic.focus(corpus.documents) if topic.focused else None
    selection = select(corpus, topic, audience, summarizer, relevance, background)
    if not selection.sections:
        return []
    section = selection.sections[0]
    return [s for _, s in sorted(zip(section.ranks, section.sentences, strict=True), key=lambda pair: pair[0])]


def analyse_cluster(
    cluster: Cluster, pipeline: Language | None, workspace: Workspace | None = None, model: str | None = None
) -> Corpus:
    """Clean and analyse a cluster's documents exactly as ``build`` does; through ``workspace``
    (and its disk cache) when given."""
    return analyse_articles(cluster.articles, pipeline, workspace, model)


def analyse_articles(
    articles: Sequence[Article], pipeline: Language | None, workspace: Workspace | None = None, model: str | None = None
) -> Corpus:
    """Clean and analyse ``articles`` exactly as ``build`` does: through ``workspace`` (which loads the
    model only for what it has not analysed before) when given, else with ``pipeline`` (loaded when None)."""

    if workspace is not None:
        # Cleaned through the workspace too, so that a second evaluation reads each article's
        # cleaned text from its cache: cleaning is most of a warm evaluation's time otherwise.
        documents = [
            dataclasses.replace(doc, index=k)
            for k, article in enumerate(articles)
            for doc in workspace.article_documents(article)
        ]
        return workspace.analyse([d for d in documents if d.words_after], model)
    documents = [clean(article, k) for k, article in enumerate(articles)]
    kept = [d for d in documents if d.words_after]
    return nlp.analyse(kept, pipeline if pipeline is not None else nlp.load_pipeline(model))


def background_of(
    cluster: Cluster, pipeline: Language | None, workspace: Workspace | None = None, model: str | None = None
) -> Background | None:
    """What the cluster's reader was briefed on before: its background articles, analysed."""
    if not cluster.background:
        return None
    return Background(sentences=analyse_articles(cluster.background, pipeline, workspace, model).sentences)


class _PorterStems:
    """:func:`~briefgen.analyse.topic.stem`, the Porter stemmer of nltk that rouge-score stems with,
    remembering each word's stem, as the stemmer object rouge-score's tokenizer calls: the same
    stems, but a word is stemmed once instead of once per occurrence (stemming was most of
    scoring's time)."""

    stem = staticmethod(stem)


def rouge_scorer(metrics: Sequence[str] = METRICS) -> RougeScorer:
    """rouge-score's scorer with Porter stemming, as the DUC protocol asks: its own tokenizer,
    given a stemmer that remembers (:class:`_PorterStems`), so the tokens are exactly its own."""
    try:  # an extra: only evaluation scores with ROUGE
        from rouge_score import rouge_scorer as rs
        from rouge_score import tokenize, tokenizers
    except ImportError:
        raise BriefgenError("briefgen eval needs the eval extra: pip install 'briefgen[eval]'") from None
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise BriefgenError(f"unknown ROUGE metric {', '.join(unknown)}; choose from {', '.join(METRICS)}")

    class Stemmed(tokenizers.Tokenizer):  # type: ignore[misc]
        def __init__(self) -> None:
            self.stemmer = _PorterStems()

        def tokenize(self, text: str) -> list[str]:
            tokens: list[str] = tokenize.tokenize(text, self.stemmer)
            return tokens

    return rs.RougeScorer(list(metrics), tokenizer=Stemmed())


def score_summary(scorer: RougeScorer, summary: str, references: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Recall and F1 per metric the scorer computes, averaged over the references."""
    metrics: list[str] = list(scorer.rouge_types)
    totals = {m: [0.0, 0.0] for m in metrics}
    for reference in references:
        result = scorer.score(reference, summary)
        for m in metrics:
            totals[m][0] += result[m].recall / len(references)
            totals[m][1] += result[m].fmeasure / len(references)
    return {m: (v[0], v[1]) for m, v in totals.items()}


def evaluate(
    path: Path,
    words: int = 100,
    summarizer: str = "coverage",
    model: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    workspace: Workspace | None = None,
    topic: bool = True,
    background: bool = True,
    metrics: Sequence[str] = METRICS,
) -> Report:
    """Summarize and score every cluster of a dataset; ``topic`` and ``background`` say whether a
    cluster's topic and background are used, ``metrics`` which ROUGE scores are computed.

    A ``workspace`` with a cache directory keeps each document's cleaned text and analysis between
    runs (keyed by its text and the analysis engine), so scoring again after a change to
    selection does not clean or analyse the dataset again; it loads the model only for what it has
    not analysed before.
    """

    get_summarizer(summarizer)
    scorer = rouge_scorer(metrics)
    started = time.perf_counter()
    clusters = read_clusters(path)
    report = Report(
        dataset=str(path),
        words=words,
        summarizer=summarizer,
        topic=topic,
        background=background,
        metrics=tuple(metrics),
    )
    t0 = time.perf_counter()
    pipeline = nlp.load_pipeline(model) if workspace is None else None
    stop_words()  # one-time set-up belongs to loading, not to a cluster
    report.load_seconds = time.perf_counter() - t0
    if workspace is not None:
        # Every cluster's documents in one call, shared among the cores; each cluster then finds its own.
        everything = [a for c in clusters for a in (*c.articles, *(c.background if background else ()))]
        t0 = time.perf_counter()
        analyse_articles(everything, pipeline, workspace, model)
        report.analyse_seconds = time.perf_counter() - t0
    for n, cluster in enumerate(clusters, 1):
        t0 = time.perf_counter()
        corpus = analyse_cluster(cluster, pipeline, workspace, model)
        before = background_of(cluster, pipeline, workspace, model) if background else None
        t1 = time.perf_counter()
        ranked = rank_key_points(corpus, words, summarizer, cluster.brief if topic else "", before)
        summary = summary_text(ranked, words)
        t2 = time.perf_counter()
        scores = score_summary(scorer, summary, cluster.references)
        report.clusters.append(ClusterResult(cluster.id, summary, scores, t1 - t0, t2 - t1))
        if progress:
            progress(n, len(clusters))
    report.total_seconds = time.perf_counter() - started
    return report


def format_report(report: Report) -> str:
    """The table ``briefgen eval`` prints."""
    names = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}
    used = [what for what, on in (("topic", report.topic), ("background", report.background)) if on]
    lines = [
        f"{report.dataset}: {len(report.clusters)} clusters, first {report.words} words, summarizer {report.summarizer}"
        + (f", using each cluster's {' and '.join(used)} where given" if used else ""),
        f"{'':<9}{'recall':>8}{'F1':>8}",
    ]
    for m in report.metrics:
        lines.append(f"{names[m]:<9}{100 * report.mean(m, 0):>8.2f}{100 * report.mean(m, 1):>8.2f}")
    lines.append(
        f"per cluster: analysis {report.ms_per_cluster('analyse_seconds'):.0f} ms, "
        f"selection {report.ms_per_cluster('select_seconds'):.1f} ms (slowest {report.max_ms('select_seconds'):.1f} ms); "
        f"model load {report.load_seconds:.1f} s, total {report.total_seconds:.1f} s"
    )
    return "\n".join(lines)
