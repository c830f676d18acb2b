"""The intake: every input read, cleaned and judged, and the documents a briefing is made from.

:func:`take_in` reads each source through the workspace (once however many briefings use it),
within the config's limits; infers what an undated article's text tells of its date; keeps what is
inside the date window and on topic; merges near-duplicates into one story; and records a
:class:`Decision` for every input (kept, or why it was left out), which ``ingest.json`` and
``briefgen inspect`` report. A bad article is skipped with a warning naming it; it never sinks the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from briefgen.analyse.language import article_languages, detection_version
from briefgen.analyse.topic import TopicMatcher
from briefgen.analyse.workspace import Workspace
from briefgen.collect.serve import Collected, Shelf
from briefgen.config.defaults import Limits, window_start
from briefgen.config.load import LoadedConfig
from briefgen.dirs import http_cache_dir
from briefgen.errors import ArticleError
from briefgen.ingest.clean import duplicate_of, group_duplicates, truncate
from briefgen.ingest.dates import date_source, infer, outside
from briefgen.ingest.fetch import fetch, is_url, public_url
from briefgen.ingest.sources import FoundSources, check_file, find_sources
from briefgen.models import (
    Document,
    Guess,
)
from briefgen.select.languages import OTHER_LANGUAGE, sort_languages
from briefgen.textsafe import printable
from briefgen.timing import timed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """What happened to one input (a file, or one post or entry of it): kept, or why it was left out."""

    path: str
    status: str  # kept | duplicate | other language | off-topic | outside window | undated | unreadable | skipped
    detail: str = ""
    form: str | None = None
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: dt.date | None = None
    url: str | None = None
    words_before: int | None = None
    words_after: int | None = None
    relevance: float | None = None
    date_source: str | None = None
    """Where ``date`` comes from: page, sidecar, header, url, text; ``inferred`` for a not-before date alone."""
    not_before: dt.date | None = None
    """For an undated article: the latest full date its text names as past."""
    written_before: dt.date | None = None
    """For an undated article: the earliest full date its text looks forward to."""
    preview_of: dt.date | None = None
    """For a preview: the day in the window of the event it looks forward to."""
    collected: str | None = None
    """For an article read from the archive ``briefgen collect`` keeps: when it was first collected
    (UTC, ISO 8601)."""
    collected_from: tuple[str, ...] = ()
    """... and every source (feed or page) it was collected from."""
    language: str | None = None
    """The article's language (ISO 639-1), None when it cannot be told (:func:`~briefgen.analyse.language.article_language`)."""
    language_source: str | None = None
    """How it was found: ``detected``, ``declared``, ``declared and detected``; or why it is unknown (``short``, ``mixed: en, de``)."""

    @classmethod
    def of(cls, doc: Document, status: str, detail: str = "", relevance: float | None = None) -> Decision:
        art = doc.article
        return cls(
            art.path,
            status,
            detail,
            art.form,
            art.title,
            art.publisher,
            art.author,
            art.date,
            art.url,
            doc.words_before,
            doc.words_after,
            relevance,
            date_source(doc),
            doc.not_before,
            doc.written_before,
            doc.preview_of,
        )

    def as_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        data["collected_from"] = list(self.collected_from)
        for key in ("date", "not_before", "written_before", "preview_of"):
            value = data[key]
            data[key] = value.isoformat() if isinstance(value, dt.date) else None
        return data


@dataclass(frozen=True)
class Intake:
    """The documents a briefing is made from, and a decision for every input."""

    documents: tuple[Document, ...]
    relevance: dict[int, float]
    """Each kept document's topic relevance, which kept it (:meth:`TopicMatcher.relevance`)."""
    decisions: tuple[Decision, ...]
    articles_read: int
    start: dt.date
    end: dt.date
    focus: dict[int, float] = field(default_factory=dict)
    """How much each kept document is about the topic against the others (:meth:`TopicMatcher.focus`),
    which weighs it in selection; empty without a topic."""
    languages: dict[int, str | None] = field(default_factory=dict)
    """The language each kept document is analysed in, by index (see :func:`~briefgen.select.languages.sort_languages`)."""


class IntakeReport(TypedDict):
    """What ``ingest.json`` and ``inspect --json`` hold."""

    window: dict[str, str]
    counts: dict[str, int]
    articles: list[dict[str, object]]


def source_files(loaded: LoadedConfig) -> FoundSources:
    """The files a config's non-URL sources name, within its limits (see :func:`~briefgen.ingest.sources.find_sources`)."""
    config = loaded.config
    return find_sources(
        [s for s in config.sources if not is_url(s)],
        loaded.base_dir,
        follow_symlinks=config.follow_symlinks,
        max_files=config.limits.max_files,
    )


