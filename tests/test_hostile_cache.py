"""An analysis cache that is damaged or hostile: entries that are FIFOs, directories, links out
of the cache, sparse files of gigabytes, JSON of the wrong shape or nested thousands deep,
unreadable files; a cache directory that is a file, a FIFO or a link.

The cache is only a cache: each case builds the sample briefing through the command line, in a
child of :func:`tests.hostile.run_limited` (so a hang or a blow-up of memory fails the test),
over a copy of a cache a clean build filled, with one thing broken. The briefing has the same
items as the clean build, the bad entry is replaced by a good one where it can be, and at most
one warning line is about the cache.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from briefgen.analyse import workspace
from briefgen.analyse.workspace import MAX_ENTRY_BYTES, Workspace
from briefgen.ingest.sources import size_text

from .conftest import ROOT, run_cli
from .hostile import SAMPLE_TOPIC, assert_no_traceback, assert_one_line_messages, cli_result, run_limited

LIMIT = 60


@dataclass(frozen=True)
class Clean:
    """The sample project, and what a build with a clean cache made: its items and its cache."""

    config: Path
    cache: Path
    sections: list[dict[str, Any]]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, warm_model: None) -> Clean:
    root = tmp_path_factory.mktemp("hostile-cache")
    shutil.copytree(ROOT / "samples" / "articles", root / "articles")
    config = root / "c.yaml"
    settings = {"title": "Weekly Indo-Pacific Brief", "topic": SAMPLE_TOPIC, "sources": ["articles"]}
    config.write_text(json.dumps({**settings, "window": {"days": 7}, "output": {"formats": ["md"]}}), "utf-8")
    result, sections = build(config, root / "cache", root / "out")
    assert not cache_warnings(result["stderr"]), result["stderr"]
    assert all(entries(root / "cache", kind) for kind in ("documents", "sentences", "language"))
    return Clean(config, root / "cache", sections)


def build(
    config: Path,
    cache: Path | None,
    out: Path,
    *,
    memory_cap: int | None = None,
    prepare: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Build ``config`` with the analysis cache ``cache`` (None: the default one) in a limited child:
    the CLI's result and the briefing's sections. ``prepare`` runs first, in the child (to patch
    what only it sees)."""

    def case() -> dict[str, Any]:
        if prepare is not None:
            prepare()
        args = ["build", str(config), "--as-of", "2025-02-14", "--out", str(out)]
        return cli_result(run_cli(*args, *(["--cache-dir", str(cache)] if cache else []), env=env))

    outcome = run_limited(case, time_limit=LIMIT, **({"memory_cap": memory_cap} if memory_cap else {}))
    result: dict[str, Any] = outcome.ok()
    assert result["code"] == 0, result
    assert_no_traceback(result)
    assert_one_line_messages(result["stderr"])
    sections: list[dict[str, Any]] = json.loads((out / "briefing.json").read_text("utf-8"))["sections"]
    return result, sections


def cache_warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("briefgen: warning:") and "cache" in line]


def entries(cache: Path, kind: str) -> list[Path]:
    """The entries of one kind in ``cache``, in a fixed order."""
    return sorted(cache.glob(f"*/{kind}/*/*.json"))


def copy_cache(clean: Clean, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    shutil.copytree(clean.cache, cache, symlinks=True)
    return cache


def rebuilt(clean: Clean, cache: Path | None, tmp_path: Path, **kwargs: Any) -> str:
    """Build over ``cache``: the same items as the clean build; the warning about the cache, if any."""
    result, sections = build(clean.config, cache, tmp_path / "out", **kwargs)
    assert sections == clean.sections
    warnings = cache_warnings(result["stderr"])
    assert len(warnings) <= 1, result["stderr"]
    return warnings[0] if warnings else ""


def damaged_warning(warning: str, entry: Path, count: int = 1) -> None:
    """The one warning names ``entry`` (the only damaged one) and the count."""
    assert f"ignored {count} damaged entr" in warning, warning
    if count == 1:
        assert str(entry) in warning, warning


def assert_replaced(entry: Path, good: bytes) -> None:
    """The entry is a regular file again, the one a clean build writes."""
    info = os.lstat(entry)
    assert stat.S_ISREG(info.st_mode), entry
    assert entry.read_bytes() == good


def pick(cache: Path, kind: str) -> tuple[Path, bytes]:
    entry = entries(cache, kind)[0]
    return entry, entry.read_bytes()


# ----------------------------------------------------------------------------- not regular files


@pytest.mark.parametrize("kind", ["documents", "sentences"])
def test_a_fifo_entry_is_never_opened_and_is_replaced(clean, tmp_path, kind):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, kind)
    entry.unlink()
    os.mkfifo(entry)
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert "a FIFO, not a regular file" in warning
    assert_replaced(entry, good)


