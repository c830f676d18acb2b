"""Feed entries as ``collect`` reads them: each entry's article, its link, and whether it is only a summary.

An entry's text is read as a build reads it (its full content preferred to its summary, HTML or
text: :func:`~briefgen.ingest.readers.fragment_blocks`, :func:`~briefgen.ingest.readers.text_blocks`),
and dated as any article is (:func:`~briefgen.ingest.dates.dated`). Unlike a build, ``collect`` keeps
entries that have a link but no text: their article is behind the link.

Whether an entry holds only a summary decides, with ``follow: auto``, whether its link is followed.
RSS 2.0 calls ``<description>`` "the item synopsis" and Atom separates ``<summary>`` from
``<content>``, but many feeds put the whole article in the one and a teaser in the other, so the
text itself decides: an entry is taken for a summary when it is shorter than
:data:`SUMMARY_WORDS`, or when it ends as a cut text does ("…", "[…]", "Read more", "Continue
reading").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from briefgen.collect.urls import canonical_url, is_web
from briefgen.ingest.dates import dated
from briefgen.ingest.plaintext import domain_of, text_blocks
from briefgen.ingest.readers import fragment_blocks
from briefgen.models import Article, Block
from briefgen.textsafe import normalize_space

#: An entry of fewer words than this is taken for a summary of its article. Measured on the full
#: news articles of DUC 2003 (298 AP and NYT stories): 124 words is their 5th percentile, so at most
#: one full article in twenty is fetched again needlessly (a polite extra request, never a lost
#: article). Checked on DUC 2006 (1,250 AP, NYT and Xinhua stories): 2.9% are under 120 words.
#: Feed summaries are shorter: WordPress cuts its excerpts at 55 words.
SUMMARY_WORDS = 120

#: How a text cut short ends: with an ellipsis, bare or in brackets (as WordPress's excerpts end)...
_ELLIPSIS = re.compile(r"(?:\u2026|\.\.\.|\[\s*(?:\u2026|\.\.\.)\s*\])\s*$")
#: ... or with a short block that links on to the rest.
_READ_ON = re.compile(r"^\W*(?:read more|continue reading|read the full (?:story|article)|full story)\b", re.I)
_READ_ON_WORDS = 12
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass(frozen=True)
class Entry:
    """One feed entry as ``collect`` sees it."""

    index: int
    link: str | None
    """The entry's link, when it is an ``http(s)`` address."""
    key: str
    """The canonical URL the entry is known by: its link's, else the feed's with its id."""
    article: Article | None
    """The entry's own text as an article; None when it has none."""


def _meta(value: object) -> str | None:
    if value is None:
        return None
    text = normalize_space(html.unescape(re.sub(r"<[^>]+>", " ", str(value))))
    return text or None


def _blocks(body: str) -> list[Block]:
    return fragment_blocks(body) if _MARKUP.search(body) else text_blocks(html.unescape(body))


def entries(
    feed_url: str,
    parsed: Any,  # noqa: ANN401 - feedparser's result is an untyped dict
    base: str | None = None,
) -> list[Entry]:
    """Every entry of a parsed feed, in the feed's order; one feedparser could not read is left out.
    A relative link is read against ``base``, where the feed was read (else ``feed_url``)."""
    feed_title = _meta(parsed.feed.get("title"))
    feed_link = parsed.feed.get("link")
    out = []
    for i, entry in enumerate(parsed.entries):
        try:
            out.append(
                _entry(
                    feed_url, base or feed_url, i, entry, feed_title, feed_link if isinstance(feed_link, str) else None
                )
            )
        except (AttributeError, TypeError, ValueError):
            continue  # an entry feedparser gives in a shape no feed has: nothing to read of it
    return out


def _entry(
    feed_url: str,
    base: str,
    i: int,
    entry: Any,  # noqa: ANN401 - a feedparser entry
    feed_title: str | None,
    feed_link: str | None,
) -> Entry:
    link = _meta(entry.get("link"))
    link = urllib.parse.urljoin(base, link) if link else None
    link = link if is_web(link) else None
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    body = max(contents, key=len) if contents else str(entry.get("summary", "") or "")
    blocks = _blocks(body) if body else []
    article = None
    if blocks:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        article = dated(
            Article(
                path=f"{feed_url}#{i}",
                form="feed",
                blocks=tuple(blocks),
                title=_meta(entry.get("title")),
                publisher=feed_title or domain_of(link) or domain_of(feed_link),
                author=_meta(entry.get("author")),
                date=dt.date(when.tm_year, when.tm_mon, when.tm_mday) if when else None,
                url=link,
            )
        )
    if link:
        key = canonical_url(link)
    else:
        ident = _meta(entry.get("id")) or _meta(entry.get("title")) or "\n".join(b.text for b in blocks)
        key = f"{canonical_url(feed_url)}#" + hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return Entry(i, link, key, article)


def is_summary(article: Article) -> bool:
    """Whether an entry's text is only a summary of its article (see the module's docstring)."""
    words = sum(len(block.text.split()) for block in article.blocks)
    if words < SUMMARY_WORDS:
        return True
    last = article.blocks[-1].text if article.blocks else ""
    return bool(_ELLIPSIS.search(last)) or (len(last.split()) <= _READ_ON_WORDS and bool(_READ_ON.match(last)))
