"""Finding a config's inputs: the files its patterns name, within its limits.

Patterns are expanded relative to the config; links are followed only when the config says so,
never out of the tree they lead to; directories are walked to a bounded depth and count; devices,
FIFOs and files over the size limit are skipped with a reason, never opened.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import ArticleError
from briefgen.ingest.compressed import unpacked_size

logger = logging.getLogger(__name__)


#: The sidecar of ``NAME.txt`` is ``NAME`` + this; the source walk never reads it as an article.
SIDECAR_SUFFIX = ".meta.yaml"
#: The file that holds the messages of a mailbox folder (``NAME.mbox/mbox``, as Apple Mail exports one).
MAILBOX_FILE = "mbox"


def is_mailbox_folder(path: str) -> bool:
    """Whether ``path`` names a mailbox folder: a directory whose name ends in ``.mbox`` (checked by name only)."""
    return os.path.basename(path.rstrip(os.sep)).lower().endswith(".mbox")


def size_text(n: int) -> str:
    """A byte count for a message: "20 MB", "64 KB", "900 bytes"."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.0f} {unit}"
    return f"{n} bytes"


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is ("a FIFO", "a directory"...); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "a special file"


def check_file(path: Path | str, max_bytes: int, *, unpacked: bool = True) -> None:
    """Raise ArticleError unless ``path`` is a regular file of at most ``max_bytes`` and, when it is
    compressed (gzip, or a zip archive such as a Word document) and ``unpacked``, holds at most
    ``max_bytes`` once decompressed.

    Only a regular file within the size is opened, without blocking, and only to sniff its first
    bytes and count what a compressed one unpacks to (never inflating more than ``max_bytes`` and a
    byte: see :mod:`briefgen.ingest.compressed`).
    """
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ArticleError(name, f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL in the name
        raise ArticleError(name, f"cannot read: {exc}") from None
    kind = file_kind(info.st_mode)
    if kind:
        raise ArticleError(name, f"not a regular file ({kind})")
    if info.st_size > max_bytes:
        raise ArticleError(name, f"too large ({size_text(info.st_size)} > {size_text(max_bytes)})")
    if unpacked:
        size = unpacked_size(path, max_bytes)
        if size is not None and size > max_bytes:
            raise ArticleError(name, too_large_unpacked(max_bytes))


def too_large_unpacked(max_bytes: int) -> str:
    """Why a compressed file that holds more than ``max_bytes`` is not read."""
    return f"too large once decompressed (over {size_text(max_bytes)}, limits.max_bytes)"


@dataclass(frozen=True)
class Skipped:
    """Something the sources reach that is not read, and why."""

    path: str
    reason: str


@dataclass
class FoundSources:
    """What config ``sources`` lead to."""

    files: list[Path] = field(default_factory=list)
    """Regular files to read: each pattern's sorted, in the order of the patterns, each file once."""
    missing: list[str] = field(default_factory=list)
    """One message per pattern that reaches nothing at all."""
    unread: list[str] = field(default_factory=list)
    """One message per pattern that reaches only what is skipped."""
    skipped: list[Skipped] = field(default_factory=list)
    """What is not read: links out of a source directory and link loops, FIFOs, devices and sockets,
    unreadable directories, and what lies past ``limits.max_files``."""


_MAGIC = re.compile(r"[*?[]")


_OTHER_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#]*@)?")


_Dirs = frozenset[tuple[int, int]]


#: How deep a walk goes below a source directory (a tree deeper than this is not a corpus).
_MAX_DEPTH = 100


class _Full(Exception):
    """The sources reached ``limits.max_files`` files."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return str(getattr(exc, "strerror", None) or exc)


def _absent(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.ENOTDIR)


class _Scan:
    """The walk of :func:`find_sources`: regular files only, never into a loop, links out of a
    source directory only when allowed, and no further than ``max_files`` files."""

    def __init__(self, follow_symlinks: bool, max_files: int | None) -> None:
        self.follow = follow_symlinks
        self.max_files = max_files
        self.result = FoundSources()
        self._files: dict[Path, None] = {}
        self._found: dict[Path, None] = {}  # the current pattern's files
        self._skipped: set[str] = set()
        self._total = 0  # distinct files taken, over every pattern
        self._linked: set[tuple[int, int]] = set()  # directories the current pattern walked through a link
        self._globbed: set[tuple[str, int]] = set()
        self.reached = False
        self.problem = ""

    def pattern(self, pattern: str, base: Path) -> None:
        self._found, self._linked, self._globbed = {}, set(), set()
        self.reached, self.problem = False, ""
        if _OTHER_SCHEME.match(pattern):  # named without a user name and password it may carry
            shown = _OTHER_SCHEME.sub(r"\1", pattern, count=1)
            self.result.missing.append(
                f"source {shown!r} matched no file (only http:// and https:// addresses are fetched)"
            )
            return
        try:
            p = Path(pattern).expanduser()
        except RuntimeError:  # "~user/..." of a user who does not exist: a path like any other
            p = Path(pattern)
        full = p if p.is_absolute() else base / p
        try:
            if _MAGIC.search(pattern):
                self._glob_pattern(full, len(full.parts) - len(p.parts))
            else:
                self._named(str(full))
        except _Full:
            self._flush()
            self.skip(
                str(full),
                f"the sources match more than {self.max_files:,} files (limits.max_files); the rest are not read",
            )
            raise
        had_files = bool(self._found)
        self._flush()
        if not had_files and not self.reached:
            why = f" ({self.problem})" if self.problem else ""
            self.result.missing.append(f"source {pattern!r} matched no file{why}")
        elif not had_files:
            self.result.unread.append(f"source {pattern!r} matched no file that is read")

    def _flush(self) -> None:
        for path in sorted(self._found):
            self._files.setdefault(path, None)
        self._found = {}
        self.result.files = list(self._files)

    def skip(self, path: str, reason: str) -> None:
        self.reached = True
        if path not in self._skipped:
            self._skipped.add(path)
            self.result.skipped.append(Skipped(path, reason))

    def add(self, path: str) -> None:
        self.reached = True
        if path.endswith(SIDECAR_SUFFIX):  # the metadata of the article beside it, not an article
            return
        p = Path(path)
        if p in self._found:
            return
        if p not in self._files:
            if self.max_files is not None and self._total >= self.max_files:
                raise _Full
            self._total += 1
        self._found[p] = None

    # -- what one path is

    def _root(self, path: str) -> os.stat_result | None:
        """What a source names, through links; None, with the reason kept, when there is nothing."""
        try:
            return os.stat(path)
        except (OSError, ValueError) as exc:
            self.problem = "" if _absent(exc) else _why(exc)
            return None

    def _named(self, path: str) -> None:
        """A file or directory named as a source (it may be a link)."""
        info = self._root(path)
        if info is None:
            return
        if stat.S_ISDIR(info.st_mode):
            self._walk(path, os.path.realpath(path), frozenset({(info.st_dev, info.st_ino)}))
        elif stat.S_ISREG(info.st_mode):
            self.add(path)
        else:
            self.skip(path, f"not a regular file ({file_kind(info.st_mode)})")

    def _reach(
        self, path: str, root: str, ancestors: _Dirs, *, want_file: bool, inside_links: bool
    ) -> _Dirs | bool | None:
        """What the walk does with ``path``: the ancestors to walk it as a directory with, True to take
        it as a file, None to leave it (with a skip line when it is something the pattern wants)."""
        try:
            info = os.lstat(path)
        except (OSError, ValueError):
            return None  # gone since the directory was listed
        if stat.S_ISDIR(info.st_mode if not stat.S_ISLNK(info.st_mode) else 0) and len(ancestors) > _MAX_DEPTH:
            self.skip(path, f"directory nested more than {_MAX_DEPTH} deep")
            return None
        if not stat.S_ISLNK(info.st_mode):
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                return None if key in ancestors else ancestors | {key}  # a bind mount of an ancestor
            if stat.S_ISREG(info.st_mode):
                return want_file or None
            if want_file:
                self.skip(path, f"not a regular file ({file_kind(info.st_mode)})")
            return None
        try:
            target = os.stat(path)
        except (OSError, ValueError) as exc:
            if want_file:
                reason = _why(exc)
                self.skip(path, reason if reason == "symbolic link loop" else f"broken symbolic link ({reason})")
            return None
        is_dir = stat.S_ISDIR(target.st_mode)
        if not is_dir and not want_file:
            return None
        inside = _inside(os.path.realpath(path), root)
        if not inside and not self.follow:
            what = "directory" if is_dir else "file"
            self.skip(path, f"symbolic link to a {what} outside the source directory (follow_symlinks: true reads it)")
            return None
        if is_dir:
            key = (target.st_dev, target.st_ino)
            if inside and not inside_links:
                return None  # its files are read where they are
            if len(ancestors) > _MAX_DEPTH:
                self.skip(path, f"directory nested more than {_MAX_DEPTH} deep")
                return None
            if key in ancestors:
                self.skip(path, "symbolic link loop")
                return None
            if key in self._linked:
                return None  # walked already through another link
            self._linked.add(key)
            return ancestors | {key}
        if stat.S_ISREG(target.st_mode):
            return True
        self.skip(path, f"not a regular file ({file_kind(target.st_mode)})")
        return None

    def _entries(self, directory: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as it:
                return sorted(it, key=lambda e: e.name)
        except (OSError, ValueError) as exc:
            self.skip(directory, f"cannot read the directory ({_why(exc)})")
            return []

    # -- directories

    def _walk(self, directory: str, root: str, ancestors: _Dirs) -> None:
        """Every file under a source directory, in sorted order; hidden files are not read, hidden
        directories are walked, and links that stay inside lead to files read where they are. Of a
        mailbox folder (``NAME.mbox/``, as Apple Mail exports one), only its ``mbox`` file is read:
        the rest is the mail program's index of it."""
        mailbox = is_mailbox_folder(directory)
        for entry in self._entries(directory):
            if entry.name.startswith(".") and not entry.is_dir(follow_symlinks=False):
                continue
            if mailbox and entry.name != MAILBOX_FILE:
                continue
            got = self._reach(entry.path, root, ancestors, want_file=True, inside_links=False)
            if got is True:
                self.add(entry.path)
            elif got:
                self._walk(entry.path, root, got)

    # -- globs

    def _glob_pattern(self, full: Path, literal: int) -> None:
        """Match a glob as :func:`glob.glob` with ``recursive=True`` does, walking from its literal head."""
        parts = full.parts
        first = next((i for i in range(literal, len(parts)) if _MAGIC.search(parts[i])), None)
        if first is None:
            self._named(str(full))
            return
        root = str(Path(*parts[:first]))
        info = self._root(root)
        if info is None or not stat.S_ISDIR(info.st_mode):
            return
        self._glob(root, parts[first:], os.path.realpath(root), frozenset({(info.st_dev, info.st_ino)}))

    def _glob(self, directory: str, parts: tuple[str, ...], root: str, ancestors: _Dirs) -> None:
        if (directory, len(parts)) in self._globbed:
            return  # "**/**" reaches a directory more than once
        self._globbed.add((directory, len(parts)))
        head, rest = parts[0], parts[1:]
        if head == "**":  # this directory and every one below it, hidden ones aside
            if rest:
                self._glob(directory, rest, root, ancestors)
            for entry in self._entries(directory):
                if entry.name.startswith("."):
                    continue
                got = self._reach(entry.path, root, ancestors, want_file=not rest, inside_links=True)
                if got is True:
                    self.add(entry.path)
                elif got:
                    self._glob(entry.path, parts, root, got)
            return
        if _MAGIC.search(head):
            hidden = head.startswith(".")
            names = [
                e.name
                for e in self._entries(directory)
                if fnmatch.fnmatchcase(e.name, head) and (hidden or not e.name.startswith("."))
            ]
        else:
            names = [head] if os.path.lexists(os.path.join(directory, head)) else []
        for name in names:
            path = os.path.join(directory, name)
            got = self._reach(path, root, ancestors, want_file=not rest, inside_links=True)
            if got is True:
                self.add(path)
            elif got and rest:
                self._glob(path, rest, root, got)
            elif got and is_mailbox_folder(path):  # "mail/*.mbox" names Apple Mail's folders too
                self._walk(path, root, got)


def find_sources(
    patterns: Iterable[str], base: Path, *, follow_symlinks: bool = False, max_files: int | None = None
) -> FoundSources:
    """Resolve config ``sources`` (files, directories, globs) to regular files, sorted for determinism.

    Only regular files are taken (a FIFO or a device would hang or never end a read); links in
    a source directory that lead outside it are not followed unless ``follow_symlinks``, and
    loops never are; no more than ``max_files`` files are taken. Directories and ``**`` are
    walked without following a link twice, so a tree full of link loops takes one pass.
    """
    scan = _Scan(follow_symlinks, max_files)
    for pattern in patterns:
        try:
            scan.pattern(pattern, base)
        except _Full:
            break
    return scan.result


def expand_sources(
    patterns: Iterable[str], base: Path, *, follow_symlinks: bool = False, max_files: int | None = None
) -> tuple[list[Path], list[str]]:
    """The files of :func:`find_sources`, and one message per pattern that leads to no file to read."""
    found = find_sources(patterns, base, follow_symlinks=follow_symlinks, max_files=max_files)
    return found.files, [*found.missing, *found.unread]
