"""Readers: turn one input file into articles (metadata plus body blocks).

Readers are keyed by form: those of text forms in :data:`READERS`, those of forms read as bytes
(gzip, PDF, Word, email, mbox) in :data:`BINARY_READERS`. :func:`detect_form` picks one from a
sniff of the file's content and then its name, because users' dumps rarely have honest
extensions (a WordPress JSON export saved as ``.txt`` is common). A gzip file is inflated
within the byte limit (:mod:`briefgen.ingest.compressed`) and what it holds read as its inner
name and content say (``page.html.gz`` is a page, of form ``html.gz``).
Readers extract structure and metadata only; removing boilerplate is ``clean``'s job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import json
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from briefgen import safe_yaml
from briefgen.errors import ArticleError
from briefgen.ingest.compressed import GZIP_MAGIC, GZIP_SUFFIXES, ZIP_MAGIC, Oversize, gunzip, inner_name
from briefgen.ingest.dates import date_line, dated, url_date
from briefgen.ingest.decode import decode, utf16_without_bom
from briefgen.ingest.documents import read_docx, read_pdf
from briefgen.ingest.mail import read_email, read_mbox
from briefgen.ingest.plaintext import domain_of as domain_of  # re-exported: readers' helpers for other forms
from briefgen.ingest.plaintext import text_blocks as text_blocks
from briefgen.ingest.sources import SIDECAR_SUFFIX, check_file, file_kind, size_text, too_large_unpacked
from briefgen.ingest.webpage import read_page
from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH, Article, Block
from briefgen.textsafe import normalize_space

if TYPE_CHECKING:
    from markdown_it.token import Token
logger = logging.getLogger(__name__)

#: The most bytes a file read takes when no limit is given: the ceiling of ``limits.max_bytes``.
#: A build skips files over its own config's ``limits.max_bytes`` before reading them, and
#: several configs share one read of a file, so the shared read takes up to any config's limit.
MAX_BYTES = 256 * 1024 * 1024


_TERMINAL = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


def parse_date(value: object) -> dt.date | None:
    """Parse a date from metadata (ISO 8601, RFC 822, "Feb 12, 2025"…); None when it is not one."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text or len(text) > 64:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if not re.search(r"\d{4}", text):
        return None  # never guess a year
    from dateutil import parser as dateparser

    try:
        return dateparser.parse(text, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def _clean_meta(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    text = normalize_space(html.unescape(re.sub(r"<[^>]+>", " ", str(value))))
    return text or None


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """Read a file as text of whatever encoding; refuse what is not a regular file, and empty,
    binary and oversized files (see :func:`read_bytes`)."""
    return text_of(read_bytes(path, max_bytes), str(path))


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a file's bytes; refuse what is not a regular file, and empty and oversized files.

    The file is checked with ``stat`` before it is opened, so a FIFO or a device is never
    opened; it is opened without blocking and checked again, so one swapped in meanwhile
    cannot hang the read either; and no more than ``max_bytes`` are read, whatever the size
    said.
    """
    name = str(path)
    try:
        check_file(path, max_bytes, unpacked=False)  # what a compressed file holds is bounded as it is inflated
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as f:
            kind = file_kind(os.fstat(fd).st_mode)
            if kind:
                raise ArticleError(name, f"not a regular file ({kind})")
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ArticleError(name, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ArticleError(name, f"too large (over {size_text(max_bytes)})")
    if not data.strip():
        raise ArticleError(name, "empty file")
    return data


def text_of(data: bytes, name: str) -> str:
    """The text of a file's bytes, of whatever encoding; ArticleError for binary data."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")) and not utf16_without_bom(data):
        raise ArticleError(name, "binary file")
    return decode(data, name)


_BYLINE = re.compile(
    r"^(?:by|written by|words by)\s+([A-Z][\w.'\-]+(?:\s+(?:[A-Z][\w.'\-]+|and|&|de|van|von)){0,5})\s*(?:[,|\u2013\u2014-].*)?$",
    re.I,
)


def _split_title_and_byline(blocks: list[Block]) -> tuple[str | None, str | None, dt.date | None, list[Block]]:
    """Take a leading headline, byline and date line off a text body, when the text has them.

    A date line says when the article is from and nothing else ("February 12, 2025",
    "Published: 12 Feb 2025", "Updated 2025-02-12 09:30", "By Jane Roe · Feb. 12, 2025"; see
    :func:`briefgen.ingest.dates.date_line`); it may stand before the headline or among the three lines
    after it, beside a byline.
    """
    title = author = None
    date = date_line(blocks[0].text) if blocks else None
    rest = list(blocks[1:] if date is not None else blocks)
    if (rest and rest[0].kind == HEADING and len(rest[0].text.split()) <= 25) or (
        rest and rest[0].kind == PARAGRAPH and len(rest[0].text.split()) <= 25 and not _TERMINAL.search(rest[0].text)
    ):
        title = rest.pop(0).text
    for _ in range(3):
        if not rest:
            break
        m = _BYLINE.match(rest[0].text) if len(rest[0].text.split()) <= 12 else None
        if m and author is None:
            author = m[1].strip()
            rest.pop(0)
            continue
        d = date_line(rest[0].text)
        if d is not None and date is None:
            date = d
            rest.pop(0)
            continue
        break
    return title, author, date, rest


#: The metadata a plain-text article may state, in a header at its top or in a sidecar file.
PLAIN_META_KEYS = ("title", "publisher", "author", "date", "url")


_HEADER_LINE = re.compile(r"^(title|publisher|author|date|url)[ \t]*:[ \t]*(.*?)\s*$", re.I)


#: The most a sidecar file may hold: a few lines of metadata.
MAX_SIDECAR_BYTES = 64 * 1024


def _plain_header(text: str) -> tuple[dict[str, str], str]:
    """The ``Key: value`` header at the top of a text (``Title:``, ``Publisher:``, ``Author:``,
    ``Date:``, ``URL:``) ended by a blank line, and the text after it.

    Only when the first line is one of these keys and every line up to the blank line is too:
    ordinary text ("Title of the piece…", "Date night in Paris") is left as it is.
    """
    lines = text.lstrip("\ufeff").splitlines()
    k = 0
    while k < len(lines) and not lines[k].strip():
        k += 1
    meta: dict[str, str] = {}
    for end in range(k, len(lines)):
        if not lines[end].strip():
            break
        m = _HEADER_LINE.match(lines[end])
        if m is None:
            return {}, text
        meta.setdefault(m[1].lower(), m[2])
    else:
        return {}, text  # no blank line after it: a text, not a header
    return (meta, "\n".join(lines[end + 1 :])) if meta else ({}, text)


def sidecar_path(path: Path) -> Path:
    """Where the metadata of a plain-text article may be kept beside it: ``NAME.meta.yaml`` for ``NAME.txt``."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def _plain_sidecar(path: Path | str) -> dict[str, object]:
    """The metadata of ``NAME.meta.yaml`` beside a local ``NAME.txt`` (bounded YAML); {} when there is none."""
    import yaml

    if not isinstance(path, Path):  # a fetched page has no sidecar
        return {}
    side = sidecar_path(path)
    if not side.is_file():
        return {}
    try:
        loaded, _ = safe_yaml.load(read_text(side, MAX_SIDECAR_BYTES))
    except ArticleError as exc:
        raise ArticleError(str(path), f"metadata file {side.name}: {exc.reason}") from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ArticleError(str(path), f"metadata file {side.name} is not valid YAML: {problem}") from None
    except safe_yaml.YAMLTooLarge as exc:
        raise ArticleError(str(path), f"metadata file {side.name} refused: {exc}") from None
    if not isinstance(loaded, dict):
        raise ArticleError(
            str(path), f"metadata file {side.name} is not a mapping of title, publisher, author, date, url"
        )
    return {str(k).lower(): v for k, v in loaded.items() if str(k).lower() in PLAIN_META_KEYS}


def read_plain(path: Path | str, text: str) -> list[Article]:
    """A plain-text article; what its header or its sidecar file states wins over what is guessed
    from the text (a headline, a byline, a date line).

    Its date is the sidecar's, else the header's (``date_source`` ``sidecar``, ``header``), else
    one in its URL, else its date line (see :mod:`briefgen.ingest.dates`).
    """
    header, text = _plain_header(text)
    sidecar = _plain_sidecar(path)
    stated: dict[str, object] = {**header, **sidecar}  # the sidecar wins over the header
    given = {key: _clean_meta(stated.get(key)) for key in PLAIN_META_KEYS}
    all_blocks = text_blocks(text)
    title, author, line_date, blocks = _split_title_and_byline(all_blocks)
    if given["title"] and title and normalize_space(title).casefold() != given["title"].casefold():
        # The line taken for a headline was not one: the title is stated.
        blocks = [next(b for b in all_blocks if b.text == title), *blocks]
    if not blocks:
        raise ArticleError(str(path), "no body text")
    url = given["url"]
    dates = (
        ("sidecar", parse_date(_clean_meta(sidecar.get("date")))),
        ("header", parse_date(_clean_meta(header.get("date")))),
        ("url", url_date(url)),
        ("text", line_date),
    )
    date_source, date = next(((where, d) for where, d in dates if d is not None), (None, None))
    return [
        Article(
            path=str(path),
            form="text",
            blocks=tuple(blocks),
            title=given["title"] or title,
            publisher=given["publisher"] or domain_of(url),
            author=given["author"] or author,
            date=date,
            url=url,
            date_source=date_source,
        )
    ]


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: link text kept, images and markup dropped."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content if child.type != "html_inline" else "")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return normalize_space(html.unescape("".join(parts)))


def markdown_blocks(body: str) -> list[Block]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[Block] = []
    stack: list[str] = []
    for tok in tokens:
        if tok.type.endswith("_open"):
            stack.append(tok.type[: -len("_open")])
        elif tok.type.endswith("_close"):
            if stack:
                stack.pop()
        elif tok.type == "inline":
            text = _inline_text(tok)
            if not text:
                continue
            if "heading" in stack:
                blocks.append(Block(HEADING, text))
            elif "list_item" in stack:
                blocks.append(Block(LIST_ITEM, text))
            else:
                blocks.append(Block(PARAGRAPH, text))
    return blocks


def _take_headline(title: str | None, blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """Use a leading heading as the title when metadata has none, and drop it from the body when it repeats the title."""
    if blocks and blocks[0].kind == HEADING and (title is None or blocks[0].text == title):
        return title or blocks[0].text, blocks[1:]
    return title, blocks


def _first(meta: Mapping[str, object], *keys: str) -> object:
    for key in keys:
        value = meta.get(key)
        if value not in (None, "", []):
            return value
    return None


def read_markdown(path: Path | str, text: str) -> list[Article]:
    import yaml

    meta: dict[str, object] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            loaded, _ = safe_yaml.load(m[1])
        except yaml.YAMLError as exc:
            problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
            raise ArticleError(str(path), f"front matter is not valid YAML: {problem}") from None
        except safe_yaml.YAMLTooLarge as exc:
            raise ArticleError(str(path), f"front matter refused: {exc}") from None
        meta = loaded if isinstance(loaded, dict) else {}
        text = text[m.end() :]
    blocks = markdown_blocks(text)
    title, blocks = _take_headline(_clean_meta(_first(meta, "title", "headline")), blocks)
    if not blocks:
        raise ArticleError(str(path), "no body text")
    url = _clean_meta(_first(meta, "url", "link", "canonical_url", "source_url"))
    return [
        Article(
            path=str(path),
            form="markdown",
            blocks=tuple(blocks),
            title=title,
            publisher=_clean_meta(_first(meta, "publisher", "site_name", "sitename", "source", "outlet"))
            or domain_of(url),
            author=_clean_meta(_first(meta, "author", "authors", "byline")),
            date=parse_date(_first(meta, "date", "published", "pubdate", "published_at")),
            url=url,
        )
    ]


_DROP_ELEMENTS = re.compile(
    r"<(script|style|noscript|iframe|svg|figure|figcaption|form|button)\b.*?</\1\s*>", re.S | re.I
)


_BLOCK_TAG = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|div|blockquote|section|article|header|footer|aside|tr|table|dl|dt|dd|pre)\b[^>]*>|<br\s*/?>|\n\s*\n",
    re.I,
)


_TAG = re.compile(r"<[^>]*>")


def fragment_blocks(fragment: str) -> list[Block]:
    """Blocks from an HTML fragment whose markup may be half-stripped.

    Scrapers often drop opening tags and keep (escaped) closing ones, so a DOM parser
    would see one long run of text. Splitting on any block-level tag, opening or
    closing, recovers the paragraphs; a short chunk that sits in a heading tag or ends
    in a closing bold tag is a heading.
    """
    fragment = _DROP_ELEMENTS.sub(" ", fragment)
    blocks: list[Block] = []
    pos = 0
    opened: str | None = None
    for m in [*_BLOCK_TAG.finditer(fragment), None]:
        end = m.start() if m else len(fragment)
        chunk = fragment[pos:end]
        tag = m[0].lower() if m else ""
        closing = re.match(r"</(h[1-6]|li)\b", tag)
        kind_tag = opened or (closing[1] if closing else None)
        text = normalize_space(html.unescape(_TAG.sub(" ", chunk)))
        text = re.sub(r"\s+([,.;:!?\u2019])", r"\1", text)
        if text:
            bold_only = bool(re.search(r"</(?:b|strong)>\s*$", chunk.strip(), re.I)) and not _TERMINAL.search(text)
            if kind_tag and kind_tag.startswith("h"):
                kind = HEADING
            elif kind_tag == "li":
                kind = LIST_ITEM
            elif bold_only and len(text.split()) <= 14:
                kind = HEADING
            else:
                kind = PARAGRAPH
            blocks.append(Block(kind, text))
        if m is None:
            break
        opening = re.match(r"<(h[1-6]|li)\b", tag)
        opened = opening[1] if opening else None
        pos = m.end()
    return blocks


def _close_truncated_json(text: str) -> str:
    """Complete JSON that stops part-way: close the open string, then every open bracket.

    Scrapers that cap a dump at N bytes cut it mid-string; what was written is intact
    and only the closers are missing.
    """
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    out = text
    if in_string:
        if escaped:
            out = out[:-1]
        out += '"'
    out = out.rstrip()
    if out.endswith(","):
        out = out[:-1]
    elif out.endswith(":"):
        out += "null"
    return out + "".join(reversed(stack))


def _load_json_lenient(text: str) -> object:
    """Parse JSON that may hold raw control characters or stop mid-string (scraper dumps)."""
    for candidate in (text, _close_truncated_json(text)):
        try:
            return json.loads(candidate, strict=False)
        except json.JSONDecodeError:
            continue
        except RecursionError:
            return None  # nested deeper than any post is: not a post
    import json_repair

    try:
        return json_repair.loads(text)
    except Exception:  # json_repair raises assorted errors on hopeless input
        return None


def _rendered(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def _wordpress_article(path: Path | str, post: dict[str, object], index: int | None) -> Article:
    content = _rendered(post.get("content")) or _rendered(post.get("excerpt")) or ""
    blocks = fragment_blocks(content)
    if not blocks:
        raise ArticleError(str(path), "post has no content")
    yoast_json, embedded_json = post.get("yoast_head_json"), post.get("_embedded")
    yoast: dict[str, object] = yoast_json if isinstance(yoast_json, dict) else {}
    embedded: dict[str, object] = embedded_json if isinstance(embedded_json, dict) else {}
    authors_json = embedded.get("author")
    authors: list[object] = authors_json if isinstance(authors_json, list) else []
    author = _clean_meta(yoast.get("author")) or _clean_meta(
        ", ".join(a.get("name", "") for a in authors if isinstance(a, dict)) or None
    )
    url = _clean_meta(post.get("link")) or _clean_meta(yoast.get("canonical"))
    label = f"{path}#{index}" if index is not None else str(path)
    return Article(
        path=label,
        form="wordpress",
        blocks=tuple(blocks),
        title=_clean_meta(_rendered(post.get("title"))) or _clean_meta(yoast.get("title")),
        publisher=_clean_meta(yoast.get("og_site_name")) or domain_of(url),
        author=author,
        date=parse_date(post.get("date") or post.get("date_gmt")),
        url=url,
    )


def read_wordpress(path: Path | str, text: str) -> list[Article]:
    data = _load_json_lenient(text)
    if isinstance(data, dict):
        return [_wordpress_article(path, data, None)]
    if isinstance(data, list):
        posts = [p for p in data if isinstance(p, dict)]
        if not posts:
            raise ArticleError(str(path), "JSON list holds no posts")
        articles = []
        for i, post in enumerate(posts):
            try:
                articles.append(_wordpress_article(path, post, i))
            except ArticleError:
                continue
            except Exception as exc:  # one malformed post must not cost the others
                logger.warning("skipped %s#%d: %s: %s", path, i, type(exc).__name__, exc)
        if not articles:
            raise ArticleError(str(path), "no post has content")
        return articles
    raise ArticleError(str(path), "not a WordPress REST post (JSON could not be parsed)")


def _html_or_text_blocks(value: str) -> list[Block]:
    return fragment_blocks(value) if re.search(r"</?[a-zA-Z][^>]*>", value) else text_blocks(html.unescape(value))


def read_feed(path: Path | str, text: str) -> list[Article]:
    """Each entry of an RSS 2.0 or Atom feed is an article; full content is preferred to the summary."""
    import feedparser

    parsed = feedparser.parse(text)
    entries = parsed.entries
    if not entries:
        reason = (
            f"not a feed: {parsed.bozo_exception}" if parsed.get("bozo") and not parsed.feed else "feed has no entries"
        )
        raise ArticleError(str(path), reason)
    feed_title = _clean_meta(parsed.feed.get("title"))
    feed_link = parsed.feed.get("link")
    articles: list[Article] = []
    for i, entry in enumerate(entries):
        try:
            article = _feed_article(path, i, entry, feed_title, feed_link)
        except Exception as exc:  # one malformed entry must not cost the others
            logger.warning("skipped %s#%d: %s: %s", path, i, type(exc).__name__, exc)
            continue
        if article is not None:
            articles.append(article)
    if not articles:
        raise ArticleError(str(path), "no feed entry has text")
    # An RSS channel's <language> holds for every item that declares none of its own.
    language = _clean_meta(parsed.feed.get("language"))
    return [a if a.language or not language else dataclasses.replace(a, language=language) for a in articles]


def _feed_article(
    path: Path | str,
    i: int,
    entry: Any,  # noqa: ANN401 - feedparser entries are untyped dicts
    feed_title: str | None,
    feed_link: str | None,
) -> Article | None:
    """One feed entry (feedparser's untyped dict) as an article; None (with a warning) when it has no text."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    body = max(contents, key=len) if contents else entry.get("summary", "")
    blocks = _html_or_text_blocks(body) if body else []
    label = f"{path}#{i}"
    if not blocks:
        logger.warning("skipped %s: feed entry has no text", label)
        return None
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    url = _clean_meta(entry.get("link"))
    return Article(
        path=label,
        form="feed",
        blocks=tuple(blocks),
        title=_clean_meta(entry.get("title")),
        publisher=feed_title or domain_of(url) or domain_of(feed_link),
        author=_clean_meta(entry.get("author")),
        date=dt.date(when.tm_year, when.tm_mon, when.tm_mday) if when else None,
        url=url,
        language=_clean_meta((entry.get("title_detail") or {}).get("language")),  # an Atom entry's xml:lang
    )


def read_jsonl(path: Path | str, text: str) -> list[Article]:
    """One article per line: ``title``, ``url``, ``date``, ``author``, ``publisher``, and ``text`` or ``html``.

    Lines are split at newlines only (a JSON string may hold U+2028 and other separators
    that ``str.splitlines`` would split at); a bad line is skipped with a warning naming
    it, and the lines beside it are kept.
    """
    articles: list[Article] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        label = f"{path}:{n}"
        try:
            article = _jsonl_article(label, line)
        except Exception as exc:  # one bad line must not cost the others
            logger.warning("skipped %s: %s", label, _reason(exc))
            continue
        if article is not None:
            articles.append(article)
    if not articles:
        raise ArticleError(str(path), "no line holds an article")
    return articles


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg})"
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return f"{type(exc).__name__}: {exc}"


def _jsonl_article(label: str, line: str) -> Article | None:
    record = json.loads(line, strict=False)
    if not isinstance(record, dict):
        logger.warning("skipped %s: not a JSON object", label)
        return None
    if isinstance(record.get("html"), str) and record["html"].strip():
        blocks = fragment_blocks(record["html"])
    elif isinstance(record.get("text"), str):
        blocks = text_blocks(record["text"])
    else:
        blocks = []
    if not blocks:
        logger.warning("skipped %s: no text or html", label)
        return None
    url = _clean_meta(record.get("url"))
    return Article(
        path=label,
        form="jsonl",
        blocks=tuple(blocks),
        title=_clean_meta(record.get("title")),
        publisher=_clean_meta(record.get("publisher")) or domain_of(url),
        author=_clean_meta(record.get("author") or record.get("authors")),
        date=parse_date(record.get("date")),
        url=url,
    )


def read_html(path: Path | str, text: str) -> list[Article]:
    """An HTML page's main text and the metadata it states (see :mod:`briefgen.ingest.webpage`)."""

    page = read_page(text, str(path) if isinstance(path, str) and "://" in path else None)
    if page is None or not page.blocks:
        raise ArticleError(str(path), "no main text found in the HTML page")
    title, blocks = _take_headline(page.title, list(page.blocks))
    if not blocks:
        raise ArticleError(str(path), "no main text found in the HTML page")
    return [
        Article(
            path=str(path),
            form="html",
            blocks=tuple(blocks),
            title=title,
            publisher=page.sitename or domain_of(page.url),
            author=page.author,
            date=page.date,
            url=page.url,
            language=page.language,
        )
    ]


#: A reader takes the input's name (a path or URL) and its decoded text.
Reader = Callable[[Path | str, str], list[Article]]


#: Readers keyed by form.
READERS: dict[str, Reader] = {
    "text": read_plain,
    "markdown": read_markdown,
    "html": read_html,
    "wordpress": read_wordpress,
    "feed": read_feed,
    "jsonl": read_jsonl,
}


#: A reader of a form read as bytes takes the input's name, its bytes and the most bytes what it
#: holds may unpack to (``limits.max_bytes``).
BinaryReader = Callable[[Path | str, bytes, int], list[Article]]


def read_gzip(path: Path | str, data: bytes, max_bytes: int) -> list[Article]:
    """What a gzip file holds, read as its inner name (``page.html`` of ``page.html.gz``) and its
    content say; each article's form is the inner form and ``.gz``.

    It is inflated a piece at a time and never past ``max_bytes``: a gzip bomb is refused at that
    point with one line, never held whole. A stream cut off or damaged part-way is read as far as
    it goes, with a warning. A gzip file inside a gzip file is refused (a file can inflate to itself).
    """
    name = str(path)
    try:
        content, complete = gunzip(data, max_bytes)
    except Oversize:
        raise ArticleError(name, too_large_unpacked(max_bytes)) from None
    except zlib.error as exc:
        raise ArticleError(name, f"not valid gzip data ({exc})") from None
    if not content.strip():
        raise ArticleError(name, "empty file once decompressed")
    if not complete:
        logger.warning(
            "%s: the compressed data ends early or is damaged after %s; read as far as it goes",
            name,
            size_text(len(content)),
        )
    if content.startswith(GZIP_MAGIC):
        raise ArticleError(name, "compressed twice (a gzip file inside a gzip file)")
    inner = inner_name(Path(urlparse(name).path if "://" in name else name))
    return [dataclasses.replace(a, form=f"{a.form}.gz") for a in _read_data(path, inner, content, max_bytes)]


#: Readers of the forms read as bytes, keyed by form.
BINARY_READERS: dict[str, BinaryReader] = {
    "gzip": read_gzip,
    "pdf": read_pdf,
    "docx": read_docx,
    "email": read_email,
    "mbox": read_mbox,
}


_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "wordpress",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".pdf": "pdf",
    ".docx": "docx",
    ".eml": "email",
    ".mbox": "mbox",
    **dict.fromkeys(GZIP_SUFFIXES, "gzip"),
}


