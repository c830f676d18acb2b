"""Rendering: a ``Briefing`` to Markdown, HTML, PDF and JSON through Jinja templates.

Templates are looked up in the client's directories first, then in the defaults
(Pelican's ``THEME_TEMPLATES_OVERRIDES``); a client template can extend a default one
as ``{% extends "default:briefing.html.j2" %}`` and replace a single block.
HTML is autoescaped: article text is data, never markup. Every other context data
reaches has its own escaper here: Markdown (:func:`markdown_escape`, :func:`markdown_code`,
:func:`markdown_url`), CSS strings (:func:`css_string`), HTML attributes (:func:`html_attr`,
:func:`html_url`) and the terminal (:func:`printable`); control characters never reach an
output (the template ``finalize`` hook), and what grows with the corpus is bounded (the chart
is binned by the window, lists and metadata are capped).
"""

from __future__ import annotations

import base64
import bisect
import calendar
import dataclasses
import datetime as dt
import json
import logging
import math
import os
import re
import stat
import textwrap
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from .errors import RenderError
from .models import Briefing, Source
from .textsafe import clip, printable, single_line, visible

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from weasyprint.urls import URLFetcherResponse

    from .config import Config

logger = logging.getLogger(__name__)

#: The templates a briefing is rendered from, and what each makes.
TEMPLATE_NAMES = {
    "briefing.md.j2": "Markdown",
    "briefing.html.j2": "standalone HTML, and the PDF",
    "style.css": "styles of the HTML and the PDF",
    "briefing.email.html.j2": "email-safe HTML",
    "briefing.txt.j2": "plain-text email alternative",
}


def templates_root() -> Path:
    """The bundled templates: ``templates/`` in a checkout, ``briefgen/_templates`` when installed."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_templates", here.parent / "templates"):
        if (candidate / "default").is_dir():
            return candidate
    raise RenderError("the default templates are missing from this installation")


def default_template_dir() -> Path:
    return templates_root() / "default"


def template_dirs(config: Config, base_dir: Path, project_dir: Path | None = None) -> list[tuple[str, Path]]:
    """The override directories a config asks for, first looked at first: its own, then its client's.

    A client's directory is ``templates/clients/<client>/`` in the project (``project_dir``),
    else among the clients that come with briefgen.
    """
    dirs: list[tuple[str, Path]] = []
    if config.templates:
        path = Path(config.templates).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_dir():
            raise RenderError(f"templates directory not found: {printable(path)}")
        dirs.append(("config", path))
    if config.client:
        places = [templates_root() / "clients"]
        if project_dir is not None:
            places.insert(0, project_dir / "templates" / "clients")
        clients = next((d for d in places if (d / config.client).is_dir()), places[0])
        path = clients / config.client
        if not path.is_dir():
            known = sorted({p.name for d in places if d.is_dir() for p in d.iterdir() if p.is_dir()})
            raise RenderError(
                f"client {printable(repr(config.client), 200)} has no template directory {printable(path)}"
                + (f" (clients: {', '.join(known)})" if known else "")
            )
        dirs.append(("client", path))
    return dirs


def template_env(extra_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """A Jinja environment that looks in ``extra_dirs`` in order, then in the defaults.

    ``default:NAME`` always names the default template, so an override can extend it.
    Every value a template prints passes :func:`visible` first (``finalize``), so no control
    character from an article or a config reaches any output, whatever the template.
    """
    default = default_template_dir()
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(default))}, delimiter=":"),
            *(jinja2.FileSystemLoader(str(d)) for d in extra_dirs),
            jinja2.FileSystemLoader(str(default)),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["md"] = markdown_escape
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["longdate"] = longdate
    env.filters["when"] = source_when
    env.filters["preview_note"] = preview_note
    env.filters["css_string"] = css_string
    env.filters["stylesheet"] = stylesheet
    env.filters["attr"] = html_attr
    env.filters["href"] = html_url
    env.filters["mdurl"] = markdown_url
    env.filters["mdcode"] = markdown_code
    env.filters["oneline"] = single_line
    env.filters["full_stop"] = full_stop
    env.filters["wrap"] = lambda text, width=72, indent="": textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=" " * len(indent),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return env


def resolve_template(env: jinja2.Environment, name: str) -> Path:
    """The file a template name resolves to through the override directories."""
    try:
        _, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # template_env always sets a loader
    except jinja2.TemplateNotFound:
        raise RenderError(f"template not found: {printable(name)}") from None
    return Path(filename or name)


@dataclass(frozen=True)
class TemplateOutline:
    """The inheritance of one template, read without rendering it: what ``validate`` checks."""

    parent: str | None
    """The template it ``{% extends %}``, when named by a constant."""
    overrides: dict[str, int]
    """Its outermost blocks (those that replace a parent's) with their lines."""
    blocks: frozenset[str]
    """Every block it defines, nested ones included: what a template extending it may replace."""


def template_outline(env: jinja2.Environment, name: str) -> TemplateOutline:
    """Parse one template; raises jinja2's TemplateNotFound or TemplateSyntaxError (with file and line)."""
    from jinja2 import nodes

    source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # template_env always sets a loader
    tree = env.parse(source, name, filename)
    extends = next(tree.find_all(nodes.Extends), None)
    parent = extends.template.value if extends and isinstance(extends.template, nodes.Const) else None
    outer: dict[str, int] = {}

    def walk(node: nodes.Node, inside: bool) -> None:
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Block) and not inside:
                outer.setdefault(child.name, child.lineno)
            walk(child, inside or isinstance(child, nodes.Block))

    walk(tree, False)
    blocks = frozenset(b.name for b in tree.find_all(nodes.Block))
    return TemplateOutline(parent if isinstance(parent, str) else None, outer, blocks)


