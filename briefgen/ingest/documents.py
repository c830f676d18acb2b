"""Documents: the text of PDF reports and Word files as paragraphs, with the metadata they state.

**PDF** is read with pypdf, whose text extraction reports each run of text with the text and
transformation matrices it is drawn with (ISO 32000-1, 9.4.2), so every line comes with its
position and font size. pypdf was chosen over pdfminer.six by measurement on 30 multi-page PDFs
of real news text (DUC 2003 and 2006 articles set by WeasyPrint with running headers, page
numbers, hyphenation, one and two columns): both recover the same words (recall 0.979, precision
0.93 before furniture is removed), but pypdf takes two thirds of the time (101 against 154 ms a
page on this machine), is already what the tests read briefgen's own PDFs with, and bounds the
work a hostile file can cause by itself (decompression and content-stream parsing budgets).

From the lines, the reader rebuilds what the page layout shows, after the layout-analysis
heuristics of pdfminer.six and of Tkaczyk et al. (2015, "CERMINE"):

- *running headers and footers*: a line among the first or last lines of a page (in drawing
  order or by height) whose text, digits aside, recurs so on other pages, and any such line that
  is a page number ("7", "Page 7 of 12", "- 7 -", "vii"), are page furniture and go;
- *paragraphs*: a new one starts where the vertical gap to the previous line is wider than the
  page's line pitch by :data:`GAP`, where a line is indented by :data:`INDENT` ems, or after a
  line that ends a sentence short of the line length by :data:`SHORT_LINE`; a paragraph runs on
  over a page or column break unless the text before the break ends a sentence and the text
  after it begins one;
- *headings* are lines set :data:`HEADING_SIZE` times larger than the body text, or in bold when
  the body is not; *list items* begin with a bullet or a number;
- *hyphenation*: a line that ends in a typesetter's hyphen (U+00AD, U+2010) is joined to the next
  without it; one that ends in a hyphen-minus is joined without it only when the word it makes
  is more frequent than the hyphenated compound, in the document's language, by wordfreq
  (Speer, 2022): "govern-ment" becomes "government", "anti-leftist" stays.

Its title, author and date come from the document information dictionary or, where that has
none, its XMP metadata; names that software gives ("Microsoft Word - report.docx",
"untitled") are not titles. A PDF with no text layer (a scan) and one encrypted with a password
are each one clear error. At most :data:`MAX_PAGES` pages are read, and no page after the text
has reached :data:`MAX_CHARS` characters (what the longest ``limits.max_chars`` keeps).

**Word** (``.docx``) is read with python-docx: headings by paragraph style (``Title``,
``Heading 1``…, or any style with an outline level), list items by style or numbering,
paragraphs, and each table row as one block; the core properties give the title, author and
date (created, else modified).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import itertools
import logging
import math
import re
import statistics
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from briefgen.errors import ArticleError
from briefgen.ingest.compressed import zip_size
from briefgen.ingest.dates import YEARS
from briefgen.ingest.sources import too_large_unpacked
from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH, Article, Block
from briefgen.textsafe import normalize_space

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

logger = logging.getLogger(__name__)

#: The most pages of a PDF read; a warning names a file with more. Reports run to a few hundred
#: pages, and pages past the first thousand would be cut by ``limits.max_chars`` anyway.
MAX_PAGES = 1_000
#: No more of a document is read once its text has this many characters: the most that
#: ``limits.max_chars`` (at most 900,000) lets an article keep.
MAX_CHARS = 900_000
#: A vertical gap between two lines wider than the page's line pitch times this starts a paragraph.
GAP = 1.1
#: A line that starts this many ems right of the line before it starts a paragraph.
INDENT = 0.5
#: A line that ends a sentence and is shorter than the page's typical line times this ends its paragraph.
SHORT_LINE = 0.95
#: A line set this many times larger than the body text is a heading.
HEADING_SIZE = 1.15
#: How many lines at each edge of a page (first and last drawn, highest and lowest) may be a
#: running header or footer.
EDGE_LINES = 2

#: A page number standing alone: "7", "- 7 -", "(7)", "Page 7", "Page 7 of 12", "7 / 12", "vii".
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.|pg\.?|seite|s\.|p[aá]gina|pag\.)\s*)?[-\u2013\u2014(\[]?\s*"
    r"(?:\d{1,5}|(?=[ivxlc]+$)c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))\s*[-\u2013\u2014)\]]?"
    r"(?:\s*(?:of|/|von|de|sur|di)\s*\d{1,5})?$",
    re.I,
)
#: A list item's marker at the start of a line: a bullet or dash, or "1." "1)" "(a)".
_BULLET = re.compile(
    r"^\s*(?:[-*\u2022\u2013\u2014\u25aa\u25cf\u25e6\u2023\u2043\u25a0\u25a1\u25b8\u25ba\u2219\u00b7]|\(?\d{1,2}[.)]|\([a-z]\))\s+"
)
#: Text that ends a sentence: end punctuation, perhaps inside quotes or brackets.
_TERMINAL = re.compile(r"[.!?:;\u2026][\"'\u201d\u2019)\]]*$")
#: Font names of bold faces.
_BOLD = re.compile(r"bold|black|heavy|semibold|demibold|\bdemi\b", re.I)
#: Latin ligatures a PDF's text layer may keep as one character (U+FB00–U+FB06), and their letters.
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)
#: What software, not an author, puts in a document's title: "Microsoft Word - report.docx",
#: "untitled", a file name, "Slide 1".
_NOT_A_TITLE = re.compile(
    r"^(?:untitled.*|document\s*\d*|word document|title|no title|presentation\d*|powerpoint presentation|"
    r"slide\s*\d+|microsoft (?:word|powerpoint|excel)\b.*|.*\.(?:docx?|pdf|rtf|odt|pptx?|xlsx?|indd|txt|html?|tex|dvi|ps))$",
    re.I,
)
#: What software, not a person, puts in a document's author.
_NOT_AN_AUTHOR = re.compile(
    r"^(?:python-docx|administrator|admin|user|owner|author|unknown|microsoft office user|"
    r"windows user|default|.*\b(?:latex|tex|weasyprint|acrobat|distiller|ghostscript|pdf\w*)\b.*)$",
    re.I,
)
#: The core properties of python-docx's own template, which a document keeps unless its writer sets them.
_PYTHON_DOCX_TEMPLATE = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.UTC)


# ----------------------------------------------------------------------------- shared


@contextlib.contextmanager
def quiet_library(name: str, source: str) -> Iterator[None]:
    """Send what the library ``name`` logs or warns about a damaged file to briefgen's debug log.

    Libraries report each repair they make (pypdf: "Ignoring wrong pointing object"); briefgen says
    what matters about a file once, on one line of its own, so their messages never reach stderr.
    """
    library = logging.getLogger(name)
    handler = _Forward(source)
    propagate = library.propagate
    library.addHandler(handler)
    library.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        library.removeHandler(handler)
        library.propagate = propagate


class _Forward(logging.Handler):
    def __init__(self, source: str) -> None:
        super().__init__(logging.DEBUG)
        self.source = source

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # a library's malformed message must not stop a read
            logger.debug("%s: %s: %s", self.source, record.name, record.getMessage())


def _reason(exc: BaseException) -> str:
    text = normalize_space(str(exc))[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _title(value: object) -> str | None:
    text = _text(value)
    return None if text is None or _NOT_A_TITLE.match(text) or len(text) < 2 else text


def _author(value: object) -> str | None:
    text = _text(value)
    return None if text is None or _NOT_AN_AUTHOR.match(text) else text


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):  # XMP's language alternatives: {"x-default": "…"}
        value = value.get("x-default") or next(iter(value.values()), None)
    elif isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value if v)
    text = normalize_space(str(value).translate(_LIGATURES))
    return text or None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, dt.datetime | dt.date):
        return None
    day = value.date() if isinstance(value, dt.datetime) else value
    return day if YEARS[0] <= day.year <= YEARS[1] else None


def _without_title(title: str | None, blocks: list[Block]) -> list[Block]:
    """The blocks without the heading that sets the title (its first one), which is the article's title, not its text."""
    if title is None:
        return blocks
    key = title.casefold()
    at = next(
        (i for i, b in enumerate(blocks) if b.kind == HEADING and normalize_space(b.text).casefold() == key), None
    )
    return blocks if at is None else blocks[:at] + blocks[at + 1 :]


