"""The build: the stages of a briefing, read top to bottom.

:func:`build` is the whole path, in order: take in the articles (read, clean, keep what is in the
window and on topic, merge duplicates: :mod:`briefgen.select.intake`), analyse them
(:mod:`briefgen.analyse`), read what the client was told last time (:mod:`briefgen.select.novelty`),
group the articles into stories (:mod:`briefgen.select.stories`), select sentences
(:mod:`briefgen.select.summarize`, analysing in full the articles it may quote from:
:func:`select_analysed`), compose the briefing
(:mod:`briefgen.render.compose`), render every format (:mod:`briefgen.render.formats`) and write
them, ``manifest.json`` last. :func:`ensure_built` reuses a finished build when nothing it was made
from changed (:mod:`briefgen.reuse`). A bad article is skipped with a warning naming it; it never
sinks the run. Building never imports sending.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen.analyse.topic import TopicMatcher
from briefgen.analyse.workspace import Workspace
from briefgen.config.defaults import FORMATS, Config
from briefgen.config.load import LoadedConfig
from briefgen.errors import BriefgenError, ConfigError, NoArticlesError, OutputError
from briefgen.models import (
    Background,
    Briefing,
    Corpus,
    Document,
    Selection,
    Story,
)
from briefgen.records.approval import approval_problem
from briefgen.records.edits import read_edits
from briefgen.records.files import own_dir, own_file, remove_own, size_text, write_atomically
from briefgen.records.manifest import (
    MANIFEST,
    OUTPUT_FILES,
    READ_BOUNDS,
    SOURCES_DIR,
    briefing_counts,
    default_out_dir,
    output_keys,
    read_manifest,
    write_manifest,
)
from briefgen.render.compose import apply_notes, compose, new_since, warn_about_dates
from briefgen.render.formats import render_all
from briefgen.reuse import made_from, reusable
from briefgen.select import summarize
from briefgen.select.intake import Decision, Intake, display_path, intake_report, nothing_left, take_in
from briefgen.select.languages import quotable_languages
from briefgen.select.novelty import previous_build, read_background
from briefgen.select.stories import group_stories
from briefgen.timing import timed

logger = logging.getLogger(__name__)


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


def write_outputs(rendered: dict[str, str | bytes], out_dir: Path) -> dict[str, Path]:
    """Write each rendered output whole and atomically (:func:`~briefgen.records.files.write_atomically`).
    Before anything is written, every file a build writes in ``out_dir`` (and ``sources/``) must be
    briefgen's own or absent: a link, a FIFO or a directory in the place of one stops the build
    with one line naming it, and nothing is written."""
    for key, name in OUTPUT_FILES.items():  # never a file that verify and approve would refuse to read
        data, bound = rendered.get(key, ""), READ_BOUNDS[name]
        if len(data) > bound // 4 and len(data.encode("utf-8") if isinstance(data, str) else data) > bound:
            raise OutputError(
                f"{out_dir / name} would be larger than {size_text(bound)}, more than verify reads: "
                "lower limits.max_articles"
            )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    check_outputs(out_dir, [name for key, name in OUTPUT_FILES.items() if key in rendered])
    outputs: dict[str, Path] = {}
    for key, name in OUTPUT_FILES.items():
        if key in rendered:
            outputs[key] = write_atomically(out_dir / name, rendered[key])
    return outputs


def check_outputs(out_dir: Path, names: Sequence[str]) -> None:
    """Every file named (and the manifest, and the texts in ``sources/``) in ``out_dir`` must be
    briefgen's own or absent: a link, a FIFO or a directory in the place of one raises
    :class:`~briefgen.errors.OutputError` naming it. Nothing to check where ``out_dir`` is no directory yet."""
    if not out_dir.is_dir():
        return
    for name in [*names, MANIFEST]:
        own_file(out_dir / name)
    if own_dir(out_dir / SOURCES_DIR):
        for old in sorted((out_dir / SOURCES_DIR).glob("*.txt")):
            own_file(old)


def write_sources(briefing: Briefing, out_dir: Path) -> None:
    """``sources/<id>.txt``: each cited source's cleaned text, exactly what the items' offsets index
    (``briefing.json`` records its sha256); a source text left by an earlier build goes first. The
    directory must be briefgen's own: a link in its place, or in the place of a text, is refused."""

    folder = out_dir / SOURCES_DIR
    if own_dir(folder):
        for old in sorted(folder.glob("*.txt")):
            remove_own(old)
    else:
        try:
            folder.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    for source in briefing.sources:
        write_atomically(folder / f"{source.id}.txt", source.text, inside=out_dir)


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
    """:func:`build` once its arguments are checked; ``ingredients`` is :func:`~briefgen.reuse.made_from`
    of the config, taken before anything is read, so a file changed meanwhile calls for a rebuild."""

    config = loaded.config
    timings: dict[str, float] = {}
    edits = read_edits(out_dir)  # an editor's drops and notes, re-applied by every build
    # What stands in the output directory is looked at before anything is read, so that a link or a
    # FIFO in the place of a file the build writes stops it before an hour's reading and analysis,
    # not after; writing checks again (:func:`write_outputs`), as anything may change meanwhile.
    check_outputs(out_dir, [OUTPUT_FILES[key] for key in [*output_keys(formats), "ingest.json"]])
    intake = take_in(loaded, as_of, timings, workspace)
    documents, start = intake.documents, intake.start
    if not documents:
        raise NoArticlesError(nothing_left(intake, len(config.sources)))

    def in_full(corpus: Corpus, docs: Collection[int]) -> Corpus:
        with timed(timings, "analyse in full"):
            return workspace.analyse_in_full(corpus, docs, config.spacy_model, timings, intake.languages)

    with timed(timings, "analyse"):
        # Stories are grouped by their word forms: only the articles a briefing may quote need their
        # lemmas and entities, which take nineteen twentieths of the model's time (select_analysed).
        by_story = config.layout == "stories"
        corpus = workspace.analyse(documents, config.spacy_model, timings, intake.languages, full=not by_story)
        corpus = quotable_languages(corpus, loaded, in_full)
    with timed(timings, "background"):
        background = previous_background(loaded, as_of, out_dir, workspace)
    with timed(timings, "stories"):
        stories = (
            group_stories(corpus, intake.focus, as_of, background, config.language)
            if config.layout == "stories"
            else ()
        )
    topic = TopicMatcher(config.topic, config.language)
    audience = config.resolved_audience()

    def choose(corpus: Corpus) -> Selection:
        with timed(timings, "select"):
            return summarize.select(
                corpus,
                topic,
                audience,
                config.summarizer,
                intake.focus,
                background,
                frozenset(edits.drop),
                stories,
                as_of=as_of,
                window_start=start,
                languages=intake.languages,
            )

    corpus, selection = select_analysed(corpus, stories, audience.stories, choose, in_full)
    if not any(s.sentences for s in selection.sections):
        raise NoArticlesError("the articles left hold no sentence that can be quoted on its own")
    briefing = compose(selection, corpus, loaded, as_of, start, articles_read=intake.articles_read)
    briefing = new_since(briefing, background.since, config.language)
    briefing = apply_notes(briefing, edits, corpus, loaded.name)
    warn_about_dates(briefing, loaded.name, config.window.undated)

    with timed(timings, "render"):
        rendered = render_all(briefing, loaded, formats)
        rendered["ingest.json"] = json.dumps(intake_report(intake), ensure_ascii=False, indent=2) + "\n"
    with timed(timings, "write"):
        outputs = write_outputs(rendered, out_dir)
        write_sources(briefing, out_dir)
        outputs["manifest.json"] = write_manifest(loaded, as_of, outputs, out_dir, ingredients)
    return BuildResult(briefing=briefing, outputs=outputs, decisions=intake.decisions, timings=timings)


