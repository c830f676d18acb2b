"""Extractive, multi-document, topic-focused selection of sentences for each section.

Relevance comes from a scorer chosen by name in :data:`SUMMARIZERS`; selection is
Maximal Marginal Relevance (Carbonell & Goldstein, 1998) over tf-isf sentence vectors,
so each new sentence must add something the chosen ones do not say. Every chosen
sentence is quoted as it stands in its source; nothing is rewritten.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .config import Audience
from .errors import BriefgenError
from .models import HEADING, LIST_ITEM, Corpus, Sentence, SectionSelection, Selection
from .topic import TopicMatcher

HEADINGS = {
    "bottom_line": "Bottom line",
    "key_points": "Key points",
    "why_it_matters": "Why it matters",
    "by_the_numbers": "By the numbers",
    "key_players": "Key players",
    "whats_next": "What's next",
}

#: Headings under which a source explains its own significance ("Why it matters", "The big picture"…).
WHY_HEADING = re.compile(
    r"^\W*(?:why (?:it|this|that) matters|the big picture|what (?:it|this) means|why (?:it|this) is important|"
    r"the stakes|what'?s at stake|between the lines|the bottom line|significance)\W*$",
    re.I,
)
#: The same labels written inline at the start of a paragraph: "Why it matters: …".
WHY_INLINE = re.compile(
    r"^\W*(?:why (?:it|this|that) matters|the big picture|what (?:it|this) means|the stakes|between the lines)\s*[:\u2014\u2013-]\s*",
    re.I,
)
#: Cues of implications and stakes, used when no source has an explicit passage.
IMPLICATION = re.compile(
    r"\b(?:could|would|might|may well|risks?|stakes?|implications?|signals?|means|meaning|suggests?|"
    r"threatens?|undermines?|sidelined?|marginali[sz]e|pressure|liabilit(?:y|ies)|critical|crucial|"
    r"essential|vital|significant|shift|will have to|must|likely to)\b",
    re.I,
)
#: Cues of what comes next: plans, schedules, expectations.
FUTURE = re.compile(
    r"\b(?:will|is expected to|are expected to|is set to|are set to|plans? to|planned|scheduled|next (?:week|month|year)|"
    r"later this (?:week|month|year)|upcoming|is due to|are due to|deadline|by (?:the end of )?(?:january|february|march|"
    r"april|may|june|july|august|september|october|november|december|\d{4}))\b",
    re.I,
)
#: Openers that need the previous sentence to make sense.
DANGLING = re.compile(
    r"^(?:he|she|they|it|this|these|that|those|his|her|their|its|but|and|or|so|yet|also|however|moreover|"
    r"furthermore|additionally|meanwhile|still|instead|conversely|nevertheless|likewise|similarly|then|"
    r"such|there)\b",
    re.I,
)
_QUOTES = re.compile(r"[\"\u201c\u201d]")
_ENDS = re.compile(r"[.!][\"'\u201d\u2019)\]]*$")

MIN_WORDS = 6
MAX_WORDS = 60
#: MMR trade-off between relevance and novelty (Carbonell & Goldstein use 0.7 for summaries).
MMR_LAMBDA = 0.7
#: Cosine similarity above which a sentence repeats one already chosen.
REDUNDANT = 0.5


# ----------------------------------------------------------------------------- vectors


def tfisf_matrix(sentences: Sequence[Sentence]) -> np.ndarray:
    """L2-normalised tf-isf vectors, one row per sentence (idf over sentences, as in MMR summarizers)."""
    vocab: dict[str, int] = {}
    for s in sentences:
        for t in s.tokens:
            vocab.setdefault(t, len(vocab))
    matrix = np.zeros((len(sentences), max(1, len(vocab))), dtype=np.float64)
    for i, s in enumerate(sentences):
        for t, n in Counter(s.tokens).items():
            matrix[i, vocab[t]] = 1.0 + math.log(n)
    df = (matrix > 0).sum(axis=0)
    idf = np.log((1 + len(sentences)) / (1 + df)) + 1.0
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


# ----------------------------------------------------------------------------- scorers


@dataclass(frozen=True)
class Context:
    """What a scorer may look at."""

    corpus: Corpus
    candidates: tuple[int, ...]
    vectors: np.ndarray
    topic: TopicMatcher
    doc_relevance: dict[int, float]


def centroid_scores(ctx: Context) -> np.ndarray:
    """Centroid relevance (Radev et al., 2004) blended with topic focus and a lead-position prior.

    News puts its most important facts first, so earlier sentences of a document get a
    small boost (the "lead" prior every DUC system found hard to beat).
    """
    sents = ctx.corpus.sentences
    cand = list(ctx.candidates)
    centroid = ctx.vectors[cand].mean(axis=0) if cand else np.zeros(ctx.vectors.shape[1])
    norm = np.linalg.norm(centroid)
    central = ctx.vectors @ (centroid / norm) if norm else np.zeros(len(sents))
    position = np.array([1.0 / math.sqrt(1.0 + s.position) for s in sents])
    if ctx.topic.active:
        topical = np.array([ctx.topic.sentence_score(s.text) for s in sents])
        docs = np.array([ctx.doc_relevance.get(s.doc, 1.0) for s in sents])
        return 0.55 * central + 0.25 * topical + 0.1 * position + 0.1 * docs
    return 0.8 * central + 0.2 * position


def lead_scores(ctx: Context) -> np.ndarray:
    """Round-robin lead baseline: the first sentences of each document, documents taking turns."""
    return np.array([1.0 / (1.0 + s.position) - s.doc * 1e-6 for s in ctx.corpus.sentences])


Scorer = Callable[[Context], np.ndarray]

#: Relevance scorers keyed by the name a config gives in ``summarizer:``.
SUMMARIZERS: dict[str, Scorer] = {
    "mmr": centroid_scores,
    "lead": lead_scores,
}


def get_scorer(name: str) -> Scorer:
    try:
        return SUMMARIZERS[name]
    except KeyError:
        raise BriefgenError(f"unknown summarizer {name!r}; choose one of: {', '.join(SUMMARIZERS)}") from None


# ----------------------------------------------------------------------------- candidates


def readable(s: Sentence) -> bool:
    """Whether a sentence can stand alone in a briefing."""
    text = s.text
    n = s.words
    if s.block_kind == HEADING or not (MIN_WORDS <= n <= MAX_WORDS):
        return False
    if s.block_kind == LIST_ITEM and n < 10:
        return False
    if text.rstrip().endswith("?") or not _ENDS.search(text):
        return False
    if not (text[0].isupper() or text[0] in "\"\u201c'" or text[0].isdigit()):
        return False  # a fragment
    if len(_QUOTES.findall(text)) % 2 == 1 and not ("\u201c" in text and "\u201d" in text):
        return False  # a piece of a quotation
    if DANGLING.match(text):
        return False
    return True


def explicit_why(s: Sentence) -> bool:
    """Whether a sentence belongs to a passage its source labels as why the story matters."""
    return bool(s.heading and WHY_HEADING.match(s.heading)) or bool(WHY_INLINE.match(s.text))


# ----------------------------------------------------------------------------- selection


class _Picker:
    """Greedy MMR over a shared pool, so no sentence is chosen twice or repeats another."""

    def __init__(self, relevance: np.ndarray, vectors: np.ndarray) -> None:
        self.relevance = relevance
        self.vectors = vectors
        self.chosen: list[int] = []

    def redundancy(self, i: int) -> float:
        if not self.chosen:
            return 0.0
        return float(np.max(self.vectors[self.chosen] @ self.vectors[i]))

    def pick(self, pool: Sequence[int], k: int, budget: int | None = None, words: Callable[[int], int] | None = None) -> list[int]:
        picked: list[int] = []
        remaining = [i for i in pool if i not in self.chosen]
        used = 0
        while remaining and len(picked) < k:
            best, best_score = None, -math.inf
            for i in remaining:
                red = self.redundancy(i)
                if red > REDUNDANT:
                    continue
                score = MMR_LAMBDA * self.relevance[i] - (1 - MMR_LAMBDA) * red
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                break
            remaining.remove(best)
            cost = words(best) if words else 0
            if budget is not None and picked and used + cost > budget:
                continue
            picked.append(best)
            self.chosen.append(best)
            used += cost
        return picked


def _reading_order(corpus: Corpus, idx: Sequence[int]) -> tuple[Sentence, ...]:
    """Chronological by source date (undated last), then each source's own order."""
    docs = {d.index: d for d in corpus.documents}

    def key(i: int) -> tuple:
        s = corpus.sentences[i]
        date = docs[s.doc].article.date
        return (date is None, date.toordinal() if date else 0, s.doc, s.position)

    return tuple(corpus.sentences[i] for i in sorted(idx, key=key))


