"""Whether a quoted sentence stands on its own and in its time.

A briefing quotes sentences one by one, each under its source and date, far from the sentences
that came before them in their article. Three things a sentence can lean on do not travel with it:

**Relative time.** A deictic or anchored time expression, in TimeML's terms (Pustejovsky et al.,
2003, "TimeML: Robust Specification of Event and Temporal Expressions in Text"; the TIMEX2/TIMEX3
guidelines of Ferro et al., 2005), has its value only through its anchor, the article's date:
"yesterday", "on Tuesday", "this week", "last month", "later this year", "recently", "two weeks
ago". :func:`relative_time` finds them; :func:`in_its_time` lets such a sentence be quoted only
from an article whose date is known and, for a build, inside its window. :func:`periods` resolves
them against the article's date, as a temporal tagger normalises TIMEX3 values against the
document creation time (Strötgen & Gertz, 2013, "Multilingual and cross-domain temporal
tagging", HeidelTime), reading a weekday or a month by the tense around it, so that What's next
can tell what is still ahead of the as-of date (:func:`still_ahead`): a time it looks forward to
that has ended by then is past ("next week" in an article three weeks old), and so is an event
told in the past tense whose future is only what someone pledged or restated ("Trump reiterated
… that the U.S. will …", :func:`reports_past`), unless it names a time still ahead. In German,
French, Spanish, Italian, Dutch and Portuguese the same expressions are found and resolved with
each language's words (:class:`~briefgen.analyse.lang.cues.TimeWords`, after HeidelTime's
per-language resources), in the language each article is read in (:func:`time_languages`);
English's are read in every article, as they always were.

**References to what came before.** An extract that opens with a pronoun, a demonstrative, a
discourse connective or a definite description whose referent it does not introduce is the
commonest failure of referential clarity in extractive summaries (Nenkova & McKeown, 2003,
"References to Named Entities: a Corpus Study"; Nenkova, 2008, "Entity-driven rewrite for
multi-document summarization"; Pitler, Louis & Nenkova, 2010, "Automatic Evaluation of Linguistic
Quality in Multi-Document Summarization"). :func:`reference` sorts a sentence's opening into one
that stands alone, one that needs the sentence before it (quoted only right after it), and one
whose referent no nearby sentence names (never quoted). Definite descriptions follow Vieira &
Poesio (2000, "An Empirically Based System for Processing Definite Descriptions"): a definite
noun phrase is new to the discourse, and so stands alone, when its head is a proper name or an
entity, when a restrictive post-modifier establishes it ("the summit between Trump and Ishiba",
"the head of the agency"), when it is unique by a special predicate ("the first", "the
largest") or in the larger situation ("the world", and the words of the reader's own topic:
"the secretariat" in a briefing on it); otherwise it refers back, and is resolved by the
previous sentence when that sentence names its head, or an entity of the head's kind ("the
company" after a sentence naming an organisation). The same holds of one after "if", "when" and
the like, and in a short opening phrase ("During the summit, …"). Explicit connectives are those
of the Penn Discourse Treebank (Prasad et al., 2008), at the start or set off by commas after the
first words ("The Palestinians, in turn, …").

**Quotations.** A sentence that starts inside a quotation opened by a sentence before it, in the
same paragraph, holds someone's words without their name; quoted alone it would read as the
outlet's own statement, so it is never quoted (:func:`quotation`).

The word lists are closed classes and lexicons written from those sources; the choices among
them (which definite descriptions count as established) were checked on DUC 2003 and DUC 2006
(``bench/standalone_bench.py``: ROUGE against the older rule, and the items' openings read by hand).

**Facts.** :func:`has_fact` says whether a sentence states something a reader can check: a name,
a number, a date, or a concrete action with a subject, and not only an evaluation of them. A
sentence whose predicate is evaluative ("has reinforced the alliance at a critical juncture",
"signals a shift", "is a crucial test") states an opinion even when it names who it is about:
the subjectivity distinction of Wiebe, Wilson & Cardie (2005, "Annotating expressions of
opinions and emotions in language") and the appraisal lexicon of Martin & White (2005, "The
Language of Evaluation"). A sentence without a fact never leads a section.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from briefgen.analyse.lang import cues
from briefgen.analyse.topic import stem
from briefgen.ingest.dates import looks_forward_at, mentions
from briefgen.models import Document, Sentence


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, for the lexicons below."""
    return frozenset(text.split())


# ----------------------------------------------------------------------------- relative time

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH_NAMES = {name.lower(): k for k, name in enumerate(calendar.month_name) if name}
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_UNIT = r"(?:week(?:end)?|month|year|spring|summer|fall|autumn|winter|quarter|decade|season)"
#: Deictic and anchored time expressions (TIMEX3 values relative to the document's date): the
#: days around it, the week, month, season or year it falls in or next to, weekdays, "recently"
#: and "ago". Dates with a year, and a month or day named without one, are not here: the first
#: need no anchor, and the second keep their month (they are resolved by :func:`periods`).
RELATIVE_TIME = re.compile(
    rf"\b(?:today|tonight|yesterday|tomorrow|(?:this|last|next|coming|past|previous)\s+{_UNIT}|"
    rf"(?:this|last|tomorrow|yesterday)\s+(?:morning|afternoon|evening|night)|overnight|"
    rf"(?:earlier|later)\s+(?:this|that|last|next|in\s+the)\s+{_UNIT}|"
    rf"(?:earlier|later)\s+(?:today|tonight|in\s+the\s+day)|"
    rf"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|several|a\s+few|\d+)\s+"
    rf"(?:days?|weeks?|months?|years?|decades?)\s+(?:ago|earlier|later|before|after)|"
    rf"(?:in|over|during)\s+(?:the\s+)?(?:recent|coming|past|last|next)\s+(?:few\s+)?(?:days|weeks|months|years)|"
    rf"the\s+(?:day|week|month|year)\s+(?:before|after)|the\s+(?:next|following|previous)\s+(?:day|week|month|year)|"
    rf"recent(?:ly)?|lately|so\s+far\s+this\s+{_UNIT}|{_WEEKDAY}(?:['\u2019]s)?)\b",
    re.I,
)
#: A weekday that only introduces the full date after it ("Tuesday, February 11, 2025") is no relative time.
_WEEKDAY_OF_DATE = re.compile(
    rf"\b{_WEEKDAY},?\s+(?:{_MONTH}\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})", re.I
)


def relative_time(text: str, language: str = "en") -> bool:
    """Whether a sentence holds a time whose value depends on when it was written (:data:`RELATIVE_TIME`);
    in another ``language``, by that language's words (:func:`_relative_in`), and never in a
    language briefgen has no such words for."""
    if language != "en":
        times = _times(language)
        return times is not None and _relative_in(text, times)
    return any(not _WEEKDAY_OF_DATE.match(text, m.start()) for m in RELATIVE_TIME.finditer(text))


def anchor(doc: Document) -> dt.date | None:
    """The date a document's relative times count from: its own date, or an undated one's not-before date."""
    return doc.article.date or doc.not_before


def in_its_time(
    s: Sentence, doc: Document | None, window_start: dt.date | None, languages: Sequence[str] = ("en",)
) -> bool:
    """Whether a sentence may be quoted as far as its time goes: one without a relative time always;
    one with it only from an article whose date is known (:func:`anchor`) and not before the
    window's start, since "on Tuesday" or "last week" mean nothing under an unknown date and the
    wrong thing under an old one. Without a window (``window_start`` None) every sentence may.
    ``languages`` are those whose relative times are looked for (:func:`time_languages`)."""
    if window_start is None or not any(relative_time(s.text, language) for language in languages):
        return True
    date = anchor(doc) if doc is not None else None
    return date is not None and date >= window_start


@dataclass(frozen=True)
class Period:
    """A stretch of days a time expression stands for, and whether the writer looks forward to it."""

    start: dt.date
    end: dt.date
    forward: bool


def _week(day: dt.date, offset: int = 0) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday()) + dt.timedelta(weeks=offset)
    return monday, monday + dt.timedelta(days=6)


def _month(year: int, month: int, offset: int = 0) -> tuple[dt.date, dt.date]:
    k = year * 12 + (month - 1) + offset
    y, m = divmod(k, 12)
    return dt.date(y, m + 1, 1), dt.date(y, m + 1, calendar.monthrange(y, m + 1)[1])


def _season(year: int, name: str) -> tuple[dt.date, dt.date]:
    """Meteorological seasons of the northern hemisphere; winter runs from December into the next year."""
    first = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}[name]
    start = dt.date(year, first, 1)
    return start, _month(year, first, 2)[1]


def _unit_period(unit: str, day: dt.date, offset: int) -> tuple[dt.date, dt.date] | None:
    unit = unit.lower()
    if unit == "week":
        return _week(day, offset)
    if unit == "weekend":
        monday, _ = _week(day, offset)
        return monday + dt.timedelta(days=5), monday + dt.timedelta(days=6)
    if unit == "month":
        return _month(day.year, day.month, offset)
    if unit == "year":
        return dt.date(day.year + offset, 1, 1), dt.date(day.year + offset, 12, 31)
    if unit == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        start, _ = _month(day.year, first, 3 * offset)
        return start, _month(start.year, start.month, 2)[1]
    if unit in {"spring", "summer", "fall", "autumn", "winter"}:
        start, end = _season(day.year, unit)
        if offset > 0 and start <= day:
            start, end = _season(day.year + 1, unit)
        elif offset < 0 and end >= day:
            start, end = _season(day.year - 1, unit)
        return start, end
    return None


