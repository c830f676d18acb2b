"""Topic matching: which articles are on topic, and how much a sentence is about the topic.

Terms match case-insensitively on word boundaries, across hyphens and spaces
("South Korea" matches "South-Korea's"), with an optional plural ending. A brief in plain
words is read as a bag of Porter stems of its content words, the way query-focused
summarizers read a DUC topic narrative (Conroy, Schlesinger & O'Leary, 2006, "Topic-focused
multi-document summarization using an approximate oracle score"): stop words and the words
that only say what to do with the topic ("discuss", "include") are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from .config import Topic
from .models import Document, Sentence

#: Entities say more about a topic than keywords do.
ENTITY_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0

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


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """The Porter stem of a lower-case word (nltk's, the stemmer ROUGE scoring uses), so that
    "reservations", "reservation" and a lemma of either meet."""
    return _stemmer().stem(word)


class _Stemmer(Protocol):
    def stem(self, word: str) -> str: ...


@lru_cache(maxsize=1)
def _stemmer() -> _Stemmer:
    from nltk.stem.porter import PorterStemmer

    stemmer: _Stemmer = PorterStemmer()
    return stemmer


def content_stems(words: Iterable[str]) -> frozenset[str]:
    """The stems of the words that carry content: no stop words, no instructions, no single letters."""
    stop = stop_words()
    return frozenset(
        stem(w)
        for w in (w.lower().strip("'\u2019-") for w in words)
        if len(w) > 1 and w not in stop and w not in INSTRUCTION_WORDS
    )


def brief_terms(brief: str) -> frozenset[str]:
    """What a brief is about: the stems of its content words."""
    return content_stems(_WORD.findall(brief))


def term_pattern(term: str) -> re.Pattern[str]:
    """A regex for a config term: word boundaries that also work for "U.S.", flexible inner spacing, plural."""
    words = [re.escape(w) for w in re.split(r"[\s\-]+", term.strip()) if w]
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<!\w){body}(?:s|es)?(?!\w)", re.I)


@dataclass(frozen=True)
class TopicMatcher:
    """Compiled topic terms of one config."""

    topic: Topic
    terms: tuple[tuple[re.Pattern[str], float], ...] = field(init=False)
    excludes: tuple[re.Pattern[str], ...] = field(init=False)
    brief: frozenset[str] = field(init=False)
    """The stems of the brief's content words (empty without a brief)."""

    def __post_init__(self) -> None:
        terms = [(term_pattern(t), ENTITY_WEIGHT) for t in self.topic.entities if t.strip()]
        terms += [(term_pattern(t), KEYWORD_WEIGHT) for t in self.topic.keywords if t.strip()]
        object.__setattr__(self, "terms", tuple(terms))
        object.__setattr__(self, "excludes", tuple(term_pattern(t) for t in self.topic.exclude if t.strip()))
        object.__setattr__(self, "brief", brief_terms(self.topic.brief))

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
            parts.append(len(self.brief & content_stems(_WORD.findall(text))) / len(self.brief))
        return round(sum(parts) / len(parts), 4)

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
        return sum(1 for t in s.tokens if stem(t) in self.brief) / len(s.tokens)

    def mentions_excluded(self, text: str) -> bool:
        return any(p.search(text) for p in self.excludes)