def test_an_empty_directory_entry_is_replaced(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "sentences")
    entry.unlink()
    entry.mkdir()
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert "a directory, not a regular file" in warning
    assert_replaced(entry, good)


def test_a_directory_entry_that_cannot_be_removed_stays_and_the_cache_goes_on(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    entry, _ = pick(cache, "documents")
    other, other_good = pick(cache, "sentences")
    entry.unlink()
    entry.mkdir()
    (entry / "keep").write_text("not briefgen's", "utf-8")
    other.unlink()  # a plain miss, written again: the cache is still in use
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert (entry / "keep").read_text("utf-8") == "not briefgen's"
    assert_replaced(other, other_good)
    assert not list(entry.parent.glob("*.tmp")), "a temporary file was left behind"


@pytest.mark.parametrize("target", ["copy", "passwd"])
def test_a_symlink_entry_pointing_outside_is_not_followed(clean, tmp_path, target):
    """A link to a file outside the cache, even one holding a good entry, is not read; the link
    is replaced, and what it pointed to is left as it was."""
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "sentences")
    outside = tmp_path / "outside.json"
    if target == "copy":
        outside.write_bytes(good)
    else:
        outside.symlink_to("/etc/passwd")
    before = outside.read_bytes()
    entry.unlink()
    entry.symlink_to(outside)
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert "a symbolic link, not a regular file" in warning
    assert_replaced(entry, good)
    assert outside.read_bytes() == before


def test_a_directory_of_entries_that_links_outside_is_replaced(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "sentences")
    outside = tmp_path / "elsewhere"
    shutil.move(entry.parent, outside)
    entry.parent.symlink_to(outside)
    listing = sorted(p.name for p in outside.iterdir())
    warning = rebuilt(clean, cache, tmp_path)
    assert "ignored" in warning and "is a symbolic link" in warning, warning
    assert stat.S_ISDIR(os.lstat(entry.parent).st_mode)
    assert_replaced(entry, good)
    assert sorted(p.name for p in outside.iterdir()) == listing  # nothing written through the link


# ----------------------------------------------------------------------------- too big


def test_a_sparse_entry_of_2_gb_is_not_read(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "sentences")
    os.truncate(entry, 2 << 30)  # sparse: no disk used
    warning = rebuilt(clean, cache, tmp_path, memory_cap=512 << 20)
    damaged_warning(warning, entry)
    assert "2 GB, over the 32 MB an entry may have" in warning
    assert_replaced(entry, good)


def test_no_more_than_the_bound_and_a_byte_is_ever_read_of_an_entry(clean, tmp_path, monkeypatch):
    """An entry over the bound by its size is never opened; one whose size says it is within the
    bound (as a file still growing would) is read up to the bound and a byte, and refused."""
    cache = copy_cache(clean, tmp_path)
    entry, _ = pick(cache, "documents")
    bound = entry.stat().st_size // 2
    monkeypatch.setattr(workspace, "MAX_ENTRY_BYTES", bound)
    real_open, real_read = os.open, os.read
    opened: dict[int, str] = {}
    read: list[int] = []

    def recording_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_open(path, flags, *args, **kwargs)
        opened[fd] = str(path)
        return fd

    def recording_read(fd: int, n: int) -> bytes:
        got = real_read(fd, n)
        if opened.get(fd) == str(entry):
            read.append(len(got))
        return got

    monkeypatch.setattr(os, "open", recording_open)
    monkeypatch.setattr(os, "read", recording_read)
    ws = Workspace(cache)
    assert ws._load_documents(entry.stem, str(tmp_path)) is None
    assert str(entry) not in opened.values()
    monkeypatch.setattr(workspace, "_check_entry", lambda info: None)  # the size it says is believed
    ws = Workspace(cache)
    assert ws._load_documents(entry.stem, str(tmp_path)) is None
    assert sum(read) == bound + 1
    assert ws._damage_example == (entry, f"over the {size_text(bound)} an entry may have")