#: How far ahead "in the coming days / weeks / months" reaches ("soon" and "shortly" as weeks),
#: generously, so that only a span clearly over is read as past (not measured: no data set marks
#: these spans).
COMING = {"days": dt.timedelta(days=14), "weeks": dt.timedelta(weeks=8), "months": dt.timedelta(days=365)}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "several": 3,
    "a few": 3,
}
_DAY_WORDS = re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b|\b(tomorrow|yesterday)\b", re.I)
_UNIT_WORDS = re.compile(
    rf"\b(?:(?:(earlier|later)\s+)?(this|last|next|coming|past|previous)|(earlier|later)\s+in\s+the)\s+({_UNIT})\b"
    rf"|\bby\s+the\s+end\s+of\s+(?:the|this)\s+(week|month|year)\b",
    re.I,
)
_COMING = re.compile(
    r"\b(?:in|over|during)\s+the\s+(?:coming|next)\s+(?:few\s+)?(days|weeks|months)\b|\b(soon|shortly)\b", re.I
)
#: A month with the year it falls in, told relative to the article's: "February next year", "March of this year".
_MONTH_OF_YEAR = re.compile(rf"\b({_MONTH})\s+(?:of\s+)?(next|this|last)\s+year\b")
_OFFSET = re.compile(
    r"\b(?:in|within)\s+(?:the\s+next\s+)?(a|an|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|\d+)\s+"
    r"(days?|weeks?|months?|years?)\b|"
    r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a\s+few|\d+)\s+(days?|weeks?|months?|years?)\s+ago\b",
    re.I,
)
_WEEKDAY_WORD = re.compile(rf"\b({_WEEKDAY})(?:['\u2019]s)?\b", re.I)
#: A month named without a day, after a word that makes it a time ("in March", "by April", "early May").
_BARE_MONTH = re.compile(
    rf"\b(in|by|until|till|from|since|through|before|after|during|early|mid-?|late|end\s+of|until\s+the\s+end\s+of)\s+"
    rf"(?:early\s+|mid-?|late\s+)?({_MONTH})\b(?!\.?\s+\d|,?\s+\d{{4}}|\s+(?:of\s+)?(?:next|this|last)\s+year)"
)
#: A year named on its own ("in 2026", "by 2027", "until late 2026").
_BARE_YEAR = re.compile(
    r"\b(in|by|until|till|from|since|through|before|after|during|of|early|mid-?|late|end\s+of)\s+(?:early\s+|mid-?|late\s+)?"
    r"((?:19|20)\d\d)\b(?![-/]\d)"
)
#: Words before a month, a year or a weekday that put it in the past ("since April", "last Wednesday").
_BACK = _words("since from last past")


def _amount(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 1)


def _shift(day: dt.date, n: int, unit: str) -> dt.date:
    """``day`` moved ``n`` units; past the calendar's ends ("5,000 years ago"), its first or last day."""
    try:
        return _shifted(day, n, unit)
    except (ValueError, OverflowError):
        return dt.date.max if n > 0 else dt.date.min


def _shifted(day: dt.date, n: int, unit: str) -> dt.date:
    unit = unit.lower().rstrip("s")
    if unit == "day":
        return day + dt.timedelta(days=n)
    if unit == "week":
        return day + dt.timedelta(weeks=n)
    if unit == "month":
        start, _ = _month(day.year, day.month, n)
        return start.replace(day=min(day.day, calendar.monthrange(start.year, start.month)[1]))
    year = day.year + n
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def periods(text: str, date: dt.date | None, ahead: bool | None = None, language: str = "en") -> list[Period]:
    """The times a sentence names, as stretches of days: full dates and years on their own, and, given
    the article's ``date``, days and months named without a year, weekdays ("on Tuesday": the next
    one when the writer looks forward to it, the last one otherwise), the day, week, weekend,
    month, season or year it falls in or next to ("tomorrow", "next week", "later this year"), and
    spans from it ("in two weeks", "in the coming days", "three days ago"). Unresolvable
    expressions (a relative time without a ``date``) give nothing.

    Whether the writer looks forward to a weekday, a month or "this week" is told by the words
    before it (:func:`~briefgen.ingest.dates.looks_forward_at`), or is ``ahead`` when given: a
    sentence already known to look forward reads them ahead, as a temporal tagger reads them
    by the tense of their clause.

    In another ``language``, the same times in that language's words (:func:`_periods_in`); none
    in a language briefgen has no such words for."""
    if language != "en":
        times = _times(language)
        return _periods_in(text, date, ahead, times) if times is not None else []

    def forward_at(start: int) -> bool:
        return ahead if ahead is not None else looks_forward_at(text, start)

    found: list[Period] = []
    for mention in mentions(text, year_from=date):
        # Read ahead, a date after the article's own (or any, in an undated article) is one it looks forward to.
        forward = (
            mention.forward if ahead is None else mention.forward or (ahead and (date is None or mention.date > date))
        )
        found.append(Period(mention.date, mention.date, forward))
    for m in _BARE_YEAR.finditer(text):
        year = int(m[2])
        forward = m[1].lower() not in _BACK and forward_at(m.start())
        found.append(Period(dt.date(year, 1, 1), dt.date(year, 12, 31), forward))
    if date is None:
        return found
    for m in _BARE_MONTH.finditer(text):
        month = _MONTH_NAMES[m[2].lower()]
        forward = m[1].lower() not in _BACK and forward_at(m.start())
        year = date.year
        if forward and month < date.month:
            year += 1
        elif not forward and month > date.month:
            year -= 1
        start, end = _month(year, month)
        found.append(Period(start, end, forward))
    for m in _DAY_WORDS.finditer(text):
        shift = {"tomorrow": 1, "yesterday": -1}.get((m[1] or "").lower(), 0)
        day = date + dt.timedelta(days=shift)
        found.append(Period(day, day, shift > 0 or (shift == 0 and forward_at(m.start()))))
    for m in _UNIT_WORDS.finditer(text):
        if re.search(rf"{_MONTH}\s+(?:of\s+)?$", text[: m.start()]):
            continue  # the year of a month: read with it (_MONTH_OF_YEAR)
        if m[5]:
            span = _unit_period(m[5], date, 0)
            if span:
                found.append(Period(*span, True))
            continue
        which = (m[2] or "this").lower()
        offset = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(which, 0)
        span = _unit_period(m[4], date, offset)
        if span:
            earlier = (m[1] or m[3] or "").lower() == "earlier"
            forward = offset > 0 or (
                offset == 0 and not earlier and ((m[1] or m[3] or "").lower() == "later" or forward_at(m.start()))
            )
            found.append(Period(*span, forward))
    for m in _COMING.finditer(text):
        found.append(Period(date, date + COMING[(m[1] or "weeks").lower()], True))
    for m in _MONTH_OF_YEAR.finditer(text):
        year = date.year + {"next": 1, "last": -1}.get(m[2].lower(), 0)
        start, end = _month(year, _MONTH_NAMES[m[1].lower()])
        found.append(Period(start, end, end >= date))
    for m in _OFFSET.finditer(text):
        if m[1]:
            found.append(Period(date, _shift(date, _amount(m[1]), m[2]), True))
        else:
            day = _shift(date, -_amount(m[3]), m[4])
            found.append(Period(day, day, False))
    for m in _WEEKDAY_WORD.finditer(text):
        if _WEEKDAY_OF_DATE.match(text, m.start()):
            continue
        target = _WEEKDAYS.index(m[1].lower())
        before = re.search(r"(\w+)\s+(?:(?:on|early|late)\s+)?$", text[: m.start()])
        word_before = before[1].lower() if before else ""
        told = word_before.endswith("ed") or word_before in _IRREGULAR_PAST  # "met on Tuesday", "said Monday"
        forward = word_before == "next" or (word_before not in _BACK and not told and forward_at(m.start()))
        if forward:
            day = date + dt.timedelta(days=(target - date.weekday() - 1) % 7 + 1)
        else:
            day = date - dt.timedelta(days=(date.weekday() - target) % 7)
        found.append(Period(day, day, forward))
    return found


# ----------------------------------------------------------------------------- relative time in other languages

#: What joins two words where an apostrophe ends the first ("quest'anno", "de l'année").
_JOIN = r"(?:\s+|(?<=['\u2019]))"
#: After a number, what makes it an amount and not a year: "bis 2000 Euro", "a 2000 megawatt".
_NO_AMOUNT = (
    r"(?!\s*(?:%|‰|€|\$|£|euros?\b|dollars?\b|dólares\b|prozent\b|procent\b|pour\s+cent\b|por\s+ciento\b|"
    r"per\s+cento\b|por\s+cento\b|[kmgt]wh?\b|megawatt|gigawatt|tonnen\b|tonnes\b|toneladas\b|tonnellate\b|ton\b))"
)


def _alternation(words: Iterable[str]) -> str:
    """Plain words as one alternation, longest first: a space is any run of spaces, ``'`` either apostrophe."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", "['\u2019]") for w in ordered) or "(?!)"


def _key(text: str) -> str:
    """Matched words as the word lists write them: lower case, one space, ``'`` for either apostrophe.

    The patterns match regardless of case, and so also match letters whose lower case is no list's:
    the long s ("nächſte") and the dotless and dotted i; those are written as the lists write them."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u0131", "i").replace("i\u0307", "i")
    return " ".join(text.replace("\u2019", "'").split())


@dataclass(frozen=True)
class _Times:
    """One language's relative times as patterns (:func:`_times`), from its words (:class:`~briefgen.analyse.lang.cues.TimeWords`)."""

    words: cues.TimeWords
    days: re.Pattern[str]
    """A group for each of ``words.days``, in order."""
    units: re.Pattern[str]
    """A unit with a word saying which (``mod`` and ``unit``, ``unit2`` and ``mod2``), or an edge of this one (``unit3``)."""
    ago: tuple[re.Pattern[str], ...]
    within: tuple[re.Pattern[str], ...]
    coming: tuple[re.Pattern[str], ...]
    soon: re.Pattern[str]
    recognised: tuple[re.Pattern[str], ...]
    """Relative times that are found but not resolved: "two days later", "recently", "the day before"."""
    weekday: re.Pattern[str]
    of_date: re.Pattern[str]
    """A full date right after a weekday ("Dienstag, 12. Dezember 2022"): the weekday is no relative time."""
    mod_before: re.Pattern[str]
    mod_after: re.Pattern[str]
    dates: re.Pattern[str]
    bare_month: re.Pattern[str]
    bare_year: re.Pattern[str]
    month_mod: re.Pattern[str]
    month_then: re.Pattern[str]
    """A month, and what joins it to a year after it, ending a text ("März ", "mars de l'")."""
    back: re.Pattern[str]
    tense: re.Pattern[str]
    future: re.Pattern[str] | None
    weekdays: dict[str, int]
    months: dict[str, int]


