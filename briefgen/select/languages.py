"""Which articles, and which sentences, a briefing in one language may quote.

Each article's language is told once it is cleaned (:func:`~briefgen.analyse.language.article_language`),
and reported in ``ingest.json`` and ``briefgen inspect``. An article in a language the config does not
accept (``language:``, or ``languages:`` when given) is left out with the reason ("German; this
briefing is in English"), and counted among the build's closing counts as ``other language``. An
article whose language cannot be told (too short, in two languages) stays, analysed in the
briefing's language; one in an accepted language briefgen has no sentence rules, stop words or stems
for is analysed with what there is. Either way the build says so in one line naming them.

Then, sentence by sentence (:func:`drop_foreign`): a sentence in none of the accepted languages (a
German paragraph in an English article, a quotation left untranslated) is never quoted, nor the
sentence after it when that one leans on it ("Er sagte…").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from briefgen.analyse.lang import has_data
from briefgen.analyse.lang.cues import dangling
from briefgen.analyse.language import article_languages, foreign_sentences, language_name
from briefgen.config.load import LoadedConfig
from briefgen.models import Corpus, Document, Guess
from briefgen.select.summarize import needs_previous

logger = logging.getLogger(__name__)

#: How many articles a warning names before it says "and N more".
NAMED = 5
#: The status of an article left out for its language.
OTHER_LANGUAGE = "other language"

#: Tells each ``(paragraphs, declared language)``'s language, as
#: :func:`~briefgen.analyse.language.article_languages` does (a workspace's remembers them).
Detect = Callable[[Sequence[tuple[Sequence[str], str | None]]], list[Guess]]

#: Analyses in full (lemmas, named entities) some documents of a corpus (by index) analysed for their
#: word forms alone, as :meth:`~briefgen.analyse.workspace.Workspace.analyse_in_full` does.
FullAnalysis = Callable[[Corpus, Collection[int]], Corpus]


@dataclass
class Languages:
    """What :func:`sort_languages` found."""

    accepted: list[Document] = field(default_factory=list)
    """The documents in an accepted language, or whose language cannot be told."""
    refused: list[tuple[Document, str]] = field(default_factory=list)
    """The documents in another language, each with why ("German; this briefing is in English")."""
    languages: dict[int, str | None] = field(default_factory=dict)
    """The language each accepted document is analysed in, by index."""
    guesses: dict[str, Guess] = field(default_factory=dict)
    """Each document's :class:`~briefgen.models.Guess`, by article path."""


def sort_languages(
    docs: Sequence[Document], language: str, accepted: Sequence[str] = (), detect: Detect = article_languages
) -> Languages:
    """Tell each document's language (with ``detect``), and sort out those in a language not
    ``accepted`` (default: only ``language``); warn of those whose language is unknown or has no data."""
    allowed = list(accepted) or [language]
    found = Languages()
    unsure: list[str] = []
    no_data: dict[str, list[str]] = {}
    texts = ([doc.article.title or "", *(doc.block_text(s) for s in doc.spans)] for doc in docs)
    guesses = detect(
        [([p for p in paragraphs if p], doc.article.language) for doc, paragraphs in zip(docs, texts, strict=True)]
    )
    for doc, guess in zip(docs, guesses, strict=True):
        found.guesses[doc.article.path] = guess
        if doc.words_after == 0:
            found.accepted.append(doc)  # unreadable: the filter says so
            found.languages[doc.index] = language
        elif guess.language is None:
            found.accepted.append(doc)
            found.languages[doc.index] = language
            unsure.append(doc.article.path)
        elif guess.language in allowed:
            found.accepted.append(doc)
            found.languages[doc.index] = guess.language
            if not has_data(guess.language):
                no_data.setdefault(guess.language, []).append(doc.article.path)
        else:
            why = f"{language_name(guess.language)}; this briefing is in {language_name(language)}"
            found.refused.append((doc, why))
    if unsure:
        logger.warning(
            "language unknown (too short, in two languages or unsure) of %s: read as %s",
            _named(unsure),
            language_name(language),
        )
    for code, paths in sorted(no_data.items()):
        logger.warning(
            "no sentence rules, stop words or stems for %s (%s): %s analysed without them",
            language_name(code),
            code,
            _named(paths),
        )
    return found


