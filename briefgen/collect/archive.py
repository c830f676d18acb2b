"""The archive: every article ``briefgen collect`` gathered, stored once, in SQLite in the project.

One file (``output/archive.sqlite`` by default, ``collect.archive``) holds, for each article, its
text as extracted (its blocks), its metadata, the canonical URL and every other address it was seen
at, a hash of its text, when it was first seen and every source (feed or page) it was seen in; and,
for each source, the validators of its last answer (for conditional requests), its last success,
its last error and when it may be tried again. An article seen again (the same address, or the same
text from another feed) is stored once and records the new place it was seen.

The database runs in write-ahead-log mode, so a build reads it while ``collect`` writes: a reader
sees what was committed when it began and never waits. Each article is committed on its own, so a
``collect`` that is killed loses nothing it stored. Any failure of the database (not an archive,
damaged, a full disk) is one :class:`ArchiveError` line naming the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import BriefgenError
from briefgen.models import Article, Block
from briefgen.textsafe import message

logger = logging.getLogger(__name__)

#: The layout of the tables; an archive of another layout is refused, never changed.
FORMAT = 1
#: Seconds a writer waits for another writer (another ``collect`` on a shared archive) before it
#: says so; a reader never waits on a writer in write-ahead-log mode.
BUSY_TIMEOUT = 30.0
#: How ``origin`` says where an article's text comes from.
ORIGINS = ("feed", "page", "summary")

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    kind TEXT,
    etag TEXT,
    last_modified TEXT,
    last_poll TEXT,
    last_success TEXT,
    last_error TEXT,
    last_error_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    failing_since TEXT,
    next_try TEXT
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    day TEXT NOT NULL,
    published TEXT,
    date_source TEXT,
    title TEXT,
    publisher TEXT,
    author TEXT,
    form TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('feed', 'page', 'summary')),
    follow_tries INTEGER NOT NULL DEFAULT 0,
    blocks TEXT NOT NULL
);
CREATE INDEX articles_by_day ON articles (day);
CREATE INDEX articles_by_hash ON articles (content_hash);
CREATE TABLE aliases (url TEXT PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES articles (id)) WITHOUT ROWID;
CREATE INDEX aliases_by_article ON aliases (article_id);
CREATE TABLE seen (
    source_id INTEGER NOT NULL REFERENCES sources (id),
    article_id INTEGER NOT NULL REFERENCES articles (id),
    url TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (source_id, article_id, url)
) WITHOUT ROWID;
CREATE INDEX seen_by_article ON seen (article_id, source_id);
"""

_ARTICLE_COLUMNS = (
    "a.id, a.url, a.form, a.blocks, a.title, a.publisher, a.author, a.published, a.date_source, a.first_seen"
)


class ArchiveError(BriefgenError):
    """The archive cannot be opened, read or written: one line naming the file and why."""