@lru_cache(maxsize=16)
def _times(language: str) -> _Times | None:
    """The patterns of ``language``'s relative times; None for a language without words (and English,
    whose patterns are the ones above)."""
    w = cues.time_words(language)
    if w is None:
        return None
    number = rf"(?:{_alternation(w.numbers)}|\d+)"
    counted = _alternation({**w.singular, **w.plural})
    plural = _alternation(w.plural)
    before, after, units = _alternation(w.before), _alternation(w.after), _alternation(w.units)
    # Weekdays as the CLDR writes them anywhere (German's capitalised); capitalised where they are not
    # only opening a sentence, since "Domingo" or "Sabato" mid-sentence is a name.
    written = cues.weekday_names(language)
    opening = {name[0].upper() + name[1:]: day for name, day in written.items() if name[0].islower()}
    weekdays = {**written, **opening}
    anywhere, capital = _alternation(written), _alternation(opening)
    months = cues.month_names(language)
    month = _alternation(months)
    full_date = (
        rf"[0-3]?\d(?:\.|er|º|°|ª)?\s+(?:de\s+)?(?-i:{month})\.?,?\s+(?:de\s+)?(?:19|20)\d\d\b"
        r"|[0-3]?\d[./-][01]?\d[./-](?:19|20)?\d\d\b"
    )
    # Prepositions and an edge before a month or a year: "bis Ende März", "à la mi-mars", "a finales de 2026".
    lead = rf"\b(?P<prep>{w.prepositions})(?:\s+|-|(?<=['\u2019]))(?:(?:{w.edges})\s+(?:(?:{w.of_the}){_JOIN})?)?"

    def compile_all(templates: Sequence[str], unit: str, named: bool = True) -> tuple[re.Pattern[str], ...]:
        n = rf"(?P<n>{number})" if named else number
        return tuple(re.compile(t.format(n=n, unit=rf"(?P<unit>{unit})"), re.I) for t in templates)

    return _Times(
        words=w,
        days=re.compile(r"\b(?:" + "|".join(f"({words})" for words, _ in w.days) + r")\b", re.I),
        units=re.compile(
            rf"\b(?:(?P<mod>{before}){_JOIN}(?P<unit>{units})(?:-ci)?|(?P<unit2>{units})\s+(?P<mod2>{after})"
            rf"|(?:{w.edges})\s+(?:(?:{w.of_the}){_JOIN})?(?P<unit3>{units})(?!\s+(?:{after})\b))"
            # Not a unit of a year named ("el último trimestre de 2023").
            r"\b(?!-l[àa]|\s*(?:(?:de|del|des|di|van|von|do|da|du)\s+)?(?:19|20)\d\d\b)",
            re.I,
        ),
        ago=compile_all(w.ago, counted),
        # Only a count of two or more: "in einem Jahr, in dem…", "en un año electoral" name no time.
        within=compile_all(w.within, plural),
        coming=compile_all(w.coming, plural, named=False),
        soon=re.compile(rf"\b(?:{w.soon})\b", re.I),
        recognised=(
            *compile_all(w.around, counted, named=False),
            re.compile(rf"\b(?:{w.recent.format(n=number, unit=f'(?:{plural})')})\b", re.I),
        ),
        weekday=re.compile(
            rf"\b(?-i:(?P<day>{anywhere})|(?:^|(?<=^[\"'\u201e\u201c\u00ab\u00bb\u201a]))(?P<cap>{capital}))"
            rf"(?:{w.compounds})?\b",
            re.I,
        ),
        of_date=re.compile(rf"\s*,?\s*(?:(?:den|le|el|il|lo|de|o)\s+)?(?:{full_date})", re.I),
        mod_before=re.compile(rf"\b(?P<mod>{before})\s+$", re.I),
        mod_after=re.compile(rf"\s+(?P<mod>{after})\b", re.I),
        dates=re.compile(
            rf"\b(?P<day>[0-3]?\d)(?:\.|er|º|°|ª)?\s+(?:de\s+)?(?-i:(?P<month>{month}))\b"
            r"(?:\.?,?\s+(?:de\s+|del\s+)?(?P<year>(?:19|20)\d\d)\b)?",
            re.I,
        ),
        bare_month=re.compile(rf"{lead}(?-i:(?P<month>{month}))\b(?!\.?,?\s*(?:de\s+)?\d)", re.I),
        bare_year=re.compile(rf"{lead}(?P<year>(?:19|20)\d\d)\b(?![-/.,]\d){_NO_AMOUNT}", re.I),
        month_mod=re.compile(
            rf"\b(?:(?P<mod>{before})\s+(?-i:(?P<month>{month}))|(?-i:(?P<month2>{month}))\s+(?P<mod2>{after}))\b", re.I
        ),
        month_then=re.compile(rf"(?-i:(?P<month>{month}))\s+(?:(?:{w.of_the}){_JOIN})?$", re.I),
        back=re.compile(rf"(?:{w.back})", re.I),
        tense=re.compile(rf"\b(?:{w.tense})\b", re.I),
        future=cues.future(language),
        weekdays=weekdays,
        months=months,
    )


def _relative_in(text: str, t: _Times) -> bool:
    """Whether a sentence holds a relative time in the words of ``t``'s language: a day named from
    the article's ("gestern", "demain"), a week, month or year with a word saying which ("nächste
    Woche", "l'an dernier", "Ende des Jahres"), so long ago or from now ("vor zwei Wochen", "dans
    trois mois"), the coming or last few days, "recently", or a weekday that does not introduce a
    full date. As in English (:data:`RELATIVE_TIME`), a month or a day and month without a year is
    not one: they keep their month, and are resolved by :func:`periods`."""
    patterns = (t.days, t.units, *t.ago, *t.within, *t.coming, *t.recognised)
    if any(p.search(text) for p in patterns):
        return True
    return any(not t.of_date.match(text, m.end()) for m in t.weekday.finditer(text))


def _amount_in(word: str, t: _Times) -> int:
    key = _key(word)
    return int(key) if key.isdigit() else t.words.numbers.get(key, 1)


def _periods_in(text: str, date: dt.date | None, ahead: bool | None, t: _Times) -> list[Period]:
    """:func:`periods` in the words of ``t``'s language, resolved as TIMEX3 values against the
    article's ``date`` as HeidelTime resolves them language by language (Strötgen & Gertz, 2013):
    full dates ("12. Dezember 2022", "12 de diciembre de 2022") and years after a preposition
    ("bis 2030"); and, given ``date``, a day and month ("am 5. März"), a month after a preposition
    ("im März", "d'ici mars"), a month of this, next or last year ("im März nächsten Jahres",
    "mars prochain"), today, tomorrow and yesterday, this, next or last week, month or year (and
    their beginning, middle or end), "in N days" and "N weeks ago", the coming days, weeks or
    months, and weekdays, read ahead or back by the words around them ("am kommenden Dienstag",
    "mardi dernier"). What a sentence looks forward to is ``ahead`` when given; otherwise whether
    it is in the future tense or holds one of the language's cues of what comes next
    (:attr:`~briefgen.analyse.lang.cues.TimeWords.tense`, :func:`~briefgen.analyse.lang.cues.future`):
    German and the Romance languages put the verb where English's "words before" cannot find it."""
    w = t.words
    looks = bool(t.tense.search(text) or (t.future and t.future.search(text)))

    def forward_at() -> bool:
        return ahead if ahead is not None else looks

    def told(day: dt.date) -> bool:  # a date named in full: read ahead, one after the article's own
        return looks if ahead is None else ahead and (date is None or day > date)

    found: list[Period] = []
    # Full dates with digits alone ("2025-03-03") are the same in every language.
    found.extend(Period(m.date, m.date, told(m.date)) for m in mentions(text))
    for m in t.dates.finditer(text):
        month, number = t.months[m["month"]], int(m["day"])
        if m["year"]:
            day = _day(int(m["year"]), month, number)
            if day is not None:
                found.append(Period(day, day, told(day)))
        elif date is not None:  # a day and month: in the year that puts it ahead of the article's date, or behind
            forward = forward_at()
            day = _day(date.year, month, number)
            if day is not None and forward and day < date:
                day = _day(date.year + 1, month, number)
            elif day is not None and not forward and day > date:
                day = _day(date.year - 1, month, number)
            if day is not None:
                found.append(Period(day, day, forward))
    for m in t.bare_year.finditer(text):
        year = int(m["year"])
        forward = not t.back.fullmatch(_key(m["prep"])) and forward_at()
        found.append(Period(dt.date(year, 1, 1), dt.date(year, 12, 31), forward))
    if date is None:
        return found
    months_taken: set[int] = set()
    for m in t.units.finditer(text):
        word = m["mod"] or m["mod2"]
        offset = 0 if word is None else (w.before if m["mod"] else w.after)[_key(word)]
        unit = w.units[_key(m["unit"] or m["unit2"] or m["unit3"])]
        if unit == "year":  # the year of a month: "März nächsten Jahres", "mars de l'année prochaine"
            of = t.month_then.search(text, max(0, m.start() - 40), m.start())
            if of is not None:
                months_taken.add(of.start("month"))
                start, end = _month(date.year + offset, t.months[of["month"]])
                found.append(Period(start, end, end >= date))
                continue
        span = _unit_period(unit, date, offset)
        if span:
            found.append(Period(*span, offset > 0 or (offset == 0 and forward_at())))
    for m in t.month_mod.finditer(text):
        word, name = (m["mod"], m["month"]) if m["mod"] else (m["mod2"], m["month2"])
        offset = (w.before if m["mod"] else w.after)[_key(word)]
        month = t.months[name]
        months_taken.add(m.start("month") if m["mod"] else m.start("month2"))
        year = date.year
        if offset > 0 and month <= date.month:
            year += 1
        elif offset < 0 and month >= date.month:
            year -= 1
        start, end = _month(year, month)
        found.append(Period(start, end, offset > 0 or (offset == 0 and forward_at())))
    for m in t.bare_month.finditer(text):
        if m.start("month") in months_taken or t.mod_after.match(text, m.end()):
            continue
        month = t.months[m["month"]]
        forward = not t.back.fullmatch(_key(m["prep"])) and forward_at()
        year = date.year
        if forward and month < date.month:
            year += 1
        elif not forward and month > date.month:
            year -= 1
        found.append(Period(*_month(year, month), forward))
    for m in t.days.finditer(text):
        shift = w.days[(m.lastindex or 1) - 1][1]
        day = date + dt.timedelta(days=shift)
        found.append(Period(day, day, shift > 0 or (shift == 0 and forward_at())))
    for pattern in t.coming:
        for m in pattern.finditer(text):
            unit = w.plural[_key(m["unit"])]
            if unit != "year":
                found.append(Period(date, date + COMING[unit + "s"], True))
    found.extend(Period(date, date + COMING["weeks"], True) for _ in t.soon.finditer(text))
    for pattern in t.within:
        for m in pattern.finditer(text):
            unit = {**w.singular, **w.plural}[_key(m["unit"])]
            found.append(Period(date, _shift(date, _amount_in(m["n"], t), unit), True))
    for pattern in t.ago:
        for m in pattern.finditer(text):
            unit = {**w.singular, **w.plural}[_key(m["unit"])]
            day = _shift(date, -_amount_in(m["n"], t), unit)
            found.append(Period(day, day, False))
    for m in t.weekday.finditer(text):
        if t.of_date.match(text, m.end()):
            continue
        target = t.weekdays[m["day"] or m["cap"]]
        mod = t.mod_before.search(text, max(0, m.start() - 30), m.start())
        mod_after = t.mod_after.match(text, m.end())
        offset = w.before[_key(mod["mod"])] if mod else w.after[_key(mod_after["mod"])] if mod_after else 0
        forward = offset > 0 or (offset == 0 and forward_at())
        if forward:
            day = date + dt.timedelta(days=(target - date.weekday() - 1) % 7 + 1)
        else:
            day = date - dt.timedelta(days=(date.weekday() - target) % 7)
        found.append(Period(day, day, forward))
    return found


