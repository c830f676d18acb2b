"""Extractive, multi-document, topic-focused selection of sentences for each section.

The default method, ``coverage``, follows the concept-coverage model of Gillick & Favre
(2009, "A Scalable Global Model for Summarization"): the *concepts* of a story are the
word bigrams that recur across its sources, each worth the number of sources that carry
it, and a summary is good when it covers much concept weight in few words. Repeating a
concept earns nothing, which is what keeps the key points from saying the same thing
twice. The objective is monotone submodular, so it is maximised with the cost-scaled
greedy algorithm of Lin & Bilmes (2010, "Multi-document summarization via budgeted
maximization of submodular functions"), evaluated lazily (Minoux, 1978). Two priors
complete it: Edmundson's (1969) location method, since news states its main facts
first, and the config's topic terms, which make on-topic sentences worth more.

Other sections use the same sentence salience with Maximal Marginal Relevance
(Carbonell & Goldstein, 1998) over tf-isf vectors, so no section repeats another.
Every chosen sentence is quoted as it stands in its source; nothing is rewritten.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .dates import looks_forward, names_passed
from .errors import BriefgenError
from .models import HEADING, LIST_ITEM, Background, Corpus, SectionSelection, Selection, Sentence
from .players import merge_players, player_name
from .topic import TopicMatcher, stop_words

if TYPE_CHECKING:
    import numpy.typing as npt
    from scipy import sparse

    from .config import Audience

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
#: Cues of what comes next: plans, schedules, expectations, an event's date ahead, and "will"
#: with a verb of something that will be done. "Will" with a verb of being or of consequence
#: ("will have significant implications", "will remain", "will shape") is commentary, not a next step.
FUTURE = re.compile(
    r"\b(?:(?:is|are|was|were) (?:expected|set|due|scheduled|slated|poised) to|plans? to|planned|scheduled|"
    r"next (?:week|month|year|round|meeting|summit|step)|later (?:this|next) (?:week|month|year)|upcoming|deadline|"
    r"in the coming (?:days|weeks|months)|by (?:the end of )?(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december|\d{4})|"
    r"will (?:\w+ly )?(?!(?:not|never|have|be|remain|matter|continue|need|depend|shape|affect|mean|prove|face|determine|"
    r"influence|impact|require|become|play|serve|define|redefine|reshape|pose|raise|signal|test|likely|probably|"
    r"certainly|undoubtedly)\b)[a-z]+)\b",
    re.I,
)
#: A recommendation a source addresses to someone: a verb of advice in the base form opens it,
#: after an optional run-in label ("Foster trilateral cooperation: Encourage …", "Urge Japan to
#: …", "We recommend …"). It is advice, not a fact of the story, so no section quotes it as one.
ADVICE = re.compile(
    r"^(?:[A-Z][^:.!?\n]{2,80}?:\s+)?(?:(?:We|I) (?:would )?(?:recommend|urge|suggest|propose)\b|"
    r"(?:Encourage|Urge|Ensure|Support|Foster|Reinforce|Strengthen|Promote|Prioriti[sz]e|Consider|Continue|Maintain|"
    r"Expand|Establish|Develop|Invest|Pursue|Seek|Avoid|Engage|Coordinate|Align|Leverage|Work|Deepen|Enhance|"
    r"Adopt|Commit|Reaffirm|Affirm|Press|Push|Keep|Help|Do not|Don't|Refrain|Resist|Insist|Demand|Let)\b"
    r"(?!\s+(?:of|for|in|on|from|to the|is|are|was|were|has|have|had|has|will|would|can|could)\b)(?!['\u2019]s\b))"
)
#: Openers that need the previous sentence to make sense: pronouns and connectives.
DANGLING = re.compile(
    r"^(?:he|she|they|it|this|these|that|those|his|her|their|its|but|and|or|so|yet|also|however|moreover|"
    r"furthermore|additionally|meanwhile|still|instead|conversely|nevertheless|likewise|similarly|then|"
    r"such|there)\b",
    re.I,
)
#: Bylines and time stamps that a reader left in the text: "By Mina Cho and Ryo Tanabe, Staff Writers.",
#: "Updated February 11, 2025, 9:00 a.m. ET."
BYLINE = re.compile(
    r"^(?:[Bb]y\s+(?:[A-Z][\w.'\u2019-]*\s+){1,3}[A-Z][\w.'\u2019-]*(?=\s*(?:,|\||and\b|&|$|[.\u2014\u2013-]\s*$))|"
    r"(?i:published|updated|posted|last (?:updated|modified))\b[^.]{0,40}\d)"
)
_QUOTES = re.compile(r"[\"\u201c\u201d]")
_ENDS = re.compile(r"[.!][\"'\u201d\u2019)\]]*$")

MIN_WORDS = 6
MAX_WORDS = 60
#: MMR trade-off between relevance and novelty (Carbonell & Goldstein use 0.7 for summaries).
MMR_LAMBDA = 0.7
#: Cosine similarity above which a sentence repeats one already chosen.
REDUNDANT = 0.5
#: A bigram is a concept of the story when at least this many sources use it (Gillick & Favre's threshold).
CONCEPT_MIN_SOURCES = 3
#: How much more a sentence made only of the brief's words counts than one with none of them
#: (chosen on DUC 2006; DUC 2003 has no brief, and the figures are in the README).
BRIEF_WEIGHT = 4.0
#: A source at least this share as relevant to the topic as the most relevant one counts in full
#: (chosen on DUC 2006, where it gained 0.5 ROUGE-2 over weighing sources by relevance outright).
RELEVANT_SHARE = 0.5
#: How much less a concept counts when the reader's background already holds it: update
#: summarization's discount of what was told before (Gillick et al., 2008, "The ICSI
#: Summarization System at TAC 2008"; Steinberger & Ježek, 2009, "Update summarization based on
#: novel topic distribution"), checked on pseudo-update sets from DUC 2003 and DUC 2006.
NOVELTY_DISCOUNT = 0.8
#: Lin & Bilmes's cost scaling r: a sentence's gain is divided by its length to the power r.
#: r = 1 is the plain gain-per-word ratio, which favours short sentences; r = 0.5 halves that pull.
COST_SCALE = 0.5


# ----------------------------------------------------------------------------- sentences


def readable(s: Sentence) -> bool:
    """Whether a sentence can be quoted at all: long enough, complete, not a headline, question or fragment."""
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
    if BYLINE.match(text) and n <= 15:
        return False
    # Not a piece of a quotation: its quote marks pair up, or it holds both an opening and a closing one.
    return len(_QUOTES.findall(text)) % 2 == 0 or ("\u201c" in text and "\u201d" in text)


def advises(s: Sentence) -> bool:
    """Whether a sentence is a recommendation a source makes (:data:`ADVICE`), not what happened."""
    return bool(ADVICE.match(s.text))


def needs_previous(s: Sentence) -> bool:
    """Whether a sentence opens with a pronoun or connective that only its predecessor resolves."""
    return bool(DANGLING.match(s.text))


def explicit_why(s: Sentence) -> bool:
    """Whether a sentence belongs to a passage its source labels as why the story matters."""
    return bool(s.heading and WHY_HEADING.match(s.heading)) or bool(WHY_INLINE.match(s.text))


def lead_prior(s: Sentence) -> float:
    """Edmundson's location cue: a source's first sentence counts double, later ones tend to 1."""
    return 1.0 + 1.0 / (1.0 + s.position)


def bigram_concepts(s: Sentence) -> frozenset[str]:
    """The sentence's word bigrams (lemmas), leaving out pairs of two stop words, as Gillick & Favre do."""
    stop = stop_words()
    terms = s.terms or s.tokens
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(terms) if not (a in stop and b in stop))


