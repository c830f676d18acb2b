"""Cleaning: from an ``Article`` to a ``Document`` with boilerplate and repeats removed,
and grouping of near-duplicate articles into one story.

Every rule here is general: it looks at the shape and wording of a block (its length,
punctuation, position, calls to action), never at a particular publisher. The
approach follows jusText's (Pomikálek, 2011) block classification: blocks are
*good* (article prose), *bad* (boilerplate) or *short* (undecided), and short blocks
take their class from their neighbours; whatever trails the last good block is page
furniture, not article text.
"""

from __future__ import annotations

import dataclasses
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

from .models import HEADING, LIST_ITEM, PARAGRAPH, Article, Block, Document, Span
from .textsafe import clip

# ----------------------------------------------------------------------------- block patterns

#: Calls to subscribe, join, log in or sign up: paywall and newsletter pitches.
_PITCH = re.compile(
    r"\b(?:subscri(?:be|ption|ber)s?|membership|become an? (?:\w+ ){0,3}member|members?[- ]only|"
    r"unlock|paywall|sign(?:ing)? up|newsletters?|log ?in to|already an? (?:subscriber|member)|"
    r"free trial|create (?:a |an )?(?:free )?account|support (?:our|independent) journalism|"
    r"donate|plans? (?:available|includes?)|archive access|priority access|member events)\b",
    re.I,
)
#: Copyright and legal footers.
_LEGAL = re.compile(
    r"(?:\u00a9|\(c\)\s*\d{4}|\ball rights reserved\b|\bmay not be (?:reproduced|republished|redistributed)|"
    r"\bno part of this (?:content|article|publication)\b|\bwithout (?:the )?(?:prior )?(?:express )?written permission\b|"
    r"\bterms of (?:use|service)\b|\bprivacy policy\b|\bcookie (?:policy|settings)\b)",
    re.I,
)
#: Share bars, cookie banners, advertising labels, image credits.
_FURNITURE = re.compile(
    r"^(?:advertisement|sponsored(?: content)?|share(?: this)?(?: article| story)?|tweet|print|email|copy link|"
    r"skip to (?:main )?content|click here.*|we use cookies.*|accept(?: all)? cookies|"
    r"(?:photo|image|illustration|graphic|video)(?: credit)?s?\s*:.*|.*\((?:photo|image|file photo)s?:?[^)]*\))$",
    re.I,
)
#: A short line that points to another story: "Read more: …", "Related: …".
_LINK_LEAD = re.compile(
    r"^(?:read (?:more|next|also)|related(?: stories| articles)?|see also|recommended|more on this)\s*[:\u2014\u2013-]",
    re.I,
)
#: Headings that introduce lists of links to other stories.
_RELATED_HEADING = re.compile(
    r"^(?:related(?: stories| articles| coverage| content| reading| posts)?|read (?:more|next|also)|"
    r"more (?:from|on|stories|news)\b.*|recommended(?: for you| stories| reading)?|you may also like|"
    r"also read|see also|most (?:read|popular)|trending(?: now)?|latest (?:news|stories))\s*:?$",
    re.I,
)
#: An author biography: "Jane Doe is a senior fellow at …", usually the last paragraph.
_BIO = re.compile(
    r"^(?P<name>[A-Z][\w.'\-]+(?:\s+[A-Z][\w.'\-]+){1,3})\s+(?:is|was|serves as)\s+(?:a|an|the)\b[^.]{0,160}?\b"
    r"(?i:fellow|editor|reporter|correspondent|writer|journalist|professor|director|analyst|researcher|"
    r"contributor|columnist|author|economist|scholar|lecturer|chair|president|founder|associate)\b",
)
_TERMINAL = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


def _words(text: str) -> int:
    return len(text.split())


def _is_bad(block: Block) -> str | None:
    """The reason a block is boilerplate on its own, or None."""
    text = block.text
    n = _words(text)
    if _LEGAL.search(text) and n < 60:
        return "copyright"
    if _FURNITURE.match(text):
        return "furniture"
    if n <= 15 and _LINK_LEAD.match(text):
        return "related links"
    if _PITCH.search(text) and (n < 25 or len(_PITCH.findall(text)) >= 3):
        return "subscription"
    return None


def _is_good(block: Block) -> bool:
    """Article prose: a paragraph of a dozen words or more that ends like a sentence."""
    return block.kind == PARAGRAPH and _words(block.text) >= 12 and bool(_TERMINAL.search(block.text))