def _day(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None where there is no such day (30 February, 29 February in a common year)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def time_languages(language: str | None, default: str) -> tuple[str, ...]:
    """The languages whose relative times a document's sentences are read for: English's always,
    as they have always been, and the document's own ``language`` (as intake told it, see
    :func:`~briefgen.select.languages.sort_languages`; ``default``, the briefing's, when not told)."""
    language = language or default
    return ("en",) if language == "en" else ("en", language)


# ----------------------------------------------------------------------------- What's next

_IRREGULAR_PAST = _words(
    "said told met made took gave held came went saw sent won lost left led began spoke wrote rose fell paid "
    "sold bought built kept struck thought found became brought chose drew grew knew stood understood heard "
    "felt got sought vowed"
)
#: Verbs that only report what someone said or signalled: a plan reported with them is still a plan.
#: Verbs of commitment ("reiterated", "pledged", "vowed") are not among them: they tell an event.
_REPORTING = _words(
    "said told announced confirmed reported added noted stated disclosed revealed indicated predicted forecast "
    "estimated expected projected wrote explained suggested argued believed hinted warned signaled signalled "
    "declared claimed insisted acknowledged conceded"
)
#: A past expectation ("was expected to", "were due to"): what was expected then may have come and gone.
_PAST_EXPECTATION = re.compile(
    r"\b(?:was|were)\s+(?:expected|set|due|scheduled|slated|poised|supposed|planned|going)\s+to\b", re.I
)
#: An aside set off by commas: an apposition, a relative clause or a participle ("The team, led by …, will").
_ASIDE = re.compile(r",\s*(?:who|which|whose|where|a|an|the|[a-z]+ing|[a-z]+ed|led|made|held|known)\b[^,]*,")
_PRESENT = _words("is are am will would can may might must shall should could does do")
_PAST_AUX = _words("has have had was were did")
#: What makes "planned" no past verb: "is planned", "the planned law", "as planned".
_PLANNED_NOT_PAST = re.compile(r"\b(?:is|are|was|were|be|been|the|a|an|its|their|his|her|our|as)\s+$", re.I)


#: Horizons :func:`periods` does not resolve to days, each with how long after its article it
#: reaches at most ("in the months ahead": a year; "over the next decade": ten years). A
#: sentence looking to one is ahead while its article is no older than that.
_HORIZONS = (
    (re.compile(r"\b(?:next|coming|following)\s+(?:few\s+|several\s+)?weeks|weeks\s+(?:ahead|to\s+come)\b", re.I), 60),
    (
        re.compile(r"\b(?:next|coming|following)\s+(?:few\s+|several\s+)?months|months\s+(?:ahead|to\s+come)\b", re.I),
        366,
    ),
    (
        re.compile(r"\b(?:next|coming|following)\s+(?:few\s+|several\s+)?years|years\s+(?:ahead|to\s+come)\b", re.I),
        5 * 366,
    ),
    (
        re.compile(
            r"\b(?:(?:next|coming|following)\s+decade|(?:end|turn|middle)\s+of\s+(?:the|this)\s+decade)\b", re.I
        ),
        10 * 366,
    ),
    (
        re.compile(
            r"\b(?:(?:next|coming|following)\s+(?:few\s+)?(?:decades|generations?)|"
            r"(?:decades|generations?)\s+(?:ahead|to\s+come))\b",
            re.I,
        ),
        30 * 366,
    ),
    (
        re.compile(
            r"\b(?:(?:next|coming|following)\s+(?:century|centuries|millennium)|"
            r"(?:end|turn|start|beginning|middle)\s+of\s+(?:the|this|next)\s+(?:century|millennium))\b",
            re.I,
        ),
        100 * 366,
    ),
)
#: How many days before the as-of date an article may be dated for What's next to take an
#: expectation of it that names no time ("The board is expected to vote on a rival proposal."):
#: such an expectation looks to the days after its report, and two weeks on (two weekly
#: briefings) what it expected has come or been overtaken by later news. An expectation naming
#: a time is kept as long as that time is ahead, however old its report.
UNTIMED_AHEAD_DAYS = 14


def _past_form(word: str, lemmas: set[str]) -> bool:
    """A past tense or participle: "-ed" or irregular, and not its own lemma (an adjective or a noun)."""
    return ((word.endswith("ed") and len(word) > 4) or word in _IRREGULAR_PAST) and word not in lemmas


def reports_past(s: Sentence, future_at: int) -> bool:
    """Whether a sentence whose future cue starts at ``future_at`` tells a past event: the verb of its
    main clause before the cue, past a verb of reporting (:data:`_REPORTING`, whose complement is
    read instead) and asides set off by commas, is in the past tense, so the future is what
    someone pledged or restated ("Trump reiterated … that the U.S. will …"); or the cue itself is
    a past plan ("the group planned to …") or expectation ("was expected to")."""
    text = s.text
    if _PAST_EXPECTATION.search(text):
        return True
    if text[future_at:].lower().startswith("planned") and not _PLANNED_NOT_PAST.search(text[:future_at]):
        return True
    lemmas = set(s.terms)
    main = _ASIDE.sub(lambda m: " " * len(m[0]), text[:future_at])
    words = list(re.finditer(r"\b[A-Za-z]+\b", main[_clause_start(s) :]))
    for k, m in enumerate(words):
        word = m[0]
        if word[0].isupper():
            continue
        after = words[k + 1][0].lower() if k + 1 < len(words) else ""
        if word in _PRESENT:
            return False
        if word in _PAST_AUX:
            if after in _REPORTING:
                continue  # "has warned that …"
            return True  # "has reiterated", "was vetoed", "had planned"
        if word in _REPORTING or not _past_form(word, lemmas):
            continue
        previous = words[k - 1][0].lower() if k else ""
        if after == "by" or previous in {"the", "a", "an"} or previous in _PAST_AUX:
            continue  # a participle: "led by", "the proposed law"
        return True
    return False


def names_time_ahead(text: str, date: dt.date | None, as_of: dt.date, languages: Sequence[str] = ("en",)) -> bool:
    """Whether a sentence looking forward names a time, read ahead from ``date`` (:func:`periods`,
    in each of ``languages``), that ends on or after ``as_of``."""
    return any(p.forward and p.end >= as_of for lang in languages for p in periods(text, date, True, lang))


def horizon_ahead(text: str, date: dt.date, as_of: dt.date) -> bool | None:
    """Whether a horizon the sentence names (:data:`_HORIZONS`: "in the months ahead", "over the
    next decade"), counted from its article's ``date``, still reaches ``as_of``; None when it names
    none."""
    reach = [days for pattern, days in _HORIZONS if pattern.search(text)]
    return (as_of - date).days <= max(reach) if reach else None


def still_ahead(
    s: Sentence, doc: Document | None, as_of: dt.date | None, future_at: int, languages: Sequence[str] = ("en",)
) -> bool:
    """Whether a sentence looking forward (its cue at ``future_at``) tells what is still ahead.

    The times it names are resolved against its article's date, read ahead unless they say they
    are past ("last week", "yesterday"; :func:`periods`). With times ahead, it is ahead when the
    nearest of them after its article's date ends on or after ``as_of``: that is the time its event
    looks to, a later one its aim ("at the conference next month … by 2005"), and one that holds the
    article's own day tells when it was said ("said today that … will … next month"). Without, it
    is ahead when it is no past event (:func:`reports_past`, read in English articles only), holds
    no relative time that its undated article leaves unresolved, and its article's own date is no
    further before ``as_of`` than the horizon it names reaches (:func:`horizon_ahead`: "in the
    months ahead", a year), or, when it names none, :data:`UNTIMED_AHEAD_DAYS`. Without ``as_of``, only the past event is told apart: a sentence naming no time ahead
    must not be one. Times are read in each of ``languages`` (:func:`time_languages`)."""
    date = anchor(doc) if doc is not None else None
    ahead = [p for lang in languages for p in periods(s.text, date, True, lang) if p.forward]
    if ahead:
        if as_of is None:
            return True
        later = [p for p in ahead if date is None or p.start > date]
        if later:
            return min(later, key=lambda p: (p.start, p.end)).end >= as_of
        return max(p.end for p in ahead) >= as_of
    if as_of is not None and date is None and any(relative_time(s.text, lang) for lang in languages):
        return False
    own = doc.article.date if doc is not None else None
    if as_of is not None and own is not None:
        horizon = horizon_ahead(s.text, own, as_of)
        if horizon is not None:
            if not horizon:
                return False  # "in the months ahead" of a report years old
        elif (as_of - own).days > UNTIMED_AHEAD_DAYS:
            return False  # an expectation naming no time, from a report the news has since moved past
    # The tense rule reads English verbs ("was", "said"); in another language it would misread words
    # that look like them (German "was" is "what"), so there it does not apply.
    return languages[-1] != "en" or not reports_past(s, future_at)


# ----------------------------------------------------------------------------- references


class Opening(Enum):
    """What a sentence's opening leans on."""

    ALONE = "alone"
    """Nothing: it can be quoted on its own."""
    PREVIOUS = "previous"
    """The sentence before it in its article: it may be quoted right after that sentence."""
    UNRESOLVED = "unresolved"
    """Something no nearby sentence names: it is never quoted."""


#: Quote marks, brackets and dashes that may open a sentence before its first word.
_LEAD = re.compile(r"^[\s\"'\u201c\u2018\u2019(\[\u2014\u2013-]+")
#: Personal pronouns of the third person and demonstratives: always about someone or something before.
PRONOUNS = _words(
    "he she it they him her them his its their hers theirs himself herself itself themselves this that these those such"
)
#: First and second person: in a quotation attributed in the same sentence, the speaker is named there.
SPEAKERS = _words("i we you me us my our your mine ours yours myself ourselves yourself")
_CONTRACTED = re.compile(r"^([A-Za-z]+)['\u2019](?:s|re|ve|ll|d|m)\b", re.I)
#: Discourse connectives (the explicit connectives of the Penn Discourse Treebank, Prasad et al.,
#: 2008) and adverbs that continue what the previous sentence said.
CONNECTIVE = re.compile(
    r"^(?:but|and|or|so|yet|nor|also|however|moreover|furthermore|additionally|meanwhile|still|instead|"
    r"conversely|nevertheless|nonetheless|likewise|similarly|then|thus|therefore|hence|indeed|otherwise|besides|"
    r"consequently|accordingly|again|there|here|too|regardless|anyway|"
    r"(?:earlier|later|afterwards?|previously|separately|elsewhere)(?=\s*,)|"
    r"in (?:addition|contrast|turn|response|particular|fact|short|the meantime|that case|doing so)|by contrast|"
    r"on the other hand|as a result|as such|for (?:example|instance)|even so|even then|at the same time|after that|"
    r"that said|until then|by then|since then|to that end|among (?:them|those|others)|of (?:these|those|them)|"
    r"another|others|other|both(?=\s+[a-z])|the (?:other|former|latter|same|rest)|like (?:him|her|them|it))\b",
    re.I,
)
#: The same connectives set off by commas after a sentence's first words: "The Palestinians, in turn, accuse …".
MEDIAL_CONNECTIVE = re.compile(
    r"^[^,;:]{1,60},\s*(?:however|in turn|meanwhile|though|too|also|for example|for instance|nevertheless|"
    r"nonetheless|moreover|furthermore|in addition|by contrast|in contrast|on the other hand|as a result|instead|"
    r"still|likewise|similarly|therefore|thus|then|for (?:his|her|their|its) part)\s*,",
    re.I,
)
#: An attribution set off by commas after the first words (at most five, so that the sentence opens
#: on it, as "…, he said." closing a sentence does not), its speaker a pronoun ("Tanzania, they
#: noted, has …", "Defense spending, he said, will …"): someone the sentence does not name. Not
#: after a quotation's closing mark, whose speaker the quotation rule reads.
#: The first words of a sentence up to a comma that sets off an attribution (at most five words, not
#: closing a quotation), shared by :data:`_MEDIAL_ATTRIBUTION` and :data:`_WORD_SPEAKER`.
_MEDIAL_LEAD = r"^(?:[^\s,;:\"\u201c\u2018]+\s+){0,4}[^\s,;:\"\u201c\u2018]*[^\s,;:\"\u201c\u201d\u2018\u2019'],\s*"
_MEDIAL_ATTRIBUTION = re.compile(
    _MEDIAL_LEAD + r"(?:he|she|they)\s+(?:\w+ly\s+)?(?:said|says|say|noted|notes|added|adds|argued|argues|stressed|"
    r"explained|insisted|warned|wrote|writes|told \w+|believes?|believed|thinks?|thought)\s*,",
    re.I,
)
#: An opening participial phrase ("Addressing the crowd, …", "Asked about the talks, …"): the main
#: clause's subject follows its comma.
_PARTICIPLE_OPENING = re.compile(
    r"^(?:[A-Z][a-z]+ing|Asked|Pressed|Questioned|Told|Faced|Confronted|Quoted|Interviewed)\b[^,;:]{0,80},\s*"
)
#: What follows an opening phrase when it only closes an attribution ("…, he said."): the policy of
#: attributions closing a sentence, which stand alone.
_CLOSING_ATTRIBUTION = re.compile(r"^(?:he|she|they)\s+\w+(?:\s+\w+)?[.!?]?[\"'\u201d\u2019]?$", re.I)
#: A short opening adverbial of time or place before the subject, with or without a comma ("On
#: Wednesday he will …", "In 1994, they …", "Yesterday he …"): one to four words after its
#: preposition, none of which opens a clause of its own ("After officials said they would …" is not
#: one).
_ADVERBIAL_OPENING = re.compile(
    r"^(?:(?:on|in|at|by|for|during|after|before|since|until|within|under|despite|throughout|last|next|"
    r"earlier|later)\s+(?:(?!(?:that|who|whom|which|what|how|when|where|whether|if|said|says|say|told|"
    r"announced|reported)\b)[^\s,;:\"\u201c]+,?\s+){1,4}|(?:yesterday|today|tonight|later|earlier),?\s+)"
    r"(?=(?:he|she|they)(?:\s|['\u2019]))",
    re.I,
)
#: Pronouns that, as a main clause's subject, stand for someone named before.
_SUBJECT_PRONOUNS = frozenset({"he", "she", "they"})
#: Possessives that may stand for someone the opening phrase names ("Judging by Putin's habit, his …").
_POSSESSIVE_PRONOUNS = frozenset({"his", "her", "their"})
#: Words that open a clause before its subject: a definite description right after them must be
#: established like one at the start ("If the court upholds …").
_SUBORDINATOR = re.compile(
    r"^(?:if|unless|once|when|whenever|whether|until|should|after|before|as|although|though|while|because|since)\s+",
    re.I,
)
#: A short opening prepositional phrase ("During the summit, …"), whose noun phrase is checked the same way.
_PREPOSITION_OPENING = re.compile(
    r"^(?:during|at|after|before|in|on|following|since|throughout|amid|despite|under|with)\s+(?=the\s+[^,]{1,40},)",
    re.I,
)
_DEFINITE = re.compile(r"^the\s+", re.I)

#: Words that end a noun phrase: prepositions, conjunctions, auxiliaries, relatives and adverbs.
_CLOSED = _words(
    "of in on at for with without between among from to by over under after before during about against into onto "
    "through since until amid across near toward towards behind beyond within like unlike despite including "
    "following per via than as and or but nor yet so because although though while if whether when where that "
    "which who whom whose is are was were be been being am has have had will would shall should can could may "
    "might must do does did also now still already just only even never not then too again recently reportedly "
    "apparently however here there a an the this these those its their his her"
)
#: Present-tense verbs news opens with right after a subject ("The company says …", "The change comes …").
_FINITE_S = _words(
    "says comes goes remains seems appears makes takes gives shows means marks includes faces needs wants plans "
    "hopes expects adds argues notes reports claims believes thinks knows looks stands follows calls tells leads "
    "holds sets puts keeps begins ends opens requires allows gets runs lies rests reflects suggests underscores "
    "highlights signals represents"
)
#: Heads unique in the larger situation of any news text (Vieira & Poesio's "larger situation" uses).
UNIQUE = _words("world public internet web sun moon earth planet weather universe pope nation country")
#: Special predicates that make a definite description unique by themselves.
SPECIAL = _words(
    "first second third fourth fifth only sole largest biggest smallest highest lowest oldest youngest longest "
    "most least greatest best worst fastest deadliest strongest heaviest richest poorest top"
)
#: Time nouns: a definite description of a time ("the next day") counts from a time told before.
TIME_NOUNS = _words(
    "day days week weeks month months year years night morning afternoon evening weekend time moment period"
)
#: The entity labels a definite description's head may stand for, so that "the company" is resolved
#: by an organisation the previous sentence names (spaCy's OntoNotes labels).
_KINDS: dict[str, frozenset[str]] = {
    "PERSON": _words(
        "man woman boy girl person official minister president leader spokesman spokeswoman spokesperson chairman "
        "chairwoman secretary senator lawmaker legislator judge prosecutor lawyer attorney general commander ambassador "
        "envoy diplomat king queen prince princess pope premier chancellor governor mayor candidate suspect victim "
        "player coach director executive chief founder author writer scientist researcher professor doctor analyst "
        "activist dictator ruler pilot driver emperor soldier officer witness father mother son daughter wife husband "
        "widow couple pair leaders ministers officials men women actor singer star economist banker investor"
    ),
    "ORG": _words(
        "company firm group organization organisation agency ministry department government administration court "
        "tribunal party bank carrier airline maker manufacturer automaker union council committee commission board "
        "alliance coalition institute university school newspaper paper network team club army military navy force "
        "forces police parliament congress assembly legislature senate house cabinet regime rebels movement office "
        "bureau service embassy consulate fund foundation association federation league producer retailer insurer "
        "lender utility operator exchange authorities opposition economy"
    ),
    "GPE": _words(
        "country nation state city town village capital island islands region province area territory republic "
        "kingdom border port site building airport bridge hospital prison base peninsula district county"
    ),
    "LAW": _words(
        "law bill act treaty agreement accord pact constitution amendment resolution rule regulation deal charter "
        "convention"
    ),
    "EVENT": _words(
        "summit meeting talks conference war election elections games olympics tournament storm hurricane "
        "earthquake crash attack attacks bombing bombings shower festival visit trip negotiations"
    ),
    "PRODUCT": _words(
        "plane aircraft jet car vehicle drug satellite phone missile ship vessel rocket spacecraft device"
    ),
}
_KIND_LABELS = {
    "PERSON": {"PERSON", "NORP"},
    "ORG": {"ORG", "NORP", "GPE"},
    "GPE": {"GPE", "LOC", "FAC"},
    "LAW": {"LAW"},
    "EVENT": {"EVENT"},
    "PRODUCT": {"PRODUCT", "ORG"},
}
_WORD = re.compile(r"[A-Za-z0-9][\w.&'\u2019-]*|[^\w\s]")
_CAPITAL_TIME = re.compile(rf"^(?:{_WEEKDAY}|{_MONTH})$", re.I)


@dataclass(frozen=True)
class Phrase:
    """The definite noun phrase a sentence opens with: its words after "the" and what follows them."""

    words: tuple[str, ...]
    rest: str

    @property
    def heads(self) -> tuple[str, ...]:
        """Its nouns, the last first (the head), lower-cased, without a possessive "'s"."""
        return tuple(re.sub(r"['\u2019]s$", "", w).lower() for w in reversed(self.words))


#: Words that end a noun phrase once it has a word: adverbs of time and manner before its verb.
_AFTER_HEAD = _words("last next early late earlier later ago first then now once alone")
#: Words that open the object of a verb: a word ending in "s" before one is a verb ("The finding provides a …").
_OBJECT_START = _words("a an the its their his her that this these those no some all more up out about to")
#: Irregular past participles that open a reduced relative clause ("the agreement made by the union").
_PARTICIPLES = _words("made held led built brought sent taken given known shown done seen written chosen drawn set")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_SUPERLATIVE = re.compile(r"^[a-z]{2,}est$")
#: Words in "-est" that are no superlatives.
_NOT_SUPERLATIVE = _words(
    "interest protest forest request contest arrest harvest honest modest suggest conquest inquest manifest digest "
    "west rest chest nest guest test quest vest pest unrest behest midwest southwest northwest"
)


def _phrase(text: str) -> Phrase | None:
    """The words of a definite description at the start of ``text`` (which opens with "the"), up to
    the first word that cannot be part of it: punctuation, a closed-class word or pronoun, a verb (a
    past tense or participle after the first word, a present tense of :data:`_FINITE_S` or one
    before an object). A possessor takes the nouns it possesses with it: "the boy's father"."""
    m = _DEFINITE.match(text)
    if not m:
        return None
    tokens = [(t.group(), t.end()) for t in _WORD.finditer(text, m.end())][:10]
    words: list[str] = []
    end = m.end()
    possessor = False
    for k, (word, stop) in enumerate(tokens):
        lower = word.lower()
        if not re.match(r"[A-Za-z0-9]", word) or lower in _CLOSED or lower in _FINITE_S or lower in _IRREGULAR_PAST:
            break
        if lower in PRONOUNS or lower in SPEAKERS:
            break
        following = tokens[k + 1][0].lower() if k + 1 < len(tokens) else ""
        named_next = k + 1 < len(tokens) and tokens[k + 1][0][:1].isupper()  # "upholds Yoon's removal"
        if words and (
            lower in _AFTER_HEAD
            or lower.endswith("ly")
            or lower.endswith("ed")
            or (lower.endswith("ing") and (following in _CLOSED or not following.isalpha()))
            or (re.search(r"[^su]s$", lower) and (following in _OBJECT_START or named_next))
        ):
            break  # a verb, a participle or an adverb after the head: "The ministers agreed on …"
        words.append(word)
        end = stop
        if _POSSESSIVE.search(word):
            if possessor:
                break
            possessor = True
        if len(words) >= 6:
            break
    return Phrase(tuple(words), text[end:]) if words else None


@lru_cache(maxsize=65536)
def _stems(text: str) -> frozenset[str]:
    """The stems of a text's words (:func:`~briefgen.analyse.topic.stem`), worked out once per text."""
    return frozenset(stem(w.lower()) for w in re.findall(r"[A-Za-z]+", text))


def _names_head(heads: Sequence[str], s: Sentence) -> bool:
    """Whether sentence ``s`` names a head of a phrase: the same word, or an entity of its kind
    (:data:`_KINDS`: "the company" and an organisation)."""
    stems = _stems(s.text)
    if any(stem(h) in stems for h in heads if h.isalpha()):
        return True
    labels = {label for _, label in s.entities}
    return any(heads[0] in words and labels & _KIND_LABELS[kind] for kind, words in _KINDS.items())


#: A finite verb later in the clause, which makes a participle right after the head a modifier of it.
_LATER_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|could|can|may|might|[a-z]{3,}ed|"
    + "|".join(sorted(_FINITE_S | _IRREGULAR_PAST))
    + r")\b"
)
#: Heads of set phrases that open a sentence after a preposition and refer to nothing ("In the end", "In the past").
_IDIOMS = _words("end past future interim meantime run term whole process beginning outset contrary long short hand")
#: Prepositions whose phrase after a head restricts it to one referent ("the death toll from the storm").
_RESTRICTING = (
    r"(?:of|from|between|among|against|for|to|with|about|over|on|in|at|by|under|into|near|across|within|behind)"
)
#: Times, which date rather than restrict ("the talks on Tuesday").
_TIME_OBJECT = re.compile(
    rf"(?:{_WEEKDAY}|{_MONTH}|today|tonight|yesterday|tomorrow|(?:this|last|next)\s+{_UNIT})\b(?!['\u2019]s)", re.I
)
#: Pronouns and demonstratives, which refer back themselves ("the cause of its collapse").
_REFERRING_OBJECT = re.compile(r"(?:this|that|these|those|it|its|them|their|his|her|him|such)\b", re.I)
#: Heads of a country's institutions: a place named in the same sentence says whose they are.
INSTITUTIONS = _words("government military army navy president parliament cabinet economy regime legislature")
_PARTICIPLE = rf"(?:[a-z]+ed|{'|'.join(sorted(_PARTICIPLES))})"


