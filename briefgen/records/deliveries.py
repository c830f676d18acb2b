"""The delivery log: every message, as it moves from queued to sent, in SQLite; and who unsubscribed.

Sending writes it and building reads it (the date of the last briefing a client was sent), so it
lives here, below both. Each change is committed before the next step; overlapping runs take turns
on a lock beside the log, and a log locked by another process is one clear error, never a wait
without end. Whatever it stores of a server's reply is one short line, redacted of secrets.

Its ``unsubscribes`` table holds each address that asked to stop a config's briefing (or every
config's, :data:`ALL_CONFIGS`); sending skips them until they are re-subscribed. Recording one never
waits for a run that is sending: it is one short SQLite transaction, which takes its turn between
the run's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen.config.defaults import LINE_UNSAFE
from briefgen.config.load import LoadedConfig
from briefgen.errors import BriefgenError

logger = logging.getLogger(__name__)


#: Where the delivery log lives when neither the config nor ``--log`` says.
DEFAULT_DELIVERY_LOG = Path("output") / "deliveries.sqlite"


#: Statuses of a message in the log. Only ``sending`` is in doubt after a crash.
STATUSES = ("queued", "sending", "sent", "deferred", "failed")


#: Seconds to wait while another process (not a briefgen run: those take turns on ``<log>.lock``)
#: holds the log's database locked, before saying so and stopping.
LOG_BUSY_TIMEOUT = 5.0


#: The most characters of a server's reply shown or stored.
MAX_DETAIL = 300


#: ANSI escape sequences (CSI, OSC and two-character ones) a terminal would act on.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)")


def one_line(text: str, secrets: Sequence[str] = (), limit: int = MAX_DETAIL) -> str:
    """``text`` (a server's reply, a system error) safe to print or store: ``secrets`` redacted, escape
    sequences dropped, control characters and line breaks made spaces, runs of space collapsed, and
    cut at ``limit`` characters."""
    text = _redact(text, secrets)
    text = " ".join(LINE_UNSAFE.sub(" ", _ANSI.sub("", text)).split())
    text = _redact(text, secrets)  # again: dropping an escape may have joined a secret's pieces
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _redact(text: str, secrets: Sequence[str]) -> str:
    wanted = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not wanted:
        return text
    return re.sub("|".join(map(re.escape, wanted)), "[redacted]", text, flags=re.IGNORECASE)


@dataclass(frozen=True)
class LogEntry:
    """One message in the delivery log."""

    config: str
    as_of: str
    recipient: str
    kind: str
    message_id: str
    status: str
    attempts: int
    detail: str
    pdf_sha256: str
    created: str
    updated: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    as_of TEXT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    pdf_sha256 TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_briefing ON messages (config, as_of, recipient);
CREATE TABLE IF NOT EXISTS unsubscribes (
    config TEXT NOT NULL,
    address TEXT NOT NULL,
    at TEXT NOT NULL,
    via TEXT NOT NULL,
    PRIMARY KEY (config, address)
);
"""

_UNSUBSCRIBES = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS unsubscribes") :]

#: The ``config`` of an unsubscribe from every config's briefings (``briefgen unsubscribe --all``).
ALL_CONFIGS = "*"


@dataclass(frozen=True)
class Unsubscribed:
    """An address that asked to stop a config's briefing (or every config's: ``config`` is ``*``)."""

    config: str
    address: str
    at: str
    via: str
    """How: ``command`` (``briefgen unsubscribe``) or ``one-click`` (the link in a message, RFC 8058)."""


_COLUMNS = "config, as_of, recipient, kind, message_id, status, attempts, detail, pdf_sha256, created, updated"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry(row: Sequence[object]) -> LogEntry:
    """A row as read: a log is a file anyone can edit, so its text is made safe to print too (the
    server's reply, ``detail``, also one short line)."""
    cells = [LINE_UNSAFE.sub(" ", _ANSI.sub("", c)) if isinstance(c, str) else c for c in row]
    entry = LogEntry(*cells)  # type: ignore[arg-type]  # the columns are those of LogEntry, in order
    return dataclasses.replace(entry, detail=one_line(entry.detail))


def _text(data: bytes) -> str:
    # Never fail on (or quote) bytes that are not UTF-8: sqlite3's own error would show them.
    return data.decode("utf-8", "replace")


class DeliveryLog:
    """The SQLite record of every message: what went out, to whom, when.

    Every change is its own committed transaction. A writer holds an exclusive lock on
    ``<log>.lock`` until it closes, so two runs that overlap (a slow Monday and a manual
    re-run) take turns, and the second finds what the first sent. The operating system
    releases the lock when a process dies. Any failure of the database (not a database,
    damaged, locked by another program for more than :data:`LOG_BUSY_TIMEOUT` seconds, a
    full disk) is a :class:`BriefgenError` of one line naming the log.
    """

    def __init__(self, path: Path, *, readonly: bool = False, run_lock: bool = True) -> None:
        """Open the log at ``path``, made when missing (unless ``readonly``). ``run_lock=False`` writes
        without taking the run's lock: for single statements (an unsubscribe) that must not wait
        for a run that is sending; SQLite still puts each in turn with the run's transactions."""
        self.path = path
        self._lock: int | None = None
        self._db: sqlite3.Connection | None = None
        self._unsubscribes = False  # whether the log has its unsubscribes table
        try:
            if path.exists() and not stat.S_ISREG(path.stat().st_mode):
                raise BriefgenError(f"{path} is not a briefgen delivery log (not a regular file)")
            if readonly:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=LOG_BUSY_TIMEOUT, isolation_level=None)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                if run_lock:
                    self._lock = _lock(path.with_name(path.name + ".lock"))
                self._db = sqlite3.connect(path, timeout=LOG_BUSY_TIMEOUT, isolation_level=None)
            self._db.text_factory = _text
            with self._guard("open"):
                self._check(readonly)
        except OSError as exc:
            self.close()
            raise BriefgenError(f"cannot open the delivery log {path}: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            self.close()
            raise self._error(exc, "open") from None
        except BaseException:
            self.close()
            raise

    def _check(self, readonly: bool) -> None:
        """Refuse a file that is not a delivery log, or is damaged, before anything is sent; make the
        table in a new one. A damaged page would otherwise surface in the middle of a run."""
        db = self._db
        assert db is not None
        problems = [row[0] for row in db.execute("PRAGMA quick_check(3)").fetchall()]
        if problems != ["ok"]:
            raise BriefgenError(self._damaged("; ".join(map(str, problems))))
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "messages" not in tables:
            if readonly or tables:  # someone else's database: never add a table to it
                raise BriefgenError(f"{self.path} is not a briefgen delivery log (it has no messages table)")
            db.executescript(_SCHEMA)
            self._unsubscribes = True
            return
        columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
        missing = [c for c in _COLUMNS.split(", ") if c not in columns]
        if missing:
            raise BriefgenError(
                f"{self.path} is not a briefgen delivery log (its messages table has no {', '.join(missing)})"
            )
        self._unsubscribes = "unsubscribes" in tables
        if not self._unsubscribes and not readonly:  # a log from before unsubscribes
            db.executescript(_UNSUBSCRIBES)
            self._unsubscribes = True

    def _damaged(self, reason: str) -> str:
        return (
            f"{self.path} is damaged ({one_line(reason, limit=120)}): restore it from a backup or "
            f"recover it (sqlite3 {self.path.name} .recover); a new log would not know what was sent"
        )

    def _error(self, exc: sqlite3.Error, action: str) -> BriefgenError:
        """One line for a database failure, naming the log and what is wrong with it."""
        code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
        reason = one_line(str(exc), limit=120)
        if code == sqlite3.SQLITE_NOTADB:
            return BriefgenError(f"{self.path} is not a briefgen delivery log ({reason})")
        if code == sqlite3.SQLITE_CORRUPT:
            return BriefgenError(self._damaged(reason))
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return BriefgenError(f"{self.path} is locked by another process; try again later")
        if code == sqlite3.SQLITE_FULL:
            return BriefgenError(f"cannot write the delivery log {self.path}: database or disk is full")
        if code == sqlite3.SQLITE_IOERR:
            return BriefgenError(f"cannot {action} the delivery log {self.path}: {reason} (is the disk full?)")
        return BriefgenError(f"cannot {action} the delivery log {self.path}: {reason}")

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[sqlite3.Connection]:
        """The connection, with any database failure turned into one line naming the log."""
        assert self._db is not None
        try:
            yield self._db
        except sqlite3.Error as exc:
            raise self._error(exc, action) from None

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        self._unlock()

    def __enter__(self) -> DeliveryLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def last(
        self, config: str, as_of: dt.date, recipient: str, statuses: Sequence[str] = ("sent", "sending")
    ) -> LogEntry | None:
        """The latest message to this recipient for this briefing with one of ``statuses``."""
        marks = ",".join("?" * len(statuses))
        with self._guard("read") as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE config = ? AND as_of = ? AND recipient = ?"
                f" AND status IN ({marks}) ORDER BY id DESC LIMIT 1",
                (config, as_of.isoformat(), recipient.lower(), *statuses),
            ).fetchone()
        return _entry(row) if row else None

    def claim(
        self, config: str, as_of: dt.date, recipient: str, kind: str, message_id: str, pdf_sha256: str, resend: bool
    ) -> LogEntry | None:
        """Record a new message as ``queued``, unless the recipient already has (or may have) the
        briefing and ``resend`` is off; then return that earlier message and record nothing."""
        with self._guard("write") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                prior = None if resend else self.last(config, as_of, recipient)
                if prior is None:
                    now = _now()
                    db.execute(
                        f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'queued', 0, '', ?, ?, ?)",
                        (config, as_of.isoformat(), recipient.lower(), kind, message_id, pdf_sha256, now, now),
                    )
                db.execute("COMMIT")
            except BaseException:
                # SQLite has already rolled back after a full disk or an I/O error; a second
                # rollback would fail and hide the real error.
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
        return prior

    def update(self, message_id: str, status: str, attempts: int, detail: str = "") -> None:
        with self._guard("write") as db:
            db.execute(
                "UPDATE messages SET status = ?, attempts = ?, detail = ?, updated = ? WHERE message_id = ?",
                (status, attempts, detail, _now(), message_id),
            )

    def entries(self, config: str | None = None, as_of: dt.date | None = None) -> list[LogEntry]:
        where, args = [], []
        if config is not None:
            where.append("config = ?")
            args.append(config)
        if as_of is not None:
            where.append("as_of = ?")
            args.append(as_of.isoformat())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._guard("read") as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM messages{clause} ORDER BY id", args).fetchall()
        return [_entry(row) for row in rows]

    def unsubscribe(self, config: str, address: str, via: str) -> bool:
        """Record that ``address`` asked to stop ``config``'s briefing (:data:`ALL_CONFIGS`: every
        config's); False when it had already."""
        with self._guard("write") as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO unsubscribes (config, address, at, via) VALUES (?, ?, ?, ?)",
                (config, address.lower(), _now(), via),
            )
        return cursor.rowcount > 0

    def resubscribe(self, config: str, address: str) -> list[Unsubscribed]:
        """Remove ``address``'s unsubscribe from ``config`` (from every config and from all of them
        with :data:`ALL_CONFIGS`); the unsubscribes removed."""
        removed = [u for u in self.unsubscribes(address=address) if config in (ALL_CONFIGS, u.config)]
        with self._guard("write") as db:
            for u in removed:
                db.execute("DELETE FROM unsubscribes WHERE config = ? AND address = ?", (u.config, u.address))
        return removed

    def unsubscribed(self, config: str, address: str) -> Unsubscribed | None:
        """Why ``address`` gets none of ``config``'s briefings: its unsubscribe from it, or from every
        config; None when it gets them."""
        found = [u for u in self.unsubscribes(address=address) if u.config in (config, ALL_CONFIGS)]
        return min(found, key=lambda u: u.config != config) if found else None

    def unsubscribes(self, config: str | None = None, *, address: str | None = None) -> list[Unsubscribed]:
        """The unsubscribes recorded (of ``config``, with those from every config; of ``address``), oldest first."""
        if not self._unsubscribes:
            return []
        where, args = [], []
        if config is not None:
            where.append("config IN (?, ?)")
            args += [config, ALL_CONFIGS]
        if address is not None:
            where.append("address = ?")
            args.append(address.lower())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._guard("read") as db:
            rows = db.execute(f"SELECT config, address, at, via FROM unsubscribes{clause} ORDER BY at, rowid", args)
            found = rows.fetchall()
        clean = [[LINE_UNSAFE.sub(" ", _ANSI.sub("", str(c))) for c in row] for row in found]
        return [Unsubscribed(*row) for row in clean]

    def sent_dates(self, config: str) -> list[dt.date]:
        """The dates of this config's briefings that went out to anyone (``sent``), oldest first."""
        with self._guard("read") as db:
            rows = db.execute(
                "SELECT DISTINCT as_of FROM messages WHERE config = ? AND status = 'sent' ORDER BY as_of", (config,)
            ).fetchall()
        return [dt.date.fromisoformat(row[0]) for row in rows if row[0]]


