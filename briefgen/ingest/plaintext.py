"""Plain text to blocks, and the publisher of last resort: shared by the readers of every form
that carries plain text (text files, JSON Lines, feeds, email text parts).

A text is split into one block per line, or, when it is hard-wrapped at a fixed width with
blank lines between paragraphs (emails, newsletters), one block per paragraph; bulleted lines
are list items and short capitalised lines without end punctuation are headings.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH, Block
from briefgen.textsafe import normalize_space

#: A list item's marker: a bullet or dash, or a number of one or two digits with ``.`` or ``)``.
BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013\u25aa\u25cf]|\d{1,2}[.)])\s+")


_BULLET_ONLY = re.compile(r"^\s*[-*\u2022\u2013\u25aa\u25cf]\s*$")


def domain_of(url: str | None) -> str | None:
    """The host of a URL without ``www.``: the publisher of last resort."""
    if not url:
        return None
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.") or None


def _is_heading_line(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 14 and not re.search(r"[.,;:!]$", line) and (line[0].isupper() or line[0].isdigit())


def _looks_hard_wrapped(groups: list[list[str]]) -> bool:
    """True when paragraphs are separated by blank lines and wrapped at a fixed width (emails, newsletters)."""
    multi = [g for g in groups if len(g) > 1]
    if len(groups) < 2 or len(multi) < max(1, len(groups) // 2):
        return False
    lengths = sorted(len(line) for g in multi for line in g)
    return lengths[len(lengths) // 2] < 100


def text_blocks(text: str) -> list[Block]:
    """Split plain text into blocks: one per line, or one per blank-line group when hard-wrapped."""
    lines = [normalize_space(line) for line in text.splitlines()]
    groups: list[list[str]] = [[]]
    for line in lines:
        if line:
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    groups = [g for g in groups if g]
    if _looks_hard_wrapped(groups):
        units: list[str] = []
        for group in groups:
            para: list[str] = []
            for line in group:
                if BULLET.match(line) and para:
                    units.append(" ".join(para))
                    para = []
                para.append(line)
            units.append(" ".join(para))
    else:
        units = [line for g in groups for line in g]

    blocks: list[Block] = []
    pending_bullet = False
    for unit in units:
        if _BULLET_ONLY.match(unit):
            pending_bullet = True  # a marker on its own line: the next line is the item
            continue
        if BULLET.match(unit) or pending_bullet:
            blocks.append(Block(LIST_ITEM, BULLET.sub("", unit)))
        elif _is_heading_line(unit):
            blocks.append(Block(HEADING, unit))
        else:
            blocks.append(Block(PARAGRAPH, unit))
        pending_bullet = False
    return blocks