def _established(phrase: Phrase, s: Sentence) -> bool:
    """Whether a definite description is new to the discourse by itself (Vieira & Poesio's tests):
    a proper name or entity in it, a special predicate (an ordinal, a superlative), a head unique
    in the larger situation, an institution whose place the sentence names, a relative clause, a
    reduced relative clause or an apposition naming its referent; and "the fact is that …",
    which refers to the clause it introduces."""
    words = phrase.words
    if any(w[0].isupper() and not _CAPITAL_TIME.match(w) for w in words) or words[0][0].isdigit():
        return True  # "The United States", "The Japanese government", "The 1990s"
    spans = " ".join(words)
    if any(spans in text or text in spans for text, _ in s.entities if len(text) > 3):
        return True
    first, head = words[0].lower(), phrase.heads[0]
    owner = next((_POSSESSIVE.sub("", w).lower() for w in words if _POSSESSIVE.search(w)), None)
    if owner is not None and owner in UNIQUE:
        return True  # "The nation's overall crime rate", "the world's largest …"
    if first in SPECIAL or (_SUPERLATIVE.match(first) and first not in _NOT_SUPERLATIVE) or head in UNIQUE:
        return True
    if head in INSTITUTIONS and any(label in {"GPE", "NORP"} for _, label in s.entities):
        return True  # "The military blamed … in East Timor"
    rest = phrase.rest
    if re.match(r"^\s*(?:,\s*)?(?:who|which|that|whose)\b|^\s+(?:is|was)\s+that\b", rest):
        return True  # "the six teen-agers who …", "the fear that …", "The fact is that …"
    closed = re.match(
        r"^\s*(?:,\s*(?:the\s+)?[A-Z][^,]*,|(?:--|\u2014|\u2013)\s*[A-Z].*?(?:--|\u2014|\u2013)|\(\s*[A-Z][^)]*\))",
        rest,
    )
    if closed and any(label in NAME_LABELS for _, label in s.entities):
        return True  # an apposition: "The hostages -- Britons Peter Kennedy …", "the inhibitors (Celebrex …)"
    if re.match(rf"^\s*,?\s+{_PARTICIPLE}\s+by\s+(?:the\s+)?[A-Z]", rest):
        return True  # "The conference, sponsored by the Malaria Consortium, …"
    participle = re.match(rf"^\s*,?\s+{_PARTICIPLE}\s+(?:{_RESTRICTING}|as|following|after|during|last|this)\b", rest)
    return bool(participle and _LATER_VERB.search(re.split(r"[,;:]", rest[participle.end() :], maxsplit=1)[0]))


