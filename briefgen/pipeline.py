"""The one pipeline: ingest → clean → filter → de-duplicate → analyse → select → compose → render → write.

:func:`build` reads top to bottom; each stage is a function from one frozen record to
the next (see :mod:`briefgen.models`). A bad article is skipped with a warning naming
the file; it never sinks the run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from ._version import __version__
from .builds import (
    MANIFEST,
    OUTPUT_FILES,
    code_version,
    default_out_dir,
    made_from,
    output_keys,
    reusable,
    write_manifest,
)
from .clean import duplicate_of, group_duplicates
from .config import FORMATS, Config, Limits, LoadedConfig, window_start
from .dates import date_source, infer, outside
from .errors import ArticleError, BriefgenError, ConfigError, NoArticlesError, OutputError
from .fetch import is_url, public_url
from .ingest import FoundSources, check_file, find_sources
from .models import (
    AnalystNote,
    Background,
    Briefing,
    Corpus,
    Document,
    Item,
    Section,
    Selection,
    Source,
    SourceRef,
    passage_id,
)
from .textsafe import clip, printable, single_line
from .topic import TopicMatcher
from .workspace import Workspace

if TYPE_CHECKING:
    from .edits import Edits

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """What happened to one input (a file, or one post or entry of it): kept, or why it was left out."""

    path: str
    status: str  # kept | duplicate | off-topic | outside window | undated | unreadable | skipped (over a limit)
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


class IntakeReport(TypedDict):
    """What ``ingest.json`` and ``inspect --json`` hold."""

    window: dict[str, str]
    counts: dict[str, int]
    articles: list[dict[str, object]]


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` made: the briefing, the files written and what happened to every input."""

    briefing: Briefing
    """Sections, items and sources, as ``briefing.json`` records them."""
    outputs: dict[str, Path]
    """The files written, by kind (``md``, ``html``, ``pdf``, ``email.html``, ``txt``, ``json``, ``ingest.json``,
    ``manifest.json``)."""
    decisions: tuple[Decision, ...]
    """One per input: kept, or why it was left out."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage."""


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


# ----------------------------------------------------------------------------- stages


def source_files(loaded: LoadedConfig) -> FoundSources:
    """The files a config's non-URL sources name, within its limits (see :func:`~briefgen.ingest.find_sources`)."""
    config = loaded.config
    return find_sources(
        [s for s in config.sources if not is_url(s)],
        loaded.base_dir,
        follow_symlinks=config.follow_symlinks,
        max_files=config.limits.max_files,
    )


def ingest(loaded: LoadedConfig, decisions: list[Decision], workspace: Workspace) -> list[Document]:
    """Read and clean every source file and URL; an unreadable one is reported and skipped.

    Only regular files within ``limits`` are read (see :func:`~briefgen.ingest.find_sources`
    for what is skipped, and why); a URL is named without the user name and password it may
    carry, which only the fetch itself uses. The workspace reads each input once however
    many briefings use it; documents are numbered here, in source order.
    """
    from .dirs import http_cache_dir
    from .fetch import fetch

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
    for source in sources:
        name = str(source) if isinstance(source, Path) else public_url(source)
        try:
            if isinstance(source, Path):
                check_file(source, limits.max_bytes)  # this config's limit, before the read all configs share
                got = workspace.file_documents(source)
            else:
                got = workspace.url_documents(name, fetcher(source))
        except ArticleError as exc:
            logger.warning("skipped %s: %s", exc.path, exc.reason)
            decisions.append(Decision(name, "unreadable", exc.reason))
            continue
        except Exception as exc:  # a reader bug must not sink the run either
            logger.warning("skipped %s: %s: %s", name, type(exc).__name__, exc)
            decisions.append(Decision(name, "unreadable", f"{type(exc).__name__}: {exc}"))
            continue
        documents.extend(dataclasses.replace(doc, index=len(documents) + i) for i, doc in enumerate(got))
    return documents