def _take_title(title: str | None, blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """A leading heading is the title when the metadata has none; it leaves the body when it repeats the title."""
    if (
        blocks
        and blocks[0].kind == HEADING
        and (title is None or normalize_space(blocks[0].text).casefold() == title.casefold())
    ):
        return title or blocks[0].text, blocks[1:]
    return title, blocks


# ----------------------------------------------------------------------------- PDF


@dataclass(frozen=True)
class Line:
    """One line of a PDF page: its text, where it starts (in points, y upwards) and its font."""

    text: str
    x: float
    y: float
    size: float
    bold: bool
    page: int


def _mult(a: Sequence[float], b: Sequence[float]) -> tuple[float, ...]:
    """The product of two PDF matrices ``[a b c d e f]`` (ISO 32000-1, 8.3.4)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _is_bold(font: Any) -> bool:  # noqa: ANN401 - a pypdf font dictionary, or None
    try:
        return bool(_BOLD.search(str(font.get("/BaseFont", "")))) if font is not None else False
    except Exception:  # a damaged font dictionary: not bold
        return False


def page_lines(page: Any, number: int) -> list[Line]:  # noqa: ANN401 - a pypdf page
    """The lines of a page in the order they are drawn, each placed where its first text is.

    Upright text only: text turned on its side (a stamp in the margin) is not part of the article.
    """
    lines: list[Line] = []
    parts: list[str] = []
    sizes: list[float] = []
    bolds: list[bool] = []
    where: list[float] = []

    def end_line() -> None:
        text = normalize_space("".join(parts).translate(_LIGATURES))
        if text and where:
            lines.append(Line(text, where[0], where[1], max(sizes), all(bolds), number))
        parts.clear()
        sizes.clear()
        bolds.clear()
        where.clear()

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: Any, size: float) -> None:  # noqa: ANN401
        if not text:
            return
        m = _mult(tm, cm)
        for k, piece in enumerate(text.split("\n")):
            if k:
                end_line()
            if piece.strip():
                if not where:
                    where.extend((m[4], m[5]))
                sizes.append(abs(float(size)) * math.hypot(m[2], m[3]))
                bolds.append(_is_bold(font))
            parts.append(piece)

    page.extract_text(orientations=(0,), visitor_text=visit)
    end_line()
    return lines


def _key(text: str) -> str:
    """A line's text with digits masked, to find it again on other pages ("Page 3 of 9" = "Page 4 of 9")."""
    return re.sub(r"\d+", "#", text.casefold())


def _edges(lines: Sequence[Line]) -> list[int]:
    """The lines of a page that may be a running header or footer: the first and last drawn, the highest and lowest."""
    n = len(lines)
    by_height = sorted(range(n), key=lambda i: lines[i].y)
    found = {*range(min(EDGE_LINES, n)), *range(max(0, n - EDGE_LINES), n)}
    found |= {*by_height[:EDGE_LINES], *by_height[-EDGE_LINES:]}
    return sorted(found)


def drop_furniture(pages: Sequence[Sequence[Line]]) -> list[list[Line]]:
    """The pages without page numbers and running headers and footers.

    A line at a page's edge is a running header or footer when the same text, digits aside, is
    at an edge of other pages too: of both pages of a two-page document, of two of three or
    four, of three of five or more.
    """
    edges = [_edges(lines) for lines in pages]
    seen: Counter[str] = Counter()
    for lines, found in zip(pages, edges, strict=True):
        seen.update({_key(lines[i].text) for i in found})
    need = min(3, max(2, math.ceil(len(pages) / 2)))
    kept: list[list[Line]] = []
    for lines, found in zip(pages, edges, strict=True):
        gone = {
            i
            for i in found
            if _PAGE_NUMBER.match(lines[i].text) or (len(pages) > 1 and seen[_key(lines[i].text)] >= need)
        }
        kept.append([line for i, line in enumerate(lines) if i not in gone])
    return kept


class _Hyphens:
    """Decides whether a word broken at a hyphen-minus at a line's end is one word or a compound."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def join(self, left: str, right: str) -> bool:
        """Whether ``left``-``right`` (broken after the hyphen) is the word ``left`` + ``right``."""
        from wordfreq import available_languages, zipf_frequency  # heavy: loads word lists on first use

        lang = self.lang if self.lang in available_languages() else "en"
        whole = zipf_frequency(left + right, lang)
        return whole > 0 and whole > zipf_frequency(f"{left}-{right}", lang)


def _join(text: str, line: str, hyphens: _Hyphens) -> str:
    """``text`` continued by the next ``line``, a word broken at the line's end made whole again."""
    if text.endswith(("\u00ad", "\u2010")) and line[:1].isalpha():
        return text[:-1] + line
    m = re.search(r"(\w+)-$", text)
    if m and line[:1].isalnum():
        n = re.match(r"[^\W\d_]+", line)
        if n and m[1].isalpha() and line[:1].islower() and hyphens.join(m[1], n[0]):
            return text[:-1] + line
        return text + line  # a compound broken at its hyphen: "23-year-old", "Indo-Pacific"
    return f"{text} {line}"


def _body_size(lines: Sequence[Line]) -> float:
    """The font size most of the text is set in."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


@dataclass(frozen=True)
class _Page:
    """What a page's body lines are like: the distance between lines, and how long a full line is."""

    pitch: float
    line_length: float
    body: float


def _page_measures(lines: Sequence[Line], body: float, fallback: _Page | None) -> _Page:
    body_lines = [line for line in lines if abs(line.size - body) <= 0.1 * body]
    steps = [a.y - b.y for a, b in itertools.pairwise(body_lines) if 0.3 * body < a.y - b.y < 3 * body]
    lengths = [len(line.text) for line in body_lines]
    if fallback is not None and (len(steps) < 2 or len(lengths) < 3):
        return fallback
    return _Page(
        statistics.median(steps) if steps else 1.2 * body,
        statistics.median(lengths) if lengths else 60.0,
        body,
    )


def _kind(line: Line, body: float, bold_body: bool) -> str:
    if line.size >= HEADING_SIZE * body:
        return HEADING
    if _BULLET.match(line.text):
        return LIST_ITEM
    if line.bold and not bold_body and len(line.text.split()) <= 14 and not _TERMINAL.search(line.text):
        return HEADING
    return PARAGRAPH


def _follows(a: Line, b: Line, pitch: float) -> bool:
    """Whether ``b`` is the line below ``a`` in the same column."""
    return a.page == b.page and 0 < a.y - b.y < 3 * pitch + b.size and abs(a.x - b.x) < 20 * b.size


def _indented(line: Line, before: Line | None, after: Line | None, pitch: float) -> bool:
    """Whether ``line`` starts further right than the line below it (and the one above, when it is
    in the same column): the first line of a paragraph set with a first-line indent."""
    if after is None or not _follows(line, after, pitch) or line.x - after.x <= INDENT * line.size:
        return False
    return before is None or not _follows(before, line, pitch) or line.x - before.x > INDENT * line.size


def _starts_block(
    prev: Line, line: Line, kind: str, block_kind: str, measures: _Page, indents: bool, after: Line | None
) -> bool:
    """Whether ``line`` starts a block rather than continuing the one ``prev`` ends (see the module's
    docstring); ``indents`` says the document marks paragraphs with first-line indents, and ``after``
    is the line drawn after ``line``."""
    if kind == LIST_ITEM or (kind == HEADING) != (block_kind == HEADING):
        return True
    if kind == HEADING and line.page != prev.page:
        return True
    if abs(line.size - prev.size) > 0.1 * max(line.size, prev.size):
        return True
    dy = prev.y - line.y
    same_row = abs(dy) < 0.5 * line.size
    if line.page == prev.page and same_row:
        return False  # pieces of one visual line
    pitch = measures.pitch * line.size / measures.body  # larger type, wider lines
    if line.page == prev.page and 0 < dy < 3 * pitch + line.size:
        if dy > GAP * pitch:
            return True
        if kind == HEADING:
            return False
        if block_kind == LIST_ITEM:
            return line.x < prev.x - INDENT * line.size  # an item's further lines hang under its text
        if line.x - prev.x > INDENT * line.size:
            return True
        return len(prev.text) < SHORT_LINE * measures.line_length and bool(_TERMINAL.search(prev.text))
    # A new column or page: where paragraphs are indented, an indent says; otherwise the paragraph
    # runs on unless a sentence ends at the break and one begins after it.
    if prev.text.endswith(("-", "\u00ad", "\u2010")) or line.text[:1].islower():
        return False
    if indents and after is not None and _follows(line, after, measures.pitch):
        return _indented(line, None, after, measures.pitch)
    return bool(_TERMINAL.search(prev.text))


#: A list marker drawn on its own (WeasyPrint and others draw an item's bullet apart from its text).
_MARKER = re.compile(
    r"^(?:[-*\u2022\u2013\u25aa\u25cf\u25e6\u2023\u2043\u25a0\u25a1\u25b8\u25ba\u2219\u00b7]|\(?\d{1,2}[.)]|\([a-z]\))$"
)


def attach_markers(lines: Sequence[Line]) -> list[Line]:
    """A page's lines with each list marker drawn on its own put before the text beside it (the
    nearest line to its right on the same baseline); a marker with no text beside it goes."""
    markers = [line for line in lines if _MARKER.match(line.text)]
    if not markers:
        return list(lines)
    prefix: dict[int, str] = {}
    for marker in markers:
        beside = [
            (line.x - marker.x, i)
            for i, line in enumerate(lines)
            if not _MARKER.match(line.text) and abs(line.y - marker.y) < 0.5 * line.size and line.x > marker.x
        ]
        if beside:
            prefix.setdefault(min(beside)[1], marker.text)
    return [
        dataclasses.replace(line, text=f"{prefix[i]} {line.text}") if i in prefix else line
        for i, line in enumerate(lines)
        if not _MARKER.match(line.text)
    ]


#: A line of a table of contents: a title, dot leaders and a page number.
_CONTENTS_LINE = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,5}|[ivxlc]{1,6})$", re.I)
#: A heading longer than this many words is a paragraph set large (a standfirst, a pull quote).
HEADING_WORDS = 25


