"""Which language an article, a paragraph or a sentence is in.

Detection is py3langid's (Lui & Baldwin, 2012, "langid.py: An Off-the-shelf Language
Identification Tool": a naive Bayes model of byte n-grams over 97 languages, with probabilities
calibrated for the text's length). Measured against the pages' own declarations on the real pages
of the extraction set and on the Universal Dependencies sentences (``bench/languages_bench.py``),
it was as accurate as lingua and langdetect, three to ten times faster, and a 4.5 MB install
against lingua's 96 MB (docs/explanation/benchmarks.md).

An article's language (:func:`article_language`) is detected on its title and text; paragraph by
paragraph too, so that an article in two languages is "unknown" rather than one of them. A page's
own declaration (``<html lang>``, ``og:locale``, a feed's ``<language>``) is taken when detection
agrees or is unsure, and reported either way: many pages declare the language of their template
("en-US" on a German blog), so a confident detection wins over it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from briefgen.analyse.processes import fork_map
from briefgen.codebase import PACKAGE_DIR, dist_version, hash_modules, imported_closure, package_modules
from briefgen.models import Guess

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Fewer letters than this are too few to tell a language by (a headline, a caption): detection
#: is unsure. About a dozen words: on the UD test sentences of the seven languages py3langid was
#: right on 0.99 of those with 60 letters or more, 0.986 from 40 to 59, 0.92 from 20 to 39, 0.44 below.
MIN_LETTERS = 60
#: A detection this probable or more is sure (py3langid's calibrated probability): on the UD test
#: sentences of 60 letters or more, all 2,907 such answers were right (those below: 0.946); checked
#: on the real pages of the extraction set, where every sure answer that disagreed with the page's
#: declaration was right and the declaration wrong.
SURE = 0.9
#: An article whose paragraphs in its main language hold less than this share of its letters, while
#: another language holds the rest, is in two languages ("mixed"), and unknown. Set on the real pages
#: of the extraction set (two come out mixed: an English Q&A page on German grammar and a German blog
#: quoting English at length) and checked on the UD documents, none of 651 of which comes out mixed.
MIXED_SHARE = 0.75
#: A paragraph needs this many letters to count towards :data:`MIXED_SHARE`: twice what a sure
#: detection needs (:data:`MIN_LETTERS`).
PARAGRAPH_LETTERS = 120
#: A sentence whose probability of being in the briefing's language is below this is in another
#: language and never quoted (:func:`foreign`). Set on the UD test sentences of six words or more
#: (an English briefing would leave out 1.2% of English sentences, 94-100% of the others) and
#: checked on the DUC 2003 sentences: 1 of 6,828 English sentences left out.
FOREIGN = 0.01

#: Detection takes about 7 ms an article and 0.1 ms a sentence here, starting processes about 0.1 s:
#: from these many, the work is shared out among processes, one per core.
PARALLEL_MIN_ARTICLES = 100
PARALLEL_MIN_SENTENCES = 4000

_LETTER = re.compile(r"[^\W\d_]", re.U)


class _Identifier(Protocol):
    def rank(self, text: str) -> list[tuple[str, float]]: ...


@lru_cache(maxsize=1)
def identifier() -> _Identifier:
    """py3langid's model, with probabilities (loaded once)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    found: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return found


@lru_cache(maxsize=1)
def detection_version() -> str:
    """A short hash of what decides an article's language: this module's code, what it imports of
    briefgen, and py3langid's version. It keys the guesses a workspace keeps
    (:meth:`~briefgen.analyse.workspace.Workspace.article_languages`), apart from the engine
    version, so that a change here does not discard the analyses."""
    modules = package_modules(PACKAGE_DIR)
    h = hashlib.sha256(f"py3langid {dist_version('py3langid')}\n".encode())
    hash_modules(imported_closure([__name__], modules), modules, h)
    return h.hexdigest()[:16]


def letters(text: str) -> int:
    return len(_LETTER.findall(text))


def probabilities(text: str) -> dict[str, float]:
    """Each language's probability for ``text`` (ISO 639-1 codes, where py3langid has them)."""
    return dict(identifier().rank(text))


def detect(text: str) -> tuple[str, float]:
    """The most probable language of ``text`` and its probability."""
    ranked = probabilities(text)
    best = max(ranked, key=lambda k: (ranked[k], k))
    # py3langid adds a language's two script columns (Serbian's Latin and Cyrillic) in float32: the
    # sum may pass 1 by a rounding error.
    return best, min(1.0, ranked[best])


