"""``briefing.json`` as it is read back: the parts ``verify``, ``approve``, ``serve`` and novelty rely on.

A build writes the whole briefing (:func:`briefgen.render.formats.briefing_data`); what is read
back of it is checked here with :class:`BriefingRecord` before anything uses it: every source's
number and sha256, every item's text, sources and offsets, strictly typed, each offset within
what any source text can be, and every item citing a source the briefing lists. What does not
hold is one line naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from briefgen.records.files import load_record, read_record

#: The largest ``briefing.json`` read back (and the largest page of a briefing ``serve`` reads). Its
#: quotes are bounded by the config (fewer than 100, each of at most 1,000 characters) and so are
#: its sources; what grows is the other outlets each source lists, at most one per article read
#: (``limits.max_articles``, 20,000 by default) at up to about 3 KB each (a title of 300
#: characters, a publisher of 200, a URL of 2,048 and a path): 64 MiB holds the default's worst
#: case, and a build whose ``briefing.json`` would be larger is refused.
MAX_BRIEFING_BYTES = 64 * 1024 * 1024

#: No offset is past this: a source's cleaned text is cut at ``limits.max_chars``, at most 900,000.
MAX_OFFSET = 900_000


def _ordered(span: tuple[int, int]) -> tuple[int, int]:
    if span[0] > span[1]:
        raise ValueError(f"out of range: starts at {span[0]}, after its end {span[1]}")
    return span


Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
#: ``[start, end]``: where an item's text stands in a source's text.
Span = Annotated[tuple[Offset, Offset], AfterValidator(_ordered)]


class ItemRecord(BaseModel):
    """A quoted item: its text, the sources it cites and where it stands in each."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    id: str | None = Field(default=None, max_length=100)
    text: str
    sources: tuple[Annotated[int, Field(ge=1)], ...]
    offsets: tuple[Span, ...]

    @model_validator(mode="after")
    def _one_span_per_source(self) -> ItemRecord:
        if len(self.sources) != len(self.offsets):
            raise ValueError(f"{len(self.sources)} sources but {len(self.offsets)} offsets")
        return self


class SectionRecord(BaseModel):
    """A section: its name, heading and items."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    name: str
    heading: str | None = None
    items: tuple[ItemRecord, ...] = ()


class StoryRecord(BaseModel):
    """A story (``layout: stories``): its headline, the source it is quoted from and, for a sentence, where."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    id: str = Field(max_length=100)
    headline: str
    headline_source: Annotated[int, Field(ge=1)] | None = None
    headline_offsets: Span | None = None


class SourceRecord(BaseModel):
    """A cited source: its number, where it was read from and the sha256 of its cleaned text."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    id: Annotated[int, Field(ge=1)]
    path: str | None = None
    text_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class EngineRecord(BaseModel):
    """The briefgen and code that made the briefing."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    briefgen: str | None = None
    code: str | None = None


class BriefingRecord(BaseModel):
    """What is read back of ``briefing.json``. Its other keys (titles, dates, outlets, labels,
    notes) are tolerated unread (``extra="ignore"``): they are the client's to read, covered by
    the file's sha256 in the manifest, and a briefing of another version may have more."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    as_of: dt.date
    engine: EngineRecord | None = None
    articles_used: int | None = None
    articles_read: int | None = None
    sections: tuple[SectionRecord, ...]
    sources: tuple[SourceRecord, ...]
    stories: tuple[StoryRecord, ...] = ()

    @model_validator(mode="after")
    def _cites_what_it_lists(self) -> BriefingRecord:
        listed: set[int] = set()
        for k, source in enumerate(self.sources):
            if source.id in listed:
                raise ValueError(f"sources[{k}].id: source {source.id} is listed twice")
            listed.add(source.id)
        for s, section in enumerate(self.sections):
            for i, item in enumerate(section.items):
                for j, n in enumerate(item.sources):
                    if n not in listed:
                        raise ValueError(f"sections[{s}].items[{i}].sources[{j}]: source {n} is not among the sources")
        for k, story in enumerate(self.stories):
            cited = story.headline_source
            if cited is not None and cited not in listed:
                raise ValueError(f"stories[{k}].headline_source: source {cited} is not among the sources")
            if story.headline_offsets is not None and n is None:
                raise ValueError(f"stories[{k}].headline_offsets: a headline quoted at offsets names its source")
        return self


def read_briefing(path: Path) -> BriefingRecord | None:
    """The ``briefing.json`` at ``path``, or None when there is none; one that is not a regular file,
    is larger than :data:`MAX_BRIEFING_BYTES` or does not validate raises
    :class:`~briefgen.errors.OutputError` naming the file and the key."""
    raw = read_record(path, MAX_BRIEFING_BYTES)
    return None if raw is None else load_record(path, BriefingRecord, raw)


def quote_problems(briefing: BriefingRecord, texts: Mapping[int, str | None]) -> list[tuple[str, str]]:
    """``(where, what)`` for each quoted item that is not its source's text at its offsets, given each
    source's text by id (None: a source whose own problem is reported once, elsewhere). What
    ``verify`` and ``approve`` both check: every sentence of a briefing is a source's, verbatim."""
    problems: list[tuple[str, str]] = []
    for section in briefing.sections:
        for k, item in enumerate(section.items, start=1):
            where = f"{section.heading or section.name}, item {k}"
            for n, (start, end) in zip(item.sources, item.offsets, strict=True):
                text = texts.get(n)
                if text is None:
                    continue
                if end > len(text):
                    problems.append(
                        (
                            where,
                            f"its offsets {start}–{end} are past the end of source {n}'s text ({len(text)} characters)",
                        )
                    )
                elif text[start:end] != item.text:
                    problems.append((where, _not_at(item.text, n, start, end)))
    for k, story in enumerate(briefing.stories, start=1):
        span, cited = story.headline_offsets, story.headline_source
        text = texts.get(cited) if cited is not None else None
        if span is None or text is None:
            continue
        start, end = span
        if end > len(text):
            problems.append(
                (
                    f"story {k}, headline",
                    f"its offsets {start}–{end} are past the end of source {cited}'s text ({len(text)} characters)",
                )
            )
        elif text[start:end] != story.headline:
            problems.append((f"story {k}, headline", _not_at(story.headline, cited, start, end)))
    return problems


def _not_at(quote: str, n: int | None, start: int, end: int) -> str:
    quoted = " ".join(quote.split())
    return f"“{quoted[:60]}{'…' if len(quoted) > 60 else ''}” is not source {n}'s text at {start}–{end}"