def same_text(text: str) -> str:
    """A sentence's text as compared with what was sent before: spacing and case do not count."""
    return " ".join(text.split()).casefold()


def tfisf_matrix(sentences: Sequence[Sentence]) -> sparse.csr_matrix:
    """L2-normalised tf-isf vectors, one sparse row per sentence (idf over sentences, as in MMR summarizers).

    Sparse, so memory grows with the words the sentences hold, not with sentences times vocabulary.
    """
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for i, s in enumerate(sentences):
        for t, n in Counter(s.tokens).items():
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
            values.append(1.0 + math.log(n))
    shape = (len(sentences), max(1, len(vocab)))
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
    idf = np.log((1 + len(sentences)) / (1 + df)) + 1.0
    weighted = np.asarray(values, dtype=np.float64) * idf[np.asarray(cols, dtype=np.int64)]
    norms = np.sqrt(np.bincount(np.asarray(rows, dtype=np.int64), weights=weighted**2, minlength=shape[0]))
    norms[norms == 0] = 1.0
    weighted /= norms[np.asarray(rows, dtype=np.int64)]
    return sparse.csr_matrix((weighted, (rows, cols)), shape=shape, dtype=np.float64)


# ----------------------------------------------------------------------------- summarizers


@dataclass(frozen=True)
class Context:
    """What a summarizer may look at.

    ``candidates`` can be quoted on their own; ``followers`` can be quoted only right after
    the sentence they map to (a "He said…" after the sentence that names him).
    """

    corpus: Corpus
    candidates: tuple[int, ...]
    followers: dict[int, int]
    vectors: sparse.csr_matrix
    topic: TopicMatcher
    doc_relevance: dict[int, float] = field(default_factory=dict)
    background: Background = field(default_factory=Background)
    history: sparse.csr_matrix | None = None
    """The tf-isf vectors of the sentences already sent (``background.sent``), in the same space as ``vectors``."""

    @cached_property
    def top_relevance(self) -> float:
        """The topic relevance of the most relevant source (0 without relevance figures)."""
        return max(self.doc_relevance.values(), default=0.0)

    def source_weight(self, doc: int) -> float:
        """How much a source counts, in (0, 1]: 1 without a topic or relevance figures; otherwise its
        topic relevance against the most relevant source's, and 1 from half of it up, so that the
        sources about the topic count alike and those that only touch it count less."""
        top = self.top_relevance
        if not self.topic.focused or top <= 0:
            return 1.0
        return min(1.0, self.doc_relevance.get(doc, top) / (RELEVANT_SHARE * top))

    def topic_prior(self, i: int) -> float:
        """How on-topic a sentence is: 1 without topic terms or a brief.

        A sentence counts up to twice as much for naming the topic's terms, and up to
        ``1 + BRIEF_WEIGHT`` times as much as its content words are the brief's (Conroy et
        al.'s query-term score, 2006); and as much as its source counts (:meth:`source_weight`),
        so a briefing is drawn first from the articles most about its topic.
        """
        if not self.topic.focused:
            return 1.0
        s = self.corpus.sentences[i]
        terms = 1.0 + self.topic.sentence_score(s.text)
        return terms * (1.0 + BRIEF_WEIGHT * self.topic.brief_share(s)) * self.source_weight(s.doc)

    def location_prior(self, s: Sentence) -> float:
        """Edmundson's location cue (:func:`lead_prior`), or 1 when a brief says what the reader
        wants: the lead tells what a story is mostly about, not whether it answers the brief."""
        return 1.0 if self.topic.brief else lead_prior(s)