#: An mbox's first line (RFC 4155): "From ", the sender, and the time it was stored ("… 08:00:00 2025").
_MBOX_FROM = re.compile(r"From \S+ +.*\d{1,2}:\d{2}")
#: A header line of an email, "Name: value" (RFC 5322, 2.2), or a folded continuation of one.
_MAIL_HEADER = re.compile(r"[!-9;-~]+[ \t]*:|[ \t]+\S")
#: Headers that only email has, beside From and Date.
_MAIL_ONLY = re.compile(r"(?im)^(?:subject|message-id|mime-version|received|to|return-path|delivered-to)[ \t]*:")


def _mail_form(head: str) -> str | None:
    """ "mbox" for text that begins with an mbox's "From " line and a header; "email" for text that
    begins with a header block holding ``From:``, ``Date:`` and one more header only email has."""
    lines = head.lstrip("\ufeff").splitlines()
    if not lines:
        return None
    if _MBOX_FROM.match(lines[0]) and len(lines) > 1 and _MAIL_HEADER.match(lines[1]):
        return "mbox"
    block: list[str] = []
    for line in lines[:200]:
        if not line.strip():
            break
        if not _MAIL_HEADER.match(line):
            return None
        block.append(line)
    else:
        return None  # no blank line ends the headers within the text sniffed
    header = "\n".join(block)
    found = {m[1].lower() for m in re.finditer(r"(?im)^(from|date)[ \t]*:", header)}
    return "email" if found == {"from", "date"} and _MAIL_ONLY.search(header) else None


