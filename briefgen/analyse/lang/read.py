"""Analysis of an article in German, French, Spanish, Italian, Dutch or Portuguese.

The same records as English analysis (:class:`~briefgen.models.Sentence`, offsets into the
cleaned text, no sentence across two paragraphs), made without a trained pipeline, since only
English has one installed: sentences from :mod:`~briefgen.analyse.lang.split`, words from the
tokenizer of ``spacy.blank(language)`` (its exceptions keep "z.B." and "Mio." whole), stop words
and Snowball stems from :mod:`briefgen.analyse.lang`, names from :mod:`~briefgen.analyse.lang.names`
(labelled ``NAME``: no entity model says whether a person or an organisation), and figures written
in digits.

``terms``, the words in order that selection pairs into concepts, are the Snowball stems of the
content words and the stop words as written (lower case), so "Windparks" and "Windpark" meet;
``tokens`` are the content words in lower case, which topic matching stems itself, and ``forms``
the same.

A dateline in the form these languages' agencies write ("Hamburg (dpa) -", "PARIS (AFP) -") is
left out of the first sentence of a paragraph, as English ones are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from briefgen.analyse.lang import months, stem, stop_words
from briefgen.analyse.lang.names import after_determiners, full_name_parts, names
from briefgen.analyse.lang.split import sentence_spans
from briefgen.models import HEADING, Document, Sentence

if TYPE_CHECKING:
    from spacy.language import Language

#: The version of this analysis, part of the key of cached analyses (``model_identity``).
VERSION = "1"
#: A dateline: a place (in capitals or not), an agency or source in brackets, a dash; or a date and a
#: dash ("29.11.2022 – Mehrfach …").
DATELINE = re.compile(
    r"^(?:(?:[A-ZÀ-ÖØ-Þ][\w.\u2019'/ -]{1,40}?(?:,\s*\d{1,2}\.?\s*\w+\.?)?\s*)?\([^()]{1,40}\)"
    r"|\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2}))\s*[\u2014\u2013-]{1,2}\s+(?=\S)"
)
#: The label of the rule-based names.
NAME = "NAME"
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


@lru_cache(maxsize=16)
def tokenizer(language: str) -> Language:
    """``spacy.blank(language)``: its tokenizer alone."""
    import spacy  # heavy: loaded when an article in another language is first analysed

    return spacy.blank(language)


def identity(language: str) -> str:
    """What analyses of ``language`` are keyed by in the cache."""
    return f"rules-{language}-{VERSION}"


def analyse(documents: Sequence[Document], language: str) -> list[Sentence]:
    """Sentences of ``documents``, all in ``language``, paragraph by paragraph."""
    nlp = tokenizer(language)
    stop = stop_words(language)
    month_names = months(language)
    sentences: list[Sentence] = []
    for doc in documents:
        heading: str | None = None
        pieces: list[tuple[int, int, str, str | None, bool]] = []  # start, end, block kind, heading, first
        for span in doc.spans:
            if span.kind == HEADING:
                heading = doc.block_text(span)
                continue
            block = doc.text[span.start : span.end]
            for k, (a, b) in enumerate(sentence_spans(block, language)):
                s0, s1 = span.start + a, span.start + b
                if k == 0 and (dateline := DATELINE.match(doc.text[s0:s1])):
                    s0 += dateline.end()
                if s1 > s0:
                    pieces.append((s0, s1, span.kind, heading, k == 0))
        parsed = list(nlp.pipe(doc.text[s0:s1] for s0, s1, *_ in pieces))
        words_of = [[t.text for t in p] for p in parsed]
        nouns = after_determiners([w for words in words_of for w in words]) if language == "de" else set()
        parts = full_name_parts(words_of, language) if language == "de" else set()
        for position, ((s0, s1, kind, sent_heading, first), words) in enumerate(zip(pieces, parsed, strict=True)):
            texts = [t.text for t in words]
            content = [t for t in words if (t.is_alpha or t.like_num) and not t.is_space]
            lowers = [t.lower_ for t in content]
            terms = tuple(w if w in stop or not w.isalpha() else stem(w, language) for w in lowers)
            tokens = tuple(w for t, w in zip(content, lowers, strict=True) if w not in stop and not t.is_punct)
            entities = tuple((" ".join(texts[a : b + 1]), NAME) for a, b in names(texts, language, nouns, parts))
            entities = tuple(
                (_as_written(doc.text[s0:s1], name), label)
                for name, label in entities
                if _as_written(doc.text[s0:s1], name)
            )
            numbers = tuple(
                t.text
                for k, t in enumerate(words)
                if any(c.isdigit() for c in t.text)
                and t.like_num
                and not _YEAR.match(t.text)
                and not (k + 1 < len(words) and words[k + 1].lower_.rstrip(".") in month_names)
            )
            sentences.append(
                Sentence(
                    doc=doc.index,
                    position=position,
                    start=s0,
                    end=s1,
                    text=doc.text[s0:s1],
                    block_kind=kind,
                    heading=sent_heading,
                    first_in_block=first,
                    tokens=tokens,
                    terms=terms,
                    entities=entities,
                    numbers=numbers,
                    forms=tokens,
                )
            )
    return sentences


def _as_written(text: str, name: str) -> str:
    """A name as the sentence writes it (its words joined by the spaces, hyphens or none between
    them in the text), or "" when the text does not hold it."""
    pattern = r"\s*".join(re.escape(w) for w in name.split())
    found = re.search(pattern, text)
    return found[0] if found else ""