class Summarizer:
    """Shared state of one briefing's selection: what is chosen, so no section repeats another.

    Subclasses set :attr:`salience` (how worth quoting each sentence is on its own) and may
    override :meth:`key_points`, the choice of the briefing's main sentences.
    """

    name = ""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.sentences = ctx.corpus.sentences
        self.chosen: list[int] = []
        # Each sentence's highest similarity to any chosen one, kept up to date as sentences are
        # taken, and to what the reader was told before, so that nothing repeats that either.
        self.told_similarity = np.zeros(len(self.sentences), dtype=np.float64)
        if ctx.history is not None and ctx.history.shape[0]:
            told = ctx.vectors @ ctx.history.T
            self.told_similarity = np.asarray(told.max(axis=1).todense(), dtype=np.float64).ravel()
        self._nearest = self.told_similarity.copy()
        self.salience = self._salience()

    def _salience(self) -> npt.NDArray[np.float64]:
        raise NotImplementedError

    def words(self, i: int) -> int:
        return self.sentences[i].words

    def take(self, i: int) -> None:
        self.chosen.append(i)
        vectors = self.ctx.vectors
        similarity = np.asarray((vectors @ vectors[i].T).todense()).ravel()
        np.maximum(self._nearest, similarity, out=self._nearest)

    def redundancy(self, i: int) -> float:
        """The highest cosine similarity of sentence ``i`` to any sentence chosen so far, or told before."""
        return float(self._nearest[i])

    def pick(
        self, pool: Iterable[int], k: int, budget: int | None = None, relevance: npt.NDArray[np.float64] | None = None
    ) -> list[int]:
        """Greedy MMR over salience (or ``relevance``): no pick may repeat anything chosen in any section.

        Stops at ``k`` sentences or once ``budget`` words are reached (the last may run past it).
        """
        relevance = self.salience if relevance is None else relevance
        top = float(np.max(relevance)) if len(relevance) else 0.0
        scale = 1.0 / top if top > 0 else 1.0
        taken = set(self.chosen)
        remaining = [i for i in pool if i not in taken]
        picked: list[int] = []
        used = 0
        while remaining and len(picked) < k and (budget is None or used < budget):
            best, best_score = None, -math.inf
            for i in remaining:
                red = self.redundancy(i)
                if red > REDUNDANT:
                    continue
                score = MMR_LAMBDA * relevance[i] * scale - (1 - MMR_LAMBDA) * red
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                break
            remaining.remove(best)
            picked.append(best)
            self.take(best)
            used += self.words(best)
        return picked

    def key_points(self, pool: Sequence[int], k: int, budget: int | None = None) -> list[int]:
        """The main sentences, in the order chosen (most valuable first)."""
        return self.pick(pool, k, budget)

    def is_new(self, i: int) -> bool:
        """Whether sentence ``i`` tells the reader something the background did not."""
        return bool(self.told_similarity[i] <= REDUNDANT)