def select_analysed(
    corpus: Corpus,
    stories: Sequence[Story],
    count: int,
    choose: Callable[[Corpus], Selection],
    in_full: Callable[[Corpus, Collection[int]], Corpus],
) -> tuple[Corpus, Selection]:
    """``choose``'s selection from ``corpus`` once the articles it may quote are analysed in full
    (``in_full``: lemmas and named entities), and the corpus as analysed.

    Of a corpus analysed for its word forms alone (:attr:`~briefgen.models.Corpus.light`), the
    articles of the first ``count`` ranked ``stories`` are analysed in full; then, while fewer than
    ``count`` of the stories so analysed hold a quotable sentence and some are left, those of twice
    as many; without stories, every article. A selection draws from the top stories alone and takes
    them in rank order (:func:`~briefgen.select.summarize.select`), so it is the one a corpus analysed
    in full throughout would give, for the full analysis of a few stories' articles rather than all."""
    analysed = count
    while True:
        docs = (
            {d for story in stories[:analysed] for d in story.docs} if stories else {d.index for d in corpus.documents}
        )
        corpus = in_full(corpus, docs)
        selection = choose(corpus)
        if len(selection.top_stories) >= count or analysed >= len(stories):
            return corpus, selection
        analysed *= 2


def stories_of(
    loaded: LoadedConfig, intake: Intake, workspace: Workspace, out_dir: Path | None = None
) -> tuple[Story, ...]:
    """The stories a build of ``loaded`` groups the articles ``intake`` kept into, ranked, best first
    (what ``inspect`` lists): the build's own analysis and background, without selecting or writing
    anything. Empty when no article is kept."""
    if not intake.documents:
        return ()
    as_of = intake.end
    model = loaded.config.spacy_model

    def in_full(corpus: Corpus, docs: Collection[int]) -> Corpus:
        return workspace.analyse_in_full(corpus, docs, model, None, intake.languages)

    corpus = workspace.analyse(intake.documents, model, None, intake.languages, full=False)
    corpus = quotable_languages(corpus, loaded, in_full)
    background = previous_background(loaded, as_of, out_dir or default_out_dir(loaded, as_of), workspace)
    return group_stories(corpus, intake.focus, as_of, background, loaded.config.language)


