"""What a built briefing leads with, read back from its ``briefing.json``: the title, the bottom line
and the headlines of its top stories (or, without stories, its key points).

Notifications (:mod:`briefgen.deliver.notify`) and the published archive (:mod:`briefgen.publish`)
announce a briefing by these, after it is built, from the file every build writes; the file is read
as every record is (a regular file, bounded) and only the keys used here are validated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from briefgen.records.files import load_record, read_record

#: The largest ``briefing.json`` read for its headlines (the same bound as every reading of it).
MAX_BRIEFING_BYTES = 64 * 1024 * 1024

#: The most key points that stand in for headlines in a briefing without stories.
MAX_KEY_POINTS = 5


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    text: str = Field(max_length=100_000)


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    items: tuple[_Item, ...] = ()


class _Story(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    headline: str = Field(max_length=100_000)
    top: bool = False


class _Briefing(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    title: str = ""
    as_of: dt.date
    layout: str = "sections"
    sections: tuple[_Section, ...] = ()
    stories: tuple[_Story, ...] = ()


@dataclass(frozen=True)
class Headlines:
    """What a briefing leads with."""

    title: str
    as_of: dt.date
    bottom_line: tuple[str, ...]
    """The bottom line's sentences (verbatim quotes)."""
    headlines: tuple[str, ...]
    """The top stories' headlines with ``layout: stories``; otherwise its first key points."""
    stories: bool
    """Whether ``headlines`` are stories' headlines (not key points)."""


def read_headlines(path: Path) -> Headlines | None:
    """The headlines of the ``briefing.json`` at ``path``; None when there is none. A file that cannot
    be read or is not a briefing raises :class:`~briefgen.errors.OutputError` naming it."""
    raw = read_record(path, MAX_BRIEFING_BYTES)
    if raw is None:
        return None
    briefing = load_record(path, _Briefing, raw)
    sections = {s.name: s for s in briefing.sections}
    bottom = tuple(i.text for i in sections["bottom_line"].items) if "bottom_line" in sections else ()
    top = tuple(s.headline for s in briefing.stories if s.top)
    if briefing.layout == "stories" and top:
        return Headlines(briefing.title, briefing.as_of, bottom, top, True)
    points = sections["key_points"].items[:MAX_KEY_POINTS] if "key_points" in sections else ()
    return Headlines(briefing.title, briefing.as_of, bottom, tuple(i.text for i in points), False)
