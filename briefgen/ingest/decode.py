"""Decoding: bytes of unknown encoding to the text an article really says.

Dumps arrive as UTF-8, UTF-8 with a BOM, UTF-16 with or without a BOM and legacy
Windows-1252, and often carry mojibake from an earlier wrong decoding. A BOM wins; then
strict UTF-8; then the charset an HTML or XML document declares (the WHATWG encoding
sniffing order: BOM, then the document's own declaration, then a guess); then Windows-1252
when the result reads as Western European text; then charset-normalizer's guess. ftfy
(Speer, 2019) repairs what was decoded wrongly upstream.
"""

from __future__ import annotations

import codecs
import logging
import re

from briefgen.errors import ArticleError

logger = logging.getLogger(__name__)

_WESTERN_EXTRA = set(
    "\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u20ac\u2022\u00a0\u00ab\u00bb\u00b0\u00a3\u00a9\u00ae\u2122"
)


def _western(data: bytes) -> str | None:
    """Decode as Windows-1252 when the result reads as Western European text.

    Statistical detectors are unreliable on a few hundred bytes, and Windows-1252 (a
    superset of Latin-1's printable range) is by far the most common legacy encoding of
    English and Western European news. Text where most letters come out non-ASCII is
    some other script and is left to the detector.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [c for c in text if c.isalpha()]
    foreign = [c for c in letters if ord(c) > 127]
    odd = [c for c in text if ord(c) > 127 and not c.isalpha() and c not in _WESTERN_EXTRA]
    if not letters or len(foreign) > 0.3 * len(letters) or odd:
        return None
    if any(not ("\u00c0" <= c <= "\u00ff" or c in "\u0152\u0153\u0160\u0161\u017d\u017e\u0178\u0192") for c in foreign):
        return None
    return text


def utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the bytes look like mostly-ASCII UTF-16 written without a BOM.

    Such text has a NUL in every other byte; binary data has NULs scattered anywhere.
    """
    head = data[:4096]
    for codec, half in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if half and half.count(0) > 0.4 * len(half):
            return codec
    return None


#: ``<meta charset="…">``, ``<meta http-equiv="Content-Type" content="…; charset=…">`` or
#: ``<?xml … encoding="…"?>`` in the first bytes of a document (where HTML requires it to be).
_DECLARED = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)|<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)""",
    re.I,
)
#: Documents that are markup: their text is extracted first and repaired afterwards.
_MARKUP = re.compile(r"\s*(?:<\?xml\b[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype html|html\b)", re.I | re.S)


def declared_charset(data: bytes) -> str | None:
    """The Python codec of the charset a document declares in its first 4 KB, or None.

    Browsers trust this declaration (the WHATWG encoding standard prefers it to any guess),
    so a page declared UTF-8 with a few invalid bytes is still UTF-8, not some legacy
    code page that happens to decode every byte.
    """
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    label = (m[1] or m[2]).decode("ascii", "replace").strip().lower()
    if label in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
        label = "windows-1252"  # WHATWG: these labels mean windows-1252
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def is_markup(text: str) -> bool:
    """True for an HTML page, whose main text is extracted before it is repaired."""
    return bool(_MARKUP.match(text[:4096]))


def repair(text: str) -> str:
    """Repair mojibake ("donâ€™t" → "don’t") with ftfy, without touching typography."""
    if text.isascii():
        return text  # mojibake is made of non-ASCII characters: nothing to repair
    import ftfy

    return ftfy.fix_text(
        text,
        unescape_html=False,
        uncurl_quotes=False,
        fix_character_width=False,
        fix_latin_ligatures=False,
        fix_line_breaks=False,
        normalization=None,
    )


def decode(data: bytes, name: str) -> str:
    """Decode bytes of unknown encoding and repair mojibake.

    A BOM wins; then strict UTF-8; then the charset the document declares; then
    charset-normalizer's best guess (Windows-1252, Latin-1, UTF-16 without BOM…). ftfy
    then repairs text that was decoded wrongly before it reached us. An HTML page is not
    repaired here: ftfy over a whole page costs more than extracting it, so the HTML
    reader repairs only the text it extracts (:func:`repair`).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif bomless := utf16_without_bom(data):
        text = data.decode(bomless, errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            declared = declared_charset(data)
            if declared == "utf-8":
                text = data.decode("utf-8", errors="replace")
                how = "declared UTF-8 with invalid bytes; they are replaced"
            elif declared is not None:
                text = data.decode(declared, errors="replace")
                how = f"read as {declared}, as declared"
            elif (western := _western(data)) is not None:
                text = western
                how = "read as windows-1252"
            else:
                from charset_normalizer import from_bytes

                best = from_bytes(data[:1_000_000]).best()
                if best is None:
                    raise ArticleError(name, "binary file or unknown text encoding") from None
                text = data.decode(best.encoding, errors="replace")
                how = f"read as {best.encoding}"
            logger.warning("%s: not valid UTF-8; %s", name, how)
    if "\x00" in text[:4096]:
        raise ArticleError(name, "binary file")
    return text if is_markup(text) else repair(text)