def centroid_salience(ctx: Context) -> npt.NDArray[np.float64]:
    """Centroid relevance (Radev et al., 2004) blended with topic focus and a lead-position prior."""
    sents = ctx.corpus.sentences
    cand = list(ctx.candidates)
    centroid = np.asarray(ctx.vectors[cand].mean(axis=0)).ravel() if cand else np.zeros(ctx.vectors.shape[1])
    norm = np.linalg.norm(centroid)
    central = np.asarray(ctx.vectors @ (centroid / norm)).ravel() if norm else np.zeros(len(sents))
    position = np.array([1.0 / math.sqrt(1.0 + s.position) for s in sents])
    if ctx.topic.focused:
        topical = np.array([_topical(ctx.topic, s) for s in sents])
        docs = np.array([ctx.doc_relevance.get(s.doc, 1.0) for s in sents])
        return 0.55 * central + 0.25 * topical + 0.1 * position + 0.1 * docs
    return 0.8 * central + 0.2 * position


def _topical(topic: TopicMatcher, s: Sentence) -> float:
    """How much a sentence is about the topic, in [0, 1]: its terms' score and its brief share, averaged where given."""
    parts = ([topic.sentence_score(s.text)] if topic.active else []) + ([topic.brief_share(s)] if topic.brief else [])
    return sum(parts) / len(parts) if parts else 0.0


class CentroidMMR(Summarizer):
    """Centroid relevance with MMR: the classic tf-idf baseline of multi-document summarization."""

    name = "centroid"

    def _salience(self) -> npt.NDArray[np.float64]:
        return centroid_salience(self.ctx)


class Lead(Summarizer):
    """The lead baseline: each source's first sentences, sources taking turns."""

    name = "lead"

    def _salience(self) -> npt.NDArray[np.float64]:
        return np.array([1.0 / (1.0 + s.position) - s.doc * 1e-6 for s in self.sentences])