def test_an_entry_over_the_bound_is_not_written(clean, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    small = min(p.stat().st_size for p in entries(clean.cache, "sentences"))

    def prepare() -> None:
        monkeypatch.setattr(workspace, "MAX_ENTRY_BYTES", small)

    assert rebuilt(clean, cache, tmp_path, prepare=prepare) == ""
    written = entries(cache, "sentences")
    assert written and all(p.stat().st_size <= small for p in written)
    assert len(written) < len(entries(clean.cache, "sentences"))
    assert MAX_ENTRY_BYTES == 32 << 20


# ----------------------------------------------------------------------------- not what briefgen writes


def put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``data`` with the item at ``path`` set to ``value``."""
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def drop(data: Any, path: tuple[Any, ...]) -> Any:
    """``data`` without the item at ``path``."""
    target = data
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return data


#: A sentences entry is a list of rows [position, start, end, kind, heading, first, tokens, terms, entities, numbers].
SENTENCE_DAMAGE: dict[str, Callable[[Any], Any]] = {
    "a mapping for the list": lambda rows: {"rows": rows},
    "null for the list": lambda rows: None,
    "a string for a number": lambda rows: put(rows, (0, 1), str(rows[0][1])),
    "a float offset": lambda rows: put(rows, (0, 2), rows[0][2] + 0.5),
    "an offset past the text": lambda rows: put(rows, (-1, 2), 10**9),
    "a negative offset": lambda rows: put(rows, (0, 1), -1),
    "an end before the start": lambda rows: put(rows, (0, 1), rows[0][2] + 1),
    "a row too short": lambda rows: drop(rows, (0, 9)),
    "a mapping for a row": lambda rows: put(rows, (0,), {"position": 0}),
    "a number for true": lambda rows: put(rows, (0, 5), 1),
    "a string for the tokens": lambda rows: put(rows, (0, 6), "tokens"),
    "a number among the terms": lambda rows: put(rows, (0, 7), [1.5]),
    "an entity of three": lambda rows: put(rows, (0, 8), [["Japan", "GPE", "x"]]),
}

#: A documents entry is a list of mappings: article, text, spans, words_before, words_after, removed.
DOCUMENT_DAMAGE: dict[str, Callable[[Any], Any]] = {
    "a list for the article": lambda docs: put(docs, (0, "article"), []),
    "no text": lambda docs: drop(docs, (0, "text")),
    "no date": lambda docs: drop(docs, (0, "article", "date")),
    "a span past the text": lambda docs: put(docs, (0, "spans", 0, 2), len(docs[0]["text"]) + 1),
    "a string for a count": lambda docs: put(docs, (0, "words_before"), "12"),
    "true for a count": lambda docs: put(docs, (0, "words_after"), True),
    "a date that is not one": lambda docs: put(docs, (0, "article", "date"), "2025-02-30"),
    "a number among the removed": lambda docs: put(docs, (0, "removed"), [1]),
    "a block of one": lambda docs: put(docs, (0, "article", "blocks"), [["paragraph"]]),
    "a number for the title": lambda docs: put(docs, (0, "article", "title"), 7),
    "a string for the documents": lambda docs: "documents",
}


#: A language entry is [language, how, probability, detected, declared].
LANGUAGE_DAMAGE: dict[str, Callable[[Any], Any]] = {
    "four fields": lambda guess: guess[:4],
    "a probability over 1": lambda guess: put(guess, (2,), 1.5),
    "true for the probability": lambda guess: put(guess, (2,), True),
    "a number for the language": lambda guess: put(guess, (0,), 7),
}
#: Each kind of entry and the damage done to it.
DAMAGE = {
    **{("sentences", name): damage for name, damage in SENTENCE_DAMAGE.items()},
    **{("documents", name): damage for name, damage in DOCUMENT_DAMAGE.items()},
    **{("language", name): damage for name, damage in LANGUAGE_DAMAGE.items()},
}


@pytest.mark.parametrize(("kind", "name"), list(DAMAGE), ids=[f"{kind}: {name}" for kind, name in DAMAGE])
def test_an_entry_of_the_wrong_shape_is_a_miss(clean, tmp_path, kind, name):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, kind)
    entry.write_bytes(json.dumps(DAMAGE[kind, name](json.loads(good))).encode())
    assert entry.read_bytes() != good
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert "not a cache entry" in warning
    assert_replaced(entry, good)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe[]", b"[" + b"1" * 5000 + b"]", b'[1, 2] "trailing"'],
    ids=["broken", "empty", "not-utf8", "huge-number", "trailing"],
)
def test_an_entry_that_is_not_json_is_a_miss(clean, tmp_path, content):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "documents")
    entry.write_bytes(content)
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert_replaced(entry, good)


@pytest.mark.parametrize("kind", ["documents", "sentences"])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_an_entry_nested_thousands_deep_is_a_miss_not_a_skipped_article(clean, tmp_path, kind, opening):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, kind)
    depth = 100_000
    entry.write_text(opening * depth + "1" + ("]" if opening == "[" else "}") * depth, "utf-8")
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert "nested too deeply" in warning
    assert_replaced(entry, good)


def test_many_damaged_entries_are_one_warning_with_the_count(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    damaged = entries(cache, "documents")[:3] + entries(cache, "sentences")[:2]
    goods = {entry: entry.read_bytes() for entry in damaged}
    for entry in damaged:
        entry.write_text("[[[", "utf-8")
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, damaged[0], count=len(damaged))
    assert any(str(entry) in warning for entry in damaged)
    for entry, good in goods.items():
        assert_replaced(entry, good)


# ----------------------------------------------------------------------------- unreadable


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_entry_without_read_permission_is_a_miss(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "sentences")
    entry.chmod(0)
    warning = rebuilt(clean, cache, tmp_path)
    damaged_warning(warning, entry)
    assert "Permission denied" in warning
    assert_replaced(entry, good)


@pytest.mark.parametrize("failure", ["open", "read"])
def test_an_entry_that_cannot_be_read_is_a_miss(clean, tmp_path, monkeypatch, failure):
    """Permission denied on opening, or an I/O error on reading, simulated (the tests run as root)."""
    cache = copy_cache(clean, tmp_path)
    entry, good = pick(cache, "sentences")
    real_open, real_read = os.open, os.read
    opened: dict[int, str] = {}

    def prepare() -> None:
        def failing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if failure == "open" and str(path) == str(entry):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            fd = real_open(path, flags, *args, **kwargs)
            opened[fd] = str(path)
            return fd

        def failing_read(fd: int, n: int) -> bytes:
            if failure == "read" and opened.get(fd) == str(entry):
                raise OSError(errno.EIO, "Input/output error")
            return real_read(fd, n)

        monkeypatch.setattr(os, "open", failing_open)
        monkeypatch.setattr(os, "read", failing_read)

    warning = rebuilt(clean, cache, tmp_path, prepare=prepare)
    damaged_warning(warning, entry)
    assert ("Permission denied" if failure == "open" else "Input/output error") in warning
    assert_replaced(entry, good)


# ----------------------------------------------------------------------------- the cache directory


@pytest.mark.parametrize("what", ["file", "fifo", "link"])
def test_a_cache_directory_that_is_not_one_is_not_used(clean, tmp_path, what):
    """A file, a FIFO or a link to a directory elsewhere (here, a good cache) in place of the
    cache directory (the default one, ``$XDG_CACHE_HOME/briefgen/analysis``: ``--cache-dir``
    refuses a file itself): the run goes on without it, with one warning, and writes nothing there."""
    cache = tmp_path / "xdg" / "briefgen" / "analysis"
    cache.parent.mkdir(parents=True)
    elsewhere = copy_cache(clean, tmp_path / "elsewhere")
    if what == "file":
        cache.write_text("not a directory", "utf-8")
    elif what == "fifo":
        os.mkfifo(cache)
    else:
        cache.symlink_to(elsewhere)
    listing = sorted(str(p) for p in elsewhere.rglob("*"))
    warning = rebuilt(clean, None, tmp_path, env={"BRIEFGEN_CACHE_DIR": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert "going on without it" in warning and str(cache) in warning, warning
    kind = {"file": "a regular file", "fifo": "a FIFO", "link": "a symbolic link"}[what]
    assert f"is {kind}, not a directory" in warning
    assert sorted(str(p) for p in elsewhere.rglob("*")) == listing
    if what == "file":
        assert cache.read_text("utf-8") == "not a directory"
    assert Workspace(cache).prune(days=-1) == 0  # nothing behind the link is deleted either
    assert sorted(str(p) for p in elsewhere.rglob("*")) == listing


def test_a_clean_cache_is_used_without_a_word(clean, tmp_path):
    cache = copy_cache(clean, tmp_path)
    before = {p: p.read_bytes() for p in cache.rglob("*.json")}
    assert rebuilt(clean, cache, tmp_path) == ""
    assert {p: p.read_bytes() for p in cache.rglob("*.json")} == before
