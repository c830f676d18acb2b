"""A web page's main text and metadata: trafilatura's two readings of the page, reconciled.

trafilatura (Barbaresi, 2021) finds a page's main text with boilerplate-aware heuristics
and reads its metadata (with htmldate for the date). Run as it ships it keeps a page's
lead-in (standfirst, teaser, first paragraph) but also more furniture; run with
``favor_precision`` it keeps less furniture but trims the lead-in with it. Measured on 474
real pages (``bench/extraction_bench.py``), taking the precise reading for the body and the
default reading for what comes before it keeps most of both gains. Blocks that are all
link and do not read as a sentence (lists of other stories, "join the discussion") go too.
Nothing here looks at a particular site: every rule is about the shape of the page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from briefgen.ingest.decode import repair
from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH, Block
from briefgen.textsafe import normalize_space

if TYPE_CHECKING:
    from lxml.etree import _Element

#: Elements of trafilatura's output that are one block each, and the kind they become.
_BLOCK_TAGS = {"head": HEADING, "p": PARAGRAPH, "item": LIST_ITEM, "code": PARAGRAPH, "quote": PARAGRAPH}
#: Elements that hold blocks: their own text and the tails of their children are blocks too.
_HOLDERS = ("list", "table", "div", "quote", "item", "cell", "section", "main", "body")
#: A block whose characters are at least this share link text, and that does not end as a
#: sentence, is a link to elsewhere (measured: removes more furniture than text).
LINK_SHARE = 0.9
#: ... and at most this many words: a long link-dense block is rare and more often content.
LINK_WORDS = 30
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201c\u201d\u2018\u2019)\]\u00bb\u00ab]*$")
#: Separators between a page title and the site name: "Story | Site", "Site – Story".
_TITLE_SEPARATORS = r"\s+(?:[|\u2013\u2014\u00b7\u2022:\u00bb/-]|--)\s+"


@dataclass(frozen=True)
class Page:
    """What a web page says: its main text as blocks and the metadata it states."""

    blocks: tuple[Block, ...]
    title: str | None
    sitename: str | None
    author: str | None
    date: dt.date | None
    url: str | None
    language: str | None = None
    """The language the page declares (``<html lang>``, ``og:locale``, ``Content-Language``), as written."""


def _link_chars(el: _Element) -> int:
    return sum(len(normalize_space("".join(ref.itertext()))) for ref in el.iter("ref"))


def _holds_blocks(el: _Element) -> bool:
    return any(child.tag in _BLOCK_TAGS or child.tag in _HOLDERS for child in el)


def body_blocks(body: _Element) -> list[tuple[Block, float]]:
    """Blocks of trafilatura's output tree, each with the share of its text that is link text.

    Every piece of text becomes part of a block, including text that trails a heading or a
    list inside its container (an element's ``tail``), which walking only the block elements
    would lose; a table row is one block, its cells joined by spaces.
    """
    out: list[tuple[Block, float]] = []

    def add(kind: str, text: str | None, link_chars: int = 0) -> None:
        content = normalize_space(text or "")
        if content:
            out.append((Block(kind, content), min(1.0, link_chars / len(content))))

    def walk(el: _Element) -> None:
        tag = el.tag
        if tag == "row":
            cells = (normalize_space("".join(cell.itertext())) for cell in el)
            add(PARAGRAPH, " ".join(c for c in cells if c), _link_chars(el))
        elif tag in _BLOCK_TAGS and not (tag in ("quote", "item") and _holds_blocks(el)):
            add(_BLOCK_TAGS[str(tag)], "".join(el.itertext()), _link_chars(el))
        elif tag == "ref":
            text = "".join(el.itertext())
            add(PARAGRAPH, text, len(normalize_space(text)))
        else:
            add(LIST_ITEM if tag == "item" else PARAGRAPH, el.text)
            for child in el:
                walk(child)
                add(PARAGRAPH, child.tail)

    walk(body)
    return out


def _reconcile(default: list[tuple[Block, float]], precise: list[tuple[Block, float]]) -> list[tuple[Block, float]]:
    """The precise reading, preceded by what the default reading has before the first block both share."""
    if not default or not precise:
        return precise or default
    shared = {block.text for block, _ in precise}
    first = next((i for i, (block, _) in enumerate(default) if block.text in shared), len(default))
    return default[:first] + precise


def _is_link(block: Block, share: float) -> bool:
    return share >= LINK_SHARE and len(block.text.split()) <= LINK_WORDS and not _SENTENCE_END.search(block.text)


def strip_site_name(title: str | None, sitename: str | None, hostname: str | None) -> str | None:
    """The title without the site's name before or after a separator ("Story | Site" → "Story").

    The site name is the page's own (``og:site_name``, JSON-LD publisher) or its host name;
    a part is the site's name when, ignoring case and punctuation, one contains the other.
    """
    if not title:
        return title
    names = _site_keys(sitename, hostname)
    if not names:
        return title
    parts = re.split(f"({_TITLE_SEPARATORS})", title)
    if len(parts) < 3:
        return title
    for first in (False, True):
        part = parts[0] if first else parts[-1]
        key = _key(part)
        if key and any(key == n or (len(n) >= 4 and n in key and len(key) <= len(n) + 12) or key in n for n in names):
            rest = "".join(parts[2:] if first else parts[:-2]).strip()
            if rest:
                return rest
    return title


#: What names a publisher or a notice, not a person who wrote: "Copyright …", "www.site.de".
_NOT_A_PERSON = re.compile(r"copyright|\u00a9|\bwww\b|https?:|@|\.(?:com|de|org|net)\b", re.I)


def stated_author(author: str | None, sitename: str | None, hostname: str | None) -> str | None:
    """The author a page states, or None when what its metadata calls the author is the site
    itself (``author`` meta tags often hold the publisher's name) or a notice; of several
    authors ("A; B") only those kept. Invented metadata is worse than none."""
    if not author:
        return None
    site = [key for key in _site_keys(sitename, hostname) if len(key) >= 4]
    kept = [
        name
        for name in (part.strip() for part in author.split(";"))
        if name and not _NOT_A_PERSON.search(name) and not any(_key(name) in key or key in _key(name) for key in site)
    ]
    return "; ".join(kept) or None


def _site_keys(sitename: str | None, hostname: str | None) -> list[str]:
    """The site's name and its host's first label ("www.example-news.com" → "examplenews") as keys."""
    names = (sitename, (hostname or "").removeprefix("www.").split(".")[0])
    return [key for key in (_key(n) for n in names if n) if key]


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def read_page(text: str, url: str | None = None) -> Page | None:
    """Main text and metadata of an HTML page; None when it has no main text."""
    from trafilatura import bare_extraction, load_html

    tree = load_html(text)
    if tree is None:
        return None
    options: dict[str, Any] = {
        "url": url,
        "include_comments": False,
        "include_tables": True,
        "include_images": False,
        "include_links": True,
        "deduplicate": False,
    }
    default = bare_extraction(tree, with_metadata=True, **options)
    # The precise reading skips trafilatura's fallback extractors (readability, jusText): the
    # default reading has consulted them already, and both readings cost ~1.5 trafilatura runs.
    precise = bare_extraction(tree, with_metadata=False, favor_precision=True, fast=True, **options)
    blocks = _reconcile(_blocks(default), _blocks(precise))
    kept = tuple(Block(block.kind, repair(block.text)) for block, share in blocks if not _is_link(block, share))
    meta = default
    sitename, hostname = _meta(meta, "sitename"), _meta(meta, "hostname")
    return Page(
        blocks=kept,
        title=strip_site_name(_meta(meta, "title"), sitename, hostname),
        sitename=sitename,
        author=stated_author(_meta(meta, "author"), sitename, hostname),
        date=_date(_meta(meta, "date")),
        url=_meta(meta, "url"),
        language=declared_language(tree),
    )


#: Where a page declares its language, in the order trusted: the document's own ``lang``, then the
#: Open Graph locale, then the HTTP header a ``<meta http-equiv>`` repeats.
_LANGUAGE_PATHS = (
    "/html/@lang",
    "/html/@xml:lang",
    "//meta[@property='og:locale']/@content",
    "//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')='content-language']/@content",
)


def declared_language(tree: _Element) -> str | None:
    """The language a page declares, as written ("de-DE", "en_US"); None when it declares none."""
    from lxml import etree  # loaded already: the tree is lxml's

    for path in _LANGUAGE_PATHS:
        try:
            found = tree.xpath(path, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
        except etree.XPathError:  # an odd tree declares nothing
            continue
        for value in found if isinstance(found, list) else []:
            text = normalize_space(str(value))[:35]
            if text:
                return text
    return None


def _blocks(document: object) -> list[tuple[Block, float]]:
    body = getattr(document, "body", None)
    return body_blocks(body) if body is not None else []


def _meta(document: object, name: str) -> str | None:
    value = getattr(document, name, None) if document is not None else None
    if not isinstance(value, str):
        return None
    value = normalize_space(repair(value))
    return value or None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
