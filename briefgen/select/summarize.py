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
import datetime as dt
import heapq
import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from briefgen.analyse.lang import cues
from briefgen.analyse.topic import TopicMatcher, stop_words
from briefgen.errors import BriefgenError
from briefgen.ingest.dates import looks_forward, names_passed
from briefgen.models import (
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    Background,
    Corpus,
    SectionSelection,
    Selection,
    Sentence,
    Story,
    passage_id,
)
from briefgen.select.players import merge_players, player_name
from briefgen.select.standalone import (
    Opening,
    breaks_off,
    full_surnames,
    has_fact,
    in_its_time,
    lead_with_fact,
    names_before,
    names_time_ahead,
    quotation,
    reference,
    short_names,
    short_speaker,
    still_ahead,
    time_languages,
    topic_words,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from scipy import sparse

    from briefgen.config.defaults import Audience

HEADINGS = {
    "bottom_line": "Bottom line",
    "key_points": "Key points",
    "why_it_matters": "Why it matters",
    "by_the_numbers": "By the numbers",
    "key_players": "Key players",
    "whats_next": "What's next",
}

#: The heading of key points told story by story (``layout: stories``).
TOP_STORIES = "Top stories"

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
#: The older, narrower rule of openers that need the previous sentence (pronouns and connectives,
#: unquoted), kept for measuring against (``standalone=False``); :func:`~briefgen.select.standalone.reference`
#: is the rule in use.
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
#: News's stock line that someone said nothing: "North Korea did not immediately comment.", "The
#: ministry declined to comment." Short, it tells the reader nothing about the story.
NO_COMMENT = re.compile(
    r"\b(?:(?:declined|refused) to (?:comment|respond)|(?:did not|didn't|could not|couldn't|would not|wouldn't)"
    r" (?:immediately )?(?:comment|reply|return|respond|be reached)|(?:was|were) not (?:immediately )?"
    r"(?:available|reachable) (?:for|to) comment|no immediate (?:comment|response|reply))\b",
    re.I,
)
#: A telephone number in the North American plan ("404-526-5456", "1-800-444-0267", "(310) 996-0075")
#: or an e-mail address (also as wire copy writes it, "artd(at)coxnews.com"): a sentence holding one
#: is a contact line ("Questions should be directed to CoxNet … at 404-526-5456", "Dan Freedman can
#: be reached at …", a hotline to call), which tells a reader whom to ask, not what happened.
CONTACT = re.compile(
    r"(?<![\d.-])(?:1[-.\s])?(?:\(\d{3}\)\s?\d{3}-|\d{3}-\d{3}-|\d{3}\.\d{3}\.)\d{4}(?![\d-])|"
    r"(?<![\w.+-])[\w.+-]+(?:@|\(at\))[\w-]+(?:\.[\w-]+)+\b"
)
#: A web address, with or without its scheme.
WEB_ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.I)
#: The share of a sentence's characters its web addresses may take: above it, the sentence points to
#: a page ("Microsoft has a patch available at http://…", "Im Internet unter: https://…") rather
#: than tells news. Set on DUC: of its 49 quotable sentences with a web address, 9 of the 10 above
#: it point to a page; the 39 below mostly name a site in news ("Newsdroid (www.newsdroid.com)
#: recently explored …"), a few point to one all the same.
MAX_ADDRESS_SHARE = 0.3
#: A pattern that matches nothing: the cue of a language that has none.
NEVER = re.compile(r"(?!)")
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
#: (chosen on DUC 2006; DUC 2003 has no brief, and the figures are in docs/explanation/selection.md).
BRIEF_WEIGHT = 4.0
#: A source at least this share as much about the topic (:meth:`TopicMatcher.focus`) as the one
#: most about it counts in full; below, its weight falls as the ratio to the power
#: :data:`SOURCE_POWER`, so that the hundreds of articles of a large mixed corpus that only share
#: the topic's common words add up to little. Checked on DUC 2006 (one topic's articles: ROUGE-2
#: 10.5 either way) and on all of DUC 2003 and 2006 in one corpus with each DUC 2006 topic (share
#: of cited sources from the topic's own cluster 0.92, against 0.75 at 0.5 and power 1).
RELEVANT_SHARE = 0.7
SOURCE_POWER = 4
#: How much less a concept counts when the reader's background already holds it: update
#: summarization's discount of what was told before (Gillick et al., 2008, "The ICSI
#: Summarization System at TAC 2008"; Steinberger & Ježek, 2009, "Update summarization based on
#: novel topic distribution"), checked on pseudo-update sets from DUC 2003 and DUC 2006.
NOVELTY_DISCOUNT = 0.8
#: Lin & Bilmes's cost scaling r: a sentence's gain is divided by its length to the power r.
#: r = 1 is the plain gain-per-word ratio, which favours short sentences; r = 0.5 halves that pull.
COST_SCALE = 0.5


# ----------------------------------------------------------------------------- sentences


def readable(s: Sentence, words: int | None = None) -> bool:
    """Whether a sentence can be quoted at all: long enough, complete, not a headline, question or fragment.

    ``words`` is its length in words (:attr:`Sentence.words`) where already counted.
    """
    text = s.text
    n = s.words if words is None else words
    if s.block_kind == HEADING or not (MIN_WORDS <= n <= MAX_WORDS):
        return False
    if s.block_kind == LIST_ITEM and n < 10:
        return False
    if text.rstrip().endswith("?") or not _ENDS.search(text):
        return False
    if not (text[0].isupper() or text[0] in "\"\u201c'" or text[0].isdigit()):
        return False  # a fragment
    if n <= 15 and (BYLINE.match(text) or NO_COMMENT.search(text)):
        return False
    if CONTACT.search(text):
        return False
    if sum(len(m[0]) for m in WEB_ADDRESS.finditer(text)) > MAX_ADDRESS_SHARE * len(text):
        return False  # a pointer to a page
    # Not a piece of a quotation: its quote marks pair up, or it holds both an opening and a closing one.
    quotes = text.count('"') + text.count("\u201c") + text.count("\u201d")
    return quotes % 2 == 0 or ("\u201c" in text and "\u201d" in text)


