"""Composing: the selected sentences become a :class:`~briefgen.models.Briefing`.

Sources are numbered in the order they are first cited, each item keeps its source's offsets, and
what a briefing shows of a source's metadata is bounded here (titles, names and URLs), so every
format is. An analyst's notes from ``edits.yaml`` are attached, and the dates the briefing relies on
are checked and warned about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen._version import __version__
from briefgen.codebase import code_version
from briefgen.config.load import LoadedConfig
from briefgen.ingest.dates import date_source
from briefgen.ingest.fetch import is_url
from briefgen.models import (
    AnalystNote,
    Briefing,
    BriefingStory,
    Corpus,
    Item,
    Section,
    Selection,
    Source,
    SourceRef,
    StoryArticle,
    passage_id,
)
from briefgen.render.words import Words, words
from briefgen.select.intake import display_path
from briefgen.textsafe import clip, printable, single_line

if TYPE_CHECKING:
    from briefgen.records.edits import Edits
logger = logging.getLogger(__name__)

#: The longest source title shown (and recorded); longer ones are cut with "…".
MAX_TITLE_CHARS = 300
#: The longest publisher or author name shown (and recorded).
MAX_NAME_CHARS = 200
#: A source URL longer than this is not linked (the file is named instead).
MAX_URL_CHARS = 2048
#: A selected sentence longer than this is left out: it is no sentence a reader can use
#: (60 words at most, so this many characters means giant tokens: a pasted URL list, base64).
MAX_QUOTE_CHARS = 1000
#: Other outlets listed under one source; the rest are counted ("and 290 more").
MAX_ALSO_SHOWN = 10


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

    def link(url: str | None) -> str | None:
        url = web_url(url)
        return url if url and len(url) <= MAX_URL_CHARS else None

    config = loaded.config
    w = words(config.language)
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
    by_id = {story.id: story for story in selection.stories}
    for sel in selection.sections:
        items = []
        for k, sent in enumerate(sel.sentences):
            story = sel.stories[k] if k < len(sel.stories) else None
            if story is not None:  # a story's headline is cited before its sentences
                numbers.setdefault(by_id[story].headline_doc, len(numbers) + 1)
            if len(sent.text) > MAX_QUOTE_CHARS:
                where = printable(display_path(docs[sent.doc].article.path, loaded.base_dir), 300)
                logger.warning("left out a sentence of %d characters from %s", len(sent.text), where)
                continue
            n = numbers.setdefault(sent.doc, len(numbers) + 1)
            label = in_language(sel.labels[k], w) if k < len(sel.labels) else None
            new = sel.new[k] if k < len(sel.new) else None
            items.append(
                Item(
                    text=sent.text,
                    sources=(n,),
                    offsets=((sent.start, sent.end),),
                    label=label,
                    new=new,
                    id=passage_id(sent.text),
                    story=story,
                )
            )
        if items or not sel.sentences:
            sections.append(
                Section(name=sel.name, heading=section_heading(sel.name, sel.heading, w), items=tuple(items))
            )
    stories = briefing_stories(selection, corpus, numbers, sections, loaded.base_dir, link)
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
        notes=(all_undated_note(len(corpus.documents), start, as_of, config.language),)
        if not daily and corpus.documents
        else (),
        layout="stories" if selection.top_stories else "sections",
        stories=stories,
    )


#: The label selection gives a key player: "Ishiba (3 articles)", the articles that name them.
_PLAYER_LABEL = re.compile(r"^(?P<name>.*) \((?P<n>\d+) articles?\)$")


def section_heading(name: str, heading: str, w: Words) -> str:
    """A section's heading in the briefing's language: selection names it in English ("Key points",
    "Top stories"), as English briefings show it."""
    if w.language == "en":
        return heading
    return w("top_stories") if heading == "Top stories" else w.heading(name)


def in_language(label: str | None, w: Words) -> str | None:
    """An item's label in the briefing's language: a key player's "Ishiba (3 articles)" is
    "Ishiba (3 Artikel)" in German."""
    if label is None or w.language == "en":
        return label
    found = _PLAYER_LABEL.match(label)
    return w("player", int(found["n"]), name=found["name"]) if found else label


def briefing_stories(
    selection: Selection,
    corpus: Corpus,
    numbers: dict[int, int],
    sections: Sequence[Section],
    base_dir: Path,
    link: Callable[[str | None], str | None],
) -> tuple[BriefingStory, ...]:
    """Every story of the selection as the briefing records it: the top stories first in rank order,
    then the others in theirs; each with all its articles, its outlets and dates, the source its
    headline is quoted from (when the briefing cites it) and the ids of its items."""
    docs = {d.index: d for d in corpus.documents}
    top = {story_id: rank for rank, story_id in enumerate(selection.top_stories)}
    items: dict[str, list[str]] = {}
    for section in sections:
        for item in section.items:
            if item.story is not None:
                items.setdefault(item.story, []).append(item.id)
    ordered = sorted(selection.stories, key=lambda st: top.get(st.id, len(top)))
    records = []
    for story in ordered:
        records.append(
            BriefingStory(
                id=story.id,
                headline=story.headline
                if story.headline_span
                else clip(story.headline, MAX_TITLE_CHARS) or story.headline,
                headline_source=numbers.get(story.headline_doc),
                headline_offsets=story.headline_span,
                articles=tuple(
                    StoryArticle(
                        path=display_path(docs[d].article.path, base_dir),
                        url=link(docs[d].article.url),
                        date=docs[d].article.date,
                        outlet=clip(docs[d].article.publisher, MAX_NAME_CHARS),
                    )
                    for d in story.docs
                ),
                outlets=tuple(o for o in (clip(o, MAX_NAME_CHARS) for o in story.outlets) if o),
                first_date=story.first_date,
                last_date=story.last_date,
                developing=story.developing,
                items=tuple(items.get(story.id, ())),
                top=story.id in top,
            )
        )
    return tuple(records)


def new_since(briefing: Briefing, since: dt.date | None, language: str | None = None) -> Briefing:
    """The briefing saying what is new since the previous one sent or built (``since``), if any:
    how many of its articles are dated after it, or, when none is, that nothing new was found;
    in the briefing's ``language`` (:data:`~briefgen.render.words.WORDS`; English without one)."""
    if since is None:
        return briefing
    w = words(language)
    fresh = sum(count for day, count in briefing.daily if day > since)
    if fresh:
        note = w(
            "new_since",
            date=w.longdate(since),
            dated=w("new_dated", fresh, used=briefing.articles_used),
            then=w("new_developing" if briefing.layout == "stories" else "new_lead"),
        )
    else:
        note = w("nothing_new", date=w.longdate(since))
    return dataclasses.replace(briefing, new_since=since, notes=(*briefing.notes, note))


def window_words(start: dt.date, end: dt.date, language: str | None = None) -> str:
    """A window as a reader says it: "12 February 2025", "the 7 days to 12 February 2025"; in German
    "vom 12. Dezember 2022", "aus den 7 Tagen bis zum 12. Dezember 2022" (what joins it to the
    sentence around it differs by language, so it is part of the words)."""
    w = words(language)
    if start == end:
        return w("window_day", date=w.longdate(end))
    return w("window_days", (end - start).days + 1, date=w.longdate(end))


def all_undated_note(used: int, start: dt.date, end: dt.date, language: str | None = None) -> str:
    """What a briefing says when none of its articles states a date, in its ``language`` (English without one)."""
    return words(language)("all_undated", used, window=window_words(start, end, language))


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


def apply_notes(briefing: Briefing, edits: Edits, corpus: Corpus, name: str) -> Briefing:
    """The briefing with the editor's notes, warning of edits that no longer apply: a dropped id no
    sentence of this build has (its article is gone, or its sentence was corrected), a note for
    a section this briefing lacks (shown under the header)."""
    if not edits:
        return briefing
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
