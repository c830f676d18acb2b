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
from typing import TypedDict

from .builds import OUTPUT_FILES, default_out_dir, made_from, output_keys, reusable, write_manifest
from .clean import duplicate_of, group_duplicates
from .config import Config, LoadedConfig
from .errors import ArticleError, BriefgenError, NoArticlesError
from .fetch import is_url
from .ingest import MAX_BYTES, expand_sources
from .models import Briefing, Corpus, Document, Item, Section, Selection, Source, SourceRef
from .topic import TopicMatcher
from .workspace import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """What happened to one input (a file, or one post or entry of it): kept, or why it was left out."""

    path: str
    status: str  # kept | duplicate | off-topic | outside window | unreadable
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


@dataclass
class BuildResult:
    briefing: Briefing
    outputs: dict[str, Path]
    decisions: tuple[Decision, ...]
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


# ----------------------------------------------------------------------------- stages


def ingest(loaded: LoadedConfig, decisions: list[Decision], workspace: Workspace) -> list[Document]:
    """Read and clean every source file and URL; an unreadable one is reported and skipped.

    The workspace reads each input once however many briefings use it; documents are
    numbered here, in source order.
    """
    from .dirs import http_cache_dir
    from .fetch import fetch

    config = loaded.config
    urls = [s for s in config.sources if is_url(s)]
    files, missing = expand_sources([s for s in config.sources if not is_url(s)], loaded.base_dir)
    for message in missing:
        logger.warning(message)
    cache_dir = loaded.resolve(config.fetch.cache_dir) if config.fetch.cache_dir else http_cache_dir()

    def fetcher(url: str) -> Callable[[], tuple[bytes, str]]:
        def get() -> tuple[bytes, str]:
            got = fetch(
                url,
                cache_dir,
                max_age=config.fetch.max_age_hours * 3600,
                timeout=config.fetch.timeout,
                max_bytes=MAX_BYTES,
            )
            return got.body, got.content_type

        return get

    documents: list[Document] = []
    sources: list[Path | str] = [*files, *urls]
    for source in sources:
        try:
            if isinstance(source, Path):
                found = workspace.file_documents(source)
            else:
                found = workspace.url_documents(source, fetcher(source))
        except ArticleError as exc:
            logger.warning("skipped %s: %s", exc.path, exc.reason)
            decisions.append(Decision(str(source), "unreadable", exc.reason))
            continue
        except Exception as exc:  # a reader bug must not sink the run either
            logger.warning("skipped %s: %s: %s", source, type(exc).__name__, exc)
            decisions.append(Decision(str(source), "unreadable", f"{type(exc).__name__}: {exc}"))
            continue
        documents.extend(dataclasses.replace(doc, index=len(documents) + i) for i, doc in enumerate(found))
    return documents


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
    start = as_of - dt.timedelta(days=config.window.days - 1)
    topic = TopicMatcher(config.topic)
    decisions: list[Decision] = []
    with _timed(timings, "read and clean"):
        cleaned = ingest(loaded, decisions, workspace)
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
            decisions.append(
                Decision.of(doc, "kept", f"relevance {relevance[doc.index]:.2f}{undated}", relevance[doc.index])
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
    URLs stay as they are.
    """
    if is_url(path):
        return path
    try:
        rel = os.path.relpath(path, base).replace(os.sep, "/")
    except ValueError:
        return path
    return path if rel.startswith("../../") else rel


def compose(
    selection: Selection, corpus: Corpus, loaded: LoadedConfig, as_of: dt.date, start: dt.date, articles_read: int
) -> Briefing:
    """Number the cited sources in order of first citation and turn selected sentences into items."""
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
            n = numbers.setdefault(sent.doc, len(numbers) + 1)
            label = sel.labels[k] if k < len(sel.labels) else None
            items.append(Item(text=sent.text, sources=(n,), offsets=((sent.start, sent.end),), label=label))
        sections.append(Section(name=sel.name, heading=sel.heading, items=tuple(items)))
    sources = []
    for doc_index, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        art = docs[doc_index].article
        sources.append(
            Source(
                id=n,
                title=art.title,
                publisher=art.publisher,
                author=art.author,
                date=art.date,
                url=web_url(art.url),
                path=display_path(art.path, loaded.base_dir),
                also=tuple(
                    SourceRef(a.title, a.publisher, a.date, web_url(a.url), display_path(a.path, loaded.base_dir))
                    for a in docs[doc_index].duplicates
                ),
            )
        )
    return Briefing(
        title=config.title,
        as_of=as_of,
        window_start=start,
        window_days=config.window.days,
        audience=config.resolved_audience().name,
        sections=tuple(sections),
        sources=tuple(sources),
        articles_read=articles_read,
        articles_used=len(corpus.documents),
        undated=tuple(s.id for s in sources if s.date is None),
        daily=tuple(sorted(daily.items())),
    )


def web_url(url: str | None) -> str | None:
    """A source's URL when it is an http(s) address; anything else (``javascript:``, ``file:``) is not linked."""
    return url if url and is_url(url) else None


def render_all(briefing: Briefing, loaded: LoadedConfig, formats: Sequence[str]) -> dict[str, str | bytes]:
    """Render the formats asked for with the config's templates and branding; JSON always."""
    from . import render

    overrides = render.template_dirs(loaded.config, loaded.base_dir)
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
        raise BriefgenError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
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
    from . import summarize

    loaded = config if isinstance(config, LoadedConfig) else LoadedConfig.in_code(config, base_dir)
    config = loaded.config
    workspace = workspace or Workspace()
    as_of = as_of or config.window.as_of or dt.date.today()
    formats = list(formats or config.output.formats)
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(loaded, as_of)
    timings: dict[str, float] = {}
    ingredients = made_from(loaded)  # before reading, so a file changed meanwhile calls for a rebuild

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
) -> Finished:
    """The build of this config and date in ``out_dir`` when it is finished, has every output of
    ``formats`` and everything it was made from is unchanged; otherwise a new build."""
    from .builds import briefing_counts

    needed = output_keys(formats)
    if rebuild:
        reason = "asked to rebuild"
    else:
        found, reason = reusable(loaded, as_of, out_dir, needed)
        if found is not None:
            return Finished(out_dir, found, False, reason, briefing_counts(found))
    result = build(loaded, as_of, out_dir, formats, workspace=workspace)
    counts = (result.briefing.articles_used, result.briefing.articles_read)
    return Finished(out_dir, {key: result.outputs[key] for key in needed}, True, reason, counts)