class ConceptCoverage(Summarizer):
    """Budgeted maximum coverage of weighted bigram concepts (see the module docstring)."""

    name = "coverage"

    def _salience(self) -> npt.NDArray[np.float64]:
        sents = self.sentences
        self.concepts = [bigram_concepts(s) for s in sents]
        self.told = frozenset(c for s in self.ctx.background.sentences for c in bigram_concepts(s))
        self.weights = self._concept_weights()
        self.covered: set[str] = set()
        self.prior = [self.ctx.location_prior(s) * self.ctx.topic_prior(i) for i, s in enumerate(sents)]
        self.fallback = centroid_salience(self.ctx)
        return np.array([self.score(i) for i in range(len(sents))])

    def _concept_weights(self) -> dict[str, float]:
        """Each bigram used by enough sources, worth the sum of their weights (their count without a
        topic, see :meth:`Context.source_weight`), less ``NOVELTY_DISCOUNT`` of it when the reader's background holds it already."""
        per_doc: dict[int, set[str]] = {}
        for s, sent_concepts in zip(self.sentences, self.concepts, strict=True):
            per_doc.setdefault(s.doc, set()).update(sent_concepts)
        # With fewer sources than the threshold, every source must agree.
        need = min(CONCEPT_MIN_SOURCES, len(per_doc))
        df: Counter[str] = Counter()
        mass: dict[str, list[float]] = {}
        for doc, concepts in sorted(per_doc.items()):
            weight = self.ctx.source_weight(doc)
            for c in concepts:
                df[c] += 1
                mass.setdefault(c, []).append(weight)
        told = 1.0 - NOVELTY_DISCOUNT
        return {c: math.fsum(mass[c]) * (told if c in self.told else 1.0) for c, n in df.items() if n >= need}

    def is_new(self, i: int) -> bool:
        """Whether most of what sentence ``i`` says is news to a reader of the background."""
        concepts = [c for c in self.concepts[i] if c in self.weights] or list(self.concepts[i])
        fresh = sum(1 for c in concepts if c not in self.told)
        return 2 * fresh >= len(concepts) and super().is_new(i)

    def score(self, i: int) -> float:
        """Uncovered concept weight of sentence ``i``, times its priors, over its length to the power r."""
        gain = math.fsum(self.weights.get(c, 0.0) for c in self.concepts[i] if c not in self.covered)
        cost: float = self.words(i) ** COST_SCALE  # a positive length to a real power
        return gain * self.prior[i] / cost

    def take(self, i: int) -> None:
        super().take(i)
        self.covered |= self.concepts[i]

    def key_points(self, pool: Sequence[int], k: int, budget: int | None = None) -> list[int]:
        """Lazy cost-scaled greedy: pop the best stale score, rescore it, keep it if it still leads.

        Scores only fall as concepts get covered (submodularity), so a rescored sentence
        that still beats every stale score is the true best. A follower becomes eligible
        once the sentence before it is picked. When no sentence adds an uncovered concept,
        the rest of the budget goes by centrality with MMR.
        """
        taken = set(self.chosen)
        heap = [(-self.score(i), i) for i in pool if i not in taken and self.told_similarity[i] <= REDUNDANT]
        heapq.heapify(heap)
        waiting: dict[int, list[int]] = {}
        pool_set = set(pool)
        for follower, previous in self.ctx.followers.items():
            if previous in pool_set:
                waiting.setdefault(previous, []).append(follower)
        picked: list[int] = []
        used = 0
        while heap and len(picked) < k and (budget is None or used < budget):
            _, i = heapq.heappop(heap)
            fresh = self.score(i)
            if heap and fresh < -heap[0][0]:
                heapq.heappush(heap, (-fresh, i))
                continue
            if fresh <= 0:
                break
            picked.append(i)
            self.take(i)
            used += self.words(i)
            for follower in waiting.pop(i, ()):
                heapq.heappush(heap, (-self.score(follower), follower))
        if len(picked) < k and (budget is None or used < budget):
            rest = [i for _, i in sorted(heap, key=lambda e: e[1])]
            picked += self.pick(rest, k - len(picked), None if budget is None else budget - used, self.fallback)
        return picked


#: Selection methods keyed by the name a config gives in ``summarizer:``.
SUMMARIZERS: dict[str, type[Summarizer]] = {
    "coverage": ConceptCoverage,
    "centroid": CentroidMMR,
    "lead": Lead,
}


def get_summarizer(name: str) -> type[Summarizer]:
    try:
        return SUMMARIZERS[name]
    except KeyError:
        raise BriefgenError(f"unknown summarizer {name!r}; choose one of: {', '.join(SUMMARIZERS)}") from None