def _refusal(path: Path, max_bytes: int) -> Exception | None:
    """Why :func:`check_file` refuses ``path`` under this config's limit, or None: checked once,
    before the files are read ahead, and reported where the file's turn comes."""
    try:
        check_file(path, max_bytes)
    except Exception as exc:  # reported as the read would report it
        return exc
    return None


def ingest(
    loaded: LoadedConfig,
    decisions: list[Decision],
    workspace: Workspace,
    *,
    window: tuple[dt.date, dt.date] | None = None,
    collected: dict[str, Collected] | None = None,
) -> list[Document]:
    """Read and clean every source file and URL; an unreadable one is reported and skipped.

    Only regular files within ``limits`` are read (see :func:`~briefgen.ingest.sources.find_sources`
    for what is skipped, and why); a URL is named without the user name and password it may
    carry, which only the fetch itself uses. A URL source is served from the archive
    ``briefgen collect`` keeps, for ``window`` (None: all it holds), and read live as
    ``collect.live`` says (see :mod:`briefgen.collect.serve`); ``collected`` receives when and where
    each article from the archive was collected, by path. The workspace reads each input once
    however many briefings use it; documents are numbered here, in source order.
    """

    config = loaded.config
    limits = config.limits
    urls = [s for s in config.sources if is_url(s)]
    found = source_files(loaded)
    for message in found.missing:
        logger.warning(message)
    for skipped in found.skipped:
        logger.warning("skipped %s: %s", skipped.path, skipped.reason)
        decisions.append(Decision(skipped.path, "skipped", skipped.reason))
    cache_dir = loaded.resolve(config.fetch.cache_dir) if config.fetch.cache_dir else http_cache_dir()

    def fetcher(url: str) -> Callable[[], tuple[bytes, str]]:
        def get() -> tuple[bytes, str]:
            got = fetch(
                url,
                cache_dir,
                max_age=config.fetch.max_age_hours * 3600,
                timeout=config.fetch.timeout,
                max_bytes=limits.max_bytes,
            )
            return got.body, got.content_type

        return get

    documents: list[Document] = []
    sources: list[Path | str] = [*found.files, *urls]
    # This config's limit, checked before the read all configs share.
    refused = {path: why for path in found.files if (why := _refusal(path, limits.max_bytes)) is not None}
    workspace.read_files([path for path in found.files if path not in refused])
    collected = {} if collected is None else collected
    with Shelf(loaded) as shelf:
        for source in sources:
            name = str(source) if isinstance(source, Path) else public_url(source)
            got: tuple[Document, ...] = ()
            try:
                if isinstance(source, Path):
                    if source in refused:
                        raise refused[source]
                    got = workspace.file_documents(source)
                elif shelf.live(name):
                    got = workspace.url_documents(name, fetcher(source))
            except ArticleError as exc:
                logger.warning("skipped %s: %s", exc.path, exc.reason)
                decisions.append(Decision(name, "unreadable", exc.reason))
            except Exception as exc:  # a reader bug must not sink the run either
                logger.warning("skipped %s: %s: %s", name, type(exc).__name__, exc)
                decisions.append(Decision(name, "unreadable", f"{type(exc).__name__}: {exc}"))
            if not isinstance(source, Path):
                got = archived(shelf, name, got, window, limits.max_articles, workspace, collected)
            first = len(documents)  # taken once: the list grows as it is extended
            documents.extend(dataclasses.replace(doc, index=first + i) for i, doc in enumerate(got))
    return documents


def archived(
    shelf: Shelf,
    url: str,
    live: Sequence[Document],
    window: tuple[dt.date, dt.date] | None,
    limit: int,
    workspace: Workspace,
    collected: dict[str, Collected],
) -> tuple[Document, ...]:
    """A URL source's documents: those read live that the archive does not hold, then the archive's
    for the window, cleaned through the workspace; ``collected`` gets when and where each of these
    was collected."""
    found = shelf.articles(url, window, limit)
    documents = [doc for doc in live if not shelf.holds(doc.article)]
    for item in found:
        documents.extend(workspace.article_documents(item.article))
        collected[item.article.path] = Collected(item.first_seen, item.sources)
    if found:
        logger.debug("%s: %d article(s) from the archive", url, len(found))
    return tuple(documents)


def apply_limits(
    documents: list[Document], limits: Limits, decisions: list[Decision]
) -> tuple[list[Document], set[int]]:
    """At most ``limits.max_articles`` documents, each at most ``limits.max_chars`` characters long,
    so that no input can take unbounded memory or time in analysis and selection; a one-line
    warning names each document cut and says how many were left out. Returns the documents
    kept and the indices of those cut short."""

    kept: list[Document] = []
    cut: set[int] = set()
    for doc in documents:
        if len(kept) >= limits.max_articles:
            decisions.append(Decision.of(doc, "skipped", f"over the limit of {limits.max_articles:,} articles"))
            continue
        shorter = truncate(doc, limits.max_chars)
        if shorter is not None:
            logger.warning(
                "%s: text cut after %s of its %s characters (limits.max_chars)",
                doc.article.path,
                f"{len(shorter.text):,}",
                f"{len(doc.text):,}",
            )
            doc = shorter
            cut.add(doc.index)
        kept.append(doc)
    if len(documents) > len(kept):
        logger.warning(
            "read only the first %s of %s articles (limits.max_articles)",
            f"{len(kept):,}",
            f"{len(documents):,}",
        )
    return kept, cut


