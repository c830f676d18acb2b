"""When an article is from: the date it states, or what its address and text tell.

An article's date comes from the first of these that gives one (``Article.date_source``):

1. ``page``: the page's or export's own metadata, which the readers take (WordPress ``date``,
   feed dates, HTML meta tags and JSON-LD, Markdown front matter, JSON Lines ``date``); for a
   plain-text article, what its user wrote: ``sidecar`` (``NAME.meta.yaml``) or ``header``
   (``Date:`` at its top);
2. ``url``: a full date in the article's address (``/2025/02/10/``, ``/20250210/``,
   ``2025-02-10`` in the path; a year and month alone are no date);
3. ``text``: a date line near the top ("February 10, 2025", "Published: 10 Feb 2025",
   "Updated 2025-02-10", "By Jane Roe · Feb. 10, 2025") or a news dateline opening the text
   ("WASHINGTON, Feb. 10, 2025 (Reuters) —").

An article still undated is bounded by the full dates (day, month and year) its text names
(:func:`bounds`): the latest named as past is its *not-before* date (shown as ``inferred``);
the earliest it looks forward to ("is set to take place on February 7, 2025", "will",
"scheduled for") is a day it was written before. An article written before an event in the
window that it looks forward to is a *preview* of it (:func:`preview_of`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from briefgen.models import PARAGRAPH, Article, Block, Document

#: The years a date in an address or a text may have; other numbers are not dates.
YEARS = (1900, 2100)

_MONTHS = {
    name: k
    for k, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
#: "February 7, 2025", "Feb. 7 2025"; "7 February 2025", "7th of Feb, 2025"; "2025-02-07", "2025/02/07".
_MDY = rf"\b{_MONTH}\.?\s+{_DAY},?\s+\d{{4}}(?!\d)"
_DMY = rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}\.?,?\s+\d{{4}}(?!\d)"
_YMD = r"(?<!\d)\d{4}(?:-\d{2}-\d{2}|/\d{2}/\d{2})(?!\d)"
FULL_DATE = re.compile(rf"{_MDY}|{_DMY}|{_YMD}", re.I)
"""A full date in running text: a day, a month and a year."""
#: A day and a month without a year, the month capitalised ("February 7", "7 Feb.").
_CAPITAL_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY_MONTH = re.compile(
    rf"\b{_CAPITAL_MONTH}\.?\s+{_DAY}\b(?!,?\s*\d)|\b{_DAY}(?:\s+of)?\s+{_CAPITAL_MONTH}\b(?!\.?,?\s*\d)"
)

_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
_TIME = r"(?:\s*[,|\u00b7\u2022-]?\s*(?:at\s+)?\d{1,2}(?:[:.]\d{2}){1,2}\s*(?:[ap]\.?\s?m\.?)?(?:\s*(?:[A-Z]{2,5}|(?:GMT|UTC)\s*[+-]?\d{1,4}(?::\d{2})?))?)"
_LABEL = r"(?:(?:first\s+|originally\s+)?published|(?:last\s+)?(?:updated|modified)|posted|dated?)"
DATE_LINE = re.compile(
    rf"^(?:by\s+[^\u00b7|\u2022\u2014\u2013]{{1,80}}?\s*[\u00b7|\u2022\u2014\u2013,-]\s*)?"
    rf"(?:{_LABEL}\s*:?\s*)?(?:on\s+)?{_WEEKDAY}?"
    rf"(?P<date>{_MDY}|{_DMY}|{_YMD}){_TIME}?\s*\.?$",
    re.I,
)
"""A line that says when the article is from, and nothing else: "Published: 10 Feb 2025", "Updated 2025-02-10 09:30"."""
DATELINE = re.compile(
    rf"^[A-Z][A-Z.'\u2019 -]{{1,40}}(?:,\s*[A-Z][A-Za-z.'\u2019 -]{{1,30}})?,\s*(?i:{_WEEKDAY}?)"
    rf"(?P<date>(?i:{_MDY}|{_DMY}|{_YMD}))\s*(?:\([^()]{{1,40}}\)|/[^/]{{1,40}}/)?\s*(?:[\u2014\u2013]|--?)\s"
)
"""A news dateline opening a paragraph: "WASHINGTON, Feb. 10, 2025 (Reuters) —", "SEOUL, South Korea, 10 February 2025 —"."""
#: How many of an article's first blocks may hold its date line.
TOP_BLOCKS = 5

#: Words that make what a sentence says of a date lie ahead of the writer: future tense, plans,
#: schedules, expectations ("will", "is set to", "is expected to", "plans to", "scheduled"...).
FORWARD = re.compile(
    r"\b(?:will|shall|(?:is|are|'s|'re)\s+(?:set|expected|scheduled|slated|due|poised|likely|planned|going|about)\s+to|"
    r"(?:is|are)\s+to\s+(?:be|take|hold|meet|visit|begin|start|open|sign|travel)|"
    r"(?:plans?|planning|intends?|aims?|seeks?|hopes?|expects?|prepares?|preparing)\s+to|"
    r"(?:scheduled|slated|set|planned|due|expected)\s+(?:for|on|to)|upcoming|forthcoming|anticipated|ahead\s+of|"
    r"next\s+(?:week|month|year)|later\s+this\s+(?:week|month|year))\b",
    re.I,
)
#: Words right before a date that make it one the writer looks forward to ("by", "until").
_FORWARD_JUST_BEFORE = re.compile(r"\b(?:by|until|till|ahead\s+of)\s+(?:the\s+)?(?:on\s+)?$", re.I)
#: How far before a date (in characters, within its sentence) a word of :data:`FORWARD` counts.
FORWARD_REACH = 120
#: A sentence ends at a full stop after a lower-case word (not "U.S." or "Feb.") before a capital, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)]{2}[.!?])[\"'\u201d\u2019]?\s+(?=[\"'\u201c\u2018]?[A-Z])|\n")


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not YEARS[0] <= year <= YEARS[1]:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_full_date(text: str) -> dt.date | None:
    """The date a :data:`FULL_DATE` match stands for; None when no such day exists."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if re.match(r"\d{4}", text):
        return _date(*numbers[:3]) if len(numbers) >= 3 else None
    word = re.search(r"[A-Za-z]{3,}", re.sub(r"(?i)\b\d+(?:st|nd|rd|th)\b|\bof\b", "", text))
    month = _MONTHS.get(word[0].lower()) if word else None
    if month is None or len(numbers) < 2:
        return None
    return _date(numbers[-1], month, numbers[0])