def apply_limits(
    documents: list[Document], limits: Limits, decisions: list[Decision]
) -> tuple[list[Document], set[int]]:
    """At most ``limits.max_articles`` documents, each at most ``limits.max_chars`` characters long,
    so that no input can take unbounded memory or time in analysis and selection; a one-line
    warning names each document cut and says how many were left out. Returns the documents
    kept and the indices of those cut short."""
    from .clean import truncate

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

    Each document first gets what its text tells of its date (:func:`briefgen.dates.infer`): an
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


def dated_copies(docs: Sequence[Document], base: Path) -> dict[int, tuple[dt.date, str]]:
    """For each undated document that tells the same story in the same words as a dated one (a
    syndicated or scraped copy): the earliest date among its copies, and that copy's path as reports
    name it. A copy is no older than the article it copies, so one whose original is dated outside
    the window is outside it too."""
    if all(doc.article.date is not None for doc in docs):
        return {}
    indexes = {doc.article.path: doc.index for doc in docs}
    found: dict[int, tuple[dt.date, str]] = {}
    for story in group_duplicates([doc for doc in docs if doc.words_after]):
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
    topic = TopicMatcher(config.topic)
    decisions: list[Decision] = []
    with _timed(timings, "read and clean"):
        cleaned, cut = apply_limits(ingest(loaded, decisions, workspace), config.limits, decisions)
    with _timed(timings, "filter"):
        copies = dated_copies(cleaned, loaded.base_dir)
        on_topic, relevance = filter_documents(cleaned, topic, start, as_of, decisions, config.window.undated, copies)
        documents = group_duplicates(on_topic)
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
    # Reports name files relative to the config, so they read the same on every machine.
    decisions = [dataclasses.replace(d, path=display_path(d.path, loaded.base_dir)) for d in decisions]
    decisions.sort(key=lambda d: d.path)
    focus = topic.focus(documents, cleaned)
    return Intake(tuple(documents), relevance, tuple(decisions), len(cleaned), start, as_of, focus)


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


def compose(
    selection: Selection, corpus: Corpus, loaded: LoadedConfig, as_of: dt.date, start: dt.date, articles_read: int
) -> Briefing:
    """Number the cited sources in order of first citation and turn selected sentences into items.

    What the briefing shows of a source's metadata is bounded here, so every output is: titles,
    publishers and authors on one line and cut with "…" (``render.MAX_TITLE_CHARS``,
    ``MAX_NAME_CHARS``), URLs longer than ``MAX_URL_CHARS`` not linked, and a sentence longer
    than ``MAX_QUOTE_CHARS`` (giant tokens, not prose) left out with a warning. A source that
    states no title is named by its first line (:func:`headline`), never by its file: paths stay
    in ``briefing.json`` and ``ingest.json``, out of what a client reads.
    """
    from .render import MAX_NAME_CHARS, MAX_QUOTE_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS

    def link(url: str | None) -> str | None:
        url = web_url(url)
        return url if url and len(url) <= MAX_URL_CHARS else None

    config = loaded.config
    docs = {d.index: d for d in corpus.documents}
    daily: dict[dt.date, int] = {}
    undated_used = 0
    for doc in corpus.documents:  # a story merged from copies counts once, as in articles_used
        if doc.article.date is None:
            undated_used += 1
        else:
            daily[doc.article.date] = daily.get(doc.article.date, 0) + 1
    numbers: dict[int, int] = {}
    sections: list[Section] = []
    for sel in selection.sections:
        items = []
        for k, sent in enumerate(sel.sentences):
            if len(sent.text) > MAX_QUOTE_CHARS:
                where = printable(display_path(docs[sent.doc].article.path, loaded.base_dir), 300)
                logger.warning("left out a sentence of %d characters from %s", len(sent.text), where)
                continue
            n = numbers.setdefault(sent.doc, len(numbers) + 1)
            label = sel.labels[k] if k < len(sel.labels) else None
            new = sel.new[k] if k < len(sel.new) else None
            items.append(
                Item(
                    text=sent.text,
                    sources=(n,),
                    offsets=((sent.start, sent.end),),
                    label=label,
                    new=new,
                    id=passage_id(sent.text),
                )
            )
        if items or not sel.sentences:
            sections.append(Section(name=sel.name, heading=sel.heading, items=tuple(items)))
    sources = []
    for doc_index, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        doc = docs[doc_index]
        art = doc.article
        first = doc.block_text(doc.spans[0]) if doc.spans else ""
        sources.append(
            Source(
                id=n,
                title=clip(art.title, MAX_TITLE_CHARS) or headline(first, *(b.text for b in art.blocks)),
                publisher=clip(art.publisher, MAX_NAME_CHARS),
                author=clip(art.author, MAX_NAME_CHARS),
                date=art.date,
                url=link(art.url),
                path=display_path(art.path, loaded.base_dir),
                date_source=date_source(doc),
                not_before=doc.not_before,
                preview_of=doc.preview_of,
                text=doc.text,
                also=tuple(
                    SourceRef(
                        clip(a.title, MAX_TITLE_CHARS) or headline(*(b.text for b in a.blocks)),
                        clip(a.publisher, MAX_NAME_CHARS),
                        a.date,
                        link(a.url),
                        display_path(a.path, loaded.base_dir),
                    )
                    for a in docs[doc_index].duplicates
                ),
            )
        )
    return Briefing(
        engine=(("briefgen", __version__), ("code", code_version())),
        title=config.title,
        as_of=as_of,
        window_start=start,
        window_days=config.window.days,
        audience=clip(config.resolved_audience().name, MAX_NAME_CHARS) or "",
        sections=tuple(sections),
        sources=tuple(sources),
        articles_read=articles_read,
        articles_used=len(corpus.documents),
        undated=tuple(s.id for s in sources if s.date is None),
        daily=tuple(sorted(daily.items())),
        undated_used=undated_used,
        notes=(all_undated_note(len(corpus.documents), start, as_of),) if not daily and corpus.documents else (),
    )