def select(corpus: Corpus, topic: TopicMatcher, audience: Audience, summarizer: str = "mmr",
           doc_relevance: dict[int, float] | None = None) -> Selection:
    """Choose the sentences of every section the audience asks for; no sentence is used twice."""
    scorer = get_scorer(summarizer)
    sents = corpus.sentences
    if not sents:
        return Selection(sections=())
    vectors = tfisf_matrix(sents)
    candidates = tuple(i for i, s in enumerate(sents) if readable(s) and not topic.mentions_excluded(s.text))
    ctx = Context(corpus, candidates, vectors, topic, doc_relevance or {})
    relevance = scorer(ctx)
    picker = _Picker(relevance, vectors)
    wanted = set(audience.sections)
    words = lambda i: sents[i].words  # noqa: E731
    budget = audience.max_words
    chosen: dict[str, list[int]] = {}

    why_pool = [i for i in candidates if explicit_why(sents[i])]
    body_pool = [i for i in candidates if i not in set(why_pool)]

    if "bottom_line" in wanted:
        chosen["bottom_line"] = picker.pick(body_pool, 1)
        budget -= sum(map(words, chosen["bottom_line"]))
    if "why_it_matters" in wanted and audience.why_it_matters:
        pool = why_pool or [i for i in body_pool if IMPLICATION.search(sents[i].text)]
        chosen["why_it_matters"] = picker.pick(pool, audience.why_it_matters)
        budget -= sum(map(words, chosen["why_it_matters"]))
    extras = [n for n in ("by_the_numbers", "whats_next") if n in wanted]
    if "key_points" in wanted:
        # Key points get what is left of the budget after a share is kept for the other sections.
        reserve = 60 * len(extras)
        kp_budget = max(3 * 25, budget - reserve)
        chosen["key_points"] = picker.pick(body_pool, audience.max_points, kp_budget, words)
        budget -= sum(map(words, chosen["key_points"]))
    if "by_the_numbers" in wanted:
        chosen["by_the_numbers"] = _by_the_numbers(sents, body_pool + why_pool, picker)
    if "whats_next" in wanted:
        pool = [i for i in body_pool + why_pool if FUTURE.search(sents[i].text)]
        chosen["whats_next"] = picker.pick(pool, 3)
    labels: dict[str, tuple[str, ...]] = {}
    if "key_players" in wanted:
        players = _key_players(corpus, candidates, picker)
        chosen["key_players"] = [i for i, _ in players]
        labels["key_players"] = tuple(label for _, label in players)

    sections = []
    for name in audience.sections:
        idx = chosen.get(name, [])
        if not idx:
            continue
        # Key players keep their rank order; every other section reads in story order.
        ordered = tuple(sents[i] for i in idx) if name in labels else _reading_order(corpus, idx)
        sections.append(SectionSelection(name=name, heading=HEADINGS[name], sentences=ordered, labels=labels.get(name, ())))
    return Selection(sections=tuple(sections))