# ----------------------------------------------------------------------------- stated dates


def url_date(url: str | None) -> dt.date | None:
    """A full date in the path of an address: ``/2025/02/10/``, ``/20250210/``, ``2025-02-10`` (also
    ``2025_02_10``, ``2025.02.10``); a year and a month alone (``/2025/02/slug``) are no date."""
    if not url:
        return None
    try:
        path = unquote(urlparse(url).path)
    except ValueError:
        return None
    patterns = (
        r"(?<![\d])(\d{4})/(\d{1,2})/(\d{1,2})(?=/|$|[-_.])",
        r"(?<![\d])(\d{4})([-_.])(\d{2})\2(\d{2})(?!\d)",
        r"(?<![A-Za-z0-9])(\d{4})(\d{2})(\d{2})(?!\d)",
    )
    for pattern in patterns:
        for m in re.finditer(pattern, path):
            parts = [g for g in m.groups() if g.isdigit()]
            found = _date(int(parts[0]), int(parts[1]), int(parts[2]))
            if found is not None:
                return found
    return None


def date_line(text: str) -> dt.date | None:
    """The date of a line that is a date line and nothing else (see :data:`DATE_LINE`), else None."""
    line = " ".join(text.split())
    if len(line) > 160:
        return None
    m = DATE_LINE.match(line)
    return parse_full_date(m["date"]) if m else None


def dateline(text: str) -> dt.date | None:
    """The date of a news dateline opening a paragraph (see :data:`DATELINE`), else None."""
    m = DATELINE.match(text[:200])
    return parse_full_date(m["date"]) if m else None


def text_date(blocks: Sequence[Block]) -> dt.date | None:
    """The date a text states at its top: a date line among its first blocks, or a dateline
    opening its first paragraph."""
    top = list(blocks[:TOP_BLOCKS])
    for block in top:
        found = date_line(block.text)
        if found is not None:
            return found
    first = next((b for b in top if b.kind == PARAGRAPH), None)
    return dateline(first.text) if first is not None else None


def dated(article: Article) -> Article:
    """The article with its date and where it comes from, in the order of this module's docstring:
    a date a reader found is the page's own; else its address; else a date line or dateline."""
    if article.date is not None:
        return article if article.date_source else dataclasses.replace(article, date_source="page")
    date, source = url_date(article.url), "url"
    if date is None:
        date, source = text_date(article.blocks), "text"
    return article if date is None else dataclasses.replace(article, date=date, date_source=source)


# ----------------------------------------------------------------------------- dates a text names


@dataclass(frozen=True)
class Mention:
    """A date a text names, where, and whether the writer looks forward to it."""

    date: dt.date
    start: int
    end: int
    forward: bool
    full: bool = True
    """False for a day and month whose year was taken from the article's own date."""


def _sentence_start(text: str, at: int) -> int:
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, at - 600), at):
        start = m.end()
    return start


#: Modal verbs of what may come to pass ("could", "might"): forward-looking in a sentence, though
#: too loose to say that a date lies ahead.
_MODAL = re.compile(r"\b(?:[Cc]ould|[Mm]ight|[Ww]ould|may)\b")


def looks_forward(text: str) -> bool:
    """Whether a sentence speaks of what lies ahead: plans, schedules, expectations, future tense,
    what could or might happen."""
    return FORWARD.search(text) is not None or _MODAL.search(text) is not None


def names_passed(text: str, day: dt.date, year_from: dt.date | None = None) -> bool:
    """Whether a sentence names ``day`` or an earlier date (a day and month take ``year_from``'s year):
    what it looks forward to has come by ``day``."""
    return any(m.date <= day for m in mentions(text, year_from))