def context(
    corpus: Corpus,
    topic: TopicMatcher,
    doc_relevance: dict[int, float] | None = None,
    background: Background | None = None,
) -> Context:
    """Sort the sentences into quotable candidates and followers, and vectorise them (with the
    background's sentences, so both are in one space). A sentence already sent is neither."""
    sents = corpus.sentences
    background = background or Background()
    candidates: list[int] = []
    followers: dict[int, int] = {}
    for i, s in enumerate(sents):
        if not readable(s) or topic.mentions_excluded(s.text) or advises(s):
            continue
        if background.sent and same_text(s.text) in background.sent:
            continue
        if not needs_previous(s):
            candidates.append(i)
        elif i > 0 and sents[i - 1].doc == s.doc:
            followers[i] = i - 1
    # The sentences already sent stand for what the reader was told word for word: nothing may
    # come close to repeating them. What the background's articles say counts for less
    # (``NOVELTY_DISCOUNT``) but may still be told.
    told = [len(sents) + k for k, s in enumerate(background.sentences) if same_text(s.text) in background.sent]
    vectors = tfisf_matrix([*sents, *background.sentences])
    history = vectors[told] if told else None
    return Context(
        corpus, tuple(candidates), followers, vectors[: len(sents)], topic, doc_relevance or {}, background, history
    )


# ----------------------------------------------------------------------------- sections


def _reading_order(corpus: Corpus, idx: Sequence[int]) -> tuple[int, ...]:
    """Chronological by source date (undated last), then each source's own order."""
    docs = {d.index: d for d in corpus.documents}

    def key(i: int) -> tuple[bool, int, int, int]:
        s = corpus.sentences[i]
        date = docs[s.doc].article.date
        return (date is None, date.toordinal() if date else 0, s.doc, s.position)

    return tuple(sorted(idx, key=key))


def select(
    corpus: Corpus,
    topic: TopicMatcher,
    audience: Audience,
    summarizer: str = "coverage",
    doc_relevance: dict[int, float] | None = None,
    background: Background | None = None,
) -> Selection:
    """Choose the sentences of every section the audience asks for; no sentence is used twice.

    Key points keep the order they were chosen in ``SectionSelection.ranks``; every
    section but Key players reads in story order. What a preview looked forward to serves
    What's next only (see :func:`preview_sentences`). With a ``background`` (what the reader
    was told before) nothing already sent is quoted again, what the background covers counts
    for less, and key points lead with what is new.
    """
    method = get_summarizer(summarizer)
    sents = corpus.sentences
    if not sents:
        return Selection(sections=())
    ctx = context(corpus, topic, doc_relevance, background)
    held, passed = preview_sentences(corpus, ctx)
    ahead_only = [i for i in ctx.candidates if i in held and i not in passed]  # What's next, and nothing else
    if held:
        ctx = dataclasses.replace(
            ctx,
            candidates=tuple(i for i in ctx.candidates if i not in held),
            followers={f: p for f, p in ctx.followers.items() if f not in held},
        )
    chooser = method(ctx)
    wanted = set(audience.sections)
    budget = audience.max_words
    chosen: dict[str, list[int]] = {}

    why_pool = [i for i in ctx.candidates if explicit_why(sents[i])] if "why_it_matters" in wanted else []
    body_pool = [i for i in ctx.candidates if i not in set(why_pool)]

    def spent(name: str) -> int:
        return sum(chooser.words(i) for i in chosen.get(name, ()))

    if "bottom_line" in wanted:
        chosen["bottom_line"] = chooser.key_points(body_pool, 1)
        budget -= spent("bottom_line")
    if "why_it_matters" in wanted and audience.why_it_matters:
        pool = why_pool or [i for i in body_pool if IMPLICATION.search(sents[i].text)]
        chosen["why_it_matters"] = chooser.pick(pool, audience.why_it_matters)
        budget -= spent("why_it_matters")
    if "key_points" in wanted:
        # Each further section keeps about two sentences' worth of the budget for itself.
        reserve = 50 * len(wanted & {"by_the_numbers", "whats_next", "key_players"})
        chosen["key_points"] = chooser.key_points(body_pool, audience.max_points, max(50, budget - reserve))
    if "by_the_numbers" in wanted:
        chosen["by_the_numbers"] = _by_the_numbers(sents, body_pool + why_pool, chooser)
    if "whats_next" in wanted:
        ahead = [*body_pool, *why_pool, *ahead_only]
        chosen["whats_next"] = chooser.pick([i for i in ahead if FUTURE.search(sents[i].text)], 3)
    labels: dict[str, tuple[str, ...]] = {}
    if "key_players" in wanted:
        players = _key_players(corpus, ctx.candidates, chooser)
        chosen["key_players"] = [i for i, _ in players]
        labels["key_players"] = tuple(label for _, label in players)

    sections = []
    for name in audience.sections:
        idx = chosen.get(name, [])
        if not idx:
            continue
        # Key players keep their rank order; every other section reads in story order, and with
        # a background key points tell what is new first.
        order = tuple(idx) if name in labels else _reading_order(corpus, idx)
        new = tuple(chooser.is_new(i) for i in order) if ctx.background else ()
        if new and name == "key_points":
            order = tuple(i for i, fresh in zip(order, new, strict=True) if fresh) + tuple(
                i for i, fresh in zip(order, new, strict=True) if not fresh
            )
            new = tuple(sorted(new, reverse=True))
        rank = {i: r for r, i in enumerate(idx)}
        sections.append(
            SectionSelection(
                name=name,
                heading=HEADINGS[name],
                sentences=tuple(sents[i] for i in order),
                labels=labels.get(name, ()),
                ranks=tuple(rank[i] for i in order),
                new=new,
            )
        )
    return Selection(sections=tuple(sections))