def declared_code(value: str | None) -> str | None:
    """The ISO 639-1 code of a declared language ("de-DE", "en_US", "pt-br" → "de", "en", "pt")."""
    if not value:
        return None
    code = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def article_language(paragraphs: Sequence[str], declared: str | None = None) -> Guess:
    """The language of an article, from its paragraphs (title first) and its declared language."""
    declared = declared_code(declared)
    text = "\n".join(paragraphs)
    if letters(text) < MIN_LETTERS:
        return Guess(declared, "declared", 0.0, None, declared) if declared else Guess(None, "short")
    language, p = detect(text)
    shares: dict[str, int] = {}
    counted = 0
    for paragraph in paragraphs:
        n = letters(paragraph)
        if n < PARAGRAPH_LETTERS:
            continue
        lang, q = detect(paragraph)
        counted += n
        if q >= SURE:
            shares[lang] = shares.get(lang, 0) + n
    if counted and shares.get(language, 0) < MIXED_SHARE * counted:
        others = sorted((k for k in shares if k != language), key=lambda k: -shares[k])
        if others and shares[others[0]] >= (1 - MIXED_SHARE) * counted:
            return Guess(None, f"mixed: {language}, {others[0]}", p, language, declared)
    if p >= SURE:
        how = "declared and detected" if declared == language else "detected"
        return Guess(language, how, p, language, declared)
    if declared:
        return Guess(declared, "declared", p, language, declared)
    return Guess(None, f"unsure: {language} {p:.2f}", p, language, declared)


def article_languages(articles: Sequence[tuple[Sequence[str], str | None]]) -> list[Guess]:
    """:func:`article_language` of each ``(paragraphs, declared)``, in processes of their own when
    there are :data:`PARALLEL_MIN_ARTICLES` or more (:mod:`~briefgen.analyse.processes`)."""
    identifier()  # loaded once, before the processes fork
    return fork_map(_article_languages, articles, PARALLEL_MIN_ARTICLES, lambda a: sum(map(len, a[0])))


def _article_languages(articles: Sequence[tuple[Sequence[str], str | None]]) -> list[Guess]:
    return [article_language(paragraphs, declared) for paragraphs, declared in articles]


def foreign_sentences(texts: Sequence[str], languages: Sequence[str]) -> list[bool]:
    """:func:`foreign` of each sentence of ``texts``, in processes of their own when there are
    :data:`PARALLEL_MIN_SENTENCES` or more to judge. What was judged is remembered in this process
    (up to :data:`REMEMBERED_SENTENCES`), so the briefings it builds judge each sentence once;
    :func:`forget_sentences` lets it go."""
    identifier()
    langs = tuple(languages)
    known = {t: flag for t in texts if (flag := _judged.get((t, langs))) is not None}
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    work = functools.partial(_foreign_sentences, languages=langs)
    found = dict(zip(todo, fork_map(work, todo, PARALLEL_MIN_SENTENCES, len) if todo else [], strict=True))
    if len(_judged) + len(found) > REMEMBERED_SENTENCES:
        _judged.clear()
    if len(found) <= REMEMBERED_SENTENCES:
        _judged.update(((t, langs), flag) for t, flag in found.items())
    known.update(found)
    return [known[t] for t in texts]


#: How many sentences' judgements :func:`foreign_sentences` remembers: a busy week's (the DUC mix of
#: ``bench/scale_bench.py`` holds 43,584 sentences), some 30 MB.
REMEMBERED_SENTENCES = 1 << 17
_judged: dict[tuple[str, tuple[str, ...]], bool] = {}


def forget_sentences() -> None:
    """Forget what :func:`foreign_sentences` judged, so a long-lived worker holds nothing between runs."""
    _judged.clear()


def _foreign_sentences(texts: Sequence[str], languages: tuple[str, ...]) -> list[bool]:
    return [_foreign(text, languages) for text in texts]


def foreign(text: str, languages: Sequence[str]) -> bool:
    """Whether a sentence is in none of ``languages``: its probability in each is below
    :data:`FOREIGN`. A sentence too short to tell is never foreign."""
    return _foreign(text, tuple(languages))


def _foreign(text: str, languages: tuple[str, ...]) -> bool:
    if letters(text) < MIN_LETTERS // 2:
        return False
    ranked = probabilities(text)
    return all(ranked.get(lang, 0.0) < FOREIGN for lang in languages)


def language_name(code: str, in_language: str = "en") -> str:
    """A language's name in another ("de" in "en": "German"; in "de": "Deutsch"), from the CLDR
    through Babel; the code itself when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(in_language).languages.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return str(name) if name else code