def inherited_blocks(env: jinja2.Environment, name: str) -> frozenset[str]:
    """Every block a template extending ``name`` may replace: those of ``name`` and of its ancestors."""
    found: set[str] = set()
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        outline = template_outline(env, current)
        found |= outline.blocks
        current = outline.parent
    return frozenset(found)


# ----------------------------------------------------------------------------- text in every context


def _finalize(value: object) -> object:
    """Applied by Jinja to every printed value: strings lose their control characters; markup made here stays."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def longdate(day: dt.date | None) -> str:
    """A date as a reader says it: "7 February 2025"; "" for none."""
    return f"{day.day} {day:%B %Y}" if day else ""


def source_when(src: Source, first: bool = False) -> str:
    """When a source is from, as its entry in the source list says it: "2025-02-11", "undated" or
    "undated, not before 11 April 2024" (see :mod:`briefgen.dates`); capitalised when ``first`` in its sentence."""
    if src.date is not None:
        return src.date.isoformat()
    when = "undated" + (f", not before {longdate(src.not_before)}" if src.not_before else "")
    return when[0].upper() + when[1:] if first else when


def preview_note(src: Source) -> str:
    """What the source list says of a preview: "Preview, written before 7 February 2025."; "" otherwise."""
    return f"Preview, written before {longdate(src.preview_of)}." if src.preview_of else ""


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


# ----------------------------------------------------------------------------- bounds

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
#: The topic terms written into the HTML and PDF keywords, and the longest one.
MAX_KEYWORDS, MAX_KEYWORD_CHARS = 30, 100
#: The email body's size limit (Gmail clips a message at 102 KB); see :func:`render_email`.
MAX_EMAIL_BYTES = 100 * 1024
#: The widest bar of the text chart, in ``#`` characters; taller counts are scaled down.
TEXT_BAR_WIDTH = 40


# ----------------------------------------------------------------------------- look


@dataclass(frozen=True)
class Look:
    """How a briefing looks, apart from what it says: client branding, paper, chart and PDF metadata.

    The values that reach CSS outside a string (the accent, the page size) and the logo URI are
    checked here, so a look made in code cannot put markup or a fetch into a stylesheet either.
    """

    client: str | None = None
    client_name: str | None = None
    accent: str = "#1f4e79"
    logo: str | None = None  # a data: URI, so no output ever fetches it
    disclaimer: str | None = None
    footer: str | None = None
    page_size: str = "A4"
    pdf_ua: bool = False
    chart: bool = True
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", self.accent):
            raise RenderError(f"accent must be a colour like #1f4e79, not {printable(self.accent, 40)}")
        if self.page_size not in ("A4", "Letter"):
            raise RenderError(f"page size must be A4 or Letter, not {printable(self.page_size, 40)}")
        if self.logo is not None and not re.fullmatch(
            r"data:image/(?:png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]*", self.logo
        ):
            raise RenderError("a logo must be embedded as a base64 data: URI of a PNG, JPEG or SVG image")


#: Logos are at most this large.
MAX_LOGO_BYTES = 512 * 1024
_SVG_NS = "http://www.w3.org/2000/svg"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
#: Elements an SVG logo may not hold: they run script or embed other documents.
_SVG_BANNED = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
#: A reference an SVG logo may hold: to itself, or to an embedded PNG or JPEG.
_SVG_LOCAL_REF = re.compile(r"#|data:image/(?:png|jpeg);", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)


def logo_data_uri(path: Path) -> str:
    """The logo at ``path`` as a data URI, after checking what it is by its content, whatever its name.

    A PNG (its signature), a JPEG (its start-of-image marker) or an SVG whose root element is
    ``svg`` (see :func:`check_svg`); anything else is refused with one line naming the file.
    Only a regular file is read (never a FIFO or a device), and at most :data:`MAX_LOGO_BYTES`.
    """
    shown = printable(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except OSError as exc:
        raise RenderError(f"logo {shown}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RenderError(f"logo {shown}: not a regular file")
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise RenderError(f"logo {shown}: larger than {MAX_LOGO_BYTES // 1024} KB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    else:
        problem = check_svg(data)
        if problem:
            raise RenderError(f"logo {shown}: {problem}")
        kind = "image/svg+xml"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def check_svg(data: bytes) -> str | None:
    """Why ``data`` cannot be used as an SVG logo, or None when it can.

    Parsed with lxml without entity expansion, DTD loading or network access; refused: what
    is not XML with an ``svg`` root, a DOCTYPE with an internal subset (entities, default
    attributes), processing instructions (``xml-stylesheet``), script and the elements that
    embed documents, ``on…`` event attributes, ``javascript:`` anywhere, and any reference
    (``href``, ``src``, CSS ``url()``, ``@import``) to anything but ``#…`` or an embedded PNG/JPEG.
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return "not a PNG, JPEG or SVG image (checked by its content, not its name)"
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        return "not a PNG, JPEG or SVG image (checked by its content, not its name)"
    tree = root.getroottree()
    if re.search(rb"<!DOCTYPE[^>\[]*\[", etree.tostring(tree)):
        return "an SVG whose DOCTYPE declares entities or attributes is refused"
    if any(True for _ in root.itersiblings(preceding=True, tag=etree.PI)):
        return "an SVG with a processing instruction (xml-stylesheet) is refused"
    for node in root.iter():
        if isinstance(node, etree._Entity):
            return "an SVG with entity references is refused"
        if isinstance(node, etree._ProcessingInstruction):
            return "an SVG with a processing instruction (xml-stylesheet) is refused"
        if not isinstance(node.tag, str):
            continue  # a comment
        name = etree.QName(node)
        local = name.localname.lower()
        if local in _SVG_BANNED or name.namespace == _XHTML_NS:
            return f"an SVG with a <{name.localname}> element is refused"
        if local == "style" and (problem := _css_problem(node.text or "")):
            return problem
        if local in {"set", "animate", "animatemotion", "animatetransform"} and (
            node.get("attributeName") or ""
        ).lower().endswith("href"):
            return "an SVG that animates a link is refused"
        for key, value in node.attrib.items():
            attr = etree.QName(key).localname.lower()
            compact = re.sub(r"[\x00-\x20]+", "", value).lower()
            if attr.startswith("on"):
                return f"an SVG with an event attribute ({etree.QName(key).localname}) is refused"
            if "javascript:" in compact or "vbscript:" in compact:
                return "an SVG with a javascript: URL is refused"
            if attr in {"href", "src"} and not _SVG_LOCAL_REF.match(value.strip()):
                return f"an SVG with an external reference ({printable(value.strip(), 60)}) is refused"
            if problem := _css_problem(value):
                return problem
    return None


