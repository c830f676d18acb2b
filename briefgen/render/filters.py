"""The filters templates use: dates as a reader says them, and text made safe for where it goes.

Each filter is registered on the Jinja environment by :func:`~briefgen.render.templates.template_env`:
dates in words (``longdate``), a source's date and dating note, text for CSS strings, HTML
attributes and Markdown (escaped so that article text is never markup), and only http(s) URLs as links.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from urllib.parse import quote

from markupsafe import Markup, escape

from briefgen.models import Briefing, BriefingStory, Item, Source, SourceRef
from briefgen.render.words import words
from briefgen.select.stories import site_of
from briefgen.textsafe import clip, single_line, visible

logger = logging.getLogger(__name__)


def longdate(day: dt.date | None) -> str:
    """A date as a reader says it: "7 February 2025"; "" for none."""
    return f"{day.day} {day:%B %Y}" if day else ""


def source_when(src: Source, first: bool = False, language: str = "en") -> str:
    """When a source is from, as its entry in the source list says it: "2025-02-11", "undated" or
    "undated, not before 11 April 2024" (see :mod:`briefgen.ingest.dates`); capitalised when ``first`` in its sentence."""
    if src.date is not None:
        return src.date.isoformat()
    w = words(language)
    when = w("undated") + (", " + w("not_before", date=w.longdate(src.not_before)) if src.not_before else "")
    return when[0].upper() + when[1:] if first else when


def shortdate(day: dt.date | None, as_of: dt.date | None = None) -> str:
    """A date in a line of text: "10 Feb", with the year when it is not ``as_of``'s ("10 Feb 1999")."""
    if day is None:
        return ""
    return f"{day.day} {day:%b}" if as_of is not None and day.year == as_of.year else f"{day.day} {day:%b %Y}"


def outlet(src: Source | SourceRef) -> str:
    """Who published a source, as an item's credit and "Also reported by" name it: its publisher,
    else its web address's host; "" when neither is known (a title is never shown as an outlet)."""
    if src.publisher:
        return single_line(src.publisher)
    if src.url:
        return site_of(src.url) or ""  # as the stories count outlets
    return ""


def elsewhere(src: Source) -> tuple[SourceRef, ...]:
    """The copies of a source that "Also reported by" lists: those of another outlet, or of one not
    named. A copy from the source's own outlet (a wire's second version of its story) shows no
    further reporting, and listed under it would read as another outlet; ``briefing.json`` keeps every copy."""
    own = outlet(src).casefold()
    return tuple(a for a in src.also if not own or outlet(a).casefold() != own)


#: The longest outlet name an item's credit shows; a longer one is cut with "…" (the source list has it whole).
MAX_CREDIT_CHARS = 60


def credit(item: Item, briefing: Briefing, language: str = "en", quoted_in: str | None = None) -> str:
    """An item's source and date, shown beside it so a reader never has to look the date up:
    "Korea Pro, 10 Feb"; "undated" for a source that states no date. ``quoted_in`` names the language
    of a quotation in a briefing that accepts several ("…, 10 Feb; auf Englisch")."""
    w = words(language)
    sources = {s.id: s for s in briefing.sources}
    parts = []
    for n in item.sources[:1]:
        src = sources.get(n)
        if src is None:
            continue
        when = w.shortdate(src.date, briefing.as_of) if src.date else w("undated")
        parts.append(", ".join(p for p in (clip(outlet(src), MAX_CREDIT_CHARS), when) if p))
    if quoted_in:
        parts.append(quoted_in)
    return "; ".join(parts)


def counts_line(briefing: Briefing, language: str = "en") -> str:
    """What a briefing's header says it was made from, in words that say what each number counts
    and agree with what it shows: "12 articles read, 9 used in 4 stories, 5 quoted"."""
    w = words(language)
    read, used = briefing.articles_read, briefing.articles_used
    quoted = len(briefing.sources)
    stories = len(briefing.stories)
    parts = [w("read", read), w("used", used)]
    if briefing.layout == "stories" and stories:
        parts[-1] += " " + w("in_stories", stories)
    parts.append(w("quoted", quoted))
    return ", ".join(parts)


def story_line(story: BriefingStory, as_of: dt.date | None = None, language: str = "en") -> str:
    """A story's breadth and time, as its header says it: "5 articles, 3 outlets, 3–7 Feb"."""
    w = words(language)
    articles = len(story.articles)
    outlets = len(story.outlets)
    parts = [w("articles", articles)]
    if outlets:
        parts.append(w("outlets", outlets))
    first, last = story.first_date, story.last_date
    if language != "en" and first and last and first != last:
        first_year = as_of if first.year == last.year else None
        parts.append(f"{w.shortdate(first, first_year)} \u2013 {w.shortdate(last, as_of)}")
    elif language != "en" and last:
        parts.append(w.shortdate(last, as_of))
    elif first and last and first != last:
        if (first.year, first.month) == (last.year, last.month):
            parts.append(f"{first.day}\u2013{shortdate(last, as_of)}")
        elif first.year == last.year:
            parts.append(f"{first.day} {first:%b} \u2013 {shortdate(last, as_of)}")
        else:  # both years, so that neither reads as the other's
            parts.append(f"{shortdate(first)} \u2013 {shortdate(last)}")
    elif last:
        parts.append(shortdate(last, as_of))
    if story.developing:
        parts.append(w("developing"))
    return ", ".join(parts)


