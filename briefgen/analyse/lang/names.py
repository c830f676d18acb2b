"""Names without an entity model: the capitalised words a text uses as names, not as nouns.

Only English has an entity recogniser installed. In the other languages a name is found by its
spelling, as Collins & Singer (1999, "Unsupervised Models for Named Entity Classification") seed
theirs: a run of capitalised words that does not open its sentence (a sentence's first word is
capitalised whatever it is), and that no figure precedes ("5 Megawatt Leistung" is a unit).
Key players then keep only the names several outlets use (:mod:`briefgen.select.players`).

German capitalises every noun, so there a capital letter alone says little, and a run must also
show it is a name:

- two or more capitalised words, once the common nouns before them are dropped (a title before a
  name: "Bundeskanzler Olaf Scholz" is "Olaf Scholz"), of which the first is no common noun; or
- one word written as an acronym ("RWE", "EnBW", "E.ON"); or
- one word that is no common noun and that the text never puts after an article or determiner
  ("die Anlagen" is a noun; a person's name takes no article).

A word is a common noun (:func:`common_noun`) when German uses it far more than English does
(wordfreq's Zipf frequencies: names travel between languages, nouns do not), or when it ends in
such a noun (a compound: "Windenergieanlagen" ends in "Anlagen"). In the other languages a
capitalised word mid-sentence is a name unless it is a stop word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from briefgen.analyse.lang import CAPITALISED_NOUNS, abbreviations, months, stop_words

#: Words that join the parts of a name ("Ursula von der Leyen", "Banco de España").
PARTICLES = {
    # Not "von", "der" or "und": in German they join nouns ("Markteinführung von Windenergieanlagen") as often.
    "de": frozenset({"&"}),
    "fr": frozenset({"de", "du", "des", "la", "le", "d'", "d\u2019", "et", "&"}),
    "es": frozenset({"de", "del", "la", "las", "los", "y", "&"}),
    "it": frozenset({"di", "da", "de", "del", "della", "dei", "degli", "e", "&"}),
    "nl": frozenset({"van", "de", "der", "den", "ter", "ten", "het", "en", "&"}),
    "pt": frozenset({"de", "da", "do", "dos", "das", "e", "&"}),
}
_DETERMINER_WORDS = (
    "der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner "
    "keines im am zum zur vom beim ins ans aufs durchs fürs übers unters dieser diese dieses diesen "
    "diesem jeder jede jedes jeden jedem jener jene jenes alle allen aller mehrere mehreren viele "
    "vielen einige einigen beide beiden sein seine seinen seinem seiner ihr ihre ihren ihrem ihrer "
    "unser unsere unseren unserem unserer welche welcher welches welchen solche solchen manche"
)
#: German articles, determiners and contracted prepositions: a word after one is a noun.
DETERMINERS = frozenset(_DETERMINER_WORDS.split())
#: A German word used at least this much (Zipf) and this much more than in English is a common
#: noun. Chosen on the 13 German energy pages of the extraction set (every key player an earlier
#: build showed there, "Anlagen", "Forschenden", "Megawatt", is one; "Siemens", "Nordex", "Olaf" are
#: not) and checked on its 319 other German pages: of 60 of the names found there, drawn at random,
#: 44 are names, 14 English phrases written capitalised ("Affiliate Links") and 2 German nouns.
COMMON_ZIPF = 3.0
COMMON_MARGIN = 1.0
#: The shortest noun a compound may end in.
MIN_HEAD = 4
#: Acronyms: two capitals or more, maybe with digits, lower case between, dots or "&".
_ACRONYM = re.compile(r"^(?=(?:\w*[A-ZÄÖÜ]){2})[A-ZÄÖÜ][A-Za-zÄÖÜäöü.&]*$")
#: Endings that make German nouns of verbs and adjectives ("Validierung", "Sicherheit").
_NOUN_ENDING = re.compile(
    r"(?:ung|ungen|heit|heiten|keit|keiten|schaft|schaften|tion|tionen|tät|täten|ismus|nis|nisse)$"
)
_CAPITALISED = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'\u2019.&\-]*$")
_OPENERS = frozenset("\"'\u201e\u201c\u201d\u00ab\u00bb\u2018\u2019([{:\u2013\u2014-")


@lru_cache(maxsize=1 << 16)
def _zipf(word: str, language: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, language))


@lru_cache(maxsize=1 << 16)
def _plain_noun(lower: str) -> bool:
    de = _zipf(lower, "de")
    return de >= COMMON_ZIPF and _zipf(lower, "en") < de - COMMON_MARGIN


@lru_cache(maxsize=1 << 16)
def common_noun(word: str) -> bool:
    """Whether a capitalised German word is a common noun, or ends in one (see the module docstring)."""
    if "-" in word:  # "PV-Module" is what its last part is; "Chemie-" (of "Chemie- und Stahlindustrie") a noun
        head = word.rsplit("-", 1)[1]
        return not head or common_noun(head)
    lower = word.lower()
    if _ACRONYM.match(word) or not lower.isalpha():
        return False
    if lower in stop_words("de") or _plain_noun(lower) or _NOUN_ENDING.search(lower):
        return True
    return any(
        _plain_noun(lower[i:]) or _zipf(lower[i:], "de") >= COMMON_ZIPF + 0.5
        for i in range(3, len(lower) - MIN_HEAD + 1)
    )


def plain_noun_after_name(word: str) -> bool:
    """Whether a German word after a capitalised one is plainly a noun, not a surname: it has a noun's
    ending, ends in a common noun (:func:`common_noun`'s compounds), or English has no such word."""
    if "-" in word:
        head = word.rsplit("-", 1)[1]
        return not head or plain_noun_after_name(head)
    lower = word.lower()
    if _ACRONYM.match(word) or not lower.isalpha():
        return False
    if _NOUN_ENDING.search(lower) or (_zipf(lower, "de") >= COMMON_ZIPF and _zipf(lower, "en") < 1.0):
        return True
    return any(
        _plain_noun(lower[i:]) or _zipf(lower[i:], "de") >= COMMON_ZIPF + 0.5
        for i in range(3, len(lower) - MIN_HEAD + 1)
    )


def capitalised(word: str) -> bool:
    return bool(_CAPITALISED.match(word)) and any(c.isalpha() for c in word)


#: How many lower-case words (adjectives) may stand between a determiner and its noun: "die vierte Phase".
MAX_ADJECTIVES = 3


def after_determiners(words: Sequence[str]) -> set[str]:
    """The capitalised words of a German text that follow an article or determiner somewhere in it,
    directly or after lower-case words ("die vierte Phase", "den leistungselektronischen Umrichter")."""
    found: set[str] = set()
    for k, word in enumerate(words):
        if not capitalised(word):
            continue
        j = k - 1
        while (
            j >= 0
            and k - j <= MAX_ADJECTIVES
            and words[j].isalpha()
            and words[j].islower()
            and words[j] not in DETERMINERS
        ):
            j -= 1
        if j >= 0 and words[j].lower() in DETERMINERS:
            found.add(word)
    return found


def names(
    words: Sequence[str],
    language: str,
    nouns: set[str] | frozenset[str] = frozenset(),
    parts: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[int, int]]:
    """The names among one sentence's ``words``, as ``(first, last)`` word indexes (inclusive).

    For German, ``nouns`` are the words the document puts after a determiner
    (:func:`after_determiners`), and ``parts`` the first and last words of its names of two words
    or more (a name used in full once may be used by its last word after).
    """
    particles = PARTICLES.get(language, frozenset())
    stop = stop_words(language)
    opening = 0
    while opening < len(words) and (not words[opening] or words[opening][0] in _OPENERS):
        opening += 1
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if not capitalised(words[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(words) and (
            capitalised(words[j + 1])
            or (words[j + 1].lower() in particles and j + 2 < len(words) and capitalised(words[j + 2]))
        ):
            j += 1
        # A sentence's first word, and the first after a colon, are capitalised whatever they are.
        start = i + 1 if i == opening or (i > 0 and words[i - 1] == ":") else i
        # A unit or currency after a figure ("5 Megawatt", "3 Mio. EUR") is no name.
        after_figure = any(any(c.isdigit() for c in w) for w in words[max(0, i - 2) : i])
        if start <= j and not after_figure:
            span = _judge(words, start, j, language, particles, stop, nouns, parts)
            if span is not None:
                found.append(span)
        i = j + 1
    return found


def _judge(
    words: Sequence[str],
    start: int,
    end: int,
    language: str,
    particles: frozenset[str],
    stop: frozenset[str],
    nouns: set[str] | frozenset[str],
    parts: set[str] | frozenset[str],
) -> tuple[int, int] | None:
    """The part of the run ``words[start:end + 1]`` that is a name, if any."""

    def _trailing(k: int) -> bool:
        word = words[k]
        return word.lower() in particles or word.lower() in stop or "." in word or plain_noun_after_name(word)

    def plain(k: int) -> bool:  # a word that cannot be (the edge of) a name
        word = words[k]
        lower = word.lower()
        if lower in particles or lower in stop or lower.rstrip(".") in months(language):
            return True
        if word.endswith(".") and lower[:-1] in abbreviations(language):
            return True  # a title: "Prof.", "Dr."
        if "." in word and not _ACRONYM.match(word):
            return True  # "Dr.-Ing"
        return language in CAPITALISED_NOUNS and common_noun(word)

    while start <= end and plain(start):  # a title before a name: "Bundeskanzler Olaf Scholz"
        start += 1
    # After a name, a noun goes only when it is plainly one ("Kelles Erfahrung", "WLAN Zugriff"): a
    # surname may be used in German far more than in English too ("Scholz").
    while end >= start and (plain(end) if language not in CAPITALISED_NOUNS or end == start else _trailing(end)):
        end -= 1
    if start > end:
        return None
    kept = [k for k in range(start, end + 1) if words[k].lower() not in particles]
    if len(kept) >= 2:
        return start, end
    word = words[start]
    if len(word) < 3:
        return None  # "SE", "AG", "EU": a suffix or too short to tell
    if _ACRONYM.match(word):
        return start, end
    if language in CAPITALISED_NOUNS:
        # One word alone says too little in German: only a part of a longer name the text uses.
        return (start, end) if word in parts and word not in nouns else None
    return start, end


def full_name_parts(sentences: Sequence[Sequence[str]], language: str) -> set[str]:
    """The first and last words of the names of two words or more in ``sentences`` (see :func:`names`)."""
    found: set[str] = set()
    for words in sentences:
        for a, b in names(words, language):
            if b > a:
                found.update((words[a], words[b]))
    return found
