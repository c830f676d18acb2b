"""What the client was told last week: the previous briefing of a config, read as a background.

A weekly briefing should say what is new. Its background is the most recent earlier briefing
of the same config: the latest earlier build in the config's output tree, or the build of the
latest briefing the delivery log shows was sent, whichever is more recent. From it come the
sentences it quoted (never quoted again) and the cleaned text of the articles it cited
(``sources/<n>.txt``, written with every build), whose content then counts for less
(:data:`briefgen.select.summarize.NOVELTY_DISCOUNT`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.errors import BriefgenError, OutputError
from briefgen.models import PARAGRAPH, Article, Background, Document, Span
from briefgen.records.briefing import read_briefing
from briefgen.records.deliveries import sent_before
from briefgen.records.files import own_file
from briefgen.records.manifest import MANIFEST, OUTPUT_FILES, SOURCES_DIR, default_out_dir, written_source
from briefgen.select.summarize import same_text

if TYPE_CHECKING:
    from briefgen.analyse.workspace import Workspace
    from briefgen.config.load import LoadedConfig

logger = logging.getLogger(__name__)

_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def previous_build(loaded: LoadedConfig, as_of: dt.date, out_dir: Path) -> Path | None:
    """The output directory of this config's most recent briefing dated before ``as_of``, or None:
    ``out_dir`` itself (a fixed ``output.dir``), its dated siblings (``output/<config>/<date>/``),
    or the build of the latest briefing the delivery log shows was sent."""

    found: list[tuple[dt.date, Path]] = []
    places = [out_dir]
    tree = out_dir.parent  # output/<config>/ holds one directory per date
    if tree.is_dir():
        # A link among the dated directories is none of briefgen's builds: it is not followed.
        places += [p for p in tree.iterdir() if _DATE_DIR.match(p.name) and p != out_dir and not p.is_symlink()]
    sent = sent_before(loaded, as_of)
    if sent is not None:
        places.append(default_out_dir(loaded, sent))
    for place in places:
        date = briefing_date(place)
        if date is not None and date < as_of:
            found.append((date, place))
    return max(found)[1] if found else None


def briefing_date(out_dir: Path) -> dt.date | None:
    """The as-of date of the finished build in ``out_dir``, or None when there is none (or its
    records are not briefgen's: a link, a FIFO, a file too large or of the wrong shape)."""
    try:
        if own_file(out_dir / MANIFEST, doing="reads") is None:
            return None
        briefing = read_briefing(out_dir / OUTPUT_FILES["json"])
    except BriefgenError as exc:
        logger.debug("not a previous briefing: %s", exc)
        return None
    return None if briefing is None else briefing.as_of


def read_background(out_dir: Path, workspace: Workspace, model: str | None) -> Background:
    """The previous briefing in ``out_dir`` as a background: its quoted sentences, and its cited
    articles' cleaned text analysed like any article (each once, through ``workspace``)."""

    try:
        briefing = read_briefing(out_dir / OUTPUT_FILES["json"])
        if briefing is None:
            raise OutputError(f"{out_dir / OUTPUT_FILES['json']} is gone")
    except BriefgenError as exc:
        logger.warning("cannot read the previous briefing in %s (%s); building without it", out_dir, exc)
        return Background()
    quoted = [item.text for section in briefing.sections for item in section.items]
    texts = []
    for source in briefing.sources:
        try:
            text = written_source(out_dir, source.id)
        except BriefgenError as exc:  # a link or a FIFO in its place: never read
            logger.warning("%s; its quotes stand for it", exc)
            text = None
        if text is not None:
            texts.append(text)
    if len(texts) < len(briefing.sources):  # an older build, or sources removed: its quotes stand for them
        texts.append("\n\n".join(quoted))
    documents = [text_document(text, k, f"{out_dir}/{SOURCES_DIR}/{k}") for k, text in enumerate(texts) if text.strip()]
    # Analysed in full: selection tells what is new from what was told by their lemmas.
    sentences = workspace.analyse(documents, model).sentences if documents else ()
    return Background(sentences=tuple(sentences), sent=frozenset(same_text(q) for q in quoted), since=briefing.as_of)


def text_document(text: str, index: int, path: str) -> Document:
    """A cleaned text as written to ``sources/``, paragraphs split at blank lines, as a Document."""
    spans = []
    pos = 0
    for part in text.split("\n\n"):
        if part.strip():
            spans.append(Span(PARAGRAPH, pos, pos + len(part)))
        pos += len(part) + 2
    words = len(text.split())
    article = Article(path=path, form="text", blocks=())
    return Document(index=index, article=article, text=text, spans=tuple(spans), words_before=words, words_after=words)