_ORDER = {Opening.ALONE: 0, Opening.PREVIOUS: 1, Opening.UNRESOLVED: 2}


def _resolve(phrase: Phrase, s: Sentence, previous: Sentence | None, known: frozenset[str]) -> Opening:
    """What a definite description leans on: nothing when it is established (:func:`_established`)
    or restricted by a phrase whose object is ("the death toll from three weeks of cold", "the
    summit between Trump and Ishiba"), when its head is one of the reader's topic words ``known``
    (stems: the reader named it, so it is in the larger situation of the briefing), or named again
    in its sentence; the previous sentence when
    that one names its head, or the object of its restricting phrase ("the cause of the fire"
    after a sentence on a fire), or when it is a time ("the next day"); else nothing near."""
    if _established(phrase, s):
        return Opening.ALONE
    heads = phrase.heads
    found = Opening.UNRESOLVED
    pp = re.match(rf"^\s+{_RESTRICTING}\s+", phrase.rest)
    if pp is not None and not _TIME_OBJECT.match(phrase.rest, pp.end()):
        if _REFERRING_OBJECT.match(phrase.rest, pp.end()):
            found = Opening.PREVIOUS
        else:
            inner = _phrase(phrase.rest[pp.end() :])
            if inner is None:
                return Opening.ALONE  # "the head of a commission", "the rest of Asia"
            found = _resolve(inner, s, previous, known)
            if found is Opening.ALONE:
                return found
    if heads[0] in TIME_NOUNS:
        return Opening.PREVIOUS  # "The next day, …": counted from a time told before
    if stem(heads[0]) in known:
        return Opening.ALONE  # what the reader's topic names: "the secretariat" in a briefing on it
    if stem(heads[0]) in _stems(phrase.rest):
        return Opening.ALONE  # named again in the sentence itself: "the court … the Constitutional Court"
    if previous is not None and _names_head(heads, previous):
        return Opening.PREVIOUS
    return found


def _definite(text: str, s: Sentence, previous: Sentence | None, known: frozenset[str]) -> Opening:
    phrase = _phrase(text)
    return Opening.ALONE if phrase is None else _resolve(phrase, s, previous, known)


def opening(text: str) -> str:
    """The sentence from its first word: without quote marks, brackets or dashes before it."""
    return _LEAD.sub("", text)


def _pronoun(word: str) -> str | None:
    lower = word.lower()
    contracted = _CONTRACTED.match(word)
    if contracted:
        lower = contracted[1].lower()
    if lower in PRONOUNS or lower in SPEAKERS:
        return lower
    return None


def _first_word(text: str) -> str:
    m = re.match(r"[A-Za-z]+(?:['\u2019][a-z]+)?", text)
    return m[0] if m else ""


def _attributed(s: Sentence) -> bool:
    """Whether a sentence that opens a quotation names who speaks, after the quotation closes."""
    text = s.text
    close = min((k for k in (text.find("\u201d", 1), text.find('"', 1)) if k > 0), default=-1)
    if close < 0:
        return False
    after = text[close:]
    return any(label in {"PERSON", "ORG", "NORP", "GPE"} and name in after for name, label in s.entities)


def reference(s: Sentence, previous: Sentence | None = None, known: frozenset[str] = frozenset()) -> Opening:
    """What a sentence's opening leans on (see :class:`Opening`); ``previous`` is the sentence
    before it in its article, if any.

    A third-person pronoun, a demonstrative, "such" or a connective (opening the sentence, or set off
    by commas after its first words: "The Palestinians, in turn, …") needs the previous sentence; so
    does a pronoun speaker set off by commas ("Tanzania, they noted, …") or closing the sentence with
    no one named who may be them ("…, he stressed."), a pronoun subject after an
    opening participial phrase ("Addressing the crowd, he said …") and one after a short opening
    adverbial ("On Wednesday he will …") that names no one it may be. A
    first- or second-person pronoun opening a quotation stands alone when the sentence names who
    speaks, after the quotation; otherwise it needs the previous sentence. A definite description
    (:func:`_established`, directly or after "if", "when" and the like, or in a short opening
    phrase such as "During the summit,") stands alone when established by itself or named again in
    the sentence, needs the previous sentence when that one names its head or an entity of its
    kind, and is unresolved otherwise. ``known`` are the stems of the reader's topic words
    (:func:`topic_words`): a definite description of one of them stands alone.
    """
    text = opening(s.text)
    word = _first_word(text)
    pronoun = _pronoun(word)
    if pronoun in SPEAKERS:
        return Opening.ALONE if s.text[:1] in "\"\u201c'\u2018" and _attributed(s) else Opening.PREVIOUS
    if pronoun or CONNECTIVE.match(text) or MEDIAL_CONNECTIVE.match(text):
        return Opening.PREVIOUS
    found = _opening(text, s, previous, known)
    return Opening.PREVIOUS if found is Opening.ALONE and _unnamed_subject(text, s) else found


