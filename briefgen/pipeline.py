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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from .builds import OUTPUT_FILES, default_out_dir, made_from, output_keys, reusable, write_manifest
from .clean import duplicate_of, group_duplicates
from .config import FORMATS, Config, Limits, LoadedConfig, window_start
from .errors import ArticleError, BriefgenError, ConfigError, NoArticlesError, OutputError
from .fetch import is_url, public_url
from .ingest import check_file, find_sources
from .models import Briefing, Corpus, Document, Item, Section, Selection, Source, SourceRef
from .textsafe import clip, printable, single_line
from .topic import TopicMatcher
from .workspace import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """What happened to one input (a file, or one post or entry of it): kept, or why it was left out."""

    path: str
    status: str  # kept | duplicate | off-topic | outside window | unreadable | skipped (over a limit)
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
        )

    def as_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        data["date"] = self.date.isoformat() if self.date else None
        return data


@dataclass(frozen=True)
class Intake:
    """The documents a briefing is made from, and a decision for every input."""

    documents: tuple[Document, ...]
    relevance: dict[int, float]
    decisions: tuple[Decision, ...]
    articles_read: int
    start: dt.date
    end: dt.date


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
    found = find_sources(
        [s for s in config.sources if not is_url(s)],
        loaded.base_dir,
        follow_symlinks=config.follow_symlinks,
        max_files=limits.max_files,
    )
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


def in_window(doc: Document, start: dt.date, end: dt.date) -> bool:
    date = doc.article.date
    return date is None or start <= date <= end


def filter_documents(
    docs: Sequence[Document], topic: TopicMatcher, start: dt.date, end: dt.date, decisions: list[Decision]
) -> tuple[list[Document], dict[int, float]]:
    """Keep documents inside the date window and on topic; record why the others went."""
    kept: list[Document] = []
    relevance: dict[int, float] = {}
    for doc in docs:
        date = doc.article.date
        if doc.words_after == 0:
            decisions.append(Decision.of(doc, "unreadable", "no article text left after cleaning"))
            continue
        if not in_window(doc, start, end):
            decisions.append(Decision.of(doc, "outside window", f"dated {date}, window {start} to {end}"))
            continue
        excluded = topic.excluded_by(doc) if topic.excludes else None
        if excluded is not None:
            decisions.append(Decision.of(doc, "off-topic", f"about excluded term {excluded!r}", 0.0))
            continue
        score = topic.relevance(doc)
        if topic.active and score < topic.topic.min_relevance:
            decisions.append(
                Decision.of(doc, "off-topic", f"relevance {score:.2f} < {topic.topic.min_relevance:.2f}", score)
            )
            continue
        relevance[doc.index] = score
        kept.append(doc)
    return kept, relevance


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
        on_topic, relevance = filter_documents(cleaned, topic, start, as_of, decisions)
        documents = group_duplicates(on_topic)
    merged = duplicate_of(documents)
    kept = {d.index for d in documents}
    for doc in on_topic:
        path = doc.article.path
        if path in merged:
            original = display_path(merged[path], loaded.base_dir)
            decisions.append(Decision.of(doc, "duplicate", f"same story as {original}", relevance[doc.index]))
        elif doc.index in kept:
            undated = "; undated" if doc.article.date is None else ""
            shortened = f"; cut at {config.limits.max_chars:,} characters" if doc.index in cut else ""
            decisions.append(
                Decision.of(
                    doc, "kept", f"relevance {relevance[doc.index]:.2f}{undated}{shortened}", relevance[doc.index]
                )
            )
    # Reports name files relative to the config, so they read the same on every machine.
    decisions = [dataclasses.replace(d, path=display_path(d.path, loaded.base_dir)) for d in decisions]
    decisions.sort(key=lambda d: d.path)
    return Intake(tuple(documents), relevance, tuple(decisions), len(cleaned), start, as_of)


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
    for doc in corpus.documents:
        for art in (doc.article, *doc.duplicates):
            if art.date is not None:
                daily[art.date] = daily.get(art.date, 0) + 1
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
            items.append(Item(text=sent.text, sources=(n,), offsets=((sent.start, sent.end),), label=label))
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
    )


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
    return _build(loaded, as_of, out_dir, formats, workspace, made_from(loaded))


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

    config = loaded.config
    timings: dict[str, float] = {}
    intake = take_in(loaded, as_of, timings, workspace)
    documents, start = intake.documents, intake.start
    if not documents:
        raise NoArticlesError(
            f"no article left to summarize: {intake.articles_read} read from {len(config.sources)} source(s), "
            f"none both inside {start}..{as_of} and on topic (see `briefgen inspect`)"
        )

    with _timed(timings, "analyse"):
        corpus = workspace.analyse(documents, config.spacy_model, timings)
    with _timed(timings, "select"):
        topic = TopicMatcher(config.topic)
        selection = summarize.select(corpus, topic, config.resolved_audience(), config.summarizer, intake.relevance)
    if not any(s.sentences for s in selection.sections):
        raise NoArticlesError("the articles left hold no sentence that can be quoted on its own")
    briefing = compose(selection, corpus, loaded, as_of, start, articles_read=intake.articles_read)

    with _timed(timings, "render"):
        rendered = render_all(briefing, loaded, formats)
        rendered["ingest.json"] = json.dumps(intake_report(intake), ensure_ascii=False, indent=2) + "\n"
    with _timed(timings, "write"):
        outputs = write_outputs(rendered, out_dir)
        outputs["manifest.json"] = write_manifest(loaded, as_of, outputs, out_dir, ingredients)
    return BuildResult(briefing=briefing, outputs=outputs, decisions=intake.decisions, timings=timings)


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


def ensure_built(
    loaded: LoadedConfig,
    as_of: dt.date,
    out_dir: Path,
    formats: Sequence[str],
    workspace: Workspace | None = None,
    *,
    rebuild: bool = False,
    sent: bool = False,
) -> Finished:
    """The build of this config and date in ``out_dir`` when it is finished, has every output of
    ``formats`` and everything it was made from is unchanged; otherwise a new build.

    ``sent`` says the delivery log holds a message of this briefing already: then its build
    is kept even though its inputs changed (with a warning), so that every recipient of one
    briefing gets the same one; ``rebuild`` builds afresh all the same.
    """
    from .builds import briefing_counts

    needed = output_keys(formats)
    try:  # once, for both the reuse check and a new build's manifest
        ingredients: dict[str, Any] | None = made_from(loaded)
    except BriefgenError:
        ingredients = None  # the reuse check gives it as the reason, and a build raises it
    if rebuild:
        reason = "asked to rebuild"
    else:
        found, reason = reusable(loaded, as_of, out_dir, needed, now=ingredients)
        if found is None and sent:
            kept, _ = reusable(loaded, as_of, out_dir, needed, inputs=False)
            if kept is not None:
                logger.warning(
                    "%s: %s since this briefing went out to some recipients; sending them the same one "
                    "(--rebuild to build afresh)",
                    loaded.name,
                    reason,
                )
                return Finished(out_dir, kept, False, f"kept: {reason} since it was sent", briefing_counts(kept))
        if found is not None:
            return Finished(out_dir, found, False, reason, briefing_counts(found))
    if ingredients is None:
        result = build(loaded, as_of, out_dir, formats, workspace=workspace)
    else:
        result = _build(loaded, as_of, out_dir, formats, workspace or Workspace(), ingredients)
    counts = (result.briefing.articles_used, result.briefing.articles_read)
    return Finished(out_dir, {key: result.outputs[key] for key in needed}, True, reason, counts)
