"""The files briefgen keeps in an output directory: its own, written whole and read back with care.

Everything a build, an approval, an edit or a send writes there goes through
:func:`write_atomically`: a temporary file beside it, then :func:`os.replace`, so a reader sees the
old file or the new one, never half of one, and nothing is ever written through a link. What stands
in the place of one of briefgen's files must be a regular file (:func:`own_file`): a symbolic link,
a FIFO, a device, a socket or a directory there is refused with one line naming it, and the
``sources/`` directory is walked into only when it is a directory itself, never a link.

Records are read back the same way (:func:`read_record`): only a regular file, never through a link,
a FIFO never opened for a blocking read, and only up to a bound, so a planted sparse file of any
size costs one ``lstat``. :func:`load_record` then validates the bytes with the pydantic model of
the record and turns the first problem into one line naming the file and the key.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from briefgen.errors import OutputError

M = TypeVar("M", bound=BaseModel)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
#: Opening a record to read it: never through a link, and a FIFO planted meanwhile never waits for a writer.
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def _refused(path: Path, mode: int, doing: str) -> OutputError:
    return OutputError(
        f"{path} is {_kind(mode)}; briefgen {doing} only regular files in its output directory: remove it"
    )


def _not_a_dir(path: Path, mode: int, doing: str) -> OutputError:
    where = "into" if doing == "writes" else "from"
    return OutputError(
        f"{path} is {_kind(mode)}; briefgen {doing} only {where} a directory of its own there: remove it"
    )


def size_text(size: int) -> str:
    """A bound in the unit it was chosen in: ``64 MiB``, ``4 MiB``, ``64 KiB``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size:,} bytes"


def too_large(path: Path, size: int, bound: int) -> OutputError:
    """The one line for a record larger than any build writes."""
    return OutputError(f"{path} is larger than {size_text(bound)} ({size:,} bytes), more than a build writes: not read")


def _lstat(name: str | Path, dir_fd: int | None) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (or no directory to hold it)
        return None