#: The verbs of a speaker's attribution ("…, Vitner said.", "Most Christians, Miller said, …").
_SAYS = (
    r"(?:said|says|added|adds|noted|notes|stressed|explained|insisted|warned|wrote|writes|argued|argues|"
    r"declared|recalled|conceded|acknowledged|maintained|contended|asserted|told \w+(?: \w+)?)"
)
#: What may follow a closing attribution's verb: a weekday ("… Vitner said Tuesday."), then the end.
_CLOSING_TAIL = r"(?:\s+(?:on\s+)?\w+day)?\s*[.!]\W*$"
#: A sentence that closes on its speaker, a pronoun ("…, he stressed.", "… the talks would go on, they
#: said."): the one who speaks is someone the sentence does not name.
_PRONOUN_SPEAKER = re.compile(
    rf"[,\"\u201d\u2019']\s*(he|she|they)\s+(?:\w+ly\s+)?(?:{_SAYS}|say|stresses|explains|insists|warns|"
    rf"observed|continued|emphasized|emphasised){_CLOSING_TAIL}",
    re.I,
)


#: Quoted words, between straight or curly double quotes.
_QUOTED = re.compile(r"[\"\u201c\u201e][^\"\u201c\u201d\u201e]*[\"\u201d\u201c]")


def _speaker_unnamed(s: Sentence) -> bool:
    """Whether a sentence closes on a pronoun speaker (:data:`_PRONOUN_SPEAKER`) it names no one who
    may be: no person for "he" or "she"; no person, group, organisation or place for "they"."""
    found = _PRONOUN_SPEAKER.search(s.text)
    if found is None:
        return False
    labels = {"PERSON", "NORP", "ORG", "GPE"} if found[1].lower() == "they" else {"PERSON"}
    # A name inside the quoted words is someone the speaker speaks of, not the speaker.
    outside = _QUOTED.sub(" ", s.text)
    return not any(label in labels and name in outside for name, label in s.entities)


def _unnamed_subject(text: str, s: Sentence) -> bool:
    """Whether the main clause's subject is a pronoun whose referent came before: a speaker set off
    by commas in the first words ("Tanzania, they noted, …"), the subject after a short opening
    adverbial ("On Wednesday he will …", "In 1994, they …") unless the sentence names who it may be
    (:func:`_named_around`), or the subject after an opening
    participial phrase ("Addressing the crowd in Nairobi, he said …"), which cannot be that
    phrase's own; a possessive after it may be ("Judging by Putin's habit, his address …"), so
    it stands alone when the phrase names a person."""
    if _MEDIAL_ATTRIBUTION.match(text) or _speaker_unnamed(s):
        return True
    adverbial = _ADVERBIAL_OPENING.match(text)
    if adverbial:
        return not _named_around(text, adverbial.end(), s)
    lead = _PARTICIPLE_OPENING.match(text)
    if lead is None:
        return False
    rest = text[lead.end() :]
    pronoun = _pronoun(_first_word(rest))
    if pronoun in _SUBJECT_PRONOUNS:
        return not _CLOSING_ATTRIBUTION.match(rest)
    if pronoun in _POSSESSIVE_PRONOUNS:
        before = text[: lead.end()]
        return not any(label == "PERSON" and name in before for name, label in s.entities)
    return False


def _named_around(text: str, at: int, s: Sentence) -> bool:
    """Whether the pronoun at ``at`` may be someone the sentence names: a person (or, for "they", a
    group, an organisation or a place) in the opening before it ("After Smith resigned he …"), or a
    person right after the comma that closes its clause ("In an article he wrote last Sunday,
    former hurdler Edwin Moses said …")."""
    plural = text[at : at + 4].lower().startswith("they")
    labels = {"PERSON", "NORP", "ORG", "GPE"} if plural else {"PERSON"}
    names = [name for name, label in s.entities if label in labels]
    if any(name in text[:at] for name in names):
        return True
    comma = text.find(",", at)
    return comma >= 0 and any(0 <= text.find(name, comma) - comma <= 80 for name in names)


def _opening(text: str, s: Sentence, previous: Sentence | None, known: frozenset[str]) -> Opening:
    """What an opening that is no pronoun or connective leans on: a definite description, directly
    or after a subordinator or a short prepositional phrase (see :func:`reference`)."""
    sub = _SUBORDINATOR.match(text) or _PREPOSITION_OPENING.match(text)
    if sub:
        clause = text[sub.end() :]
        inner = _pronoun(_first_word(clause))
        if inner in {"he", "she", "his", "her", "him"}:
            # "When he arrived, Pinochet …": a person named later in the sentence resolves it.
            named = any(label == "PERSON" and text.find(name) > sub.end() for name, label in s.entities)
            return Opening.ALONE if named else Opening.PREVIOUS
        if inner in PRONOUNS:
            return Opening.PREVIOUS
        # The opening clause or phrase ends at its comma: what follows is the main clause, no apposition.
        clause = clause.split(",", 1)[0]
        phrase = _phrase(clause)
        if phrase is not None and phrase.heads[0] in _IDIOMS:
            return Opening.ALONE
        return _definite(clause, s, previous, known)
    return _definite(text, s, previous, known)


#: What may stand right before a straight quote mark that opens a quotation.
_OPENS_BEFORE = frozenset("([{/-\u2014\u2013")
#: Each opening quote mark with the mark that closes it: English \u201c…\u201d, German \u201e…\u201c
#: and \u00bb…\u00ab, French \u00ab…\u00bb (as :mod:`briefgen.analyse.lang.split` pairs them).
_QUOTE_PAIRS = {"\u201c": "\u201d", "\u201e": "\u201c", "\u00ab": "\u00bb", "\u00bb": "\u00ab"}
#: The quote marks :func:`quotation` reads.
_MARKS = re.compile('["\u201c\u201d\u201e\u00ab\u00bb]')
#: Quote marks and spaces a sentence may open with.
_OPENING_MARKS = re.compile('^\\s*["\u201c\u201e\u00ab]')


def quotation(text: str, awaited: str = "") -> tuple[bool, str]:
    """Whether a sentence starts inside a quotation, and the mark the quotation open at its end
    awaits ("" when none is open), given the mark awaited at its start (``awaited``).

    A sentence that opens on a quote mark starts a quotation of its own, whatever came before. Each
    opening mark awaits its own closing one (English \u201c…\u201d, German \u201e…\u201c and
    \u00bb…\u00ab, French \u00ab…\u00bb). A straight mark opens after a space or a bracket and before
    a word, or any other way when no quotation is open; with one open, it closes it. One right after
    a figure, with none open, is an inch or a second ("a 12" pipe"), no quote mark.

    A sentence that starts inside a quotation opened by a sentence before it in the same paragraph
    (news style opens every paragraph of a running quotation with a mark again: the Associated
    Press Stylebook's "quotation marks") is someone's words without the name of who says them:
    quoted alone, they would read as the outlet's own statement ("It's not a byproduct of any
    other chemical process."), so it is never quoted."""
    if _OPENING_MARKS.match(text):
        awaited = ""
    inside = bool(awaited)
    n = len(text)
    for mark in _MARKS.finditer(text):
        k, ch = mark.start(), mark[0]
        if awaited and ch == awaited:
            awaited = ""
        elif ch == '"':
            if awaited == '"':
                awaited = ""
                continue
            if awaited:
                continue  # a straight mark inside another kind of quotation
            before = text[k - 1] if k else " "
            after = text[k + 1] if k + 1 < n else " "
            if before.isdigit():
                continue
            opens = (before.isspace() or before in _OPENS_BEFORE) and not after.isspace()
            if opens or not (after.isspace() or not after.isalnum()):
                awaited = '"'
        elif ch in _QUOTE_PAIRS and not awaited:
            awaited = _QUOTE_PAIRS[ch]
    return inside, awaited


#: Words no sentence ends on, in each language briefgen reads: articles, conjunctions and the
#: prepositions that neither strand (English "the company he works for") nor double as a
#: separable verb prefix (German "Er kam gestern an.", "Die Regierung räumt Fehler ein", Dutch
#: "Hij belt haar op."), nor a pronoun (German "Wir schaffen das").
_NEVER_LAST = {
    "en": "the a an of and or but nor whose",
    "de": "der die dem den des eine einem einen einer eines und oder aber sondern im am zum zur vom "
    "beim von für zwischen ohne dass ob weil",
    "fr": "le la les des du de à au aux et ou mais pour par sur dans avec sans sous entre que dont",
    "es": "el la los las del de al y o pero en por para con sin sobre entre que cuyo",
    "it": "il lo la i gli le del dello della dei degli delle di al allo alla ai agli alle e o ma in per con su "
    "tra fra da che",
    "nl": "de het een van en of maar dat",
    "pt": "o a os as do da dos das de ao aos em no na nos nas e ou mas por para com sem sobre entre que",
}
_NEVER_LAST_WORDS = {language: frozenset(words.split()) for language, words in _NEVER_LAST.items()}


def breaks_off(text: str, language: str = "en") -> bool:
    """Whether a paragraph stops in the middle of a sentence: it ends on no full stop and on a word
    no sentence ends on (:data:`_NEVER_LAST`), as where a page broke a line inside a sentence ("…
    hoben die Koalitionspartner auf dem" / "Treffen hervor, dass …"). The paragraph after it then
    opens on the rest of that sentence, which reads as a sentence of its own in a language that
    capitalises its nouns, and is never quoted."""
    last = text[-60:].split()[-1:] if text.strip() else []
    if not last or re.search(r"[.!?:;][\"'\u201d\u2019)\]]*\s*$", text):
        return False
    word = last[0]
    # Written in capitals, it is a label ("Vitamin A", "Série A"), no article.
    return word.islower() and word in _NEVER_LAST_WORDS.get(language, _NEVER_LAST_WORDS["en"])


def topic_words(keywords: Sequence[str], entities: Sequence[str], brief: frozenset[str]) -> frozenset[str]:
    """The stems of the words a reader's topic names: its keywords and entities, word by word, and
    its brief's content stems (:attr:`~briefgen.analyse.topic.TopicMatcher.brief`)."""
    return frozenset(stem(w.lower()) for term in (*keywords, *entities) for w in re.findall(r"[A-Za-z]+", term)) | brief


def opens_with_pronoun(text: str) -> bool:
    """Whether a sentence's first word (after any quote mark) is a pronoun or a demonstrative."""
    return _pronoun(_first_word(opening(text))) is not None


# ----------------------------------------------------------------------------- facts