def _by_the_numbers(sents: Sequence[Sentence], pool: Sequence[int], picker: _Picker, k: int = 4) -> list[int]:
    """One sentence per figure: the most relevant sentence carrying each distinct number."""
    with_numbers = [i for i in pool if sents[i].numbers]
    picked: list[int] = []
    seen: set[str] = set()
    for i in sorted(with_numbers, key=lambda i: -picker.relevance[i]):
        figures = {re.sub(r"\W+", "", n.lower()) for n in sents[i].numbers}
        if figures & seen or not figures:
            continue
        got = picker.pick([i], 1)
        if got:
            picked.extend(got)
            seen |= figures
        if len(picked) >= k:
            break
    return picked


PLAYER_LABELS = {"PERSON", "ORG", "GPE"}


def _key_players(corpus: Corpus, pool: Sequence[int], picker: _Picker, k: int = 5) -> list[tuple[int, str]]:
    """For the entities most sources mention, one sentence each that names them, labelled with the count."""
    sents = corpus.sentences
    sources: dict[str, set[int]] = {}
    for s in sents:
        for text, label in s.entities:
            if label in PLAYER_LABELS:
                sources.setdefault(_entity_key(text), set()).add(s.doc)
    ranked = sorted(sources, key=lambda e: (-len(sources[e]), e))
    picked: list[tuple[int, str]] = []
    for name in ranked:
        if len(picked) >= k or len(sources[name]) < 2:
            break
        holders = [i for i in pool if any(_entity_key(t) == name for t, _ in sents[i].entities)]
        for i in picker.pick(holders, 1):
            n = len(sources[name])
            picked.append((i, f"{name} ({n} sources)"))
    return picked


def _entity_key(text: str) -> str:
    text = re.sub(r"(?:['\u2019]s)$", "", text.strip())
    return re.sub(r"^the\s+", "", text, flags=re.I)