def _css_problem(css: str) -> str | None:
    """Why CSS in an SVG logo could fetch something, or None: ``@import``, ``url()`` to
    anything but ``#…`` or an embedded PNG/JPEG, ``image-set()``, or CSS escapes that could hide either."""
    lowered = css.lower()
    if "@import" in lowered or "\\" in css or "image-set" in lowered or "expression(" in lowered:
        return "an SVG whose styles import or escape something is refused"
    for _, target in _CSS_URL.findall(css):
        if not _SVG_LOCAL_REF.match(target.strip()):
            return f"an SVG with an external reference ({printable(target.strip(), 60)}) is refused"
    return None


def look_for(config: Config, base_dir: Path) -> Look:
    """The look a config asks for; the logo file is checked and embedded as a data URI here."""
    brand = config.branding
    logo = None
    if brand.logo:
        path = Path(brand.logo).expanduser()
        logo = logo_data_uri(path if path.is_absolute() else base_dir / path)
    terms = [t for t in dict.fromkeys([*config.topic.entities, *config.topic.keywords]) if t.strip()]
    return Look(
        client=config.client,
        client_name=brand.client_name,
        accent=brand.accent,
        logo=logo,
        disclaimer=brand.disclaimer,
        footer=brand.footer,
        page_size=config.output.page_size,
        pdf_ua=config.output.pdf_ua,
        chart=config.output.chart,
        keywords=tuple(clip(t, MAX_KEYWORD_CHARS) or "" for t in terms[:MAX_KEYWORDS]),
    )