def preview_sentences(corpus: Corpus, ctx: Context) -> tuple[frozenset[int], frozenset[int]]:
    """The quotable sentences of previews (documents written before the event in the window they look
    forward to, ``Document.preview_of``) that look forward: what was expected, planned or scheduled,
    or could happen, which the event may have overtaken. They may serve What's next only, never as
    what happened. Returns them, and those of them that name the event's day or an earlier one,
    which have passed by the window's end and are not quoted at all."""
    previews = {d.index: d for d in corpus.documents if d.preview_of is not None}
    if not previews:
        return frozenset(), frozenset()
    sents = corpus.sentences
    quotable = [*ctx.candidates, *ctx.followers]
    held = frozenset(i for i in quotable if sents[i].doc in previews and looks_forward(sents[i].text))
    passed: set[int] = set()
    for i in held:
        doc = previews[sents[i].doc]
        if doc.preview_of is not None and names_passed(sents[i].text, doc.preview_of, doc.article.date):
            passed.add(i)
    return held, frozenset(passed)


#: A figure that only dates something ("2024", "Feb. 10, 2025", "the 1990s") is not the point of a sentence.
_DATE_FIGURE = re.compile(
    r"^(?:(?:the\s+)?(?:19|20)\d\d(?:s|['\u2019]s)?|.*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b.*|"
    r".*\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|week|year)s?\b.*)$",
    re.I,
)


def figures(s: Sentence) -> set[str]:
    """The sentence's figures that are quantities (amounts, shares, counts), not dates, as compared keys."""
    return {re.sub(r"\W+", "", n.lower()) for n in s.numbers if not _DATE_FIGURE.match(n.strip())} - {""}


def _by_the_numbers(sents: Sequence[Sentence], pool: Sequence[int], chooser: Summarizer, k: int = 4) -> list[int]:
    """One sentence per figure: the most salient sentence carrying each quantity not yet shown (a
    sentence whose only figures are dates is about when, not how much)."""
    picked: list[int] = []
    seen: set[str] = set()
    keyed = {i: figures(sents[i]) for i in pool if sents[i].numbers}
    for i in sorted((i for i, f in keyed.items() if f), key=lambda i: (-chooser.salience[i], i)):
        if keyed[i] & seen:
            continue
        got = chooser.pick([i], 1)
        if got:
            picked.extend(got)
            seen |= keyed[i]
        if len(picked) >= k:
            break
    return picked


# ----------------------------------------------------------------------------- key players


def _key_players(corpus: Corpus, pool: Sequence[int], chooser: Summarizer, k: int = 5) -> list[tuple[int, str]]:
    """For the players most sources name, one sentence each that names them, labelled with the count."""
    sents = corpus.sentences
    players, player_of = merge_players((text, label, s.doc) for s in sents for text, label in s.entities)
    least = 2 if len(corpus.documents) > 1 else 1
    named: dict[str, list[int]] = {}
    for i in pool:
        for text, label in sents[i].entities:
            name = player_name(text, label)
            key = player_of.get(name.lower()) if name else None
            if key and i not in named.get(key, []):
                named.setdefault(key, []).append(i)
    picked: list[tuple[int, str]] = []
    for player in players:
        if len(picked) >= k or len(player.sources) < least:
            break
        for i in chooser.pick(named.get(player.key, []), 1):
            n = len(player.sources)
            picked.append((i, f"{player.name} ({n} source{'s' if n != 1 else ''})"))
    return picked