def _named(paths: Sequence[str]) -> str:
    """Some paths, and how many more."""
    shown = ", ".join(paths[:NAMED])
    return shown + (f" and {len(paths) - NAMED} more" if len(paths) > NAMED else "")


def drop_foreign(corpus: Corpus, languages: Sequence[str], in_full: FullAnalysis | None = None) -> tuple[Corpus, int]:
    """The corpus without the sentences in none of ``languages`` (:func:`~briefgen.analyse.language.foreign`),
    nor a sentence right after one of them that opens with a pronoun or connective; and how many went.

    Whether a sentence opens so can depend on the entities it names ("When he arrived, Pinochet…"):
    the documents with a foreign sentence that were analysed for their word forms alone
    (:attr:`~briefgen.models.Corpus.light`) are analysed in full first, with ``in_full`` when given."""
    flags = foreign_sentences([s.text for s in corpus.sentences], languages)
    if not any(flags):
        return corpus, 0
    if in_full is not None:
        corpus = in_full(corpus, {s.doc for s, flag in zip(corpus.sentences, flags, strict=True) if flag})
        # The same sentences, unless a full analysis split some otherwise: foreign_sentences remembers
        # those it judged above, so only a sentence split otherwise is judged again.
        flags = foreign_sentences([s.text for s in corpus.sentences], languages)
    kept = []
    dropped = 0
    previous_dropped = False
    previous_doc = -1
    for s, flag in zip(corpus.sentences, flags, strict=True):
        if s.doc != previous_doc:
            previous_dropped, previous_doc = False, s.doc
        if flag or (previous_dropped and needs_previous(s)):
            dropped += 1
            previous_dropped = True
            continue
        previous_dropped = False
        kept.append(s)
    if not dropped:
        return corpus, 0
    return dataclasses.replace(corpus, sentences=tuple(kept)), dropped


def drop_dangling(corpus: Corpus, languages: Sequence[str]) -> tuple[Corpus, int]:
    """The corpus without the sentences that open, in one of ``languages`` other than English, with a
    pronoun or connective that needs the sentence before (:func:`~briefgen.analyse.lang.cues.dangling`:
    "Denn man sucht gerade…", "Er sagte…"), and how many went. Selection reads English openers itself;
    in the other languages such a sentence is never quoted, so none starts mid-argument."""
    patterns = [p for lang in dict.fromkeys(languages) if lang != "en" and (p := dangling(lang)) is not None]
    if not patterns:
        return corpus, 0
    kept = tuple(s for s in corpus.sentences if not any(p.match(s.text) for p in patterns))
    dropped = len(corpus.sentences) - len(kept)
    return (dataclasses.replace(corpus, sentences=kept), dropped) if dropped else (corpus, 0)


def quotable_languages(corpus: Corpus, loaded: LoadedConfig, in_full: FullAnalysis | None = None) -> Corpus:
    """The corpus without the sentences in none of the config's languages (:func:`drop_foreign`, with
    ``in_full`` to analyse a document in full), saying in one line how many went, and without those that
    lean on the sentence before in a language selection has no such rules for (:func:`drop_dangling`)."""
    config = loaded.config
    corpus, leaning = drop_dangling(corpus, config.languages or [config.language])
    if leaning:
        logger.debug("%s: %d sentence(s) that open on the one before left out", loaded.name, leaning)
    kept, dropped = drop_foreign(corpus, config.languages or [config.language], in_full)
    if dropped:
        logger.info(
            "%s: %d sentence%s in another language than %s left out",
            loaded.name,
            dropped,
            "" if dropped == 1 else "s",
            " or ".join(language_name(code) for code in (config.languages or [config.language])),
        )
    return kept