def preview_note(src: Source, language: str = "en") -> str:
    """What the source list says of a preview: "Preview, written before 7 February 2025."; "" otherwise."""
    w = words(language)
    return w("preview", date=w.longdate(src.preview_of)) if src.preview_of else ""


def plain_text(text: str) -> str:
    """The text part as sent: no control character but the newline (tabs become spaces)."""
    return visible(text).replace("\t", " ")


def full_stop(text: str | None) -> str:
    """The "." that ends a title in the source list, or "" when it ends with its own mark ("?", "…")."""
    return "" if re.search(r"[.!?\u2026][\"'\u201d\u2019)\]]*$", single_line(text)) else "."


def css_string(text: str | None) -> str:
    """A CSS string literal of ``text``, so a client name can be printed in a page margin.

    Every character but an ASCII letter, digit or space is written as a CSS escape
    (``\\00003c ``), so nothing in ``text`` can end the string (a quote, a backslash, a
    ``\\r``), open a comment, or close the ``<style>`` element the stylesheet sits in.
    """
    escaped = "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x} " for c in single_line(text))
    return f'"{escaped}"'


def stylesheet(css: str) -> Markup:
    """A stylesheet made safe to place inside ``<style>``: it can hold no ``<``, so no ``</style``.

    The last line of defence after :func:`css_string`: ``<`` is written ``\\3c `` (the same
    character to CSS, inside a string or out), whatever a template put in the stylesheet.
    """
    return Markup(str(css).replace("<", "\\3c "))


def html_attr(text: object) -> Markup:
    """Text for a quoted HTML attribute (``alt``, ``content``): escaped, on one line, and with
    ``=``, ``:`` and backquote written as character references, so no value reads as an event
    handler or a ``javascript:`` URL to a filter that scans tags (what the browser sees is the same)."""
    escaped = str(escape(single_line(str(text))))
    return Markup(escaped.replace("=", "&#61;").replace(":", "&#58;").replace("`", "&#96;"))


#: What may stay as it is in a URL written out; everything else (space, quotes, ``<>``, ``()``,
#: backslash, backquote, braces, controls, non-ASCII) is percent-encoded.
_URL_SAFE = ":/?#[]@!$&*+,;=%~-._"


def web_link(url: str | None) -> str | None:
    """``url`` when it is an ``http(s)`` address a briefing may link to, else None (``javascript:``, ``data:``, ``file:``)."""
    link = (url or "").strip()
    return link if re.match(r"https?://[^\s/?#]", link, re.I) else None


def html_url(url: str | None) -> Markup:
    """An ``href`` value: an ``http(s)`` URL percent-encoded where it must be, ``=`` as ``&#61;``;
    ``#`` (a link to nowhere) for anything else."""
    link = web_link(url)
    if link is None:
        return Markup("#")
    encoded = str(escape(quote(link.strip(), safe=_URL_SAFE)))
    return Markup(encoded.replace("=", "&#61;"))


def markdown_url(url: str) -> str:
    """A URL safe inside a Markdown autolink ``<…>`` (and the parentheses around one): spaces,
    ``<``, ``>``, parentheses, quotes and backslashes percent-encoded."""
    return quote(url.strip(), safe=_URL_SAFE)


def markdown_code(text: str) -> str:
    """A Markdown code span that holds ``text`` on one line, whatever backticks it contains:
    its fence is longer than any run of backticks inside."""
    text = single_line(text)
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: ASCII punctuation CommonMark (and GFM, Pandoc's attributes) reads as markup anywhere in a line.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#{}])")


#: An ``&`` that would start a character reference (``&lt;``, ``&#60;``), so it would be unescaped.
_MD_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")


def markdown_escape(text: str) -> str:
    """Escape what Markdown would read as markup, so text renders exactly as written, as text.

    The text is put on one line first (a blank line would end the paragraph, and what follows
    could open an HTML block); ``<`` and the other markup characters are backslash-escaped,
    and an ``&`` that starts a character reference too (``&lt;`` stays ``&lt;``).
    """
    text = _MD_SPECIAL.sub(r"\\\1", single_line(text))
    text = _MD_ENTITY.sub(r"\\&", text)
    # A line starting with "+", "-", "=" or "1." would become a list or a heading.
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return re.sub(r"^([+\-=])", r"\\\1", text)


_SVG_NS = "http://www.w3.org/2000/svg"