def advises(s: Sentence) -> bool:
    """Whether a sentence is a recommendation a source makes (:data:`ADVICE`), not what happened."""
    return bool(ADVICE.match(s.text))


def needs_previous(s: Sentence, previous: Sentence | None = None) -> bool:
    """Whether a sentence opens with a reference it does not resolve itself: a pronoun, a
    demonstrative, a connective, or a definite description it does not establish
    (:func:`~briefgen.select.standalone.reference`; ``previous`` is the sentence before it)."""
    return reference(s, previous) is not Opening.ALONE


def explicit_why(s: Sentence) -> bool:
    """Whether a sentence belongs to a passage its source labels as why the story matters."""
    return bool(s.heading and WHY_HEADING.match(s.heading)) or bool(WHY_INLINE.match(s.text))


def lead_prior(s: Sentence) -> float:
    """Edmundson's location cue: a source's first sentence counts double, later ones tend to 1."""
    return 1.0 + 1.0 / (1.0 + s.position)


def bigram_concepts(s: Sentence, language: str = "en") -> frozenset[str]:
    """The sentence's word bigrams (lemmas), leaving out pairs of two stop words, as Gillick & Favre do."""
    stop = stop_words(language)
    terms = s.terms or s.tokens
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(terms) if not (a in stop and b in stop))


def same_text(text: str) -> str:
    """A sentence's text as compared with what was sent before: spacing and case do not count."""
    return " ".join(text.split()).casefold()