def filter_documents(
    docs: Sequence[Document],
    topic: TopicMatcher,
    start: dt.date,
    end: dt.date,
    decisions: list[Decision],
    undated: str = "flag",
    copies: Mapping[int, tuple[dt.date, str]] | None = None,
) -> tuple[list[Document], dict[int, float]]:
    """Keep documents inside the date window and on topic; record why the others went.

    Each document first gets what its text tells of its date (:func:`briefgen.ingest.dates.infer`): an
    undated one whose text shows it is from before the window, or that is a copy of an article
    dated outside it (``copies``, see :func:`dated_copies`), is outside it; ``undated``
    (``window.undated``) says whether the other undated ones stay (a copy of a dated article in
    the window always does, to be merged with it).
    """
    copies = copies or {}
    kept: list[Document] = []
    relevance: dict[int, float] = {}
    for doc in docs:
        if doc.words_after == 0:
            decisions.append(Decision.of(doc, "unreadable", "no article text left after cleaning"))
            continue
        doc = infer(doc, start, end)
        date = doc.article.date
        if date is not None and not start <= date <= end:
            decisions.append(Decision.of(doc, "outside window", f"dated {date}, window {start} to {end}"))
            continue
        if date is None and (why := outside(doc, start)) is not None:
            decisions.append(Decision.of(doc, "outside window", f"{why}; window {start} to {end}"))
            continue
        if date is None and doc.index in copies and not start <= copies[doc.index][0] <= end:
            copy_date, copy = copies[doc.index]
            why = f"undated; same story as {copy}, dated {copy_date}"
            decisions.append(Decision.of(doc, "outside window", f"{why}; window {start} to {end}"))
            continue
        if date is None and undated == "drop" and doc.index not in copies:  # a copy of a dated article stays
            decisions.append(Decision.of(doc, "undated", "undated (window.undated: drop)"))
            continue
        excluded = topic.excluded_by(doc) if topic.excludes else None
        if excluded is not None:
            decisions.append(Decision.of(doc, "off-topic", f"about excluded term {excluded!r}", 0.0))
            continue
        score = topic.relevance(doc)
        if topic.focused and score < topic.topic.min_relevance:
            decisions.append(
                Decision.of(doc, "off-topic", f"relevance {score:.2f} < {topic.topic.min_relevance:.2f}", score)
            )
            continue
        relevance[doc.index] = score
        kept.append(doc)
    return kept, relevance


def dated_copies(
    docs: Sequence[Document], base: Path, sketches: dict[str, frozenset[int]] | None = None
) -> dict[int, tuple[dt.date, str]]:
    """For each undated document that tells the same story in the same words as a dated one (a
    syndicated or scraped copy): the earliest date among its copies, and that copy's path as reports
    name it. A copy is no older than the article it copies, so one whose original is dated outside
    the window is outside it too."""
    if all(doc.article.date is not None for doc in docs):
        return {}
    indexes = {doc.article.path: doc.index for doc in docs}
    found: dict[int, tuple[dt.date, str]] = {}
    for story in group_duplicates([doc for doc in docs if doc.words_after], sketches=sketches):
        members = (story.article, *story.duplicates)
        dated = [(a.date, a.path) for a in members if a.date is not None]
        if not dated:
            continue
        earliest, path = min(dated)
        for article in members:
            if article.date is None and article.path in indexes:
                found[indexes[article.path]] = (earliest, display_path(path, base))
    return found


