"""Topic matching: which articles are on topic, how much each is about it, and how much a sentence is.

Terms match case-insensitively on word boundaries, across hyphens and spaces
("South Korea" matches "South-Korea's"), with an optional plural ending. A brief in plain
words is read as a bag of Porter stems of its content words, the way query-focused
summarizers read a DUC topic narrative (Conroy, Schlesinger & O'Leary, 2006, "Topic-focused
multi-document summarization using an approximate oracle score"): stop words and the words
that only say what to do with the topic ("discuss", "include") are left out.

Whether an article is on topic (:meth:`TopicMatcher.relevance`) is judged on the article alone,
so a handful of articles all about one story all stay. How much more one article is about the
topic than another (:meth:`TopicMatcher.focus`) compares them: Okapi BM25, with each word
weighed by how rare it is both among the articles read and in English at large.

A briefing in another language (``language:``) matches in that language: its stop words and
Snowball stems (:mod:`briefgen.analyse.lang`), its words' frequencies, and, where the language
writes compounds as one word (German, Dutch), a term also as the first part of one ("Solar"
finds "Solarmodule", "Windkraft" finds "Windkraftanlagen"). English goes on exactly as before.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from briefgen.analyse import lang
from briefgen.config.defaults import Topic
from briefgen.models import Document, Sentence

#: Entities say more about a topic than keywords do.
ENTITY_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0

#: Okapi BM25's term-frequency saturation and length normalisation, at the values Robertson &
#: Zaragoza (2009, "The Probabilistic Relevance Framework: BM25 and Beyond") give as robust defaults.
BM25_K1 = 1.2
BM25_B = 0.75
#: The length in words of a typical news article, to turn a word's frequency in English into the
#: share of articles that use it (Church & Gale, 1995, "Poisson mixtures": 1 - exp(-length × frequency)).
ARTICLE_WORDS = 500

#: Words of a brief that say what to do with the topic, or how to answer, rather than what it is
#: about: a query stop list, as DUC topic-focused systems used on topic narratives.
INSTRUCTION_WORDS = frozenset(
    [
        "account",
        "address",
        "analyse",
        "analyze",
        "aspect",
        "aspects",
        "brief",
        "cover",
        "describe",
        "description",
        "detail",
        "details",
        "discuss",
        "discussion",
        "e.g",
        "etc",
        "example",
        "examples",
        "explain",
        "explanation",
        "find",
        "give",
        "i.e",
        "identify",
        "include",
        "includes",
        "including",
        "information",
        "involve",
        "involved",
        "issue",
        "know",
        "kind",
        "list",
        "mention",
        "note",
        "particular",
        "provide",
        "regard",
        "regarding",
        "relate",
        "related",
        "relating",
        "report",
        "specific",
        "specify",
        "summarize",
        "summary",
        "tell",
        "type",
        "types",
        "want",
        "way",
        "ways",
        "whether",
    ]
)
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*|\d[\d,.]*\d|\d", re.U)


@lru_cache(maxsize=8)
def stop_words(language: str = "en") -> frozenset[str]:
    """spaCy's stop words of ``language`` (English by default)."""
    if language != "en":
        return lang.stop_words(language)
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1 << 17)
def stem(word: str, language: str = "en") -> str:
    """The Porter stem of a lower-case word (nltk's, the stemmer ROUGE scoring uses), so that
    "reservations", "reservation" and a lemma of either meet; in another language, its Snowball stem."""
    if language != "en":
        return lang.stem(word, language)
    return _stemmer().stem(word)


class _Stemmer(Protocol):
    def stem(self, word: str) -> str: ...


@lru_cache(maxsize=1)
def _stemmer() -> _Stemmer:
    stemmer: _Stemmer = lang.nltk_stem().PorterStemmer()
    return stemmer


def content_words(words: Iterable[str], language: str = "en") -> Iterator[str]:
    """The words that carry content, in lower case: no stop words, no instructions, no single letters."""
    stop = stop_words(language)
    for word in words:
        w = word.lower().strip("'\u2019-")
        if len(w) > 1 and w not in stop and w not in INSTRUCTION_WORDS:
            yield w