# ----------------------------------------------------------------------------- chart


@dataclass(frozen=True)
class Bar:
    """One bar of the coverage chart: the articles used from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date
    count: int
    label: str
    """The row label of the text chart and the email: "Tue 11 Feb", "03 Feb–09 Feb", "Feb 2025"."""
    short: str
    """The axis label of the SVG chart: "Tue 11", "3 Feb", "Feb 25"."""


def chart_unit(days: int) -> str:
    """What one bar of the chart stands for, so that a chart has at most about 120 bars whatever the window:
    a day up to 14 days, a week up to 120 days, a month up to ten years, then a year."""
    if days <= 14:
        return "day"
    if days <= 120:
        return "week"
    return "month" if days <= 3660 else "year"


def _periods(first: dt.date, last: dt.date, unit: str) -> list[tuple[dt.date, dt.date]]:
    """The days, weeks (ending on ``last``), calendar months or years from ``first`` to ``last``."""
    one = dt.timedelta(days=1)
    periods: list[tuple[dt.date, dt.date]] = []
    if unit == "day":
        return [(first + one * k, first + one * k) for k in range((last - first).days + 1)]
    if unit == "week":
        end = last
        while True:
            start = first if (end - first).days < 7 else end - 6 * one
            periods.append((start, end))
            if start == first:
                return periods[::-1]
            end = start - one
    start = first
    while True:
        if unit == "month":
            end = dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        else:
            end = dt.date(start.year, 12, 31)
        periods.append((start, min(end, last)))
        if end >= last:
            return periods
        start = end + one


def chart_bars(briefing: Briefing) -> list[Bar]:
    """Articles used per day, week or month of the window (see :func:`chart_unit`), the first first."""
    first = briefing.window_start
    last = first + dt.timedelta(days=max(1, briefing.window_days) - 1)
    unit = chart_unit(briefing.window_days)
    periods = _periods(first, last, unit)
    starts = [start for start, _ in periods]
    counts = [0] * len(periods)
    for day, n in briefing.daily:
        k = bisect.bisect_right(starts, day) - 1
        if k >= 0 and day <= periods[k][1]:
            counts[k] += n
    bars = []
    for (start, end), n in zip(periods, counts, strict=True):
        if unit == "day":
            label, short = f"{start:%a} {start:%d %b}", f"{start:%a} {start.day}"
        elif unit == "week":
            label, short = f"{start:%d %b}\u2013{end:%d %b}", f"{start.day} {start:%b}"
        elif unit == "month":
            label, short = f"{start:%b %Y}", f"{start:%b %y}"
        else:
            label = short = str(start.year)
        bars.append(Bar(start, end, n, label, short))
    return bars


def chart_heading(briefing: Briefing) -> str:
    """The chart's heading: "Coverage this week" for a 7-day window, else the window it covers
    ("Coverage, 30 days to 12 February 2025", "Coverage, 12 February 2025")."""
    days = briefing.window_days
    if days == 7:
        return "Coverage this week"
    last = longdate(briefing.as_of)
    return f"Coverage, {last}" if days <= 1 else f"Coverage, {days} days to {last}"


def undated_count(briefing: Briefing) -> str:
    """The articles used that the chart cannot place, counted beside it: "+3 undated"; "" for none."""
    return f"+{briefing.undated_used} undated" if briefing.undated_used else ""


def chart_svg(briefing: Briefing, accent: str) -> Markup:
    """A small bar chart of articles per day (week, month) across the window, as inline SVG (no script, no fetch).

    Counts are printed over the bars up to a month of bars; axis labels thin out beyond 14 bars.
    """
    bars = chart_bars(briefing)
    unit = chart_unit(briefing.window_days)
    top = max((b.count for b in bars), default=0) or 1
    width, height, base = 640, 150, 118
    slot = width / max(1, len(bars))
    bar = min(48.0, slot * 0.6)
    step = 1 if len(bars) <= 14 else math.ceil(len(bars) / 12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title"><title id="chart-title">Articles per {unit}, '
        f"{briefing.window_start.isoformat()} to {briefing.as_of.isoformat()}</title>",
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#b8c0c8" stroke-width="1"/>',
    ]
    fill = escape(accent)
    for k, b in enumerate(bars):
        x = slot * k + (slot - bar) / 2
        h = 90 * b.count / top
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}"/>')
        if len(bars) <= 31:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" font-size="12" '
                f'font-family="DejaVu Sans, Arial, sans-serif" fill="#1a1a1a">{b.count}</text>'
            )
        if k % step == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 18}" text-anchor="middle" font-size="11" '
                f'font-family="DejaVu Sans, Arial, sans-serif" fill="#5b6470">{escape(b.short)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_text(briefing: Briefing) -> list[str]:
    """The same chart as lines of text, for Markdown and the plain-text email; bars at most
    :data:`TEXT_BAR_WIDTH` characters wide."""
    bars = chart_bars(briefing)
    top = max((b.count for b in bars), default=0)
    width = max((len(b.label) for b in bars), default=0)

    def hashes(n: int) -> int:
        return n if top <= TEXT_BAR_WIDTH or n == 0 else max(1, round(n * TEXT_BAR_WIDTH / top))

    lines = [f"{b.label:<{width}}  {'#' * hashes(b.count)}{' ' if b.count else ''}{b.count}" for b in bars]
    return [*lines, undated_count(briefing)] if briefing.undated_used else lines


# ----------------------------------------------------------------------------- rendering


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line of an error raised while rendering."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".css")) and frame.lineno:
            found = (frame.filename, frame.lineno)
    return found


def _render(env: jinja2.Environment, name: str, **context: object) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(printable(f"template not found: {exc.name} (needed by {name})")) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(printable(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}")) from None
    except RenderError:
        raise
    except Exception as exc:  # an error inside a template: name its file and line
        where = _template_frame(exc)
        place = f"template {where[0]}, line {where[1]}" if where else f"template {name}"
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        raise RenderError(printable(f"{place}: {type(exc).__name__}: {message}", 500)) from None


def _context(briefing: Briefing, look: Look, *, for_email: bool = False) -> dict[str, object]:
    """What every template gets: the briefing, its look, the chart in its three forms, and the bounds.

    ``for_email`` makes the page template the email body: no SVG chart (a bar table), the logo
    as the inline image part ``logo_src`` names (:data:`EMAIL_LOGO_SRC`), a hidden preheader.
    """
    from .evidence import citations, evidence, placed

    bars = chart_bars(briefing)
    shown = () if for_email else evidence(briefing)
    cited = citations(briefing, placed(shown))
    return {
        "b": briefing,
        "cites": lambda item: cited.get(id(item), ()),
        "evidence": shown,
        "evidenced": frozenset(ev.source.id for ev in shown),
        "look": look,
        "for_email": for_email,
        "logo_src": (EMAIL_LOGO_SRC if for_email else look.logo) if look.logo else None,
        "chart_svg": chart_svg(briefing, look.accent) if look.chart and not for_email else None,
        "chart_lines": chart_text(briefing) if look.chart else [],
        "chart_bars": bars,
        "chart_unit": chart_unit(briefing.window_days),
        "chart_heading": chart_heading(briefing),
        "chart_undated": undated_count(briefing),
        "daily": [(bar.start, bar.count) for bar in bars],  # one pair per bar, for templates written before bars
        "also_max": MAX_ALSO_SHOWN,
    }


def render_markdown(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> str:
    return _render(env, "briefing.md.j2", **_context(briefing, look))


def render_html(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> str:
    return _render(env, "briefing.html.j2", **_context(briefing, look))


def render_email(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> tuple[str, str]:
    """The email-safe HTML body and its plain-text alternative, made from the same content.

    The body is the page's own template and stylesheet rendered ``for_email``, its styles
    inlined (:func:`inline_email`), so a client's overrides reach the email too. A body over
    :data:`MAX_EMAIL_BYTES` (a long window's chart, many sources each carried by many outlets,
    long URLs) is made again without the chart and with the other outlets counted, not listed:
    both parts, so they say the same; the PDF attached keeps everything. The text part holds no
    control character but the newline, whatever the template printed.
    """
    context = _context(briefing, look, for_email=True)
    body = inline_email(_render(env, "briefing.email.html.j2", **context), look)
    if len(body.encode("utf-8")) > MAX_EMAIL_BYTES:
        context = {**context, "look": dataclasses.replace(look, chart=False), "chart_lines": [], "also_max": 0}
        size = len(body.encode("utf-8"))
        body = inline_email(_render(env, "briefing.email.html.j2", **context), look)
        logger.info(
            "the email body would be %d KB: it leaves out the chart and lists of other outlets (%d KB)",
            size // 1024,
            len(body.encode("utf-8")) // 1024,
        )
    return body, plain_text(_render(env, "briefing.txt.j2", **context))


#: The ``src`` of the logo in the email body: the inline image part the message carries
#: (``Content-ID: <logo@briefing>``; see :func:`logo_part` and ``deliver.compose_message``).
EMAIL_LOGO_CID = "logo@briefing"
EMAIL_LOGO_SRC = f"cid:{EMAIL_LOGO_CID}"
#: Elements some mail clients (Outlook's Word engine) do not style: each becomes its plain equivalent.
_EMAIL_ELEMENTS = {"header": "div", "main": "div", "section": "div", "footer": "div", "nav": "div",
                   "article": "div", "aside": "div", "figure": "div", "time": "span"}  # fmt: skip
#: What a mail client that drops ``<html>`` and ``<body>`` would lose: these move to the column.
_INHERITED = ("font-family", "color", "line-height", "font-size", "overflow-wrap")
_REM = re.compile(r"(?<![\w.])(\d*\.?\d+)rem\b")


def inline_email(html: str, look: Look = Look()) -> str:
    """The page made for email as mail clients need it: every style an inline ``style=`` attribute
    (css-inline, custom properties resolved, ``@page`` and ``@media`` dropped), no ``<style>``,
    no class, no script, no SVG, sizes in px rather than rem, HTML5 sections as ``div``, and the
    page's typography on the 640 px column, since clients drop the styles of ``<html>`` and ``<body>``.

    The logo, when a template printed its data URI, becomes the inline part :data:`EMAIL_LOGO_SRC`.
    """
    import css_inline
    import lxml.html

    inliner = css_inline.CSSInliner(resolve_css_variables=True, load_remote_stylesheets=False)
    try:
        inlined = inliner.inline(html)
    except ValueError as exc:  # css-inline's error for CSS it cannot read
        raise RenderError(printable(f"the email styles cannot be inlined: {exc}", 300)) from None
    root = lxml.html.document_fromstring(inlined)
    for bad in root.xpath("//script|//style|//link|//svg|//*[local-name()='svg']|//iframe|//object|//embed"):
        bad.drop_tree()
    inherited: list[str] = []
    for element in root.xpath("/html|/html/body"):
        inherited += [d for d in _declarations(element.get("style", "")) if d.split(":", 1)[0].strip() in _INHERITED]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("class", "").split()[:1] == ["email-cell"]:
            element.set("style", "; ".join([*inherited, *_declarations(element.get("style", ""))]))
        element.attrib.pop("class", None)
        if element.tag in _EMAIL_ELEMENTS:
            element.tag = _EMAIL_ELEMENTS[element.tag]
            element.attrib.pop("datetime", None)
        if element.tag == "img" and look.logo and element.get("src") == look.logo:
            element.set("src", EMAIL_LOGO_SRC)
        if "style" in element.attrib:
            style = _REM.sub(lambda m: f"{round(float(m[1]) * 16, 1):g}px", element.get("style", ""))
            element.set("style", ";".join(_declarations(style)))
    return "<!DOCTYPE html>\n" + "".join(_serialize(root)) + "\n"


def _declarations(style: str) -> list[str]:
    """The declarations of an inline style, each ``name:value``."""
    return [re.sub(r"^\s*([-\w]+)\s*:\s*", r"\1:", d).strip() for d in style.split(";") if ":" in d]


#: Elements with no end tag.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _serialize(element: HtmlElement) -> Iterator[str]:
    """An lxml element as HTML, every text and attribute escaped here as the templates escape them
    (``=``, ``:`` and backquote in attributes as references, see :func:`html_attr`), whatever the
    parser unescaped on the way; comments and processing instructions are left out."""
    if isinstance(element.tag, str):
        attrs = "".join(f' {name}="{_attr_value(name, value)}"' for name, value in element.attrib.items())
        yield f"<{element.tag}{attrs}>"
        if element.tag not in _VOID:
            yield str(escape(element.text or ""))
            for child in element:
                yield from _serialize(child)
            yield f"</{element.tag}>"
    yield str(escape(element.tail or ""))


def _attr_value(name: str, value: str) -> str:
    escaped = str(escape(value)).replace("=", "&#61;")
    if name in ("href", "src", "style"):
        return escaped
    return escaped.replace(":", "&#58;").replace("`", "&#96;")


def logo_part(uri: str) -> tuple[bytes, str, str]:
    """The logo of a look (a data URI) as the email's inline image part: bytes, MIME subtype, file name."""
    head, _, data = uri.partition(",")
    subtype = head.removeprefix("data:image/").split(";", 1)[0]
    extension = {"svg+xml": "svg", "jpeg": "jpg"}.get(subtype, subtype)
    return base64.b64decode(data), subtype, f"logo.{extension}"


