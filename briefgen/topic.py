"""Topic matching: which articles are on topic, and how much a sentence is about the topic.

Terms match case-insensitively on word boundaries, across hyphens and spaces
("South Korea" matches "South-Korea's"), with an optional plural ending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .config import Topic
from .models import Document

#: Entities say more about a topic than keywords do.
ENTITY_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0


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

    def __post_init__(self) -> None:
        terms = [(term_pattern(t), ENTITY_WEIGHT) for t in self.topic.entities if t.strip()]
        terms += [(term_pattern(t), KEYWORD_WEIGHT) for t in self.topic.keywords if t.strip()]
        object.__setattr__(self, "terms", tuple(terms))
        object.__setattr__(self, "excludes", tuple(term_pattern(t) for t in self.topic.exclude if t.strip()))

    @property
    def active(self) -> bool:
        """Whether the config names any topic terms at all."""
        return bool(self.terms)

    def excluded_by(self, doc: Document) -> str | None:
        """The exclusion term an article is about, if any: named in its title or lead, or mentioned three times."""
        lead = " ".join([doc.article.title or "", *doc.text.split()[:60]])
        terms = [t for t in self.topic.exclude if t.strip()]  # the terms self.excludes was compiled from
        for pattern, term in zip(self.excludes, terms, strict=True):
            if pattern.search(lead) or len(pattern.findall(doc.text)) >= 3:
                return term
        return None

    def relevance(self, doc: Document) -> float:
        """Topic relevance in [0, 1]: half coverage (share of terms present, by weight), half density.

        Density is weighted term mentions per 100 words, saturating at 2: an article that
        names the topic's terms again and again is about it; one passing mention is not.
        """
        if not self.active:
            return 1.0
        if self.excluded_by(doc) is not None:
            return 0.0
        text = f"{doc.article.title or ''}\n{doc.text}"
        total = sum(w for _, w in self.terms)
        present = hits = 0.0
        for pattern, weight in self.terms:
            n = len(pattern.findall(text))
            if n:
                present += weight
                hits += weight * n
        words = max(1, len(text.split()))
        density = hits / words * 100 / ENTITY_WEIGHT
        return round(0.5 * present / total + 0.5 * min(1.0, density / 2.0), 4)

    def sentence_score(self, text: str) -> float:
        """How much of the topic one sentence touches, in [0, 1]."""
        if not self.active:
            return 0.0
        total = sum(w for _, w in self.terms)
        return sum(w for p, w in self.terms if p.search(text)) / total

    def mentions_excluded(self, text: str) -> bool:
        return any(p.search(text) for p in self.excludes)