def content_stems(words: Iterable[str], language: str = "en") -> frozenset[str]:
    """The stems of :func:`content_words`."""
    return frozenset(stem(w, language) for w in content_words(words, language))


@lru_cache(maxsize=8192)
def stem_counts(text: str, language: str = "en") -> Counter[str]:
    """How often a text uses each content word's stem (cached: the configs of a batch read the same articles)."""
    stop = stop_words(language)
    words = (w.lower().strip("'\u2019-") for w in _WORD.findall(text))
    return Counter(stem(w, language) for w in words if len(w) > 1 and w not in stop)


def document_stems(doc: Document, language: str = "en") -> Counter[str]:
    """:func:`stem_counts` of an article's title and text."""
    return stem_counts(f"{doc.article.title or ''}\n{doc.text}", language)


@lru_cache(maxsize=4096)
def english_idf(word: str, language: str = "en") -> float:
    """The inverse document frequency a word would have over English news at large, from its
    frequency in English (wordfreq's, from Speer, 2022): a small corpus all about one story uses
    its key words in every article, which says nothing of how telling those words are. In another
    ``language``, over that language's news."""
    from wordfreq import word_frequency

    share = 1.0 - math.exp(-ARTICLE_WORDS * word_frequency(word, language))
    return math.log(1.0 + (1.0 - share) / max(share, 1e-5))


def brief_terms(brief: str, language: str = "en") -> frozenset[str]:
    """What a brief is about: the stems of its content words."""
    return content_stems(_WORD.findall(brief), language)


def term_pattern(term: str, language: str = "en") -> re.Pattern[str]:
    """A regex for a config term: word boundaries that also work for "U.S.", flexible inner spacing, plural.

    Where ``language`` writes compounds as one word (:data:`briefgen.analyse.lang.COMPOUNDING`),
    the term may go on into a longer word: "Solar" finds "Solarmodule", and any inflection.
    """
    words = [re.escape(w) for w in re.split(r"[\s\-]+", term.strip()) if w]
    body = r"[\s\-]+".join(words)
    if language in lang.COMPOUNDING:
        return re.compile(rf"(?<!\w){body}\w*", re.I)
    return re.compile(rf"(?<!\w){body}(?:s|es)?(?!\w)", re.I)