@dataclass
class _Piece:
    kind: str
    text: str
    size: float
    page: int


def pdf_text(pages: Sequence[Sequence[Line]], lang: str = "en") -> tuple[list[Block], str | None]:
    """Blocks (headings, paragraphs, list items) rebuilt from the lines of a document's pages, and
    its headline: the heading set largest on its first page of text, when one stands out."""
    pages = [attach_markers(page) for page in drop_furniture(pages)]
    lines = [line for page in pages for line in page if not _CONTENTS_LINE.search(line.text)]
    if not lines:
        return [], None
    body = _body_size(lines)
    body_chars = sum(len(line.text) for line in lines if abs(line.size - body) <= 0.1 * body)
    bold_body = sum(len(line.text) for line in lines if line.bold and abs(line.size - body) <= 0.1 * body) > (
        body_chars / 2
    )
    whole = _page_measures(lines, body, None)
    measures = {page[0].page: _page_measures(page, body, whole) for page in pages if page}
    hyphens = _Hyphens(lang)
    following: list[Line | None] = [*lines[1:], None]
    starts = sum(
        _indented(line, before, after, measures[line.page].pitch)
        for before, line, after in zip([None, *lines[:-1]], lines, following, strict=True)
    )
    indents = starts >= 2
    pieces: list[_Piece] = []
    prev: Line | None = None
    for line, after in zip(lines, following, strict=True):
        kind = _kind(line, body, bold_body)
        if prev is None or _starts_block(prev, line, kind, pieces[-1].kind, measures[line.page], indents, after):
            text = _BULLET.sub("", line.text) if kind == LIST_ITEM else line.text
            pieces.append(_Piece(kind, text, line.size, line.page))
        else:
            pieces[-1].text = _join(pieces[-1].text, line.text, hyphens)
        prev = line
    for piece in pieces:
        piece.text = piece.text.strip()
        if piece.kind == HEADING and len(piece.text.split()) > HEADING_WORDS:
            piece.kind = PARAGRAPH
    pieces = [piece for piece in pieces if any(ch.isalnum() for ch in piece.text)]
    return [Block(piece.kind, piece.text) for piece in pieces], _headline(pieces, body)