def _forward_at(text: str, start: int) -> bool:
    """Whether the date at ``text[start:]`` is named looking forward: a word of :data:`FORWARD`
    before it in its sentence (within :data:`FORWARD_REACH` characters), or "by", "until",
    "ahead of" right before it."""
    before = text[max(_sentence_start(text, start), start - FORWARD_REACH) : start]
    return bool(FORWARD.search(before) or _FORWARD_JUST_BEFORE.search(before))


def looks_forward_at(text: str, start: int) -> bool:
    """Whether the time named at ``text[start:]`` (a date, a weekday, "next week") is one the writer
    looks forward to, by the same test as a date's (:func:`mentions`)."""
    return _forward_at(text, start)


#: What every date of :data:`FULL_DATE` holds (four digits), and every day and month (a capitalised
#: month): matches are looked for only around these, which is several times faster than scanning all text.
_YEAR_DIGITS = re.compile(r"\d{4}")
_MONTH_START = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")


def _near(
    pattern: re.Pattern[str], text: str, anchor: re.Pattern[str], before: int, after: int
) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` in ``text`` that lie within ``before`` characters before and ``after``
    characters after a match of ``anchor``, in order (the same as ``pattern.finditer(text)`` when
    every match holds an anchor within those bounds)."""
    spans: list[list[int]] = []
    for m in anchor.finditer(text):
        lo, hi = max(0, m.start() - before), min(len(text), m.end() + after)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    for lo, hi in spans:
        yield from pattern.finditer(text, lo, hi)


def mentions(text: str, year_from: dt.date | None = None) -> Iterator[Mention]:
    """Every full date ``text`` names, in order; with ``year_from`` (the article's own date) also
    each capitalised day and month ("February 7"), as the first such day on or after it."""
    for m in _near(FULL_DATE, text, _YEAR_DIGITS, 32, 12):
        found = parse_full_date(m[0])
        if found is not None:
            yield Mention(found, m.start(), m.end(), _forward_at(text, m.start()))
    if year_from is None:
        return
    for m in _near(_DAY_MONTH, text, _MONTH_START, 10, 32):
        found = parse_full_date(f"{m[0]} {year_from.year}")
        if found is not None and found < year_from:
            found = parse_full_date(f"{m[0]} {year_from.year + 1}")
        if found is not None:
            yield Mention(found, m.start(), m.end(), _forward_at(text, m.start()), full=False)


def bounds(text: str, end: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """What the full dates an undated text names say of when it was written: (not before, written before).

    *Not before* is the latest date named as past, up to ``end`` (the window's last day): a date
    after the window's end is read as one the text looks forward to, since a briefing is built
    when its window ends. *Written before* is the earliest date it looks forward to, when that
    is after the not-before date (otherwise one of the two readings is wrong, and neither bounds it).
    """
    past: list[dt.date] = []
    ahead: list[dt.date] = []
    for m in mentions(text):
        (ahead if m.forward else past).append(m.date)
    not_before = max((d for d in past if d <= end), default=None)
    written_before = min(ahead, default=None)
    if written_before is not None and not_before is not None and written_before <= not_before:
        written_before = None
    return not_before, written_before


def preview_of(
    text: str, date: dt.date | None, not_before: dt.date | None, start: dt.date, end: dt.date
) -> dt.date | None:
    """The earliest day in the window (``start`` to ``end``) of an event the text looks forward to,
    when it was written before it: its ``date``, else its ``not_before`` date, precedes the day;
    an undated text with neither names the day only looking forward. None when it previews nothing."""
    named = list(mentions(text, year_from=date))
    past = {m.date for m in named if not m.forward}
    for m in sorted((m for m in named if m.forward and start <= m.date <= end), key=lambda m: m.date):
        known = date or not_before
        if (known is not None and known < m.date) or (known is None and m.date not in past):
            return m.date
    return None


def infer(doc: Document, start: dt.date, end: dt.date) -> Document:
    """The document with what its text tells of its date for a window from ``start`` to ``end``:
    bounds for an undated one (:func:`bounds`), and the event it previews (:func:`preview_of`)."""
    date = doc.article.date
    not_before, written_before = bounds(doc.text, end) if date is None else (None, None)
    preview = preview_of(doc.text, date, not_before, start, end)
    return dataclasses.replace(doc, not_before=not_before, written_before=written_before, preview_of=preview)


def outside(doc: Document, start: dt.date) -> str | None:
    """Why an undated document whose bounds are known (see :func:`infer`) falls before the window
    starting on ``start``; None when it may be inside it."""
    if doc.article.date is not None:
        return None
    if doc.not_before is not None and doc.not_before < start:
        return f"undated; latest date it names is {doc.not_before.isoformat()}"
    if doc.written_before is not None and doc.written_before < start:
        return f"undated; it looks forward to {doc.written_before.isoformat()}, so it was written before the window"
    return None


def date_source(doc: Document) -> str | None:
    """Where a document's date comes from, or ``inferred`` when only its not-before date is known."""
    if doc.article.date is not None:
        return doc.article.date_source or "page"
    return "inferred" if doc.not_before is not None else None