def _headline_like(text: str) -> bool:
    """A link title: several words, mostly capitalised, and not ending like a sentence."""
    words = re.findall(r"[A-Za-z][\w'\u2019-]*", text)
    if len(words) < 4 or text.rstrip().endswith("."):
        return False
    small = {
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "vs",
        "with",
        "from",
        "into",
    }
    content = [w for w in words if w.lower() not in small]
    return bool(content) and sum(w[0].isupper() for w in content) / len(content) >= 0.7


def _related_lists(blocks: Sequence[Block]) -> set[int]:
    """Indexes of blocks that form lists of links to other stories.

    A list of headline-like items that nothing introduces (no preceding line ending in a
    colon) is a related-stories list dropped into the page; so is any list under a
    "Related"/"Read more" heading.
    """
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        if blocks[i].kind == HEADING and _RELATED_HEADING.match(blocks[i].text):
            drop.add(i)
            j = i + 1
            while j < len(blocks) and (
                blocks[j].kind == LIST_ITEM or (_words(blocks[j].text) < 15 and not _is_good(blocks[j]))
            ):
                drop.add(j)
                j += 1
            i = j
            continue
        if blocks[i].kind == LIST_ITEM:
            j = i
            while j < len(blocks) and blocks[j].kind == LIST_ITEM:
                j += 1
            introduced = i > 0 and blocks[i - 1].text.rstrip().endswith(":")
            items = blocks[i:j]
            if not introduced and sum(_headline_like(b.text) for b in items) >= max(2, (len(items) + 1) // 2):
                drop.update(range(i, j))
            i = j
            continue
        i += 1
    return drop


def _norm_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def clean_blocks(blocks: Sequence[Block]) -> tuple[list[Block], list[str], str | None]:
    """Remove boilerplate and repeated blocks; return the kept blocks, what was removed, and a bio author.

    The bio author is the name in a trailing author biography, which is evidence of who wrote the piece.
    """
    removed: list[str] = []
    status: list[str | None] = [None] * len(blocks)  # None = keep, else reason

    for i in _related_lists(blocks):
        status[i] = "related links"
    for i, block in enumerate(blocks):
        if status[i] is None:
            status[i] = _is_bad(block)

    # Repeated paragraphs: scraped pages often carry the body twice (print + screen versions).
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        if status[i] is None and block.kind != HEADING:
            key = _norm_key(block.text)
            if len(key) > 40 and key in seen:
                status[i] = "repeated paragraph"
            seen.add(key)

    # An author biography in the last paragraphs.
    bio_author = None
    kept_idx = [i for i, s in enumerate(status) if s is None]
    for i in kept_idx[-2:]:
        m = _BIO.match(blocks[i].text)
        if m and _words(blocks[i].text) <= 80 and blocks[i].kind == PARAGRAPH:
            status[i] = "author bio"
            bio_author = bio_author or m["name"]

    # Everything after the last good block that is not itself good is page furniture.
    good = [i for i, b in enumerate(blocks) if status[i] is None and _is_good(b)]
    if good:
        last = good[-1]
        for i in range(last + 1, len(blocks)):
            if status[i] is None:
                status[i] = "trailing boilerplate"
        # Short undecided blocks wedged between boilerplate are boilerplate too (jusText's context rule).
        for i, block in enumerate(blocks):
            if status[i] is None and not _is_good(block) and block.kind != HEADING:
                prev_bad = i > 0 and status[i - 1] not in (None, "repeated paragraph")
                next_bad = i + 1 < len(blocks) and status[i + 1] not in (None, "repeated paragraph")
                if prev_bad and next_bad:
                    status[i] = "boilerplate context"

    # Headings followed by nothing (their section was removed) go too.
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        reason = status[i]
        if reason is None:
            kept.append(block)
        else:
            removed.append(reason)
    while kept and kept[-1].kind == HEADING:
        kept.pop()
        removed.append("dangling heading")
    return kept, removed, bio_author


#: Control characters (C0 but tab and newline, DEL, C1) and lone surrogates (undecodable bytes
#: of a file name, or a bad escape in JSON): never part of what an article says.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: The longest title, publisher or author kept; a URL may be longer.
MAX_META_CHARS = 1000
MAX_URL_CHARS = 4000


def _strip_controls(text: str) -> str:
    return _CONTROLS.sub(lambda m: "\ufffd" if "\ud800" <= m[0] <= "\udfff" else "", text)


def sanitize(article: Article) -> Article:
    """An article without control characters, lone surrogates or (in its metadata) bidi
    overrides, and with metadata of bounded length, whatever the reader found."""
    return dataclasses.replace(
        article,
        path=_strip_controls(article.path),
        blocks=tuple(Block(b.kind, _strip_controls(b.text)) for b in article.blocks),
        title=clip(article.title, MAX_META_CHARS),
        publisher=clip(article.publisher, MAX_META_CHARS),
        author=clip(article.author, MAX_META_CHARS),
        url=clip(article.url, MAX_URL_CHARS),
    )


def truncate(doc: Document, max_chars: int) -> Document | None:
    """The document cut to at most ``max_chars`` characters at a block boundary (a block longer
    than that is cut at the last sentence end, else word break, before it); None when it fits."""
    if len(doc.text) <= max_chars:
        return None
    spans = [span for span in doc.spans if span.end <= max_chars]
    if not spans:
        first = doc.spans[0]
        window = doc.text[first.start : first.start + max_chars]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        end = first.start + (cut + 1 if cut > 0 else max(window.rfind(" "), 1))
        spans = [Span(first.kind, first.start, end)]
    text = doc.text[: spans[-1].end]
    note = f"text after {max_chars:,} characters (limits.max_chars)"
    return dataclasses.replace(
        doc, text=text, spans=tuple(spans), words_after=_words(text), removed=(*doc.removed, note)
    )


def clean(article: Article, index: int) -> Document:
    """Clean one article into a Document whose text is its kept blocks joined by blank lines."""
    article = sanitize(article)
    blocks, removed, bio_author = clean_blocks(article.blocks)
    if bio_author and not article.author:
        article = dataclasses.replace(article, author=bio_author)
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for block in blocks:
        if parts:
            pos += 2
        spans.append(Span(block.kind, pos, pos + len(block.text)))
        parts.append(block.text)
        pos += len(block.text)
    text = "\n\n".join(parts)
    return Document(
        index=index,
        article=article,
        text=text,
        spans=tuple(spans),
        words_before=sum(_words(b.text) for b in article.blocks),
        words_after=_words(text),
        removed=tuple(removed),
    )


# ----------------------------------------------------------------------------- near-duplicates


def shingles(text: str, k: int = 5) -> set[int]:
    """Hashed word k-shingles of a text (Broder, 1997), the unit of near-duplicate detection."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < k:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i : i + k]).encode()) for i in range(len(words) - k + 1)}


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller set found in the larger (Broder's containment): a republished
    excerpt or a truncated scrape of an article is contained in it even when their
    Jaccard resemblance is low."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _richness(doc: Document) -> tuple[int, int, int, str]:
    art = doc.article
    meta = sum(x is not None for x in (art.title, art.publisher, art.author, art.date, art.url))
    return (meta, doc.words_after, -(art.date.toordinal() if art.date else 0), art.path)


#: Broder's mod-m sketch: keep the shingles whose hash is 0 mod m. Containment estimated on
#: the sketches is unbiased, and the work drops m-fold.
SKETCH_MOD = 4
#: A sketched shingle found in more documents than this is boilerplate shared by a site, not a story.
MAX_POSTINGS = 100


def group_duplicates(docs: Sequence[Document], threshold: float = 0.5) -> list[Document]:
    """Merge documents that tell the same story in the same words into one document per story.

    Candidate pairs come from an inverted index of sketched shingles, so only documents
    that share text are ever compared (linear in practice, not quadratic). A pair whose
    estimated containment reaches ``threshold`` is the same story. The richest document
    of a group (most metadata, then most text) is kept; the others are recorded in its
    ``duplicates`` so that every outlet stays listed. Returns documents in their original order.
    """
    sketches = [{h for h in shingles(d.text) if h % SKETCH_MOD == 0} for d in docs]
    postings: dict[int, list[int]] = {}
    for i, sketch in enumerate(sketches):
        for h in sketch:
            postings.setdefault(h, []).append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for holders in postings.values():
        if 1 < len(holders) <= MAX_POSTINGS:
            shared.update(combinations(holders, 2))

    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (i, j), n in sorted(shared.items()):
        if n / min(len(sketches[i]), len(sketches[j])) >= threshold:
            parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(find(i), []).append(i)
    out: list[Document] = []
    for members in groups.values():
        best = max(members, key=lambda i: _richness(docs[i]))
        others = tuple(docs[i].article for i in members if i != best)
        out.append(dataclasses.replace(docs[best], duplicates=docs[best].duplicates + others))
    return sorted(out, key=lambda d: d.index)


def duplicate_of(docs: Sequence[Document]) -> dict[str, str]:
    """Map each merged-away article's path to the path of the document that kept it."""
    return {dup.path: d.article.path for d in docs for dup in d.duplicates}


__all__ = [
    "HEADING",
    "LIST_ITEM",
    "PARAGRAPH",
    "clean",
    "clean_blocks",
    "containment",
    "duplicate_of",
    "group_duplicates",
    "shingles",
]