def _headline(pieces: Sequence[_Piece], body: float) -> str | None:
    """The heading set largest on the first page with text, when it is larger than everything else there."""
    if not pieces:
        return None
    first = [piece for piece in pieces if piece.page == pieces[0].page]
    largest = max(piece.size for piece in first)
    top = [piece for piece in first if piece.size == largest]
    if len(top) == 1 and top[0].kind == HEADING and largest >= HEADING_SIZE * body:
        return top[0].text
    return None


def _pdf_metadata(reader: Any) -> tuple[str | None, str | None, dt.date | None]:  # noqa: ANN401 - a PdfReader
    """Title, author and date from the document information dictionary, else from XMP."""
    title = author = None
    date = None
    with contextlib.suppress(Exception):  # damaged metadata is no metadata
        info = reader.metadata
        if info is not None:
            title, author = _title(info.get("/Title")), _author(info.get("/Author"))
            for when in ("creation_date", "modification_date"):
                with contextlib.suppress(Exception):  # a date pypdf cannot parse is no date
                    date = date or _date(getattr(info, when))
    if title is None or author is None or date is None:
        with contextlib.suppress(Exception):
            xmp = reader.xmp_metadata
            if xmp is not None:
                title = title or _title(xmp.dc_title)
                author = author or _author(xmp.dc_creator)
                date = date or _date(xmp.xmp_create_date) or _date(xmp.xmp_modify_date)
    return title, author, date