@dataclass(frozen=True)
class TopicMatcher:
    """Compiled topic terms of one config."""

    topic: Topic
    language: str = "en"
    """The briefing's language: its stop words, stems and compounds (English by default)."""
    terms: tuple[tuple[re.Pattern[str], float], ...] = field(init=False)
    excludes: tuple[re.Pattern[str], ...] = field(init=False)
    brief: frozenset[str] = field(init=False)
    """The stems of the brief's content words (empty without a brief)."""

    def __post_init__(self) -> None:
        language = self.language
        terms = [(term_pattern(t, language), ENTITY_WEIGHT) for t in self.topic.entities if t.strip()]
        terms += [(term_pattern(t, language), KEYWORD_WEIGHT) for t in self.topic.keywords if t.strip()]
        object.__setattr__(self, "terms", tuple(terms))
        excludes = tuple(term_pattern(t, language) for t in self.topic.exclude if t.strip())
        object.__setattr__(self, "excludes", excludes)
        object.__setattr__(self, "brief", brief_terms(self.topic.brief, language))

    @property
    def active(self) -> bool:
        """Whether the config names any topic terms at all."""
        return bool(self.terms)

    @property
    def focused(self) -> bool:
        """Whether the config says what the briefing is about at all: terms or a brief."""
        return bool(self.terms or self.brief)

    def excluded_by(self, doc: Document) -> str | None:
        """The exclusion term an article is about, if any: named in its title or lead, or mentioned three times."""
        lead = " ".join([doc.article.title or "", *doc.text.split()[:60]])
        terms = [t for t in self.topic.exclude if t.strip()]  # the terms self.excludes was compiled from
        for pattern, term in zip(self.excludes, terms, strict=True):
            if pattern.search(lead) or len(pattern.findall(doc.text)) >= 3:
                return term
        return None

    def relevance(self, doc: Document) -> float:
        """Topic relevance in [0, 1]: the mean of the terms' relevance and the brief's, where given.

        The terms' relevance is half coverage (share of terms present, by weight), half
        density: weighted term mentions per 100 words, saturating at 2. An article that names
        the topic's terms again and again is about it; one passing mention is not. The brief's
        is the share of its content words the article uses.
        """
        if not self.focused:
            return 1.0
        if self.excluded_by(doc) is not None:
            return 0.0
        text = f"{doc.article.title or ''}\n{doc.text}"
        parts = []
        if self.terms:
            parts.append(self._term_relevance(text))
        if self.brief:
            used = document_stems(doc, self.language)
            parts.append(sum(1 for t in self.brief if t in used) / len(self.brief))
        return round(sum(parts) / len(parts), 4)

    def query(self) -> dict[str, tuple[float, float]]:
        """The topic as a bag of stems: the brief's content words, and the words of its keywords and
        entities, each with its weight and its :func:`english_idf` (of the rarest word with that stem)."""
        query: dict[str, tuple[float, float]] = {}
        sources = ((self.topic.brief,), self.topic.keywords, self.topic.entities)
        for texts, weight in zip(sources, (1.0, KEYWORD_WEIGHT, ENTITY_WEIGHT), strict=True):
            for word in content_words((w for text in texts for w in _WORD.findall(text)), self.language):
                t = stem(word, self.language)
                w, idf = query.get(t, (0.0, 0.0))
                query[t] = (max(w, weight), max(idf, english_idf(word, self.language)))
        return query

    def focus(self, docs: Sequence[Document], read: Sequence[Document] = ()) -> dict[int, float]:
        """How much each document is about the topic, to weigh it against the others (Okapi BM25 of
        :meth:`query`; Robertson & Zaragoza, 2009). A word's idf is the larger of its idf over the
        articles ``read`` (with ``docs``) and its :func:`english_idf`: in a large mixed corpus the
        articles about the topic stand out from those that share only its common words, and in a
        small one all about the topic its key words keep their weight. Empty without a topic."""
        if not self.focused or not docs:
            return {}
        query = self.query()
        # By index: a kept document is a dated copy of the one read, and must count once.
        bags = {d.index: document_stems(d, self.language) for d in (*read, *docs)}
        df: Counter[str] = Counter()
        for bag in bags.values():
            df.update(t for t in query if t in bag)
        n = len(bags)
        idf = {t: max(math.log(1.0 + (n - df[t] + 0.5) / (df[t] + 0.5)), english) for t, (_, english) in query.items()}
        lengths = {key: sum(bag.values()) for key, bag in bags.items()}
        average = max(1.0, sum(lengths.values()) / n)
        scores: dict[int, float] = {}
        for d in docs:
            bag = bags[d.index]
            norm = BM25_K1 * (1.0 - BM25_B + BM25_B * lengths[d.index] / average)
            scores[d.index] = math.fsum(
                w * idf[t] * bag[t] * (BM25_K1 + 1.0) / (bag[t] + norm) for t, (w, _) in query.items() if t in bag
            )
        return scores

    def _term_relevance(self, text: str) -> float:
        total = sum(w for _, w in self.terms)
        present = hits = 0.0
        for pattern, weight in self.terms:
            n = len(pattern.findall(text))
            if n:
                present += weight
                hits += weight * n
        words = max(1, len(text.split()))
        density = hits / words * 100 / ENTITY_WEIGHT
        return 0.5 * present / total + 0.5 * min(1.0, density / 2.0)

    def sentence_score(self, text: str) -> float:
        """How much of the topic one sentence touches, in [0, 1]."""
        if not self.active:
            return 0.0
        total = sum(w for _, w in self.terms)
        return sum(w for p, w in self.terms if p.search(text)) / total

    def brief_share(self, s: Sentence) -> float:
        """The share of a sentence's content words that are the brief's, in [0, 1]; 0 without a brief."""
        if not self.brief or not s.tokens:
            return 0.0
        return sum(1 for t in s.tokens if stem(t, self.language) in self.brief) / len(s.tokens)

    def mentions_excluded(self, text: str) -> bool:
        return any(p.search(text) for p in self.excludes)