def take_in(
    loaded: LoadedConfig, as_of: dt.date, timings: dict[str, float] | None = None, workspace: Workspace | None = None
) -> Intake:
    """Ingest, clean, filter and de-duplicate: every input ends with one decision."""
    timings = {} if timings is None else timings
    workspace = workspace or Workspace()
    config = loaded.config
    start = window_start(as_of, config.window.days)
    topic = TopicMatcher(config.topic, config.language)
    decisions: list[Decision] = []
    collected: dict[str, Collected] = {}
    with timed(timings, "read and clean"):
        read = ingest(loaded, decisions, workspace, window=(start, as_of), collected=collected)
        cleaned, cut = apply_limits(read, config.limits, decisions)
    with timed(timings, "filter"):
        detect = functools.partial(workspace.article_languages, detect=article_languages, version=detection_version())
        sorted_out = sort_languages(cleaned, config.language, config.languages, detect)
        decisions.extend(Decision.of(doc, OTHER_LANGUAGE, why) for doc, why in sorted_out.refused)
        sketches: dict[str, frozenset[int]] = {}  # each text's shingles, worked out once a build
        copies = dated_copies(cleaned, loaded.base_dir, sketches)
        on_topic, relevance = filter_documents(
            sorted_out.accepted, topic, start, as_of, decisions, config.window.undated, copies
        )
        documents = group_duplicates(on_topic, sketches=sketches)
    merged = duplicate_of(documents)
    kept = {d.index for d in documents}
    for doc in on_topic:
        path = doc.article.path
        if path in merged:
            original = display_path(merged[path], loaded.base_dir)
            decisions.append(Decision.of(doc, "duplicate", f"same story as {original}", relevance[doc.index]))
        elif doc.index in kept:
            shortened = f"; cut at {config.limits.max_chars:,} characters" if doc.index in cut else ""
            decisions.append(
                Decision.of(
                    doc,
                    "kept",
                    f"relevance {relevance[doc.index]:.2f}{dating_note(doc)}{shortened}",
                    relevance[doc.index],
                )
            )
    decisions = [
        dataclasses.replace(d, collected=c.first_seen, collected_from=c.sources) if (c := collected.get(d.path)) else d
        for d in decisions
    ]
    decisions = [with_language(d, sorted_out.guesses.get(d.path), config.language) for d in decisions]
    # Reports name files relative to the config, so they read the same on every machine.
    decisions = [dataclasses.replace(d, path=display_path(d.path, loaded.base_dir)) for d in decisions]
    decisions.sort(key=lambda d: d.path)
    focus = topic.focus(documents, cleaned)
    languages = {d.index: sorted_out.languages[d.index] for d in documents}
    return Intake(tuple(documents), relevance, tuple(decisions), len(cleaned), start, as_of, focus, languages)


def with_language(decision: Decision, guess: Guess | None, language: str) -> Decision:
    """A decision with its article's language and how it was found; at the end of its detail too, where
    there is something to say: an article not plainly in the briefing's ``language`` (unknown, another
    language, or one its page declares otherwise)."""
    if guess is None:
        return decision
    decision = dataclasses.replace(decision, language=guess.language, language_source=guess.how)
    if guess.language == language and guess.declared in (None, language):
        return decision
    detail = f"{decision.detail}; language {guess.note}" if decision.detail else f"language {guess.note}"
    return dataclasses.replace(decision, detail=detail)


def dating_note(doc: Document) -> str:
    """What a kept document's decision says of its date: "; undated", "; undated, not before 2024-04-11",
    "; preview, written before 2025-02-07"; "" for a dated document that previews nothing."""
    note = ""
    if doc.article.date is None:
        note = "; undated" + (f", not before {doc.not_before}" if doc.not_before else "")
    if doc.preview_of is not None:
        note += f"; preview, written before {doc.preview_of}"
    return note


def intake_report(intake: Intake) -> IntakeReport:
    """What ``ingest.json`` and ``inspect --json`` hold."""
    counts: dict[str, int] = {}
    for d in intake.decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return {
        "window": {"start": intake.start.isoformat(), "end": intake.end.isoformat()},
        "counts": dict(sorted(counts.items())),
        "articles": [d.as_dict() for d in intake.decisions],
    }


def display_path(path: str, base: Path) -> str:
    """A path relative to the config file, so briefings read the same on every machine.

    Files far outside the config's project (more than one level up) keep their absolute path;
    URLs stay as they are, less any user name and password. Control characters and undecodable
    bytes in a file's name show as escapes, so a name never breaks a line or a UTF-8 report.
    """
    if is_url(path):
        return printable(public_url(path))
    try:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
    except ValueError:
        return printable(path)
    return printable(path if rel.startswith("../../") else rel)


def nothing_left(intake: Intake, sources: int) -> str:
    """Why no article is left to summarize, plainly: how many were read, and what became of them."""
    what = {
        "other language": "in another language",
        "outside window": "outside the window",
        "undated": "undated with window.undated: drop",
        "off-topic": "off-topic",
        "unreadable": "unreadable",
        "skipped": "skipped",
    }
    counts: dict[str, int] = {}
    for d in intake.decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    fates = ", ".join(f"{counts[status]} {words}" for status, words in what.items() if counts.get(status))
    message = (
        f"no article left to summarize: {intake.articles_read} read from {sources} source(s), "
        f"none both from {intake.start} to {intake.end} and on topic"
    )
    if fates:
        message += f" ({fates})"
    newest = max((d.date for d in intake.decisions if d.date is not None), default=None)
    if newest is not None and counts.get("outside window") and not counts.get("kept"):
        message += f"; the newest dated article is from {newest}"
    return message + " (see `briefgen inspect`)"