def _pdf_language(reader: Any) -> str:  # noqa: ANN401 - a PdfReader
    """The document's language (its catalog's ``/Lang``, "en-GB" → "en"); English when it says none."""
    with contextlib.suppress(Exception):
        lang = str(reader.trailer["/Root"].get("/Lang") or "")
        code = re.match(r"[A-Za-z]{2,3}", lang)
        if code:
            return code[0].lower()
    return "en"


def read_pdf(path: object, data: bytes, max_bytes: int) -> list[Article]:
    """A PDF's text layer as an article (see the module's docstring); ``max_bytes`` is unused (pypdf bounds its own work)."""
    name = str(path)
    with quiet_library("pypdf", name):
        reader = _open_pdf(name, data)
        pages, notes = _read_pages(name, reader)
        title, author, date = _pdf_metadata(reader)
        blocks, headline = pdf_text(pages, _pdf_language(reader))
    if not blocks:
        raise ArticleError(name, "no text layer: scanned PDF?")
    title = title or headline
    blocks = _without_title(title, blocks)
    if not blocks:
        raise ArticleError(name, "no body text")
    for note in notes:  # said only of a PDF that is read: one that is not is one line saying why
        logger.warning("%s: %s", name, note)
    return [Article(path=name, form="pdf", blocks=tuple(blocks), title=title, author=author, date=date)]