def window_words(start: dt.date, end: dt.date) -> str:
    """A window as a reader says it: "12 February 2025", "the 7 days to 12 February 2025"."""
    last = f"{end.day} {end:%B %Y}"
    return last if start == end else f"the {(end - start).days + 1} days to {last}"


def all_undated_note(used: int, start: dt.date, end: dt.date) -> str:
    """What a briefing says when none of its articles states a date."""
    if used == 1:
        return f"The one article used states no date, so this briefing cannot show that it is from {window_words(start, end)}."
    return (
        f"None of the {used} articles used states its date, so this briefing cannot show that they are from "
        f"{window_words(start, end)}."
    )


def warn_about_dates(briefing: Briefing, name: str, undated: str) -> None:
    """One warning line when no article used is dated, or (``window.undated: flag``) when more than half are undated."""
    used, missing = briefing.articles_used, briefing.undated_used
    if used and missing == used:
        logger.warning("%s: %s", name, all_undated_note(used, briefing.window_start, briefing.as_of))
    elif undated == "flag" and 2 * missing > used:
        logger.warning(
            "%s: %d of the %d articles used are undated (marked so in the source list; window.undated: flag)",
            name,
            missing,
            used,
        )


def nothing_left(intake: Intake, sources: int) -> str:
    """Why no article is left to summarize, plainly: how many were read, and what became of them."""
    what = {
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


#: About how long a title made from a source's first line may be; it is cut at a word boundary.
HEADLINE_CHARS = 120


def headline(*texts: str) -> str | None:
    """A title for a source that states none: its first line of text, cut at a word boundary near
    :data:`HEADLINE_CHARS` with "…"; never its file name, which a client should not see."""
    line = next((t for t in (single_line(t) for t in texts) if t), "")
    if len(line) <= HEADLINE_CHARS:
        return line or None
    cut = line[: HEADLINE_CHARS + 1].rsplit(" ", 1)[0] if " " in line[: HEADLINE_CHARS + 1] else ""
    return (cut if len(cut) >= HEADLINE_CHARS // 2 else line[:HEADLINE_CHARS]).rstrip(" ,;:.-–—") + "…"


def web_url(url: str | None) -> str | None:
    """A source's URL when it is an http(s) address; anything else (``javascript:``, ``file:``) is not linked."""
    return url if url and is_url(url) else None


def render_all(briefing: Briefing, loaded: LoadedConfig, formats: Sequence[str]) -> dict[str, str | bytes]:
    """Render the formats asked for with the config's templates and branding; JSON always."""
    from . import render

    overrides = render.template_dirs(loaded.config, loaded.base_dir, loaded.project_dir)
    env = render.template_env([d for _, d in overrides])
    look = render.look_for(loaded.config, loaded.base_dir)
    rendered: dict[str, str | bytes] = {"json": render.render_json(briefing)}
    if "md" in formats:
        rendered["md"] = render.render_markdown(briefing, env, look)
    if "html" in formats or "pdf" in formats:
        html = render.render_html(briefing, env, look)
        if "html" in formats:
            rendered["html"] = html
        if "pdf" in formats:
            allowed = [d for _, d in overrides]
            rendered["pdf"] = render.render_pdf(html, render.default_template_dir(), look, allowed)
    if "email" in formats:
        rendered["email.html"], rendered["txt"] = render.render_email(briefing, env, look)
    return rendered


def write_outputs(rendered: dict[str, str | bytes], out_dir: Path) -> dict[str, Path]:
    outputs: dict[str, Path] = {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for key, name in OUTPUT_FILES.items():
            if key not in rendered:
                continue
            data = rendered[key]
            path = out_dir / name
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
            outputs[key] = path
    except OSError as exc:
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return outputs


def write_sources(briefing: Briefing, out_dir: Path) -> None:
    """``sources/<id>.txt``: each cited source's cleaned text, exactly what the items' offsets index
    (``briefing.json`` records its sha256); a source directory left by an earlier build goes first."""
    from .builds import SOURCES_DIR

    folder = out_dir / SOURCES_DIR
    try:
        if folder.is_dir() and not folder.is_symlink():
            for old in folder.glob("*.txt"):
                old.unlink()
        folder.mkdir(exist_ok=True)
        for source in briefing.sources:
            (folder / f"{source.id}.txt").write_text(source.text, encoding="utf-8", newline="")
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------- the pipeline


def build(
    config: Config | LoadedConfig,
    as_of: dt.date | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    *,
    workspace: Workspace | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> BuildResult:
    """Build one briefing and write it to ``out_dir``; the last file written is ``manifest.json``.

    ``config`` is a config read by :func:`~briefgen.config.load_config`, or a
    :class:`~briefgen.config.Config` made in code, whose relative paths then resolve
    against ``base_dir`` (default: the working directory). A ``workspace`` shared by
    several builds reads and analyses each article once.
    """
    if isinstance(config, LoadedConfig):
        if base_dir is not None:
            raise ConfigError("base_dir is for a Config made in code; a loaded config resolves paths against its file")
        loaded = config
    else:
        loaded = LoadedConfig.in_code(config, base_dir)
    config = loaded.config
    workspace = workspace or Workspace()
    as_of = as_of or config.window.as_of or dt.date.today()
    formats = list(config.output.formats if formats is None else formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ConfigError(
            f"unknown format {', '.join(map(repr, unknown)) or 'list (empty)'}; choose from {', '.join(FORMATS)}"
        )
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(loaded, as_of)
    return _build(loaded, as_of, out_dir, formats, workspace, made_from(loaded, out_dir))


def _build(
    loaded: LoadedConfig,
    as_of: dt.date,
    out_dir: Path,
    formats: Sequence[str],
    workspace: Workspace,
    ingredients: dict[str, Any],
) -> BuildResult:
    """:func:`build` once its arguments are checked; ``ingredients`` is :func:`~briefgen.builds.made_from`
    of the config, taken before anything is read, so a file changed meanwhile calls for a rebuild."""
    from . import summarize
    from .edits import read_edits

    config = loaded.config
    timings: dict[str, float] = {}
    edits = read_edits(out_dir)  # an editor's drops and notes, re-applied by every build
    intake = take_in(loaded, as_of, timings, workspace)
    documents, start = intake.documents, intake.start
    if not documents:
        raise NoArticlesError(nothing_left(intake, len(config.sources)))

    with _timed(timings, "analyse"):
        corpus = workspace.analyse(documents, config.spacy_model, timings)
    with _timed(timings, "background"):
        background = previous_background(loaded, as_of, out_dir, workspace)
    with _timed(timings, "select"):
        topic = TopicMatcher(config.topic)
        audience = config.resolved_audience()
        selection = summarize.select(
            corpus, topic, audience, config.summarizer, intake.focus, background, frozenset(edits.drop)
        )
    if not any(s.sentences for s in selection.sections):
        raise NoArticlesError("the articles left hold no sentence that can be quoted on its own")
    briefing = compose(selection, corpus, loaded, as_of, start, articles_read=intake.articles_read)
    if background.since is not None:
        from .render import longdate

        note = f"New since the briefing of {longdate(background.since)}: what it quoted is not repeated, and key points lead with what is new."
        briefing = dataclasses.replace(briefing, new_since=background.since, notes=(*briefing.notes, note))
    if edits:
        briefing = apply_notes(briefing, edits, corpus, loaded.name)
    warn_about_dates(briefing, loaded.name, config.window.undated)

    with _timed(timings, "render"):
        rendered = render_all(briefing, loaded, formats)
        rendered["ingest.json"] = json.dumps(intake_report(intake), ensure_ascii=False, indent=2) + "\n"
    with _timed(timings, "write"):
        outputs = write_outputs(rendered, out_dir)
        write_sources(briefing, out_dir)
        outputs["manifest.json"] = write_manifest(loaded, as_of, outputs, out_dir, ingredients)
    return BuildResult(briefing=briefing, outputs=outputs, decisions=intake.decisions, timings=timings)


def apply_notes(briefing: Briefing, edits: Edits, corpus: Corpus, name: str) -> Briefing:
    """The briefing with the editor's notes, warning of edits that no longer apply: a dropped id no
    sentence of this build has (its article is gone, or its sentence was corrected), a note for
    a section this briefing lacks (shown under the header)."""
    if edits.drop:
        present = {passage_id(s.text) for s in corpus.sentences}
        stale = [i for i in edits.drop if i not in present]
        if stale:
            logger.warning(
                "%s: edits.yaml drops %d item(s) no article of this build holds any more: %s",
                name,
                len(stale),
                ", ".join(stale[:5]) + (" …" if len(stale) > 5 else ""),
            )
    names = {s.name for s in briefing.sections}
    for note in edits.notes:
        if note.section is not None and note.section not in names:
            logger.warning(
                "%s: edits.yaml has a note for %s, a section this briefing does not have: shown under its header",
                name,
                printable(note.section, 100),
            )
    notes = tuple(AnalystNote(printable(n.text), n.section) for n in edits.notes)
    return dataclasses.replace(briefing, analyst_notes=notes)


def previous_background(loaded: LoadedConfig, as_of: dt.date, out_dir: Path, workspace: Workspace) -> Background:
    """What the config's previous briefing told the client (``novelty: previous``), or nothing."""
    from .novelty import previous_build, read_background

    if loaded.config.novelty == "none":
        return Background()
    previous = previous_build(loaded, as_of, out_dir)
    if previous is None:
        return Background()
    logger.info("%s: saying what is new since the briefing in %s", loaded.name, previous)
    return read_background(previous, workspace, loaded.config.spacy_model)


@dataclass(frozen=True)
class Finished:
    """A finished build in an output directory: one reused as it was, or one built just now."""

    out_dir: Path
    outputs: dict[str, Path]
    built: bool
    reason: str
    """Why it was built ("no finished build", "templates/clients/acme/style.css changed"), or "unchanged"."""
    articles: tuple[int, int] | None = None
    """Articles used and read, when known."""


def _edited_since_built(out_dir: Path, ingredients: dict[str, Any] | None) -> bool:
    """Whether the editor changed ``edits.yaml`` since the build in ``out_dir``: their new choice,
    unlike a changed article, calls for a new build and a new approval."""
    try:
        made = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("made_from") or {}
    except (OSError, ValueError, AttributeError):
        return True
    return ingredients is None or made.get("edits") != ingredients.get("edits")


def reuse(
    loaded: LoadedConfig,
    as_of: dt.date,
    out_dir: Path,
    needed: Sequence[str],
    ingredients: dict[str, Any] | None,
    *,
    rebuild: bool = False,
    sent: bool = False,
    approved: bool = False,
    warn: bool = True,
) -> tuple[Finished | None, str]:
    """The finished build :func:`ensure_built` keeps, or None and why it builds anew.
    ``ingredients`` is :func:`~briefgen.builds.made_from` of the config now (None: not known);
    ``warn=False`` only decides, saying nothing of a build kept though its inputs changed."""
    from .approval import approval_problem
    from .builds import briefing_counts

    if rebuild:
        return None, "asked to rebuild"
    found, reason = reusable(loaded, as_of, out_dir, needed, now=ingredients)
    if found is not None:
        return Finished(out_dir, found, False, reason, briefing_counts(found)), reason
    # A build whose inputs changed is still kept, intact, when it is what the editor approved
    # (unless they edited it since) or what some recipients already have.
    as_approved = approved and approval_problem(out_dir) is None and not _edited_since_built(out_dir, ingredients)
    if as_approved:
        why = "was approved; sending the approved one (--rebuild, then approve again, to send a new one)"
        kept_as = f"kept: approved, though {reason}"
    elif sent:
        why = "went out to some recipients; sending them the same one (--rebuild to build afresh)"
        kept_as = f"kept: {reason} since it was sent"
    else:
        return None, reason
    kept, broken = reusable(loaded, as_of, out_dir, needed, inputs=False)
    if kept is None:
        return None, broken if as_approved else reason
    logger.log(logging.WARNING if warn else logging.DEBUG, "%s: %s since this briefing %s", loaded.name, reason, why)
    return Finished(out_dir, kept, False, kept_as, briefing_counts(kept)), reason


def ensure_built(
    loaded: LoadedConfig,
    as_of: dt.date,
    out_dir: Path,
    formats: Sequence[str],
    workspace: Workspace | None = None,
    *,
    rebuild: bool = False,
    sent: bool = False,
    approved: bool = False,
) -> Finished:
    """The build of this config and date in ``out_dir`` when it is finished, has every output of
    ``formats`` and everything it was made from is unchanged; otherwise a new build.

    ``sent`` says the delivery log holds a message of this briefing already: then its build
    is kept even though its inputs changed (with a warning), so that every recipient of one
    briefing gets the same one; ``rebuild`` builds afresh all the same. With ``approved`` (a
    config that sends only approved builds), a build approved as it is now is kept even though
    its inputs changed (with a warning), so what goes out is what the editor approved; a change
    to ``edits.yaml`` still makes a new build, which needs a new approval.
    """
    needed = output_keys(formats)
    try:  # once, for both the reuse check and a new build's manifest
        ingredients: dict[str, Any] | None = made_from(loaded, out_dir)
    except BriefgenError:
        ingredients = None  # the reuse check gives it as the reason, and a build raises it
    found, reason = reuse(loaded, as_of, out_dir, needed, ingredients, rebuild=rebuild, sent=sent, approved=approved)
    if found is not None:
        return found
    if ingredients is None:
        result = build(loaded, as_of, out_dir, formats, workspace=workspace)
    else:
        result = _build(loaded, as_of, out_dir, formats, workspace or Workspace(), ingredients)
    counts = (result.briefing.articles_used, result.briefing.articles_read)
    return Finished(out_dir, {key: result.outputs[key] for key in needed}, True, reason, counts)
