"""Text safe for where it goes: an output (no control characters), one line (a heading, a
metadata field), or the terminal (control characters shown as escapes, never acted on).

One place for these rules, so that every output, message and report treats an ANSI escape
code, a bidirectional override or an undecodable file-name byte the same way.
"""

from __future__ import annotations

import re

#: Line breaks other than ``\n``: CommonMark ends a line at ``\r`` too, and a terminal moves the cursor.
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: What no output may hold: C0 and C1 controls (but tab and newline), DEL, the bidirectional
#: embeddings, overrides and isolates that reorder the text around them ("Trojan Source"), and
#: lone surrogates (YAML can write them; no UTF-8 file can hold them).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: What the terminal must not receive raw: every control character, line breaks included.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same in JSON text, where ``json.dumps`` already escapes everything below U+0020.
_UNPRINTABLE_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: White space of every kind, no-break and zero-width spaces included, but the line feed.
_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalize_space(text: str) -> str:
    """Collapse runs of white space (including no-break and zero-width spaces) to one space."""
    return _WS.sub(" ", text.replace("\u200b", "").replace("\ufeff", "")).strip()


def visible(text: str) -> str:
    """``text`` with its line breaks made ``\\n`` and every other control character removed (tabs kept)."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))


def single_line(text: str | None) -> str:
    """``text`` as one line: control characters removed, every run of white space one space."""
    return " ".join(visible(text or "").split())


def clip(text: str | None, limit: int) -> str | None:
    """A metadata string shown on one line and at most ``limit`` characters long (cut with "…")."""
    if text is None:
        return None
    line = single_line(text)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "\u2026"
    return line or None


def printable(text: object, limit: int | None = None, *, json_text: bool = False) -> str:
    """What may be printed to a terminal of data: one line, control characters shown as escapes.

    The one sanitiser of ``inspect`` and ``templates``: an ANSI escape code in a title prints as
    ``\\x1b[31m``, a newline as ``\\n``, a bidirectional override as ``\\u202e``, so data can neither
    drive the terminal nor break a message over lines. ``limit`` cuts long values (with "…").
    With ``json_text`` the input is JSON from ``json.dumps`` and the escapes are JSON's
    (``\\u0085``), so it stays valid JSON with the same value.
    """
    line = str(text)
    if limit is not None and len(line) > limit:
        line = line[: limit - 1] + "\u2026"
    # A lone surrogate (an undecodable byte of a file name) as an escape too: it cannot be printed.
    line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    if json_text:
        return _UNPRINTABLE_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", line)
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m[0]) or _hex_escape(m[0]), line)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hex_escape(char: str) -> str:
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def message(text: object, limit: int | None = None) -> str:
    """A message for the terminal or a log: white space (line breaks of any script included)
    folded into single spaces, then :func:`printable`."""
    return printable(" ".join(str(text).split()), limit)