def _open_pdf(name: str, data: bytes) -> Any:  # noqa: ANN401 - a PdfReader
    from pypdf import PasswordType, PdfReader  # heavy: a large package, needed only for PDFs

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise ArticleError(name, f"not a readable PDF ({_reason(exc)})") from None
    if encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:
            raise ArticleError(name, f"encrypted PDF that cannot be opened ({_reason(exc)})") from None
        if opened == PasswordType.NOT_DECRYPTED:
            raise ArticleError(name, "encrypted PDF: it needs a password to open")
    return reader


def _read_pages(name: str, reader: Any) -> tuple[list[list[Line]], list[str]]:  # noqa: ANN401 - a PdfReader
    """The lines of each page, up to :data:`MAX_PAGES` pages and :data:`MAX_CHARS` characters, and
    what was not read (pages past those bounds, pages that could not be read)."""
    try:
        total = len(reader.pages)
    except Exception as exc:
        raise ArticleError(name, f"not a readable PDF ({_reason(exc)})") from None
    pages: list[list[Line]] = []
    chars = 0
    failed: list[str] = []
    for number in range(min(total, MAX_PAGES)):
        if chars >= MAX_CHARS:
            break
        try:
            lines = page_lines(reader.pages[number], number)
        except Exception as exc:  # one damaged page must not cost the others
            failed.append(_reason(exc))
            continue
        chars += sum(len(line.text) + 1 for line in lines)
        pages.append(lines)
    read = len(pages) + len(failed)
    if failed and not pages:
        raise ArticleError(name, f"not a readable PDF (no page could be read: {failed[0]})")
    notes = [f"{len(failed)} of its pages could not be read ({failed[0]})"] if failed else []
    if read < total:
        why = f"{MAX_CHARS:,} characters, the most an article keeps" if chars >= MAX_CHARS else f"at most {MAX_PAGES:,}"
        notes.append(f"read the first {read:,} of its {total:,} pages ({why})")
    return pages, notes


