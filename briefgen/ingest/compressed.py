"""Compressed inputs: gzip files, and the zip archives Word documents are, held to a byte limit.

A compressed file is as large as what it unpacks to, so the byte limit that bounds every file
(``limits.max_bytes``) bounds what it holds once decompressed too. A gzip stream is inflated a
piece at a time and never past the limit, so a gzip bomb (a few kilobytes that inflate to
gigabytes) stops there and is never held whole in memory; a zip archive's unpacked size is the
sum of the sizes its central directory records (PKWARE APPNOTE 4.3.12), to which Python's
``zipfile`` holds each member it reads. This module is the mechanism only: the callers say what
went wrong, naming the file (:func:`briefgen.ingest.sources.check_file` before a read,
:func:`briefgen.ingest.readers.read_file` during it).
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path

#: The first bytes of every gzip stream (RFC 1952, section 2.3.1).
GZIP_MAGIC = b"\x1f\x8b"
#: The first bytes of a zip archive's first local file header (APPNOTE 4.3.7).
ZIP_MAGIC = b"PK\x03\x04"
#: The suffixes of a gzip file, taken off its name to find what it holds (``page.html.gz``).
GZIP_SUFFIXES = (".gz", ".gzip")
#: How much compressed data is inflated at a time.
_CHUNK = 1 << 16


class Oversize(Exception):
    """What a compressed input holds is over the byte limit."""


def inner_name(path: Path) -> Path:
    """The name of what a gzip file holds: ``page.html`` for ``page.html.gz``; the name itself otherwise."""
    return path.with_suffix("") if path.suffix.lower() in GZIP_SUFFIXES else path


class Inflater:
    """A gzip stream of one or more members (RFC 1952, 2.2), inflated a piece at a time, never past a limit."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.ended = False
        """Whether the last member begun is complete: False for a stream cut off part-way."""

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate ``data``, giving at most ``room`` and one more byte (to tell that it is over).

        Raises ``zlib.error`` on data that is not a deflate stream.
        """
        out: list[bytes] = []
        total = 0
        while data and total <= room:
            piece = self._z.decompress(data, room - total + 1)
            out.append(piece)
            total += len(piece)
            if self._z.eof:
                data = self._z.unused_data
                self.ended = True
                if data.strip(b"\x00"):  # another member follows; NUL padding after the last is not one
                    self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    self.ended = False
                else:
                    data = b""
            else:
                data = self._z.unconsumed_tail
        return b"".join(out)


def gunzip(data: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """The content of gzip ``data``, and whether the stream is complete.

    Raises :class:`Oversize` as soon as the content goes over ``max_bytes`` (no more is inflated),
    and ``zlib.error`` when the data is not gzip. A stream damaged part-way gives what came before
    the damage, as incomplete.
    """
    inflater = Inflater()
    out: list[bytes] = []
    size = 0
    for start in range(0, len(data), _CHUNK):
        try:
            piece = inflater.feed(data[start : start + _CHUNK], max_bytes - size)
        except zlib.error:
            if not size:
                raise
            return b"".join(out), False
        size += len(piece)
        if size > max_bytes:
            raise Oversize
        out.append(piece)
    return b"".join(out), inflater.ended


def unpacked_size(path: Path | str, max_bytes: int) -> int | None:
    """What a gzip file or a zip archive at ``path`` unpacks to (counted up to ``max_bytes`` and a
    byte: more is never inflated); None for any other file, and for one that cannot be read.

    The file is opened without blocking and used only when it is a regular file, so a FIFO or a
    device swapped in for it cannot hang the check.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    with open(fd, "rb") as f:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            head = f.read(4)
            if head.startswith(GZIP_MAGIC):
                f.seek(0)
                inflater, size = Inflater(), 0
                while size <= max_bytes:
                    chunk = f.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(inflater.feed(chunk, max_bytes - size))
                return size
            if head == ZIP_MAGIC:
                f.seek(0)
                with zipfile.ZipFile(f) as archive:
                    return zip_size(archive)
        except Exception:  # zlib and zipfile raise many kinds of error on damaged data: the read says which
            return None
    return None


def zip_size(archive: zipfile.ZipFile) -> int:
    """What a zip archive unpacks to, as its central directory records it."""
    return sum(info.file_size for info in archive.infolist())