class LocalFetcher:
    """WeasyPrint's URL fetcher limited to ``data:`` URIs and files inside the allowed directories.

    Article text is escaped and never becomes markup, so nothing it says can be fetched;
    this is the second lock: even a template cannot make the PDF read the network or a
    file outside the template and branding directories.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        from weasyprint.urls import URLFetcher

        self.roots = [r.resolve() for r in roots]
        self.inner = URLFetcher(allowed_protocols={"file", "data"})
        self._fail_on_errors = False

    def allowed(self, url: str) -> bool:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return True
        if scheme != "file":
            return False
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)).resolve()
        return any(path == root or root in path.parents for root in self.roots)

    def __call__(self, url: str, *args: object, **kwargs: object) -> URLFetcherResponse:
        if not self.allowed(url):
            raise ValueError(f"briefgen does not fetch {printable(url.split('?')[0], 80)}")
        return self.inner.fetch(url, *args, **kwargs)

    fetch = __call__


def render_pdf(html: str, base_dir: Path, look: Look = Look(), allowed: Sequence[Path] = ()) -> bytes:
    """Lay out the HTML as a paginated PDF with WeasyPrint (imported here: it is slow to load)."""
    try:
        import weasyprint
    except OSError as exc:  # the Pango/HarfBuzz shared libraries are missing
        raise RenderError(f"WeasyPrint cannot load its system libraries: {exc}") from None
    fetcher = LocalFetcher([base_dir, *allowed])
    options: dict[str, str] = {"pdf_variant": "pdf/ua-1"} if look.pdf_ua else {}
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(base_dir), url_fetcher=fetcher).write_pdf(**options)
    return pdf


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    """The briefing as plain data: what ``briefing.json`` holds.

    ``engine`` names the code that made it (:attr:`Briefing.engine`). Each item's
    ``id`` is its passage's stable id (what ``edits.yaml`` drops); ``analyst_notes`` are the
    editor's words, kept apart from the quoted items.
    """
    return {
        "title": briefing.title,
        **({"engine": dict(briefing.engine)} if briefing.engine else {}),
        "as_of": briefing.as_of.isoformat(),
        "window": {
            "start": briefing.window_start.isoformat(),
            "end": briefing.as_of.isoformat(),
            "days": briefing.window_days,
        },
        "audience": briefing.audience,
        "articles_read": briefing.articles_read,
        "articles_used": briefing.articles_used,
        "undated_used": briefing.undated_used,
        "notes": list(briefing.notes),
        **({"new_since": briefing.new_since.isoformat()} if briefing.new_since else {}),
        "sections": [
            {
                "name": s.name,
                "heading": s.heading,
                "items": [
                    {
                        **({"id": it.id} if it.id else {}),
                        "text": it.text,
                        **({"label": it.label} if it.label else {}),
                        **({"new": it.new} if it.new is not None else {}),
                        "sources": list(it.sources),
                        "offsets": [list(o) for o in it.offsets],
                    }
                    for it in s.items
                ],
            }
            for s in briefing.sections
        ],
        **(
            {"analyst_notes": [{"text": n.text, "section": n.section} for n in briefing.analyst_notes]}
            if briefing.analyst_notes
            else {}
        ),
        "sources": [
            {
                "id": src.id,
                "title": src.title,
                "publisher": src.publisher,
                "author": src.author,
                "date": src.date.isoformat() if src.date else None,
                "date_source": src.date_source,
                "not_before": src.not_before.isoformat() if src.not_before else None,
                "preview_of": src.preview_of.isoformat() if src.preview_of else None,
                "url": src.url,
                "path": src.path,
                "text_sha256": src.text_sha256,
                "undated": src.date is None,
                "also_reported_by": [
                    {
                        "title": a.title,
                        "publisher": a.publisher,
                        "date": a.date.isoformat() if a.date else None,
                        "url": a.url,
                        "path": a.path,
                    }
                    for a in src.also
                ],
            }
            for src in briefing.sources
        ],
    }


def render_json(briefing: Briefing) -> str:
    """``briefing.json``: UTF-8, with C1 controls, line separators and bidirectional controls
    written as ``\\u`` escapes (the same values), so no viewer of the file is driven by them."""
    return printable(json.dumps(briefing_data(briefing), ensure_ascii=False, indent=2), json_text=True) + "\n"
