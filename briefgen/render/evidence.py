"""The evidence behind a briefing: where each citation leads, in the briefing and on the web.

Every item quotes its source verbatim at recorded offsets; this module turns that into links a
reader can follow. :func:`citations` gives each citation its anchor pair (the citation links
to the quoted span, the span links back) and, for a source with an http(s) URL, a link to the
original page at the quoted sentence through a URL text fragment (:func:`text_fragment`, after
the WICG Text Fragments specification). :func:`evidence` lays out each cited source's cleaned
text for the evidence view: the whole text when it is short, otherwise the quoted paragraphs
with a neighbour on each side and the gaps counted, so a long article does not bury its quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote as percent_encode

if TYPE_CHECKING:
    from briefgen.models import Briefing, Item, Source

#: A source of at most this many characters is shown whole.
WHOLE_CHARS = 2500
#: Paragraphs shown on each side of a quoted one.
NEIGHBOURS = 1
#: In a paragraph longer than :data:`LONG_PARAGRAPH` characters, only this much text is shown on
#: each side of a quote (cut at a space), and a neighbour shows this much next to the quote.
CONTEXT_CHARS = 300
LONG_PARAGRAPH = 1200
#: A quote of at most this many words is matched whole by its text fragment; a longer one by its
#: first and last :data:`FRAGMENT_WORDS` words (``text=start,end``).
FRAGMENT_WHOLE_WORDS = 8
FRAGMENT_WORDS = 4


@dataclass(frozen=True)
class Citation:
    """One citation of an item: the source's number, the anchors that link citation and span, and
    the original page at the sentence (None without an http(s) URL)."""

    source: int
    anchor: str
    """The id of the quoted span in the evidence view (``q-…``), which the citation links to; the
    source's entry in the list (``source-<n>``) for a source without text."""
    back: str
    """The id of the citation (``cite-…``), which the span links back to."""
    original: str | None = None


@dataclass(frozen=True)
class Segment:
    """A run of a source's text: quoted (``anchor`` and ``back`` set) or not."""

    text: str
    anchor: str | None = None
    back: str | None = None


@dataclass(frozen=True)
class Passage:
    """A paragraph, or the shown part of one, with the paragraphs left out before it."""

    segments: tuple[Segment, ...]
    skipped_before: int = 0
    cut_before: bool = False
    """The paragraph's start is not shown (it is long, or a neighbour)."""
    cut_after: bool = False


@dataclass(frozen=True)
class SourceEvidence:
    """A cited source as the evidence view shows it."""

    source: Source
    passages: tuple[Passage, ...]
    skipped_after: int = 0
    whole: bool = True


# ----------------------------------------------------------------------------- citations


def _item_key(item: Item, section: int, position: int) -> str:
    return item.id or f"s{section}i{position}"


def citations(briefing: Briefing, placed: frozenset[str] | None = None) -> dict[int, tuple[Citation, ...]]:
    """Each item's citations, keyed by ``id(item)`` (the templates look items up by identity, so an
    item made in code without an ``id`` gets anchors too). Every id is unique in the page. With
    ``placed`` (the spans the evidence view shows), a citation whose span is not among them leads
    to its source's entry in the list instead, so no citation leads nowhere."""
    urls = {s.id: s.url for s in briefing.sources}
    out: dict[int, tuple[Citation, ...]] = {}
    used: set[str] = set()
    for si, section in enumerate(briefing.sections):
        for ii, item in enumerate(section.items):
            if id(item) in out:
                continue  # the same item object twice: one set of anchors
            key = _item_key(item, si, ii)
            if key in used:
                key = f"{key}-s{si}i{ii}"  # the same sentence quoted twice
            used.add(key)
            cites = []
            for k, n in enumerate(item.sources):
                suffix = "" if k == 0 else f"-{k}"
                anchor = f"q-{key}{suffix}"
                if placed is not None and anchor not in placed:
                    anchor = f"source-{n}"
                url = urls.get(n)
                cites.append(Citation(n, anchor, f"cite-{key}{suffix}", text_fragment(url, item.text) if url else None))
            out[id(item)] = tuple(cites)
    return out


def _fragment_term(text: str) -> str:
    """A text-fragment term percent-encoded: everything but letters, digits and ``_.~`` is encoded,
    ``-``, ``,`` and ``&`` included, which the directive's syntax reserves."""
    return percent_encode(text, safe="").replace("-", "%2D")


def text_fragment(url: str, text: str) -> str | None:
    """``url`` at ``text`` through a text fragment (``#:~:text=start,end``), or None when ``url`` is
    not http(s). A short sentence is the whole ``start``; a long one is matched from its first
    words to its last, so a difference the page has in the middle (a link, a soft hyphen) does
    not stop the match. A fragment the URL has (``#/story/42`` on a site that routes by it) is
    kept before the directive, as the specification allows; a text directive it has is replaced."""
    if not re.match(r"https?://", url, re.I):
        return None
    words = text.split()
    if not words:
        return None
    base, hashed, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0]
    prefix = f"{base}#{fragment}" if hashed and fragment else base + "#"
    if len(words) <= FRAGMENT_WHOLE_WORDS:
        return f"{prefix}:~:text={_fragment_term(' '.join(words))}"
    start = " ".join(words[:FRAGMENT_WORDS])
    end = " ".join(words[-FRAGMENT_WORDS:])
    return f"{prefix}:~:text={_fragment_term(start)},{_fragment_term(end)}"


