"""Read, clean and analyse each article once: within a run, and across runs.

A batch builds many briefings that mostly share their articles, and next week's batch
sees most of this week's articles again. A :class:`Workspace` keeps every input's
cleaned documents and every document's analysed sentences in memory for the run and,
given a directory, on disk between runs. Entries are keyed by a hash of the content and
of the *engine* that made them: briefgen's reading, cleaning and NLP code, the libraries
those use and the spaCy model. Change any of them and old entries are never looked up
again; entries unused for :data:`PRUNE_DAYS` days are deleted.

The disk cache holds JSON, never pickles, so a cache directory is data and nothing else.
Entries are written atomically, so many processes, on one machine or several sharing a
network filesystem, can use one cache directory at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefgen._version import __version__
from briefgen.analyse import nlp
from briefgen.codebase import PACKAGE_DIR, dist_version, hash_modules, imported_closure, package_modules
from briefgen.errors import ArticleError
from briefgen.ingest.clean import clean
from briefgen.ingest.readers import MAX_BYTES, read_file, read_url, sidecar_path
from briefgen.models import Article, Block, Corpus, Document, Sentence, Span

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
)
#: Entries not used for this many days are deleted by :meth:`Workspace.prune`.
PRUNE_DAYS = 30


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


def analysis_key(doc: Document, identity: str) -> str:
    """The cache key of a document's analysed sentences: its text and blocks, and the spaCy model
    (:func:`briefgen.analyse.nlp.model_identity`) that analyses it."""
    return _digest("sentences", identity, doc.text, json.dumps([[s.kind, s.start, s.end] for s in doc.spans]))


# ----------------------------------------------------------------------------- JSON codec


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
    }


def _article_from(data: dict[str, Any], source: str) -> Article:
    path = data["path"]
    return Article(
        # The part after the file: "#2" for an article of an export, ":3" for a record of a JSON Lines file.
        path=source + path if not path or path.startswith(("#", ":")) else path,
        form=data["form"],
        blocks=tuple(Block(kind, text) for kind, text in data["blocks"]),
        title=data["title"],
        publisher=data["publisher"],
        author=data["author"],
        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
        url=data["url"],
        date_source=data.get("date_source"),
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


def _document_from(data: dict[str, Any], source: str) -> Document:
    return Document(
        index=0,
        article=_article_from(data["article"], source),
        text=data["text"],
        spans=tuple(Span(kind, start, end) for kind, start, end in data["spans"]),
        words_before=data["words_before"],
        words_after=data["words_after"],
        removed=tuple(data["removed"]),
    )


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
    ]


def _sentence_from(row: list[Any], text: str) -> Sentence:
    position, start, end, kind, heading, first, tokens, terms, entities, numbers = row
    return Sentence(
        doc=0,
        position=position,
        start=start,
        end=end,
        text=text[start:end],
        block_kind=kind,
        heading=heading,
        first_in_block=first,
        tokens=tuple(tokens),
        terms=tuple(terms),
        entities=tuple((t, label) for t, label in entities),
        numbers=tuple(numbers),
    )


# ----------------------------------------------------------------------------- the workspace


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
    under ``cache_dir/<engine version>/``.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self.stats = Stats()
        self._inputs: dict[str, tuple[Document, ...] | ArticleError] = {}
        self._sentences: dict[str, tuple[Sentence, ...]] = {}
        self._disk_ok = cache_dir is not None

    # -- inputs

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
            if self._disk_ok:
                try:
                    entry = digest()
                except OSError:
                    entry = None  # read() says what is wrong with the file
            docs = self._load_documents(entry, source) if entry else None
            if docs is None:
                docs = tuple(clean(article, 0) for article in read())
                self.stats.inputs_read += 1
                if entry:
                    self._store("documents", entry, [_document_json(d, source) for d in docs])
            else:
                self.stats.inputs_from_cache += 1
        except ArticleError as exc:
            self._inputs[key] = exc
            raise
        self._inputs[key] = docs
        return docs

    # -- analysis

    def analyse(
        self, documents: Sequence[Document], model: str | None, timings: dict[str, float] | None = None
    ) -> Corpus:
        """Sentences of every document, analysing only those not seen before."""

        identity = nlp.model_identity(model)
        keys = [analysis_key(d, identity) for d in documents]
        missing: dict[str, Document] = {}
        for doc, key in zip(documents, keys, strict=True):
            if key in self._sentences or key in missing:
                self.stats.document_reuses += 1
                continue
            cached = self._load_sentences(key, doc.text)
            if cached is not None:
                self._sentences[key] = cached
                self.stats.documents_from_cache += 1
            else:
                missing[key] = doc
        if missing:
            start = time.perf_counter()
            pipeline = nlp.load_pipeline(model)
            if timings is not None:
                timings["load model"] = timings.get("load model", 0.0) + time.perf_counter() - start
            # Renumber so each document's sentences can be told apart, then store them under doc 0.
            todo = [dataclasses.replace(doc, index=i) for i, doc in enumerate(missing.values())]
            corpus = nlp.analyse(todo, pipeline)
            per_doc: list[list[Sentence]] = [[] for _ in todo]
            for sent in corpus.sentences:
                per_doc[sent.doc].append(dataclasses.replace(sent, doc=0))
            for key, sents in zip(missing, per_doc, strict=True):
                self._sentences[key] = tuple(sents)
                self._store("sentences", key, [_sentence_json(s) for s in sents])
            self.stats.documents_analysed += len(missing)
        sentences = [
            dataclasses.replace(s, doc=doc.index) if doc.index else s
            for doc, key in zip(documents, keys, strict=True)
            for s in self._sentences[key]
        ]
        return Corpus(documents=tuple(documents), sentences=tuple(sentences))

    def analysed(self, key: str) -> bool:
        """Whether the sentences of :func:`analysis_key` ``key`` are at hand, in memory or on disk."""
        return key in self._sentences or (self._disk_ok and self._path("sentences", key).is_file())

    # -- disk

    def _path(self, kind: str, key: str) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / engine_version() / kind / key[:2] / f"{key}.json"

    def _read(self, path: Path) -> object | None:
        try:
            data: object = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.debug("ignoring unreadable cache entry %s: %s", path, exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # keeps a used entry from being pruned
        return data

    def _load_documents(self, key: str, source: str) -> tuple[Document, ...] | None:
        data = self._read(self._path("documents", key))
        try:
            return tuple(_document_from(d, source) for d in data) if isinstance(data, list) else None
        except (KeyError, TypeError, ValueError) as exc:
            logger.debug("ignoring malformed cache entry for %s: %s", source, exc)
            return None

    def _load_sentences(self, key: str, text: str) -> tuple[Sentence, ...] | None:
        if not self._disk_ok:
            return None
        data = self._read(self._path("sentences", key))
        try:
            return tuple(_sentence_from(row, text) for row in data) if isinstance(data, list) else None
        except (TypeError, ValueError) as exc:
            logger.debug("ignoring malformed cache entry %s: %s", key, exc)
            return None

    def _store(self, kind: str, key: str, data: object) -> None:
        """Write an entry atomically (a temporary file in its directory, then renamed over it), so
        processes sharing the directory never read a half-written entry; a cache that cannot be
        written is given up, not fatal."""
        if not self._disk_ok:
            return
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except OSError as exc:
            self._disk_ok = False
            logger.warning(
                "cannot write the analysis cache in %s (%s); going on without it", self.cache_dir, exc.strerror or exc
            )

    def prune(self, days: float = PRUNE_DAYS) -> int:
        """Delete entries unused for ``days`` days (and those of old engines); return how many."""
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return 0
        cutoff = time.time() - days * 86400
        removed = 0
        for path in sorted(self.cache_dir.rglob("*"), reverse=True):  # files before their directories
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            except OSError:
                continue
        return removed