def own_file(path: Path, *, dir_fd: int | None = None, doing: str = "writes") -> os.stat_result | None:
    """What stands at ``path`` (without following a link): None when nothing does, its ``lstat``
    when it is a regular file; anything else raises :class:`~briefgen.errors.OutputError`
    naming it. With ``dir_fd``, ``path``'s name is looked up in that directory."""
    try:
        info = _lstat(path.name if dir_fd is not None else path, dir_fd)
    except OSError as exc:
        raise OutputError(f"cannot look at {path}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise _refused(path, info.st_mode, doing)
    return info


def own_dir(path: Path, *, doing: str = "writes") -> bool:
    """Whether a directory of briefgen's own stands at ``path`` (False: nothing does); a link or
    anything else that is not a directory raises :class:`~briefgen.errors.OutputError` naming it."""
    try:
        info = _lstat(path, None)
    except OSError as exc:
        raise OutputError(f"cannot look at {path}: {exc.strerror or exc}") from None
    if info is None:
        return False
    if not stat.S_ISDIR(info.st_mode):
        raise _not_a_dir(path, info.st_mode, doing)
    return True


def _open_dir(directory: Path, inside: Path | None, doing: str) -> int:
    """A descriptor of ``directory``; below ``inside`` (the output directory, which may itself be a
    link the user made) each step is opened without following a link, so none is walked through."""
    if inside is None or directory == inside:
        return os.open(directory, _DIR_FLAGS)
    parts = directory.relative_to(inside).parts
    fd = os.open(inside, _DIR_FLAGS)
    walked = inside
    for part in parts:
        walked = walked / part
        try:
            step = os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
        except OSError as exc:
            info = _lstat(part, fd) if exc.errno in (errno.ELOOP, errno.ENOTDIR) else None
            os.close(fd)
            if info is not None and not stat.S_ISDIR(info.st_mode):
                raise _not_a_dir(walked, info.st_mode, doing) from None
            raise
        os.close(fd)
        fd = step
    return fd


def _temporary(name: str, dir_fd: int) -> tuple[str, int]:
    """A new file beside ``name``, under a random name created exclusively: never an existing file
    or link. Its mode is the umask's, as an ordinary write's would be."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        tmp = f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return tmp, os.open(tmp, flags, 0o666, dir_fd=dir_fd)
        except FileExistsError:
            continue


def write_atomically(path: Path, data: bytes | str, *, inside: Path | None = None) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole: into a new temporary file in the same
    directory, then :func:`os.replace` over ``path``. What stands at ``path`` must be a regular
    file or nothing (:func:`own_file`), checked before and again just before the rename; with
    ``inside`` (the output directory), no directory between it and ``path`` may be a link.
    Raises :class:`~briefgen.errors.OutputError` naming what is wrong."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        dir_fd = _open_dir(path.parent, inside, "writes")
    except OSError as exc:
        raise OutputError(f"cannot write to {path.parent}: {exc.strerror or exc}") from None
    try:
        own_file(path, dir_fd=dir_fd)
        tmp, fd = _temporary(path.name, dir_fd)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(raw)
            own_file(path, dir_fd=dir_fd)  # a link planted meanwhile is refused, not replaced
            os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        os.close(dir_fd)
    return path


def remove_own(path: Path) -> None:
    """Remove briefgen's file at ``path`` (nothing there is fine); a link or anything else that is
    not a regular file is refused, not removed."""
    if own_file(path) is not None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OutputError(f"cannot remove {path}: {exc.strerror or exc}") from None


def _open_record(path: Path, inside: Path | None) -> int | None:
    """A descriptor of the regular file at ``path`` opened for reading, or None when there is none."""
    try:
        dir_fd = _open_dir(path.parent, inside, "reads")
    except (FileNotFoundError, NotADirectoryError):  # no output directory: no record
        return None
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        if own_file(path, dir_fd=dir_fd, doing="reads") is None:
            return None
        return os.open(path.name, _READ_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link put there since the look
            raise _refused(path, stat.S_IFLNK, "reads") from None
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(dir_fd)


def read_record(path: Path, max_bytes: int, *, inside: Path | None = None) -> bytes | None:
    """The bytes of briefgen's file at ``path``, or None when there is none. Only a regular file is
    read (never through a link, a FIFO never opened to wait), and only when it holds at most
    ``max_bytes``; otherwise :class:`~briefgen.errors.OutputError` says which and why. With
    ``inside`` (the output directory), no directory between it and ``path`` may be a link."""
    fd = _open_record(path, inside)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as data:
        info = os.fstat(data.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refused(path, info.st_mode, "reads")
        if info.st_size > max_bytes:
            raise too_large(path, info.st_size, max_bytes)
        try:
            raw = data.read(max_bytes + 1)
        except OSError as exc:
            raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:  # grown since the look
        raise too_large(path, len(raw), max_bytes)
    return raw


def own_file_sha256(path: Path, max_bytes: int | None = None, *, inside: Path | None = None) -> str | None:
    """The sha256 of briefgen's file at ``path`` (read as :func:`read_record` reads, in blocks, so
    any size costs little memory; larger than ``max_bytes``, when given, is refused), or None when
    there is none."""
    fd = _open_record(path, inside)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as data:
        info = os.fstat(data.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refused(path, info.st_mode, "reads")
        if max_bytes is not None and info.st_size > max_bytes:
            raise too_large(path, info.st_size, max_bytes)
        try:
            return hashlib.file_digest(data, "sha256").hexdigest()
        except OSError as exc:
            raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------- validation

_EXPECTED = {
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "bool_type": "expected true or false",
    "missing": "missing",
    "extra_forbidden": "not a key this record has",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
}


def key_path(loc: Sequence[int | str]) -> str:
    """``('sections', 0, 'items', 2, 'offsets')`` as ``sections[0].items[2].offsets``; a key that is
    no name as ``files['../x']``, and the key itself (pydantic's ``[key]``) as ``(its name)``."""
    shown = ""
    for part in loc:
        if isinstance(part, int):
            shown += f"[{part}]"
        elif part == "[key]":
            shown += " (its name)"
        elif part.isidentifier():
            shown += f".{part}" if shown else part
        else:
            shown += f"[{part!r}]"
    return shown


def problem_line(path: Path, exc: ValidationError) -> str:
    """The first problem of a record that does not validate, as one line naming the file and the key."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    kind = str(first["type"])
    if kind == "json_invalid":
        return f"{path}: not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})"
    msg = str(first["msg"]).removeprefix("Value error, ")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        what = f"out of range ({msg[:1].lower()}{msg[1:]})"
    elif kind == "string_pattern_mismatch":
        what = f"expected a string matching {(first.get('ctx') or {}).get('pattern')}"
    else:
        what = _EXPECTED.get(kind) or msg
    where = key_path(first["loc"])
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    if not where:
        return f"{path}: {what}{' at the top level' if kind in ('model_type', 'dict_type') else ''}{more}"
    return f"{path}: {where}: {what}{more}"


def load_record(path: Path, model: type[M], raw: bytes) -> M:
    """``raw`` (the bytes of ``path``) as ``model``, strictly typed; one line naming the file and the
    key when it is not."""
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise OutputError(problem_line(path, exc)) from None