def now_text(when: float | dt.datetime | None = None) -> str:
    """A time as the archive stores it: UTC, ISO 8601 to the second, ``Z`` (sortable as text)."""
    if when is None:
        moment = dt.datetime.now(dt.UTC)
    elif isinstance(when, dt.datetime):
        moment = when.astimezone(dt.UTC)
    else:
        moment = dt.datetime.fromtimestamp(when, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str | None) -> dt.datetime | None:
    """A time the archive stored, or None."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def content_hash(blocks: Sequence[Block]) -> str:
    """The sha256 of an article's text as extracted, block by block: the same text from another
    feed or address is the same article."""
    h = hashlib.sha256()
    for block in blocks:
        h.update(block.text.encode("utf-8", "surrogatepass") + b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class SourceState:
    """What the archive knows of one source: how its last answer can be revalidated, and how it fared."""

    url: str
    kind: str | None
    """``feed`` or ``page`` once it has been read."""
    etag: str | None
    last_modified: str | None
    last_poll: str | None
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    failures: int
    """Failures in a row since the last success."""
    failing_since: str | None
    next_try: str | None
    """When a failing source may be tried again (back-off); None when it is not failing."""


@dataclass(frozen=True)
class Known:
    """An article the archive holds, as ``collect`` needs to know it."""

    id: int
    url: str
    origin: str
    follow_tries: int


@dataclass(frozen=True)
class Archived:
    """An article as a build reads it from the archive: the article, when it was first collected and
    from which sources, and every address it is known by."""

    article: Article
    first_seen: str
    sources: tuple[str, ...]
    aliases: frozenset[str]
    content_hash: str


@dataclass(frozen=True)
class SourceCount:
    """How many articles the archive holds of a source, in all and in a window."""

    state: SourceState
    articles: int
    in_window: int


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _blocks_json(blocks: Sequence[Block]) -> str:
    return json.dumps([[b.kind, b.text] for b in blocks], ensure_ascii=False, separators=(",", ":"))


def _blocks_from(text: str) -> tuple[Block, ...]:
    try:
        data = json.loads(text)
        return tuple(Block(str(kind), str(body)) for kind, body in data)
    except (ValueError, TypeError):
        return ()


def _article(row: Sequence[object]) -> Article:
    """An article from a row of :data:`_ARTICLE_COLUMNS`: its path and URL are its canonical URL."""
    _, url, form, blocks, title, publisher, author, published, date_source = row[:9]
    return Article(
        path=str(url),
        form=str(form),
        blocks=_blocks_from(str(blocks)),
        title=None if title is None else str(title),
        publisher=None if publisher is None else str(publisher),
        author=None if author is None else str(author),
        date=dt.date.fromisoformat(str(published)) if published else None,
        url=str(url),
        date_source=str(date_source) if published and date_source else None,
    )


class Archive:
    """The SQLite archive at ``path``; ``readonly`` for a build, which never writes it.

    A connection may be used from several threads (``collect`` polls hosts at once): each call
    holds a lock for its statements, never across the network. A read-only archive that does not
    exist raises :class:`ArchiveError`; a writer makes it.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        try:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode):
                raise ArchiveError(f"{path} is not a briefgen archive (not a regular file)")
            if readonly:
                if not path.exists():
                    raise ArchiveError(f"no archive at {path}: nothing has been collected")
                uri = f"{path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(
                    uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            self._db.text_factory = _text
            with self._guard("open") as db:
                self._open(db)
        except OSError as exc:
            self.close()
            raise ArchiveError(f"cannot open the archive {path}: {exc.strerror or exc}") from None
        except BaseException:
            self.close()
            raise

    def _open(self, db: sqlite3.Connection) -> None:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables and not self.readonly:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN IMMEDIATE")
            try:
                if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():  # not made meanwhile
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(
                        "INSERT INTO meta (key, value) VALUES ('format', ?), ('created', ?)", (str(FORMAT), now_text())
                    )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
            tables = {"meta"}
        if "meta" not in tables:
            raise ArchiveError(f"{self.path} is not a briefgen archive (it has no meta table)")
        row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None or row[0] != str(FORMAT):
            found = "none" if row is None else message(row[0], 20)
            raise ArchiveError(f"{self.path} is an archive of another layout (format {found}, not {FORMAT})")
        if not self.readonly:
            db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode a commit is durable against a killed process; NORMAL leaves only a power
            # cut able to take the last commits back (SQLite, "Write-Ahead Logging", section 4).
            db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")

    # -- errors

    def _error(self, exc: sqlite3.Error, action: str) -> ArchiveError:
        """One line for a database failure, naming the archive and what is wrong with it."""
        code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
        reason = message(str(exc), 120)
        if code == sqlite3.SQLITE_NOTADB:
            return ArchiveError(f"{self.path} is not a briefgen archive ({reason})")
        if code == sqlite3.SQLITE_CORRUPT:
            return ArchiveError(
                f"{self.path} is damaged ({reason}): recover it (sqlite3 {self.path.name} .recover) or move it "
                "away; the next collect starts a new one"
            )
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return ArchiveError(f"{self.path} is locked by another process; try again later")
        if code == sqlite3.SQLITE_FULL:
            return ArchiveError(f"cannot write the archive {self.path}: the disk is full ({reason})")
        if code == sqlite3.SQLITE_READONLY:
            return ArchiveError(f"cannot write the archive {self.path}: it is read-only ({reason})")
        if code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
            return ArchiveError(f"cannot {action} the archive {self.path}: {reason} (is the disk full?)")
        return ArchiveError(f"cannot {action} the archive {self.path}: {reason}")

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[sqlite3.Connection]:
        """The connection under the lock, any database failure one line naming the archive."""
        if self._db is None:
            raise ArchiveError(f"the archive {self.path} is closed")
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise self._error(exc, action) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed at the end or rolled back."""
        with self._guard("write") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                # After a full disk or an I/O error SQLite has rolled back already; a second
                # rollback would fail and hide the real error.
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                if not self.readonly:
                    # Keeps the statistics the query planner chooses indexes by up to date, as
                    # SQLite advises before a writer closes ("PRAGMA optimize").
                    self._db.execute("PRAGMA optimize")
                self._db.close()
            self._db = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources

    def source(self, url: str) -> SourceState | None:
        """What the archive knows of the source ``url`` (as its config names it, without credentials)."""
        with self._guard("read") as db:
            row = db.execute(
                "SELECT url, kind, etag, last_modified, last_poll, last_success, last_error, last_error_at, "
                "failures, failing_since, next_try FROM sources WHERE url = ?",
                (url,),
            ).fetchone()
        return SourceState(*row) if row else None

    def _source_id(self, db: sqlite3.Connection, url: str) -> int:
        db.execute("INSERT INTO sources (url) VALUES (?) ON CONFLICT (url) DO NOTHING", (url,))
        row = db.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
        return int(row[0])

    def polled(self, url: str, *, kind: str | None, etag: str | None, last_modified: str | None, at: str) -> None:
        """Record a successful poll of ``url``: the validators of its answer, and that it is not failing."""
        with self._write() as db:
            self._source_id(db, url)
            db.execute(
                "UPDATE sources SET kind = coalesce(?, kind), etag = ?, last_modified = ?, last_poll = ?, "
                "last_success = ?, failures = 0, failing_since = NULL, next_try = NULL WHERE url = ?",
                (kind, etag, last_modified, at, at, url),
            )

    def not_modified(self, url: str, *, at: str) -> None:
        """Record that ``url`` answered 304: it is as it was, and not failing."""
        with self._write() as db:
            self._source_id(db, url)
            db.execute(
                "UPDATE sources SET last_poll = ?, last_success = ?, failures = 0, failing_since = NULL, "
                "next_try = NULL WHERE url = ?",
                (at, at, url),
            )

    def failed(self, url: str, *, reason: str, at: str, next_try: str) -> SourceState:
        """Record a failed poll of ``url``: its error (kept until the next one), one more failure in a
        row, and when it may be tried again. Returns the source's state after it."""
        with self._write() as db:
            self._source_id(db, url)
            db.execute(
                "UPDATE sources SET last_poll = ?, last_error = ?, last_error_at = ?, failures = failures + 1, "
                "failing_since = coalesce(failing_since, ?), next_try = ? WHERE url = ?",
                (at, reason, at, at, next_try, url),
            )
        state = self.source(url)
        assert state is not None
        return state

    # -- articles, as collect writes them

    def find(self, urls: Iterable[str]) -> Known | None:
        """The article known by any of ``urls`` (canonical URLs)."""
        wanted = sorted(set(urls))
        if not wanted:
            return None
        marks = ",".join("?" * len(wanted))
        with self._guard("read") as db:
            row = db.execute(
                "SELECT a.id, a.url, a.origin, a.follow_tries FROM aliases x JOIN articles a ON a.id = x.article_id "
                f"WHERE x.url IN ({marks}) ORDER BY a.id LIMIT 1",
                wanted,
            ).fetchone()
        return Known(*row) if row else None

    def add(
        self,
        article: Article,
        *,
        url: str,
        aliases: Iterable[str],
        source: str,
        seen_at: str,
        origin: str,
        at: str,
        follow_tries: int = 0,
    ) -> tuple[int, bool]:
        """Store ``article`` under its canonical ``url``, in one transaction, unless the archive holds it
        already (by any of its ``aliases`` or by its text): then record only that ``source`` saw it at
        ``seen_at``. Returns the article's id and whether it is new."""
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin!r}")
        names = sorted({url, *aliases})
        digest = content_hash(article.blocks)
        with self._write() as db:
            source_id = self._source_id(db, source)
            marks = ",".join("?" * len(names))
            row = db.execute(f"SELECT article_id FROM aliases WHERE url IN ({marks}) LIMIT 1", names).fetchone()
            if row is None:
                row = db.execute("SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (digest,)).fetchone()
            new = row is None
            if new:
                published = article.date.isoformat() if article.date else None
                cursor = db.execute(
                    "INSERT INTO articles (url, content_hash, first_seen, day, published, date_source, title, "
                    "publisher, author, form, origin, follow_tries, blocks) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        url,
                        digest,
                        at,
                        published or at[:10],
                        published,
                        article.date_source,
                        article.title,
                        article.publisher,
                        article.author,
                        article.form,
                        origin,
                        follow_tries,
                        _blocks_json(article.blocks),
                    ),
                )
                article_id = int(cursor.lastrowid or 0)
            else:
                article_id = int(row[0])
            db.executemany(
                "INSERT INTO aliases (url, article_id) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
                [(name, article_id) for name in names],
            )
            self._saw(db, source_id, article_id, seen_at, at)
        return article_id, new

    def saw(self, article_id: int, *, source: str, seen_at: str, at: str, aliases: Iterable[str] = ()) -> None:
        """Record that ``source`` holds the known article ``article_id`` (at the address ``seen_at``)."""
        with self._write() as db:
            source_id = self._source_id(db, source)
            db.executemany(
                "INSERT INTO aliases (url, article_id) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
                [(name, article_id) for name in sorted(set(aliases))],
            )
            self._saw(db, source_id, article_id, seen_at, at)

    @staticmethod
    def _saw(db: sqlite3.Connection, source_id: int, article_id: int, seen_at: str, at: str) -> None:
        db.execute(
            "INSERT INTO seen (source_id, article_id, url, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source_id, article_id, url) DO UPDATE SET last_seen = excluded.last_seen",
            (source_id, article_id, seen_at, at, at),
        )

    def followed(self, article_id: int, article: Article, *, aliases: Iterable[str]) -> None:
        """Replace the summary kept of ``article_id`` by its article page, read now (first seen stays)."""
        with self._write() as db:
            published = article.date.isoformat() if article.date else None
            db.execute(
                "UPDATE articles SET content_hash = ?, published = coalesce(?, published), "
                "day = coalesce(?, day), date_source = CASE WHEN ? IS NULL THEN date_source ELSE ? END, "
                "title = coalesce(?, title), publisher = coalesce(?, publisher), author = coalesce(?, author), "
                "form = ?, origin = 'page', blocks = ? WHERE id = ?",
                (
                    content_hash(article.blocks),
                    published,
                    published,
                    published,
                    article.date_source,
                    article.title,
                    article.publisher,
                    article.author,
                    article.form,
                    _blocks_json(article.blocks),
                    article_id,
                ),
            )
            db.executemany(
                "INSERT INTO aliases (url, article_id) VALUES (?, ?) ON CONFLICT (url) DO NOTHING",
                [(name, article_id) for name in sorted(set(aliases))],
            )

    def follow_failed(self, article_id: int, *, give_up: bool = False) -> None:
        """Count one more try to follow a summary to its page that did not succeed; ``give_up``: no
        later run tries again (the summary is kept as it is)."""
        with self._write() as db:
            db.execute(
                "UPDATE articles SET follow_tries = CASE WHEN ? THEN 1000000 ELSE follow_tries + 1 END WHERE id = ?",
                (give_up, article_id),
            )

    # -- articles, as builds read them

    def window(self, source: str, start: dt.date | None, end: dt.date | None, limit: int) -> list[Archived]:
        """The articles ``source`` was seen holding whose day (their date, or the day they were first
        seen when undated) is from ``start`` to ``end`` (either None: open), first seen first; at most
        ``limit``."""
        return self.windows([source], start, end, limit).get(source, [])

    def windows(
        self, sources: Sequence[str], start: dt.date | None, end: dt.date | None, limit: int
    ) -> dict[str, list[Archived]]:
        """:meth:`window` of each of ``sources`` at once: one pass over the window's articles (by the
        index of their days), whatever the number of sources or the size of the archive. An article
        several of the sources hold is in each one's list; each list holds at most ``limit``."""
        where, args = [], []
        if start is not None:
            where.append("a.day >= ?")
            args.append(start.isoformat())
        if end is not None:
            where.append("a.day <= ?")
            args.append(end.isoformat())
        found: dict[str, list[Archived]] = {}
        with self._guard("read") as db:
            ids_of = (
                dict(
                    db.execute(
                        f"SELECT url, id FROM sources WHERE url IN ({','.join('?' * len(sources))})", list(sources)
                    ).fetchall()
                )
                if sources
                else {}
            )
            by_id = {int(v): str(k) for k, v in ids_of.items()}
            if not by_id:
                return found
            clause = f"WHERE {' AND '.join(where)}" if where else ""
            pairs = db.execute(
                # The window's articles first, by the index of their days, then who holds each: a
                # week is a small part of an archive that grows by the year (CROSS JOIN keeps this
                # order). Only ids here: the text is read for the articles chosen.
                f"SELECT a.id, s.source_id FROM articles a CROSS JOIN seen s ON s.article_id = a.id "
                f"{clause} ORDER BY a.first_seen, a.id",
                args,
            )
            chosen: dict[tuple[int, int], None] = {}  # (article, source), in order; once however many addresses
            counts = dict.fromkeys(by_id, 0)
            for article_id, source_id in pairs:
                if counts.get(source_id, limit) < limit and (article_id, source_id) not in chosen:
                    counts[source_id] += 1
                    chosen[int(article_id), int(source_id)] = None
            ids = sorted({article_id for article_id, _ in chosen})
            rows = self._rows(db, ids)
            seen_in = self._by_article(
                db,
                "SELECT s.article_id, src.url FROM seen s JOIN sources src ON src.id = s.source_id",
                "s.article_id",
                ids,
            )
            aliases = self._by_article(db, "SELECT article_id, url FROM aliases", "article_id", ids)
        made: dict[int, Archived] = {}
        for article_id, source_id in chosen:
            if article_id not in made:
                row = rows[article_id]
                made[article_id] = Archived(
                    _article(row),
                    str(row[9]),
                    tuple(sorted(seen_in.get(article_id, ()))),
                    frozenset(aliases.get(article_id, ())),
                    str(row[10]),
                )
            found.setdefault(by_id[source_id], []).append(made[article_id])
        return found

    @staticmethod
    def _rows(db: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[object, ...]]:
        """The rows of :data:`_ARTICLE_COLUMNS` and the content hash of the articles ``ids``."""
        rows: dict[int, tuple[object, ...]] = {}
        for k in range(0, len(ids), 500):
            chunk = ids[k : k + 500]
            marks = ",".join("?" * len(chunk))
            for row in db.execute(
                f"SELECT {_ARTICLE_COLUMNS}, a.content_hash FROM articles a WHERE a.id IN ({marks})", chunk
            ):
                rows[int(row[0])] = tuple(row)
        return rows

    @staticmethod
    def _by_article(db: sqlite3.Connection, query: str, column: str, ids: Sequence[int]) -> dict[int, set[str]]:
        """``query`` (selecting an article id and a value) for the articles ``ids`` (``column`` holds the
        id), in chunks under SQLite's limit of bound parameters."""
        found: dict[int, set[str]] = {}
        for k in range(0, len(ids), 500):
            chunk = ids[k : k + 500]
            marks = ",".join("?" * len(chunk))
            for article_id, value in db.execute(f"{query} WHERE {column} IN ({marks})", chunk):
                found.setdefault(int(article_id), set()).add(str(value))
        return found

    def counts(self, start: dt.date, end: dt.date) -> dict[str, SourceCount]:
        """Every source the archive knows, with how many articles it holds of each, in all and from
        ``start`` to ``end``."""
        with self._guard("read") as db:
            states = [
                SourceState(*row)
                for row in db.execute(
                    "SELECT url, kind, etag, last_modified, last_poll, last_success, last_error, last_error_at, "
                    "failures, failing_since, next_try FROM sources ORDER BY url"
                )
            ]
            totals = dict(
                db.execute(
                    "SELECT src.url, count(DISTINCT s.article_id) FROM seen s JOIN sources src ON src.id = s.source_id "
                    "GROUP BY s.source_id"
                ).fetchall()
            )
            window = dict(
                db.execute(
                    "SELECT src.url, count(DISTINCT s.article_id) FROM articles a JOIN seen s ON s.article_id = a.id "
                    "JOIN sources src ON src.id = s.source_id WHERE a.day BETWEEN ? AND ? GROUP BY s.source_id",
                    (start.isoformat(), end.isoformat()),
                ).fetchall()
            )
        return {s.url: SourceCount(s, int(totals.get(s.url, 0)), int(window.get(s.url, 0))) for s in states}

    def size(self) -> int:
        """How many articles the archive holds."""
        with self._guard("read") as db:
            row = db.execute("SELECT count(*) FROM articles").fetchone()
        return int(row[0])

    def pending(self, source: str, before: str, max_tries: int) -> list[tuple[int, str]]:
        """Summaries kept of ``source``'s entries, first seen before ``before``, that are still to be
        followed to their article page (tried fewer than ``max_tries`` times): each article's id and
        the address the entry linked to, first seen first."""
        with self._guard("read") as db:
            rows = db.execute(
                "SELECT a.id, min(s.url) FROM sources src JOIN seen s ON s.source_id = src.id "
                "JOIN articles a ON a.id = s.article_id WHERE src.url = ? AND a.origin = 'summary' "
                "AND a.follow_tries < ? AND a.first_seen < ? GROUP BY a.id ORDER BY a.first_seen, a.id",
                (source, max_tries, before),
            ).fetchall()
        return [(int(article_id), str(url)) for article_id, url in rows]

    def article(self, article_id: int) -> Article | None:
        """The article ``article_id`` as stored (its path is its canonical URL)."""
        with self._guard("read") as db:
            row = db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?", (article_id,)).fetchone()
        return None if row is None else _article(row)

    def count(self, source: str, start: dt.date, end: dt.date) -> int:
        """How many articles ``source`` was seen holding whose day is from ``start`` to ``end``."""
        with self._guard("read") as db:
            row = db.execute(
                "SELECT count(*) FROM sources src, articles a WHERE src.url = ? AND a.day BETWEEN ? AND ? "
                "AND a.id IN (SELECT s.article_id FROM seen s WHERE s.source_id = src.id)",
                (source, start.isoformat(), end.isoformat()),
            ).fetchone()
        return int(row[0])