# ----------------------------------------------------------------------------- Word


#: Style names of headings in the languages Word is most used in ("Heading 1", "Überschrift 1", "Titre 1"…).
_HEADING_STYLE = re.compile(
    r"^(?:title|subtitle|heading\s*\d|\u00fcberschrift\s*\d|titel|titre\s*\d?|t[ií]tulo\s*\d?|titolo\s*\d?|"
    r"kop\s*\d|nag\u0142\u00f3wek\s*\d|rubrik\s*\d)$",
    re.I,
)
_LIST_STYLE = re.compile(r"\blist\b|\bliste\b|\blista\b|aufz\u00e4hlung|\u00e9num\u00e9ration", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _style_chain(style: Any) -> Iterator[Any]:  # noqa: ANN401 - a python-docx style
    """A paragraph style and the styles it is based on, at most 20 deep (a loop in a damaged file ends)."""
    for _ in range(20):
        if style is None:
            return
        yield style
        style = style.base_style


def _paragraph_kind(paragraph: Any) -> str:  # noqa: ANN401 - a python-docx paragraph
    """HEADING for a heading style or an outline level, LIST_ITEM for a list style or numbering, else PARAGRAPH."""
    ppr = paragraph._p.pPr  # python-docx has no public accessor for a paragraph's outline level or numbering
    try:
        styles = list(_style_chain(paragraph.style))
    except Exception:  # a style the document names but does not define
        styles = []
    names = [str(getattr(s, "name", "") or "") for s in styles]
    levels = [ppr] + [s.element.pPr for s in styles]
    if any(_HEADING_STYLE.match(n) for n in names) or any(
        p is not None and p.find(f"{_W}outlineLvl") is not None for p in levels
    ):
        return HEADING
    if any(_LIST_STYLE.search(n) for n in names) or any(
        p is not None and p.find(f"{_W}numPr") is not None for p in levels
    ):
        return LIST_ITEM
    return PARAGRAPH


def _word_blocks(name: str, document: WordDocument) -> list[Block]:
    """The body's headings, paragraphs, list items and table rows, in order, up to :data:`MAX_CHARS` characters."""
    from docx.table import Table  # heavy: python-docx, needed only for Word files
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []
    chars = 0
    todo = list(document.element.body.iterchildren())
    todo.reverse()
    while todo and chars < MAX_CHARS:
        element = todo.pop()
        tag = element.tag
        if tag == f"{_W}p":
            paragraph = Paragraph(element, document)
            text = normalize_space(paragraph.text)
            if text:
                blocks.append(Block(_paragraph_kind(paragraph), text))
                chars += len(text)
        elif tag == f"{_W}tbl":
            for row in Table(element, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = normalize_space(cell.text)
                    if text and (not cells or cells[-1] != text):  # a merged cell repeats in each column it spans
                        cells.append(text)
                if cells:
                    blocks.append(Block(PARAGRAPH, " ".join(cells)))
                    chars += len(blocks[-1].text)
        elif tag == f"{_W}sdt":  # a content control: its content is body text
            content = element.find(f"{_W}sdtContent")
            if content is not None:
                todo.extend(reversed(list(content.iterchildren())))
    if todo:
        logger.warning("%s: read the first %s characters (the most an article keeps)", name, f"{MAX_CHARS:,}")
    return blocks


def read_docx(path: object, data: bytes, max_bytes: int) -> list[Article]:
    """A Word document's body as an article, with its core properties (see the module's docstring).

    The archive is checked first: it must hold ``word/document.xml`` and unpack to at most
    ``max_bytes`` (its central directory says how much; a member is never read past what it records).
    """
    name = str(path)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
            size = zip_size(archive)
    except Exception as exc:  # zipfile raises many kinds of error on a damaged archive
        raise ArticleError(name, f"not a Word document (not a readable zip archive: {_reason(exc)})") from None
    if "word/document.xml" not in members:
        raise ArticleError(name, "not a Word document (no word/document.xml in the archive)")
    if size > max_bytes:
        raise ArticleError(name, too_large_unpacked(max_bytes))
    import docx  # heavy: python-docx and its XML schema classes, needed only for Word files

    with quiet_library("docx", name):
        try:
            document = docx.Document(io.BytesIO(data))
            blocks = _word_blocks(name, document)
        except Exception as exc:  # python-docx and lxml raise many kinds of error on a damaged file
            raise ArticleError(name, f"not a readable Word document ({_reason(exc)})") from None
        title, author, date = _word_metadata(document)
    title, blocks = _take_title(title, blocks)
    if not blocks:
        raise ArticleError(name, "no body text")
    return [Article(path=name, form="docx", blocks=tuple(blocks), title=title, author=author, date=date)]


def _word_metadata(document: WordDocument) -> tuple[str | None, str | None, dt.date | None]:
    """Title, author and date (created, else modified) from the core properties; python-docx's
    template values, which a document keeps when its writer set none, are none."""
    title = author = None
    created = modified = None
    with contextlib.suppress(Exception):
        props = document.core_properties
        title, author = _title(props.title), _author(props.author)
        with contextlib.suppress(Exception):
            created = props.created
        with contextlib.suppress(Exception):
            modified = props.modified
    stated = [d for d in (created, modified) if d is not None and _aware(d) != _PYTHON_DOCX_TEMPLATE]
    return title, author, _date(stated[0]) if stated else None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