def _lock(path: Path) -> int:
    """Take an exclusive lock on ``path``, waiting (and saying so) while another run holds it."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        logger.info("waiting for another briefgen run that is sending (%s)", path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
    return fd


def delivery_log_path(loaded: LoadedConfig, override: Path | None = None) -> Path:
    """``--log``, else the config's ``delivery.log`` (relative to the config), else
    ``output/deliveries.sqlite`` in the project's root: the same log from any working directory."""
    if override is not None:
        return override
    if loaded.config.delivery.log:
        return loaded.resolve(loaded.config.delivery.log)
    return loaded.project_dir / DEFAULT_DELIVERY_LOG


def already_sent(loaded: LoadedConfig, as_of: dt.date, delivery_log: Path | None = None) -> bool:
    """Whether the delivery log shows this config's briefing of this date went out to anyone
    (``sent``, or ``sending``: it may have arrived); see :func:`recipients_sent`."""
    return recipients_sent(loaded, as_of, delivery_log) > 0


def recipients_sent(loaded: LoadedConfig, as_of: dt.date, delivery_log: Path | None = None) -> int:
    """How many recipients the delivery log shows this config's briefing of this date went out to
    (``sent``, or ``sending``). No log means none; a log that cannot be read (locked by another
    process, damaged, not a file) raises, one line: what is unknown must not be taken for "no
    one", or a briefing some recipients have could be replaced."""
    path = delivery_log_path(loaded, delivery_log)
    if not os.path.lexists(path):
        return 0
    with DeliveryLog(path, readonly=True) as journal:
        entries = journal.entries(str(loaded.path), as_of)
    return len({e.recipient.lower() for e in entries if e.status in ("sent", "sending")})


def sent_refusal(recipients: int, as_of: dt.date, what: str) -> str:
    """Why ``what`` (a new build, an edit) of a briefing some recipients have is refused, and how to
    send a correction: every recipient of one briefing gets the same one."""
    return (
        f"the briefing of {as_of} went out to {recipients} recipient(s) already, and {what} would give later "
        "recipients another one: build the new one for another date (--as-of) or into another directory "
        "(--out), or send a correction to everyone with `briefgen send --rebuild --resend`"
    )


def sent_before(loaded: LoadedConfig, as_of: dt.date, delivery_log: Path | None = None) -> dt.date | None:
    """The date of this config's latest briefing before ``as_of`` that the delivery log shows went
    out; None when there is none or the log cannot be read."""
    path = delivery_log_path(loaded, delivery_log)
    if not path.is_file():
        return None
    try:
        with DeliveryLog(path, readonly=True) as journal:
            return max((d for d in journal.sent_dates(str(loaded.path)) if d < as_of), default=None)
    except (BriefgenError, ValueError):
        return None