# ----------------------------------------------------------------------------- the evidence view


def _paragraphs(text: str, quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The text's paragraphs (runs between newlines) as offsets, merged where a quote crosses one."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and any(qs < start and qe > merged[-1][1] for qs, qe in quotes if qs < merged[-1][1]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _cut_start(text: str, at: int, limit: int) -> int:
    """``at`` moved forward to just after a space before ``limit``, so a cut splits no word; ``at``
    itself in a run with no space (a URL, Chinese or Japanese text)."""
    space = text.find(" ", at, limit)
    return space + 1 if space != -1 else at


def _cut_end(text: str, at: int, limit: int) -> int:
    """``at`` moved back to a space after ``limit``; ``at`` itself when there is none."""
    space = text.rfind(" ", limit, at)
    return space if space != -1 else at


def _windows(para: tuple[int, int], quotes: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """The parts of a long paragraph to show: each quote with :data:`CONTEXT_CHARS` on each side."""
    start, end = para
    if end - start <= LONG_PARAGRAPH:
        return [para]
    windows: list[tuple[int, int]] = []
    for qs, qe in quotes:
        ws = start if qs - CONTEXT_CHARS <= start else _cut_start(text, qs - CONTEXT_CHARS, qs)
        we = end if qe + CONTEXT_CHARS >= end else _cut_end(text, qe + CONTEXT_CHARS, qe)
        ws, we = min(ws, qs), max(we, qe)
        if windows and ws <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], we))
        else:
            windows.append((ws, we))
    return windows


def _segments(text: str, start: int, end: int, marks: list[tuple[int, int, str, str]]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    at = start
    for qs, qe, anchor, back in marks:
        if qs < at or qe > end:
            continue  # overlaps a quote already marked, or lies outside: shown as plain text
        if qs > at:
            out.append(Segment(text[at:qs]))
        out.append(Segment(text[qs:qe], anchor, back))
        at = qe
    if at < end:
        out.append(Segment(text[at:end]))
    return tuple(out)


def source_evidence(source: Source, marks: list[tuple[int, int, str, str]]) -> SourceEvidence:
    """How the evidence view shows one source, given its quoted spans ``(start, end, anchor, back)``."""
    text = source.text
    marks = sorted(m for m in marks if 0 <= m[0] < m[1] <= len(text))
    quotes = [(s, e) for s, e, _, _ in marks]
    paras = _paragraphs(text, quotes)
    if len(text) <= WHOLE_CHARS:
        return SourceEvidence(source, tuple(Passage(_segments(text, s, e, marks)) for s, e in paras))
    quoted = {i for i, (s, e) in enumerate(paras) if any(qs < e and qe > s for qs, qe in quotes)}
    shown = sorted({j for i in quoted for j in range(i - NEIGHBOURS, i + NEIGHBOURS + 1) if 0 <= j < len(paras)})
    passages: list[Passage] = []
    last = -1
    for j in shown:
        s, e = paras[j]
        skipped = j - last - 1
        last = j
        if j in quoted:
            inside = [(max(qs, s), min(qe, e)) for qs, qe in quotes if qs < e and qe > s]
            windows = _windows((s, e), inside, text)
            for k, (ws, we) in enumerate(windows):
                passages.append(Passage(_segments(text, ws, we, marks), skipped if k == 0 else 0, ws > s, we < e))
            continue
        # A neighbour: the part nearest the quoted paragraph it stands beside.
        before_quote = j + 1 in quoted and j - 1 not in quoted
        if e - s > CONTEXT_CHARS * 2:
            if before_quote:
                s2 = _cut_start(text, e - CONTEXT_CHARS, e)
                passages.append(Passage((Segment(text[s2:e]),), skipped, cut_before=s2 > s))
            else:
                e2 = _cut_end(text, s + CONTEXT_CHARS, s)
                passages.append(Passage((Segment(text[s:e2]),), skipped, cut_after=e2 < e))
        else:
            passages.append(Passage((Segment(text[s:e]),), skipped))
    return SourceEvidence(source, tuple(passages), len(paras) - 1 - last, whole=False)


def placed(shown: tuple[SourceEvidence, ...]) -> frozenset[str]:
    """The anchors of the spans the evidence view shows (see :func:`citations`)."""
    return frozenset(seg.anchor for ev in shown for p in ev.passages for seg in p.segments if seg.anchor)


def evidence(briefing: Briefing) -> tuple[SourceEvidence, ...]:
    """Every cited source, in the source list's order, with its quoted spans marked."""
    cites = citations(briefing)
    marks: dict[int, list[tuple[int, int, str, str]]] = {s.id: [] for s in briefing.sources if s.text}
    seen: set[str] = set()
    for section in briefing.sections:
        for item in section.items:
            for cite, (start, end) in zip(cites[id(item)], item.offsets, strict=False):
                if cite.anchor in seen or cite.source not in marks:
                    continue
                seen.add(cite.anchor)
                marks[cite.source].append((start, end, cite.anchor, cite.back))
    return tuple(source_evidence(s, marks[s.id]) for s in briefing.sources if s.id in marks)