def story_summary(story: Story, documents: Sequence[Document], base_dir: Path) -> dict[str, Any]:
    """One story as ``inspect`` shows it: its id, headline, a line of its breadth and dates, whether
    it is developing, and its articles (each article's URL, else its path), most central first."""
    docs = {d.index: d for d in documents}
    when = " to ".join(dict.fromkeys(d.isoformat() for d in (story.first_date, story.last_date) if d)) or "undated"
    n, m = len(story.docs), len(story.outlets)
    line = f"{n} article{'s' if n != 1 else ''}, {m} outlet{'s' if m != 1 else ''}, {when}"
    return {
        "id": story.id,
        "headline": story.headline,
        "line": line + (", developing" if story.developing else ""),
        "score": round(story.score, 4),
        "developing": story.developing,
        "outlets": list(story.outlets),
        "first_date": story.first_date.isoformat() if story.first_date else None,
        "last_date": story.last_date.isoformat() if story.last_date else None,
        "articles": [docs[i].article.url or display_path(docs[i].article.path, base_dir) for i in story.docs],
    }


def previous_background(loaded: LoadedConfig, as_of: dt.date, out_dir: Path, workspace: Workspace) -> Background:
    """What the config's previous briefing told the client (``novelty: previous``), or nothing."""

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
        found = read_manifest(out_dir)
    except BriefgenError:
        return True
    if found is None or found[0].made_from is None:
        return True
    return ingredients is None or found[0].made_from.edits != ingredients.get("edits")


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
    ``ingredients`` is :func:`~briefgen.reuse.made_from` of the config now (None: not known);
    ``warn=False`` only decides, saying nothing of a build kept though its inputs changed."""

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