#: Labels of entities that are names of something a reader can look up.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "LAW", "EVENT", "PRODUCT", "WORK_OF_ART"})
#: Labels of dates and figures.
FIGURE_LABELS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"})
#: Predicates of evaluation: what something means, shows or is worth, not what was done (the
#: appraisal verbs of Martin & White, 2005, and the copula with an evaluative complement).
EVALUATIVE = re.compile(
    r"\b(?:(?:has|have|had)\s+(?:\w+ly\s+)?)?(?:reinforc|strengthen|underscor|highlight|signal|reflect|demonstrat|"
    r"showcas|illustrat|symboli[sz]|embod|exemplif|epitomi[sz]|reinvigorat|buoy|bolster|cement|solidif|"
    r"reaffirm|affirm|herald|usher|pav|mark|represent|underlin|emphasi[sz]|sho[wn]|prov|remain|matter|mean|"
    r"serv|stand|deepen|elevat|transform|redefin|reshap|shap|set the stage|open(?:s|ed)? a new)\w*\b",
    re.I,
)
_COPULA_EVALUATION = re.compile(
    r"\b(?:is|are|was|were|remains?|will be|has been|have been)\s+(?:\w+\s+){0,3}?(?:more than|a crucial|a critical|"
    r"a key|a vital|an important|a significant|a major|a pivotal|a clear|a testament|a reminder|a sign|a test|"
    r"a turning point|a milestone|crucial|critical|vital|essential|important|significant|pivotal|key|clear|likely|"
    r"unlikely|uncertain|unclear|imperative|paramount)\b",
    re.I,
)
_DIGIT = re.compile(r"\d")
_MONTH_WORD = re.compile(rf"\b{_MONTH}\b")
#: Words that open an adverbial phrase or clause before the subject ("In a meeting that …, both leaders …").
_ADVERBIAL = re.compile(
    r"(?:in|on|at|with|while|as|after|before|despite|for|during|following|although|though|when|if|since|amid|"
    r"beyond|under|by|from|to|unlike|like|given|because|once|until|according|notably|interestingly|"
    r"[a-z]+ly)\b",
    re.I,
)
#: Determiners and quantifiers before a subject's head.
_DETERMINERS = re.compile(
    r"(?:(?:the|a|an|both|all|some|many|most|several|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+)*", re.I
)
#: Titles before a person's name: "President Trump", "Prime Minister Ishiba", "Gov. George Bush".
_TITLES = _words("prime gov sen rep dr mr mrs ms secretary general chief premier chancellor king queen pope")
_AGENT_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
_VERBISH_AUX = _words("is are was were has have had will would can could may might must should remains")


def _clause_start(s: Sentence) -> int:
    """Where a sentence's main clause starts: after an opening adverbial phrase set off by a comma."""
    text = s.text
    lead = len(text) - len(opening(text))
    comma = text.find(",", lead)
    return comma + 1 if comma > 0 and _ADVERBIAL.match(text, lead) else lead


def _agent(s: Sentence, start: int) -> bool:
    """Whether the main clause's subject is someone who acts: a person, an organisation, a country or
    a group (an entity of those kinds, not a possessor, or a noun of people or organisations)."""
    text = s.text
    head = _DETERMINERS.match(text, len(text) - len(text[start:].lstrip()))
    at = head.end() if head else start
    for name, label in s.entities:
        if label in _AGENT_LABELS and text.startswith(name, at) and not _POSSESSIVE.search(name):
            after = text[at + len(name) : at + len(name) + 2]
            if not re.match(r"['\u2019]s", after):
                return True
    word = re.match(r"[A-Za-z]+", text[at:])
    if word is None:
        return False
    lower = word[0].lower()
    return lower in _KINDS["PERSON"] or lower in _KINDS["ORG"] or lower in _TITLES


def _first_verb(text: str, start: int, lemmas: set[str]) -> tuple[int, str] | None:
    """The first word after ``start`` that looks like the main verb: an auxiliary, a word the
    lemmatizer took back to another form in the past tense ("-ed", irregular), a present-tense
    verb of :data:`_FINITE_S`, or an evaluative verb."""
    for m in re.finditer(r"\b[A-Za-z]+\b", text[start:]):
        word = m[0]
        lower = word.lower()
        at = start + m.start()
        if word[0].isupper():
            continue
        if lower in _VERBISH_AUX or lower in _FINITE_S or lower in _IRREGULAR_PAST:
            return at, word
        if lower.endswith("ed") and lower not in lemmas and len(lower) > 4:
            return at, word
        if lower.endswith("s") and EVALUATIVE.match(text, at) and lower not in lemmas:
            return at, word
    return None


def evaluative(s: Sentence) -> bool:
    """Whether a sentence's main clause evaluates rather than reports: a copula with an evaluative
    complement ("is a crucial test", "is more than just a meeting"), or a verb of
    :data:`EVALUATIVE` ("has reinforced", "signals") whose subject is no one who acts: "The summit
    … has reinforced the alliance" evaluates, "Trump underscored Washington's commitment" reports
    what Trump said."""
    text = s.text
    start = _clause_start(s)
    verb = _first_verb(text, start, set(s.terms))
    if verb is None:
        return bool(_COPULA_EVALUATION.search(text, start))
    at, word = verb
    if word.lower() in _VERBISH_AUX and _COPULA_EVALUATION.match(text, at):
        return True
    return bool(EVALUATIVE.match(text, at)) and not _agent(s, start)


def has_fact(s: Sentence) -> bool:
    """Whether a sentence states a fact: a number or a date anywhere, or, in a clause that reports
    rather than evaluates (:func:`evaluative`), a name or a concrete action with a subject.

    The rule: figures and dates are facts wherever they stand; a name is a fact only as the
    argument of a reported event, since "The summit between Trump and Ishiba has reinforced the
    alliance at a critical juncture" names two people and a summit but says only what the writer
    thinks of it; and without a name, an action verb after its subject is the fact ("Rescue teams
    evacuated the lower town").
    """
    if s.numbers or _DIGIT.search(s.text) or _MONTH_WORD.search(s.text):
        return True
    if any(label in FIGURE_LABELS for _, label in s.entities):
        return True
    if evaluative(s):
        return False
    if any(label in NAME_LABELS for _, label in s.entities):
        return True
    start = _clause_start(s)
    verb = _first_verb(s.text, start, set(s.terms))
    return verb is not None and verb[0] > start and verb[1].lower() not in _VERBISH_AUX


#: Honorifics before a surname alone ("Ms. White said …"): the short mention all the same.
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|M|Mme|Sr|Sra)\.?\s+", re.U)
#: A name's word: letters of any script, with inner hyphens and apostrophes ("Dae-jung", "O'Neill").
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*", re.U)


def _name_words(name: str) -> list[str]:
    return [w.casefold() for w in _NAME_WORD.findall(name)]


def full_surnames(s: Sentence) -> set[str]:
    """The words of the names of the people a sentence names in full (a name of two words or more),
    case folded: any of them may be the short form a later mention uses ("Klebanov" of "Ilya
    Klebanov", "Xu" of "Xu Youfang", "bin" of "Osama bin Laden")."""
    return {w for name, label in s.entities if label == "PERSON" and len(words := _name_words(name)) > 1 for w in words}


def names_before(sentences: Sequence[Sentence]) -> Iterator[tuple[Sentence, set[str]]]:
    """Each of ``sentences`` (an analysed corpus's, in article order) with the words of the full names
    its article used before it (:func:`full_surnames`). The set is the walk's own, changed as it
    goes on: read it before taking the next sentence."""
    named: set[str] = set()
    doc = None
    for s in sentences:
        if s.doc != doc:
            doc, named = s.doc, set()
        yield s, named
        named |= full_surnames(s)


def short_names(sentences: Sequence[Sentence]) -> dict[int, str]:
    """The positions in ``sentences`` (an analysed corpus's, in article order) of the sentences that
    open on one word of a person's name, after an honorific or not ("Klebanov, who leads the
    commission, told reporters …", "Ms. White's office said …"), when their article named that
    person in full before and they do not, with that word (case folded).

    A later mention of a person is the short one, the first the full name (Nenkova & McKeown, 2003,
    "References to Named Entities: a Corpus Study"): quoted on its own, such a sentence names someone
    the reader may not have met. It may be quoted, but it opens neither the briefing nor a story
    before the briefing has named that person in full, as a sentence without a fact opens neither
    (:func:`lead_with_fact`). The opening word need not be tagged a person in its own sentence: a
    small model often misses a surname alone."""
    found: dict[int, str] = {}
    for k, (s, named) in enumerate(names_before(sentences)):
        text = _HONORIFIC.sub("", opening(s.text), count=1)
        first = _NAME_WORD.match(text)
        word = re.sub(r"['\u2019]s$", "", first[0]).casefold() if first else ""
        if word and word in named and word not in full_surnames(s):
            found[k] = word
    return found


#: A speaker named by one capitalised word, closing the sentence or set off by commas in its first words.
_WORD_SPEAKER = re.compile(
    rf"[,\"\u201d\u2019']\s*([A-Z][\w'\u2019-]{{0,40}})\s+(?:\w+ly\s+)?{_SAYS}{_CLOSING_TAIL}|"
    rf"{_MEDIAL_LEAD}([A-Z][\w'\u2019-]{{0,40}})\s+(?:\w+ly\s+)?{_SAYS}\s*,"
)


def short_speaker(s: Sentence, named: set[str]) -> str | None:
    """The word by which a sentence names its speaker when it is a surname alone ("…, Vitner said.",
    "Most Christians, Miller said, …") that its article used in a full name before it (``named``:
    the words of the full names of its sentences before, :func:`full_surnames`) and that it does
    not name in full itself; else None. Quoted alone, such a sentence gives words without saying
    whose they are, as one with a pronoun speaker does (Nenkova & McKeown, 2003: the short mention
    is the later one)."""
    if not named:
        return None
    found = _WORD_SPEAKER.search(s.text)
    if found is None:
        return None
    word = (found[1] or found[2]).casefold()
    return word if word in named and word not in full_surnames(s) else None


def lead_with_fact(
    order: Sequence[int], fact: Sequence[bool], new: Sequence[bool] = (), follows: Sequence[bool] = ()
) -> tuple[int, ...]:
    """``order`` with its first sentence that has a fact moved before the ones without one that
    precede it, so that no section opens on a sentence without a fact; with ``new`` (whether each
    is news to the reader, new ones first), only a sentence as new as the first moves; with
    ``follows`` (whether each is quoted right after the sentence it leans on), the sentences that
    follow the one that moves move with it. Unchanged when the first has a fact or no such
    sentence has one."""
    first = next((k for k, f in enumerate(fact) if f and (not new or new[k] == new[0])), None)
    if not first:
        return tuple(order)
    end = first + 1
    while end < len(order) and end < len(follows) and follows[end]:
        end += 1
    return (*order[first:end], *order[:first], *order[end:])