def _distinct(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct values of ``a``, ascending: ``np.unique`` by sorting (numpy 2's hash table is slower on large arrays)."""
    import numpy as np  # heavy: loaded when sentences are first selected

    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _flat_ids(seqs: Sequence[Sequence[str]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]:
    """Every word of ``seqs`` as an integer id, flattened, with the index of the sequence it belongs to,
    and the vocabulary: ids in the order words first occur."""
    import numpy as np  # heavy: loaded when sentences are first selected

    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    flat = list(itertools.chain.from_iterable(seqs))
    vocab = list(dict.fromkeys(flat))
    index = {t: k for k, t in enumerate(vocab)}
    ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    return ids, np.repeat(np.arange(len(seqs), dtype=np.int64), lengths), vocab


def tfisf_matrix(sentences: Sequence[Sentence]) -> sparse.csr_matrix:
    """L2-normalised tf-isf vectors, one sparse row per sentence (idf over sentences, as in MMR summarizers).

    Sparse, so memory grows with the words the sentences hold, not with sentences times vocabulary.
    Built with numpy: each row's entries in the order its words first occur, as a per-sentence
    ``Counter`` lists them, so that sums run in the same order and give the same floats.
    """
    import numpy as np  # heavy: loaded when sentences are first selected
    from scipy import sparse

    cols_flat, rows_flat, vocab = _flat_ids([s.tokens for s in sentences])
    width = max(1, len(vocab))
    keys, first, counts = np.unique(rows_flat * width + cols_flat, return_index=True, return_counts=True)
    order = np.argsort(first)
    keys, counts = keys[order], counts[order]
    rows, cols = keys // width, keys % width
    # 1 + log(tf), computed as math.log does for each count that occurs.
    log_tf = np.array([1.0 + math.log(n) for n in range(1, int(counts.max(initial=0)) + 1)], dtype=np.float64)
    values = log_tf[counts - 1]
    shape = (len(sentences), width)
    df = np.bincount(cols, minlength=shape[1])
    idf = np.log((1 + len(sentences)) / (1 + df)) + 1.0
    weighted = values * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=weighted**2, minlength=shape[0]))
    norms[norms == 0] = 1.0
    weighted /= norms[rows]
    return sparse.csr_matrix((weighted, (rows, cols)), shape=shape, dtype=np.float64)


@dataclass(frozen=True)
class ConceptIndex:
    """The bigram concepts (:func:`bigram_concepts`) of many sentences as integer ids, in a CSR layout:
    sentence ``i`` holds ``ids[ptr[i]:ptr[i + 1]]``, each once, ascending. ``size`` is the number of
    distinct concepts."""

    ptr: npt.NDArray[np.int64]
    ids: npt.NDArray[np.int64]
    size: int

    def of(self, i: int) -> npt.NDArray[np.int64]:
        return self.ids[self.ptr[i] : self.ptr[i + 1]]

    @cached_property
    def owner(self) -> npt.NDArray[np.int64]:
        """The sentence each entry of ``ids`` belongs to."""
        import numpy as np  # heavy: loaded when sentences are first selected

        return np.repeat(np.arange(len(self.ptr) - 1, dtype=np.int64), np.diff(self.ptr))


def concept_index(sentences: Sequence[Sentence], language: str = "en") -> ConceptIndex:
    """:func:`bigram_concepts` for every sentence at once, with numpy: the same pairs of consecutive
    terms (or tokens), without pairs of two stop words, as ids (:class:`ConceptIndex`)."""
    import numpy as np  # heavy: loaded when sentences are first selected

    terms, owner, vocab = _flat_ids([s.terms or s.tokens for s in sentences])
    stop = stop_words(language)
    is_stop = np.fromiter((t in stop for t in vocab), dtype=bool, count=len(vocab))
    first, second = terms[:-1], terms[1:]
    keep = (owner[:-1] == owner[1:]) & ~(is_stop[first] & is_stop[second])
    codes, concepts = np.unique(first[keep] * len(vocab) + second[keep], return_inverse=True)
    size = len(codes)
    if any(" " in t for t in vocab):
        # A term with a space in it could make two pairs read as the same bigram ("a b" + "c", "a" + "b c").
        names = [f"{vocab[c // len(vocab)]} {vocab[c % len(vocab)]}" for c in codes.tolist()]
        same: dict[str, int] = {}
        canonical = np.array([same.setdefault(name, len(same)) for name in names], dtype=np.int64)
        concepts, size = canonical[concepts], len(same)
    pairs = _distinct(owner[:-1][keep] * max(1, size) + concepts)
    ptr = np.searchsorted(pairs // max(1, size), np.arange(len(sentences) + 1, dtype=np.int64)).astype(np.int64)
    return ConceptIndex(ptr, pairs % max(1, size), size)


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
    words: tuple[int, ...] = ()
    """Each sentence's length in words (:attr:`Sentence.words`), as :func:`context` counted them."""
    languages: Mapping[int, str | None] = field(default_factory=dict)
    """The language each document is written in, by index, as intake told it; the topic's where not told."""

    def time_languages(self, doc: int | None) -> tuple[str, ...]:
        """The languages a document's relative times are read in (:func:`~briefgen.select.standalone.time_languages`)."""
        return time_languages(self.languages.get(doc) if doc is not None else None, self.topic.language)

    @cached_property
    def top_relevance(self) -> float:
        """The topic relevance of the most relevant source (0 without relevance figures)."""
        return max(self.doc_relevance.values(), default=0.0)

    def source_weight(self, doc: int) -> float:
        """How much a source counts, in (0, 1]: 1 without a topic or relevance figures; otherwise 1
        from :data:`RELEVANT_SHARE` of the most relevant source's relevance up, and less the further
        below it, so that the sources about the topic count alike and those that only touch it count little."""
        top = self.top_relevance
        if not self.topic.focused or top <= 0:
            return 1.0
        ratio: float = min(1.0, self.doc_relevance.get(doc, top) / (RELEVANT_SHARE * top))
        return ratio**SOURCE_POWER

    def topic_prior(self, i: int) -> float:
        """How on-topic a sentence is: 1 without topic terms or a brief.

        A sentence counts up to twice as much for naming the topic's terms, and up to
        ``1 + BRIEF_WEIGHT`` times as much as its content words are the brief's (Conroy et
        al.'s query-term score, 2006); and as much as its source counts (:meth:`source_weight`),
        so a briefing is drawn first from the articles most about its topic.
        """
        return float(self.topic_priors[i]) if self.topic.focused else 1.0

    @cached_property
    def topic_priors(self) -> npt.NDArray[np.float64]:
        """:meth:`topic_prior` of every sentence."""
        import numpy as np  # heavy: loaded when sentences are first selected

        sents = self.corpus.sentences
        if not self.topic.focused:
            return np.ones(len(sents), dtype=np.float64)
        terms, brief = self.topic_scores
        weights = {doc: self.source_weight(doc) for doc in {s.doc for s in sents}}
        source = np.array([weights[s.doc] for s in sents], dtype=np.float64)
        return (1.0 + terms) * (1.0 + BRIEF_WEIGHT * brief) * source

    @cached_property
    def topic_scores(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Each sentence's :meth:`TopicMatcher.sentence_score` and :meth:`TopicMatcher.brief_share`,
        worked out once for both :meth:`topic_prior` and :meth:`topicality`."""
        import numpy as np  # heavy: loaded when sentences are first selected

        sents = self.corpus.sentences
        terms = np.array([self.topic.sentence_score(s.text) for s in sents], dtype=np.float64)
        brief = np.array([self.topic.brief_share(s) for s in sents], dtype=np.float64)
        return terms, brief

    @cached_property
    def topicality(self) -> npt.NDArray[np.float64]:
        """How much each sentence is about the topic, in [0, 1]: its terms' score and its brief share,
        averaged where the topic has terms and a brief; 0 where it has neither."""
        import numpy as np  # heavy: loaded when sentences are first selected

        terms, brief = self.topic_scores
        parts = ([terms] if self.topic.active else []) + ([brief] if self.topic.brief else [])
        if not parts:
            return np.zeros(len(self.corpus.sentences), dtype=np.float64)
        return np.asarray(sum(parts) / len(parts), dtype=np.float64)

    def location_prior(self, s: Sentence) -> float:
        """Edmundson's location cue (:func:`lead_prior`), or 1 when a brief says what the reader
        wants: the lead tells what a story is mostly about, not whether it answers the brief."""
        return 1.0 if self.topic.brief else lead_prior(s)

    @cached_property
    def word_counts(self) -> tuple[int, ...]:
        """:attr:`words`, counted here for a context made without them."""
        sents = self.corpus.sentences
        return self.words if len(self.words) == len(sents) else tuple(s.words for s in sents)


class Summarizer:
    """Shared state of one briefing's selection: what is chosen, so no section repeats another.

    Subclasses set :attr:`salience` (how worth quoting each sentence is on its own) and may
    override :meth:`key_points`, the choice of the briefing's main sentences.
    """

    name = ""

    def __init__(self, ctx: Context) -> None:
        import numpy as np  # heavy: loaded when sentences are first selected

        self.ctx = ctx
        self.sentences = ctx.corpus.sentences
        self.chosen: list[int] = []
        self._words = ctx.word_counts
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
        return self._words[i]

    def take(self, i: int) -> None:
        import numpy as np  # heavy: loaded when sentences are first selected

        self.chosen.append(i)
        vectors = self.ctx.vectors
        similarity = np.asarray((vectors @ vectors[i].T).todense()).ravel()
        np.maximum(self._nearest, similarity, out=self._nearest)

    def redundancy(self, i: int) -> float:
        """The highest cosine similarity of sentence ``i`` to any sentence chosen so far, or told before."""
        return float(self._nearest[i])

    def pick(
        self,
        pool: Iterable[int],
        k: int,
        budget: int | None = None,
        relevance: npt.NDArray[np.float64] | None = None,
        where: Callable[[int], bool] | None = None,
    ) -> list[int]:
        """Greedy MMR over salience (or ``relevance``): no pick may repeat anything chosen in any section.

        Stops at ``k`` sentences or once ``budget`` words are reached (the last may run past it).
        Only sentences for which ``where`` holds are picked; it is asked lazily, of the best-scoring
        sentences first, so a costly test runs on a few sentences rather than the whole pool. Each
        step scores the whole pool at once; of equal scores the first in the pool wins.
        """
        import numpy as np  # heavy: loaded when sentences are first selected

        relevance = self.salience if relevance is None else relevance
        top = float(np.max(relevance)) if len(relevance) else 0.0
        scale = 1.0 / top if top > 0 else 1.0
        taken = set(self.chosen)
        remaining = np.array([i for i in pool if i not in taken], dtype=np.int64)
        weighted = MMR_LAMBDA * relevance[remaining] * scale
        holds: dict[int, bool] = {}
        picked: list[int] = []
        used = 0
        while len(remaining) and len(picked) < k and (budget is None or used < budget):
            red = self._nearest[remaining]
            score = weighted - (1 - MMR_LAMBDA) * red
            score[(red > REDUNDANT) | np.isnan(score)] = -np.inf  # never picked
            at = self._best(remaining, score, where, holds)
            if at is None:
                break
            best = int(remaining[at])
            remaining = np.delete(remaining, at)
            weighted = np.delete(weighted, at)
            picked.append(best)
            self.take(best)
            used += self.words(best)
        return picked

    @staticmethod
    def _best(
        remaining: npt.NDArray[np.int64],
        score: npt.NDArray[np.float64],
        where: Callable[[int], bool] | None,
        holds: dict[int, bool],
    ) -> int | None:
        """The position in ``remaining`` of the first best score for which ``where`` holds (memoised in ``holds``)."""
        import numpy as np  # heavy: loaded when sentences are first selected

        if where is None:
            at = int(np.argmax(score))
            return at if score[at] > -np.inf else None
        for at in np.argsort(-score, kind="stable").tolist():
            if not score[at] > -np.inf:
                return None
            i = int(remaining[at])
            if i not in holds:
                holds[i] = where(i)
            if holds[i]:
                return int(at)
        return None

    def key_points(self, pool: Sequence[int], k: int, budget: int | None = None) -> list[int]:
        """The main sentences, in the order chosen (most valuable first)."""
        return self.pick(pool, k, budget)

    def is_new(self, i: int) -> bool:
        """Whether sentence ``i`` tells the reader something the background did not."""
        return bool(self.told_similarity[i] <= REDUNDANT)


def centroid_salience(ctx: Context) -> npt.NDArray[np.float64]:
    """Centroid relevance (Radev et al., 2004) blended with topic focus (:attr:`Context.topicality`)
    and a lead-position prior."""
    import numpy as np  # heavy: loaded when sentences are first selected

    sents = ctx.corpus.sentences
    cand = list(ctx.candidates)
    centroid = np.asarray(ctx.vectors[cand].mean(axis=0)).ravel() if cand else np.zeros(ctx.vectors.shape[1])
    norm = np.linalg.norm(centroid)
    central = np.asarray(ctx.vectors @ (centroid / norm)).ravel() if norm else np.zeros(len(sents))
    position = np.array([1.0 / math.sqrt(1.0 + s.position) for s in sents])
    if ctx.topic.focused:
        docs = np.array([ctx.source_weight(s.doc) for s in sents])
        return 0.55 * central + 0.25 * ctx.topicality + 0.1 * position + 0.1 * docs
    return 0.8 * central + 0.2 * position


class CentroidMMR(Summarizer):
    """Centroid relevance with MMR: the classic tf-idf baseline of multi-document summarization."""

    name = "centroid"

    def _salience(self) -> npt.NDArray[np.float64]:
        return centroid_salience(self.ctx)


class Lead(Summarizer):
    """The lead baseline: each source's first sentences, sources taking turns."""

    name = "lead"

    def _salience(self) -> npt.NDArray[np.float64]:
        import numpy as np  # heavy: loaded when sentences are first selected

        return np.array([1.0 / (1.0 + s.position) - s.doc * 1e-6 for s in self.sentences])


class ConceptCoverage(Summarizer):
    """Budgeted maximum coverage of weighted bigram concepts (see the module docstring).

    Concepts are integer ids (:class:`ConceptIndex`); ``weights``, ``kept`` (used by enough
    sources), ``told`` (in the background) and ``covered`` (by a sentence taken) are arrays over them.
    """

    name = "coverage"
    concepts: ConceptIndex
    told: npt.NDArray[np.bool_]
    kept: npt.NDArray[np.bool_]
    weights: npt.NDArray[np.float64]
    covered: npt.NDArray[np.bool_]

    def _salience(self) -> npt.NDArray[np.float64]:
        import numpy as np  # heavy: loaded when sentences are first selected

        sents = self.sentences
        n = len(sents)
        both = concept_index([*sents, *self.ctx.background.sentences], self.ctx.topic.language)
        self.told = np.zeros(both.size, dtype=bool)
        self.told[both.ids[both.ptr[n] :]] = True
        self.concepts = ConceptIndex(both.ptr[: n + 1], both.ids[: both.ptr[n]], both.size)
        self.kept, self.weights = self._concept_weights()
        self.covered = np.zeros(both.size, dtype=bool)
        location = np.array([self.ctx.location_prior(s) for s in sents], dtype=np.float64)
        self.prior = location * self.ctx.topic_priors
        # A positive length to a real power, as Python's float power gives it.
        self.cost = np.array([w**COST_SCALE for w in self.ctx.word_counts], dtype=np.float64)
        self._prior: list[float] = self.prior.tolist()
        self._cost: list[float] = self.cost.tolist()
        return self._gains() * self.prior / self.cost

    @cached_property
    def fallback(self) -> npt.NDArray[np.float64]:
        """Centrality (:func:`centroid_salience`), for key points once no sentence adds a concept."""
        return centroid_salience(self.ctx)

    def _concept_weights(self) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        """Each bigram used by enough sources, worth the sum of their weights (their count without a
        topic, see :meth:`Context.source_weight`), less ``NOVELTY_DISCOUNT`` of it when the reader's
        background holds it already. Returns which concepts are used by enough sources, and the
        weights (0 for the others). Sums are ``math.fsum``'s, exact whatever the order."""
        import numpy as np  # heavy: loaded when sentences are first selected

        concepts = self.concepts
        docs = np.fromiter((s.doc for s in self.sentences), dtype=np.int64, count=len(self.sentences))
        sources, source_of = np.unique(docs, return_inverse=True)
        n_sources = max(1, len(sources))
        # Each (concept, source) pair once, concept by concept.
        pairs = _distinct(concepts.ids * n_sources + source_of[concepts.owner])
        concept, source = pairs // n_sources, pairs % n_sources
        df = np.bincount(concept, minlength=concepts.size)
        # With fewer sources than the threshold, every source must agree.
        kept = df >= min(CONCEPT_MIN_SOURCES, len(sources))
        values = np.array([self.ctx.source_weight(int(d)) for d in sources], dtype=np.float64)[source]
        mass = df.astype(np.float64)  # the sum when every source counts 1
        partial = np.flatnonzero(kept & (np.bincount(concept, weights=values != 1.0, minlength=concepts.size) > 0))
        if len(partial):
            starts = np.searchsorted(concept, partial)
            ends = starts + df[partial]
            flat = values.tolist()
            mass[partial] = [math.fsum(flat[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        told = 1.0 - NOVELTY_DISCOUNT
        return kept, np.where(kept, mass * np.where(self.told, told, 1.0), 0.0)

    def _gains(self) -> npt.NDArray[np.float64]:
        """Each sentence's concept weight with nothing covered, summed as :meth:`score` sums it."""
        import numpy as np  # heavy: loaded when sentences are first selected

        flat = self.weights[self.concepts.ids].tolist()
        bounds = self.concepts.ptr.tolist()
        return np.array([math.fsum(flat[a:b]) for a, b in itertools.pairwise(bounds)], dtype=np.float64)

    def is_new(self, i: int) -> bool:
        """Whether most of what sentence ``i`` says is news to a reader of the background."""
        import numpy as np  # heavy: loaded when sentences are first selected

        ids = self.concepts.of(i)
        concepts = ids[self.kept[ids]]
        if not len(concepts):
            concepts = ids
        fresh = int(np.count_nonzero(~self.told[concepts]))
        return 2 * fresh >= len(concepts) and super().is_new(i)

    def score(self, i: int) -> float:
        """Uncovered concept weight of sentence ``i``, times its priors, over its length to the power r."""
        ids = self.concepts.of(i)
        gain = math.fsum(self.weights[ids[~self.covered[ids]]].tolist())
        return gain * self._prior[i] / self._cost[i]

    def scores(self) -> list[float]:
        """:meth:`score` of every sentence: its salience, rescored where a concept it holds is covered."""
        current: list[float] = self.salience.tolist()
        hit = self.covered[self.concepts.ids]
        for i in _distinct(self.concepts.owner[hit]).tolist():
            current[i] = self.score(i)
        return current

    def take(self, i: int) -> None:
        super().take(i)
        self.covered[self.concepts.of(i)] = True

    def key_points(self, pool: Sequence[int], k: int, budget: int | None = None) -> list[int]:
        """Lazy cost-scaled greedy: pop the best stale score, rescore it, keep it if it still leads.

        Scores only fall as concepts get covered (submodularity), so a rescored sentence
        that still beats every stale score is the true best. A follower becomes eligible
        once the sentence before it is picked. When no sentence adds an uncovered concept,
        the rest of the budget goes by centrality with MMR.
        """
        taken = set(self.chosen)
        current = self.scores()
        told = self.told_similarity
        heap = [(-current[i], i) for i in pool if i not in taken and told[i] <= REDUNDANT]
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
    exclude: frozenset[str] = frozenset(),
    window_start: dt.date | None = None,
    standalone: bool = True,
    languages: Mapping[int, str | None] | None = None,
    vectorise: bool = True,
) -> Context:
    """Sort the sentences into quotable candidates and followers, and vectorise them (with the
    background's sentences, so both are in one space; ``vectorise=False`` leaves that out, for
    a context that only tells which sentences are quotable). A sentence already sent is neither, nor
    one whose passage id (:func:`~briefgen.models.passage_id`) is in ``exclude``.

    A sentence is a candidate when it stands on its own (:func:`~briefgen.select.standalone.reference`),
    a follower of the sentence before it when it leans on that one, and neither when it leans on
    something no nearby sentence names, or (with a ``window_start``) when it holds a relative time
    ("on Tuesday", "last week") and its article is undated or from before the window
    (:func:`~briefgen.select.standalone.in_its_time`, read in the document's language as
    ``languages`` gives it by index). Nor is a sentence that starts inside a quotation a sentence
    before it opened in the same paragraph (:func:`~briefgen.select.standalone.quotation`):
    someone's words without the name of who says them; nor the first sentence of a paragraph whose
    paragraph before broke off in the middle of a sentence (:func:`~briefgen.select.standalone.breaks_off`).
    A sentence leans only on the one right before it in its article, none where a sentence between
    them was left out. ``standalone=False`` applies the older pronoun rule
    (:data:`DANGLING`) alone, for measuring. A sentence of a document analysed for its words alone
    (:attr:`Corpus.light`: not of a top story, see :func:`_top_stories`) is neither."""
    sents = corpus.sentences
    background = background or Background()
    dropped = {i for i, s in enumerate(sents) if passage_id(s.text) in exclude} if exclude else set()
    docs = {d.index: d for d in corpus.documents}
    # The languages each document's relative times are read in: English's, and its own.
    told_in = languages or {}
    times = {d.index: time_languages(told_in.get(d.index), topic.language) for d in corpus.documents}
    no_doc = time_languages(None, topic.language)
    known = topic_words(topic.topic.keywords, topic.topic.entities, topic.brief)
    candidates: list[int] = []
    followers: dict[int, int] = {}
    words = tuple(s.words for s in sents)
    light = corpus.light
    awaited = ""  # the closing mark of a quotation open where the sentence starts
    read_to = 0  # where in its article's text the quotation marks have been read to
    # ``named``: the words of the full names its article used before it (for a speaker's surname).
    for i, (s, named) in enumerate(names_before(sents)):
        # The sentence right before it in its article: none where one was left out (another
        # language, a dangling opener; see briefgen.select.languages), which would stand between them.
        before = sents[i - 1] if i > 0 else None
        previous = before if before is not None and (before.doc, before.position + 1) == (s.doc, s.position) else None
        doc = docs.get(s.doc)
        if before is None or before.doc != s.doc:
            awaited, read_to = "", 0
        if doc is not None and read_to < s.start:
            # What stands between the last sentence read and this one, left out or not: its marks
            # count, from its paragraph's start (an article's paragraphs are joined by blank lines).
            gap = doc.text[read_to : s.start]
            if "\n" in gap:
                awaited, gap = "", gap[gap.rindex("\n") + 1 :]
            awaited = quotation(gap, awaited)[1] if gap.strip() else awaited
        elif doc is None and (previous is None or s.first_in_block):
            awaited = ""
        quoted_on, awaited = quotation(s.text, awaited)
        read_to = max(read_to, s.end)
        if s.doc in light or i in dropped or not readable(s, words[i]) or topic.mentions_excluded(s.text):
            continue
        if advises(s) or (standalone and quoted_on):
            continue
        # The paragraph before, read from the article's own text: its last sentence may have been left out.
        ended = doc.text[max(0, s.start - 80) : s.start].rstrip() if doc is not None and s.first_in_block else ""
        after_break = standalone and bool(ended) and (previous is None or previous.block_kind == PARAGRAPH)
        if after_break and breaks_off(ended, told_in.get(s.doc) or topic.language):
            continue  # the rest of a sentence the paragraph before broke off
        if background.sent and same_text(s.text) in background.sent:
            continue
        if not standalone:
            leans = Opening.PREVIOUS if DANGLING.match(s.text) else Opening.ALONE
        elif not in_its_time(s, doc, window_start, times.get(s.doc, no_doc)):
            continue
        else:
            leans = reference(s, previous, known)
            speaker = short_speaker(s, named) if leans is Opening.ALONE else None
            if speaker is not None:
                # Quoted only right after the sentence that names them in full, else not at all.
                named_before = previous is not None and speaker in full_surnames(previous)
                leans = Opening.PREVIOUS if named_before else Opening.UNRESOLVED
        if leans is Opening.ALONE:
            candidates.append(i)
        elif leans is Opening.PREVIOUS and previous is not None:
            followers[i] = i - 1
    # The sentences already sent stand for what the reader was told word for word: nothing may
    # come close to repeating them. What the background's articles say counts for less
    # (``NOVELTY_DISCOUNT``) but may still be told.
    told = [len(sents) + k for k, s in enumerate(background.sentences) if same_text(s.text) in background.sent]
    if vectorise:
        vectors = tfisf_matrix([*sents, *background.sentences])
    else:
        from scipy import sparse  # heavy: loaded when sentences are first selected

        vectors, told = sparse.csr_matrix((len(sents), 0)), []
    history = vectors[told] if told else None
    return Context(
        corpus,
        tuple(candidates),
        followers,
        vectors[: len(sents)],
        topic,
        doc_relevance or {},
        background,
        history,
        words,
        told_in,
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
    exclude: frozenset[str] = frozenset(),
    stories: Sequence[Story] = (),
    as_of: dt.date | None = None,
    window_start: dt.date | None = None,
    standalone: bool = True,
    languages: Mapping[int, str | None] | None = None,
) -> Selection:
    """Choose the sentences of every section the audience asks for; no sentence is used twice.

    With ``stories`` (ranked, best first: ``layout: stories``), the briefing tells the first
    ``audience.stories`` of them that hold a quotable sentence: key points become each top story's
    ``audience.story_points`` best sentences, in story order, and every other section is drawn
    from the top stories' articles alone. So is everything selection weighs: salience (the
    centroid of their quotable sentences, or their concepts) and the words' statistics (tf-isf).
    So nothing of another article is read but whether it holds a quotable sentence, and those
    articles need no full analysis (see :func:`briefgen.pipeline.select_analysed`): the selection is
    the same whichever of them were analysed in full.

    Key points keep the order they were chosen in ``SectionSelection.ranks``; every
    section but Key players reads in story order. What a preview looked forward to serves
    What's next only (see :func:`preview_sentences`). With a ``background`` (what the reader
    was told before) nothing already sent is quoted again, what the background covers counts
    for less, and key points lead with what is new. The passages ``exclude`` names (an editor's
    ``drop``) are never chosen, so each section takes its next best sentence instead.

    Every quoted sentence stands on its own and in its time (:mod:`briefgen.select.standalone`,
    see :func:`context`; ``window_start`` is the first day of the build's window). The bottom line
    and the first key point (of each top story) state a fact (:func:`~briefgen.select.standalone.has_fact`),
    lean on no sentence before them, and open on no surname of a person the briefing has not named
    in full yet (:func:`~briefgen.select.standalone.short_names`). What's
    next holds only what is still ahead of ``as_of`` (the build's as-of date), counted from each
    article's date (:func:`~briefgen.select.standalone.still_ahead`), and no preview's expectation
    once the event it looked forward to has come. Relative times are read in each document's
    language, as ``languages`` gives it by index (intake's; the topic's language where not given).
    ``standalone=False`` drops these rules for measuring (the pronoun rule of :data:`DANGLING` alone).
    """
    method = get_summarizer(summarizer)
    # Cues of stakes and of what comes next in the briefing's language (English's own here; see cues).
    implication = IMPLICATION if topic.language == "en" else cues.implication(topic.language) or NEVER
    ahead_cue = FUTURE if topic.language == "en" else cues.future(topic.language) or NEVER
    sents = corpus.sentences
    if not sents:
        return Selection(sections=())

    def sort(corpus: Corpus, vectorise: bool = True) -> tuple[Context, list[int]]:
        """The context, without the previews held for What's next; and those that only it may take."""
        ctx = context(corpus, topic, doc_relevance, background, exclude, window_start, standalone, languages, vectorise)
        held, passed = preview_sentences(corpus, ctx, as_of if standalone else None)
        ahead_only = [i for i in ctx.candidates if i in held and i not in passed]  # What's next, and nothing else
        if held:
            ctx = dataclasses.replace(
                ctx,
                candidates=tuple(i for i in ctx.candidates if i not in held),
                followers={f: p for f, p in ctx.followers.items() if f not in held},
            )
        return ctx, ahead_only

    articles = len(corpus.documents)
    ctx, ahead_only = sort(corpus, vectorise=not stories)
    top = _top_stories(stories, ctx, audience.stories)
    if len(top) < audience.stories and any(corpus.light.intersection(story.docs) for story in stories):
        # The search stopped at a story analysed for its words alone: those stories come first.
        return Selection(sections=(), stories=tuple(stories), top_stories=tuple(s.id for s in top))
    if stories:
        # Every section draws from the top stories alone, and so does everything selection weighs:
        # salience and the words' statistics are theirs, not the whole week's.
        in_top = {d for story in top for d in story.docs}
        if top:
            corpus = dataclasses.replace(
                corpus,
                documents=tuple(d for d in corpus.documents if d.index in in_top),
                sentences=tuple(s for s in sents if s.doc in in_top),
            )
            sents = corpus.sentences
        ctx, ahead_only = sort(corpus)
    chooser = method(ctx)
    wanted = set(audience.sections)
    budget = audience.max_words
    chosen: dict[str, list[int]] = {}
    told = list(ctx.candidates)
    why_pool = [i for i in told if explicit_why(sents[i])] if "why_it_matters" in wanted else []
    why_set = set(why_pool)
    body_pool = [i for i in told if i not in why_set]
    story_of: dict[int, str] = {}

    def spent(name: str) -> int:
        return sum(chooser.words(i) for i in chosen.get(name, ()))

    short = short_names(sents) if standalone else {}
    if "bottom_line" in wanted:
        factual = [i for i in body_pool if has_fact(sents[i])] if standalone else body_pool
        # Nor does it open on someone its article named in full before: the reader has not met them.
        introduced = [i for i in factual if i not in short]
        chosen["bottom_line"] = chooser.key_points(introduced, 1) or chooser.key_points(factual, 1)
        budget -= spent("bottom_line")
    if "why_it_matters" in wanted and audience.why_it_matters:
        if why_pool:
            chosen["why_it_matters"] = chooser.pick(why_pool, audience.why_it_matters)
        else:  # the body's sentences that speak of implications (asked of the best first)
            chosen["why_it_matters"] = chooser.pick(
                body_pool, audience.why_it_matters, where=lambda i: bool(implication.search(sents[i].text))
            )
        budget -= spent("why_it_matters")
    if "key_points" in wanted and top:
        # Fewer top stories than the audience asks for share out the points the others would have had.
        quota = max(
            audience.story_points, min(audience.max_points, audience.stories * audience.story_points) // len(top)
        )
        for story in top:
            docs = set(story.docs)
            picked = chooser.key_points([i for i in body_pool if sents[i].doc in docs], quota)
            story_of.update((i, story.id) for i in picked)
        chosen["key_points"] = list(story_of)
    elif "key_points" in wanted:
        # Each further section keeps about two sentences' worth of the budget for itself.
        reserve = 50 * len(wanted & {"by_the_numbers", "whats_next", "key_players"})
        chosen["key_points"] = chooser.key_points(body_pool, audience.max_points, max(50, budget - reserve))
    if "by_the_numbers" in wanted:
        chosen["by_the_numbers"] = _by_the_numbers(sents, body_pool + why_pool, chooser)
    if "whats_next" in wanted:
        ahead = [*body_pool, *why_pool, *ahead_only]
        doc_of = {d.index: d for d in corpus.documents}

        def next_step(i: int) -> bool:
            cue = ahead_cue.search(sents[i].text)
            if cue is None or not standalone:
                return cue is not None
            doc = doc_of.get(sents[i].doc)
            return still_ahead(sents[i], doc, as_of, cue.start(), ctx.time_languages(sents[i].doc))

        chosen["whats_next"] = chooser.pick(ahead, 3, where=next_step)
    labels: dict[str, tuple[str, ...]] = {}
    if "key_players" in wanted:
        players = _key_players(corpus, told, chooser, stories=top, articles=articles)
        chosen["key_players"] = [i for i, _ in players]
        labels["key_players"] = tuple(label for _, label in players)

    # Who the briefing has named in full so far (by surname), in the order it reads: a sentence that
    # opens on a surname alone may lead a section or a story once the reader has met its person.
    met: set[str] = set()

    def may_lead(i: int) -> bool:
        """Whether a sentence may open a section or a story: it states a fact, does not lean on the
        sentence before it, and names no one by a surname the reader has not met in full."""
        return has_fact(sents[i]) and i not in ctx.followers and short.get(i, "") in met | {""}

    def follows(order: Sequence[int]) -> list[bool]:
        """Whether each sentence of ``order`` is quoted right after the sentence it leans on."""
        return [k > 0 and ctx.followers.get(i) == order[k - 1] for k, i in enumerate(order)]

    sections = []
    for name in audience.sections:
        idx = chosen.get(name, [])
        if not idx:
            continue
        # Key players keep their rank order; the top stories their rank order, each in reading order;
        # every other section reads in story order, and with a background key points tell what is new first.
        if name in labels:
            order = tuple(idx)
        elif name == "key_points" and top:  # each story in reading order, led by a sentence with a fact
            order = ()
            for story in top:
                told_of = _reading_order(corpus, [j for j in idx if story_of[j] == story.id])
                led = (
                    lead_with_fact(told_of, [may_lead(j) for j in told_of], (), follows(told_of))
                    if standalone
                    else told_of
                )
                for j in led:
                    met.update(full_surnames(sents[j]))
                order += led
        else:
            order = _reading_order(corpus, idx)
        new = tuple(chooser.is_new(i) for i in order) if ctx.background else ()
        if new and name == "key_points" and not top:
            order = tuple(i for i, fresh in zip(order, new, strict=True) if fresh) + tuple(
                i for i, fresh in zip(order, new, strict=True) if not fresh
            )
            new = tuple(sorted(new, reverse=True))
        if name == "key_points" and not top and standalone:  # no sentence without a fact leads
            order = lead_with_fact(order, [may_lead(i) for i in order], new, follows(order))
        for i in order:
            met.update(full_surnames(sents[i]))
        rank = {i: r for r, i in enumerate(idx)}
        sections.append(
            SectionSelection(
                name=name,
                heading=TOP_STORIES if name == "key_points" and top else HEADINGS[name],
                sentences=tuple(sents[i] for i in order),
                labels=labels.get(name, ()),
                ranks=tuple(rank[i] for i in order),
                new=new,
                stories=tuple(story_of[i] for i in order) if name == "key_points" and top else (),
            )
        )
    return Selection(sections=tuple(sections), stories=tuple(stories), top_stories=tuple(s.id for s in top))


def _top_stories(stories: Sequence[Story], ctx: Context, count: int) -> list[Story]:
    """The first ``count`` of the ranked ``stories`` that hold a quotable sentence, looked for no
    further than the first story with an article analysed for its words alone
    (:attr:`Corpus.light`), whose sentences cannot yet be judged: fewer than ``count`` then
    asks for more of them to be analysed in full (:func:`briefgen.pipeline.select_analysed`)."""
    if not stories:
        return []
    quotable = {ctx.corpus.sentences[i].doc for i in ctx.candidates}
    light = ctx.corpus.light
    top: list[Story] = []
    for story in stories:
        if len(top) == count or light.intersection(story.docs):
            break
        if quotable.intersection(story.docs):
            top.append(story)
    return top


def preview_sentences(
    corpus: Corpus, ctx: Context, as_of: dt.date | None = None
) -> tuple[frozenset[int], frozenset[int]]:
    """The quotable sentences of previews (documents written before the event in the window they look
    forward to, ``Document.preview_of``) that look forward: what was expected, planned or scheduled,
    or could happen, which the event may have overtaken. They may serve What's next only, never as
    what happened. Returns them, and those of them that name the event's day or an earlier one,
    which have passed by the window's end and are not quoted at all; with ``as_of``, every one of
    them once the event is before it, unless it names a time still ahead of ``as_of``
    (:func:`~briefgen.select.standalone.names_time_ahead`): a preview's expectation is overtaken
    when its event has come."""
    previews = {d.index: d for d in corpus.documents if d.preview_of is not None}
    if not previews:
        return frozenset(), frozenset()
    sents = corpus.sentences
    quotable = [*ctx.candidates, *ctx.followers]
    held = frozenset(i for i in quotable if sents[i].doc in previews and looks_forward(sents[i].text))
    passed: set[int] = set()
    for i in held:
        doc = previews[sents[i].doc]
        if doc.preview_of is None:
            continue
        overtaken = (
            as_of is not None
            and doc.preview_of < as_of
            and not names_time_ahead(
                sents[i].text, doc.article.date or doc.not_before, as_of, ctx.time_languages(doc.index)
            )
        )
        if overtaken or names_passed(sents[i].text, doc.preview_of, doc.article.date):
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


def leads_with(s: Sentence, mention: str) -> bool:
    """Whether a sentence is about what it names: the mention starts in the sentence's first half,
    where English puts the subject and the topic of a clause (Halliday's theme), not in a trailing
    aside that only touches it."""
    at = s.text.find(mention)
    return 0 <= at < len(s.text) / 2


def lead_share(s: Sentence, player_of: dict[str, str], key: str) -> float:
    """Where in the sentence its first mention of player ``key`` starts, as a share of its length."""
    starts = [
        s.text.find(text)
        for text, label in s.entities
        if (name := player_name(text, label)) and player_of.get(name.lower()) == key
    ]
    at = min((a for a in starts if a >= 0), default=len(s.text))
    return at / max(1, len(s.text))


def _key_players(
    corpus: Corpus,
    pool: Sequence[int],
    chooser: Summarizer,
    k: int = 5,
    stories: Sequence[Story] = (),
    articles: int | None = None,
) -> list[tuple[int, str]]:
    """For the players most sources name, one sentence each about them (:func:`leads_with`) from a
    source that counts at least half (:meth:`Context.source_weight`), labelled with the count of
    sources; a player no such sentence is about is left out. With a topic, sources count as much
    as they are about it, so the players of a large mixed corpus are the topic's, not the news's.

    With top ``stories``, only their articles count, and players rank by how central they are to
    those stories: the sum, over the stories, of the share of each story's articles that name
    them (a player in every article of two stories outranks one named once in each of ten).
    ``articles`` is how many articles the briefing uses (by default the corpus's): a player of a
    briefing of more than one needs two sources."""
    sents = corpus.sentences
    in_top = {d for story in stories for d in story.docs}
    mentions = ((text, label, s.doc) for s in sents if not in_top or s.doc in in_top for text, label in s.entities)
    players, player_of = merge_players(mentions)
    least = 2 if (len(corpus.documents) if articles is None else articles) > 1 else 1
    key_of: dict[tuple[str, str], str | None] = {}  # each mention's player, worked out once
    named: dict[str, list[int]] = {}
    for i in dict.fromkeys(pool):
        s = sents[i]
        for entity in s.entities:
            if entity not in key_of:
                name = player_name(*entity)
                key_of[entity] = player_of.get(name.lower()) if name else None
            key = key_of[entity]
            if key and leads_with(s, entity[0]):
                about = named.get(key)
                if about is None:
                    named[key] = [i]
                elif about[-1] != i:  # a sentence is filed under a player once
                    about.append(i)
    weight = chooser.ctx.source_weight
    if stories:
        members = [frozenset(story.docs) for story in stories]
        players = sorted(
            players,
            key=lambda p: (
                -math.fsum(len(m & p.sources) / len(m) for m in members),
                -len(p.sources),
                -p.mentions,
                p.name,
            ),
        )
    elif chooser.ctx.topic.focused:
        players = sorted(
            players,
            key=lambda p: (-math.fsum(weight(d) for d in sorted(p.sources)), -len(p.sources), -p.mentions, p.name),
        )
    picked: list[tuple[int, str]] = []
    for player in players:
        if len(picked) >= k:
            break
        if len(player.sources) < least:
            continue
        about = [i for i in named.get(player.key, []) if weight(sents[i].doc) >= 0.5]
        # The earlier the player comes, and the more its source is about the topic, the better.
        relevance = chooser.salience.copy()
        for i in about:
            relevance[i] = (
                (relevance[i] + 1e-9) * weight(sents[i].doc) * (1.0 - lead_share(sents[i], player_of, player.key))
            )
        for i in chooser.pick(about, 1, relevance=relevance):
            n = len(player.sources)
            picked.append((i, f"{player.name} ({n} article{'s' if n != 1 else ''})"))
    return picked