def _is_word(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except Exception:  # zipfile raises many kinds of error on a damaged archive: not a Word document
        return False


def sniff_binary(data: bytes) -> str | None:
    """The form read as bytes that ``data`` is by its first bytes, whatever its name: gzip
    (``\\x1f\\x8b``), PDF (``%PDF-`` in the first kilobyte), Word (a zip archive holding
    ``word/document.xml``), an mbox or an email (see :func:`_mail_form`); None for anything else."""
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if re.match(rb"[^<]{0,1019}?%PDF-\d", data[:1030]):
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        return "docx" if _is_word(data) else None
    return _mail_form(data[:8192].decode("latin-1"))


def detect_form(path: Path, content: str | bytes) -> str:
    """The form of a file, from its content first (dumps are often misnamed), then its extension.

    Given bytes, the forms read as bytes are sniffed first (:func:`sniff_binary`); the text forms
    are told by their content, then by the extension (of the inner name, for ``page.html.gz``
    that is not gzip).
    """
    if isinstance(content, bytes):
        form = sniff_binary(content)
        if form is not None:
            return form
        content = text_of(content, str(path))
    text = content
    head = text.lstrip()[:2048]
    if re.match(r"(?s)(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", head):
        return "feed"
    lines = [line for line in text.lstrip().splitlines()[:3] if line.strip()]
    if len(lines) > 1 and all(line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines):
        return "jsonl"
    if head[:1] in "{[" and re.search(r'"(?:content|title)"\s*:\s*\{\s*"rendered"', text[:200_000]):
        return "wordpress"
    if re.match(r"(?is)<!doctype html|<html\b", head):
        return "html"
    if _FRONT_MATTER.match(text):
        return "markdown"
    mail = _mail_form(text[:8192])
    if mail is not None:
        return mail
    if head.startswith("%PDF-"):
        return "pdf"
    suffix = inner_name(path).suffix.lower()
    form = _EXTENSIONS.get(suffix)
    if form is None or form == "gzip":
        raise ArticleError(str(path), f"unknown file type {path.suffix or '(no extension)'!r}")
    return form


def _read_data(path: Path | str, name: Path, data: bytes, max_bytes: int) -> list[Article]:
    """Articles of an input's bytes, by the form its content and then ``name`` say."""
    form = sniff_binary(data)
    if form is None:
        if not data.strip():
            raise ArticleError(str(path), "empty file")
        try:
            text = text_of(data, str(path))
        except ArticleError:
            form = _EXTENSIONS.get(inner_name(name).suffix.lower())
            if form not in BINARY_READERS or form == "gzip":
                raise
        else:
            form = detect_form(name, text)
            if form in READERS:
                return READERS[form](path, text)
    assert form is not None
    return BINARY_READERS[form](path, data, max_bytes)


_CONTENT_TYPES = (("html", "html"), ("rss", "feed"), ("atom", "feed"), ("xml", "feed"), ("json", "wordpress"))
#: Content types of the forms read as bytes.
_BINARY_TYPES = (
    ("application/pdf", "pdf"),
    ("wordprocessingml", "docx"),
    ("message/rfc822", "email"),
    ("application/mbox", "mbox"),
    ("gzip", "gzip"),
)


def read_url(url: str, body: bytes, content_type: str) -> list[Article]:
    """Read a fetched page, feed or document; the URL stands in for metadata the content lacks, and
    each article is dated as :func:`briefgen.ingest.dates.dated` says."""
    lowered = content_type.lower()
    form = sniff_binary(body) or next((f for key, f in _BINARY_TYPES if key in lowered), None)
    if form is not None:
        articles = BINARY_READERS[form](url, body, MAX_BYTES)
    else:
        text = decode(body, url)
        if not text.strip():
            raise ArticleError(url, "empty response")
        try:
            form = detect_form(Path(urlparse(url).path or "index"), text)
        except ArticleError:
            form = "text"
        if form == "text":
            form = next((f for key, f in _CONTENT_TYPES if key in lowered), "text")
        articles = READERS[form](url, text) if form in READERS else BINARY_READERS[form](url, body, MAX_BYTES)
    if len(articles) == 1:  # a page, not a feed: the URL is its own address
        page = articles[0]
        articles = [dataclasses.replace(page, url=page.url or url, publisher=page.publisher or domain_of(url))]
    return [dated(article) for article in articles]


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> list[Article]:
    """Read one file into articles, each dated as :func:`briefgen.ingest.dates.dated` says; raise
    ArticleError with the reason when it cannot be read.

    What a compressed file holds is bounded by ``max_bytes`` as it is inflated (a build also
    refuses, before the read, one that holds more than its own config's ``limits.max_bytes``:
    :func:`briefgen.ingest.sources.check_file`).
    """
    data = read_bytes(path, max_bytes)
    return [dated(article) for article in _read_data(path, path, data, max_bytes)]


_KNOWN_SUFFIXES = tuple(_EXTENSIONS)
