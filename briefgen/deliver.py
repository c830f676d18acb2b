"""Email delivery: one message per recipient, retried when the failure is transient, never sent twice.

Each recipient gets a message of their own (a plain-text part, the email-safe HTML part
and the PDF attached), so one refused address does not hold up the others and every
message can be tracked by its Message-ID. A SQLite log records each message as it moves
from ``queued`` to ``sending`` (handed to the server) to ``sent``, ``deferred`` (a
transient failure, tried again next run) or ``failed`` (refused for good). Each change is
committed before the next step, so a run that dies leaves an accurate record: only a
message caught in ``sending`` may or may not have gone out, and it is never re-sent
without ``--resend``.

Credentials come from environment variables and, like message bodies, never reach a log
line or an error message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import email.utils
import ipaddress
import logging
import os
import re
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from .config import EmailDelivery, LoadedConfig, Smtp, addr_spec, subject_line
from .errors import BriefgenError, DeliveryError

logger = logging.getLogger(__name__)

#: Where the delivery log lives when neither the config nor ``--log`` says.
DEFAULT_DELIVERY_LOG = Path("output") / "deliveries.sqlite"

#: Statuses of a message in the log. Only ``sending`` is in doubt after a crash.
STATUSES = ("queued", "sending", "sent", "deferred", "failed")


# ----------------------------------------------------------------------------- the delivery log


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
"""
_COLUMNS = "config, as_of, recipient, kind, message_id, status, attempts, detail, pdf_sha256, created, updated"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class DeliveryLog:
    """The SQLite record of every message: what went out, to whom, when.

    Every change is its own committed transaction. A writer holds an exclusive lock on
    ``<log>.lock`` until it closes, so two runs that overlap (a slow Monday and a manual
    re-run) take turns, and the second finds what the first sent. The operating system
    releases the lock when a process dies.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._lock: int | None = None
        try:
            if readonly:
                self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, isolation_level=None)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._lock = _lock(path.with_name(path.name + ".lock"))
                self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
                self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            self._unlock()
            raise BriefgenError(f"cannot open the delivery log {path}: {exc}") from None

    def close(self) -> None:
        self._db.close()
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
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE config = ? AND as_of = ? AND recipient = ? AND status IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            (config, as_of.isoformat(), recipient.lower(), *statuses),
        ).fetchone()
        return LogEntry(*row) if row else None

    def claim(
        self, config: str, as_of: dt.date, recipient: str, kind: str, message_id: str, pdf_sha256: str, resend: bool
    ) -> LogEntry | None:
        """Record a new message as ``queued``, unless the recipient already has (or may have) the
        briefing and ``resend`` is off; then return that earlier message and record nothing."""
        db = self._db
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
            db.execute("ROLLBACK")
            raise
        return prior

    def update(self, message_id: str, status: str, attempts: int, detail: str = "") -> None:
        self._db.execute(
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
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM messages{clause} ORDER BY id", args).fetchall()
        return [LogEntry(*row) for row in rows]


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
    """``--log``, else the config's ``delivery.log`` (relative to the config), else ``output/deliveries.sqlite``."""
    if override is not None:
        return override
    if loaded.config.delivery.log:
        return loaded.resolve(loaded.config.delivery.log)
    return DEFAULT_DELIVERY_LOG


# ----------------------------------------------------------------------------- the message


def subject_for(loaded: LoadedConfig, as_of: dt.date) -> str:
    config = loaded.config
    assert config.delivery.email is not None
    return subject_line(
        config.delivery.email.subject,
        title=config.title,
        as_of=as_of,
        window_start=as_of - dt.timedelta(days=config.window.days - 1),
        client=config.branding.client_name or config.client or "",
        audience=config.resolved_audience().name,
        config=loaded.name,
    )


def attachment_name(title: str, as_of: dt.date) -> str:
    """A file name a recipient can keep: the title in lower case with hyphens, and the date."""
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "briefing"
    return f"{slug}-{as_of.isoformat()}.pdf"


def compose_message(
    settings: EmailDelivery,
    *,
    subject: str,
    text: str,
    html: str,
    pdf: bytes,
    pdf_name: str,
    message_id: str,
    date: dt.datetime | None = None,
) -> EmailMessage:
    """One multipart message: text and HTML alternatives, the PDF attached.

    To and Cc name everyone in those lists (replies reach them all); Bcc recipients are in
    no header. The envelope, not the headers, decides who receives a given copy.
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to) if settings.to else "undisclosed-recipients:;"
    if settings.cc:
        msg["Cc"] = ", ".join(settings.cc)
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the sender
    # Quoted-printable keeps every line short and 7-bit, whatever the server supports.
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return msg


# ----------------------------------------------------------------------------- SMTP


class _Unreachable(Exception):
    """Connecting (or TLS, or logging in) failed; wraps the cause."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def describe(exc: BaseException) -> str:
    """What went wrong, from the server's reply or the socket error; never credentials or content."""
    if isinstance(exc, _Unreachable):
        return describe(exc.cause)
    text: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, text = next(iter(exc.recipients.values()))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, exc.smtp_error
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    elif isinstance(exc, TimeoutError):
        return "timed out waiting for the server"
    elif isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    elif isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    else:
        return type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"[:300]


def classify(exc: BaseException) -> str:
    """``transient`` (try again), ``permanent`` (this recipient, for good) or ``fatal`` (every recipient:
    a settings problem such as refused credentials or an untrusted certificate)."""
    cause = exc.cause if isinstance(exc, _Unreachable) else exc
    if isinstance(cause, smtplib.SMTPRecipientsRefused) and cause.recipients:
        code = next(iter(cause.recipients.values()))[0]
        return "transient" if 400 <= code < 500 else "permanent"
    if isinstance(cause, smtplib.SMTPResponseException):
        if 400 <= cause.smtp_code < 500 or cause.smtp_code < 0:
            return "transient"
        if isinstance(cause, smtplib.SMTPAuthenticationError) or isinstance(exc, _Unreachable):
            return "fatal"
        return "permanent"
    if isinstance(cause, smtplib.SMTPServerDisconnected):
        return "transient"
    if isinstance(cause, ssl.SSLError):
        return "fatal"
    if isinstance(cause, smtplib.SMTPNotSupportedError):
        # No STARTTLS or AUTH stops everyone; no SMTPUTF8 only stops a non-ASCII address.
        return "fatal" if isinstance(exc, _Unreachable) else "permanent"
    if isinstance(cause, smtplib.SMTPException):
        return "permanent"
    if isinstance(cause, OSError):  # refused, reset, unreachable, timed out
        return "transient"
    return "permanent"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials(settings: EmailDelivery) -> tuple[str, str] | None:
    """The SMTP user name and password from the environment variables the config names."""
    if not settings.username_env or not settings.password_env:
        return None
    values = {}
    for key, name in (("username_env", settings.username_env), ("password_env", settings.password_env)):
        value = os.environ.get(name)
        if not value:
            raise DeliveryError(f"environment variable {name} (delivery.email.{key}) is not set", exit_code=1)
        values[key] = value
    if settings.smtp.security == "none" and not _is_loopback(settings.smtp.host):
        raise DeliveryError(
            f"refusing to send SMTP credentials unencrypted to {settings.smtp.host}: "
            "set delivery.email.smtp.security to starttls or ssl",
            exit_code=1,
        )
    return values["username_env"], values["password_env"]


class SmtpSession:
    """One connection to the server, opened on first use and reused for every recipient;
    dropped after any error so the next attempt starts clean."""

    def __init__(self, settings: Smtp, login: tuple[str, str] | None, ca_file: Path | None) -> None:
        self.settings = settings
        self._login = login
        self._ca_file = ca_file
        self._conn: smtplib.SMTP | None = None

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file else None)

    def connect(self) -> None:
        """Connect, secure and log in, unless already connected; failures raise :class:`_Unreachable`."""
        if self._conn is not None:
            return
        s = self.settings
        try:
            if s.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.resolved_port(), local_hostname=s.helo, timeout=s.timeout, context=self._tls()
                )
            else:
                conn = smtplib.SMTP(s.host, s.resolved_port(), local_hostname=s.helo, timeout=s.timeout)
            try:
                conn.ehlo_or_helo_if_needed()
                if s.security == "starttls":
                    conn.starttls(context=self._tls())
                    conn.ehlo()
                if self._login:
                    conn.login(*self._login)
            except BaseException:
                conn.close()
                raise
        except (OSError, smtplib.SMTPException) as exc:
            raise _Unreachable(exc) from None
        self._conn = conn

    def send(self, msg: EmailMessage, sender: str, recipient: str) -> None:
        """Hand one message to the server for one envelope recipient."""
        assert self._conn is not None
        try:
            self._conn.send_message(msg, from_addr=sender, to_addrs=[recipient])
        except BaseException:
            self.drop()
            raise

    def drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._conn.quit()
            self.drop()


# ----------------------------------------------------------------------------- delivering


@dataclass(frozen=True)
class Outcome:
    """What happened for one recipient in this run."""

    recipient: str
    kind: str
    status: str  # sent | already sent | in doubt | deferred | failed | written (dry run)
    message_id: str | None = None
    detail: str = ""
    attempts: int = 0

    @property
    def delivered(self) -> bool:
        return self.status in ("sent", "already sent", "written")


@dataclass(frozen=True)
class DeliveryReport:
    config: str
    as_of: dt.date
    outcomes: tuple[Outcome, ...]
    dry_run: bool = False

    @property
    def complete(self) -> bool:
        """Whether every recipient has the briefing (or, in a dry run, has a message written)."""
        return all(o.delivered for o in self.outcomes)

    def counts(self) -> str:
        done = sum(o.delivered for o in self.outcomes)
        return f"{done}/{len(self.outcomes)}"


def _safe_name(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", address)


def email_settings(loaded: LoadedConfig) -> EmailDelivery:
    """The config's ``delivery.email``; an error (exit 1) when it has none."""
    if loaded.config.delivery.email is None:
        raise DeliveryError(f"{loaded.path} has no delivery.email section: nothing to send", exit_code=1)
    return loaded.config.delivery.email


def deliver(
    loaded: LoadedConfig,
    as_of: dt.date,
    outputs: dict[str, Path],
    *,
    dry_run: bool = False,
    resend: bool = False,
    only: Sequence[str] = (),
    delivery_log: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Email a built briefing to every recipient of the config who does not have it yet.

    ``outputs`` are the build's files (``pdf``, ``email.html``, ``txt``). With ``dry_run``
    each message is written as an ``.eml`` file beside them instead, and nothing is logged.
    """
    import hashlib

    settings = email_settings(loaded)
    recipients = settings.recipients()
    if only:
        wanted = {addr_spec(a).lower() for a in only}
        unknown = sorted(wanted - {addr_spec(a).lower() for _, a in recipients})
        if unknown:
            known = ", ".join(addr_spec(a) for _, a in recipients)
            raise DeliveryError(
                f"{', '.join(unknown)} is not a recipient of {loaded.path.name} (recipients: {known})", exit_code=1
            )
        recipients = [(k, a) for k, a in recipients if addr_spec(a).lower() in wanted]
    try:
        pdf = outputs["pdf"].read_bytes()
        text = outputs["txt"].read_text(encoding="utf-8")
        html = outputs["email.html"].read_text(encoding="utf-8")
    except (KeyError, OSError) as exc:
        raise DeliveryError(f"the build to send is incomplete: {exc}", exit_code=1) from None
    pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    subject = subject_for(loaded, as_of)
    pdf_name = attachment_name(loaded.config.title, as_of)
    sender = addr_spec(settings.sender or "")
    domain = sender.rpartition("@")[2] or None
    config_key = str(loaded.path)
    path = delivery_log_path(loaded, delivery_log)

    journal: DeliveryLog | None
    if dry_run:
        journal = DeliveryLog(path, readonly=True) if path.exists() else None
        session = None
    else:
        login = credentials(settings)
        ca = loaded.resolve(settings.smtp.ca_file) if settings.smtp.ca_file else None
        journal = DeliveryLog(path)
        session = SmtpSession(settings.smtp, login, ca)

    outcomes: list[Outcome] = []
    stopped: tuple[str, str] | None = None  # (status, reason) for recipients not tried
    try:
        for kind, address in recipients:
            rcpt = addr_spec(address)
            prior = journal.last(config_key, as_of, rcpt) if journal is not None and not resend else None
            if prior is not None:
                outcomes.append(_prior_outcome(rcpt, kind, prior))
                continue
            if stopped is not None:
                outcomes.append(Outcome(rcpt, kind, stopped[0], detail=f"not tried: {stopped[1]}"))
                continue
            message_id = email.utils.make_msgid(domain=domain)
            msg = compose_message(
                settings, subject=subject, text=text, html=html, pdf=pdf, pdf_name=pdf_name, message_id=message_id
            )
            if session is None:
                eml = outputs["pdf"].parent / f"briefing.{_safe_name(rcpt)}.eml"
                try:
                    eml.write_bytes(msg.as_bytes())
                except OSError as exc:
                    raise BriefgenError(f"cannot write {eml}: {exc.strerror or exc}") from None
                outcomes.append(Outcome(rcpt, kind, "written", message_id, str(eml)))
                continue
            assert journal is not None
            prior = journal.claim(config_key, as_of, rcpt, kind, message_id, pdf_sha256, resend)
            if prior is not None:  # another run got there first
                outcomes.append(_prior_outcome(rcpt, kind, prior))
                continue
            outcome, kind_of_failure = _send_one(session, journal, msg, sender, rcpt, kind, message_id, settings, sleep)
            outcomes.append(outcome)
            if kind_of_failure == "fatal":
                stopped = ("failed", outcome.detail)
            elif kind_of_failure == "unreachable":
                stopped = ("deferred", outcome.detail)
    finally:
        if session is not None:
            session.close()
        if journal is not None:
            journal.close()
    return DeliveryReport(config_key, as_of, tuple(outcomes), dry_run)


def _prior_outcome(rcpt: str, kind: str, prior: LogEntry) -> Outcome:
    if prior.status == "sent":
        return Outcome(rcpt, kind, "already sent", prior.message_id, f"sent {prior.updated}", prior.attempts)
    logger.warning(
        "%s: an earlier send (%s, %s) was interrupted while the server had it; it may have arrived. "
        "Not sending again: check, then use --resend",
        rcpt,
        prior.message_id,
        prior.updated,
    )
    return Outcome(rcpt, kind, "in doubt", prior.message_id, f"interrupted {prior.updated}", prior.attempts)


def _send_one(
    session: SmtpSession,
    journal: DeliveryLog,
    msg: EmailMessage,
    sender: str,
    rcpt: str,
    kind: str,
    message_id: str,
    settings: EmailDelivery,
    sleep: Callable[[float], None],
) -> tuple[Outcome, str | None]:
    """Send one message, retrying transient failures with bounded exponential backoff.

    The log says ``sending`` only while the server has the message, so a crash at any other
    moment leaves a record that is certainly right.
    """
    attempts = settings.retry.attempts
    for attempt in range(1, attempts + 1):
        try:
            session.connect()
            journal.update(message_id, "sending", attempt)
            session.send(msg, sender, rcpt)
        except Exception as exc:
            kind_of_failure = classify(exc)
            detail = describe(exc)
            if kind_of_failure == "transient" and attempt < attempts:
                journal.update(message_id, "deferred", attempt, detail)
                delay = settings.retry.delay(attempt)
                logger.warning(
                    "%s: %s; trying again in %gs (attempt %d of %d)", rcpt, detail, delay, attempt + 1, attempts
                )
                sleep(delay)
                continue
            status = "deferred" if kind_of_failure == "transient" else "failed"
            journal.update(message_id, status, attempt, detail)
            logger.warning("%s: %s: %s", rcpt, "gave up for now" if status == "deferred" else "refused", detail)
            if kind_of_failure == "transient" and isinstance(exc, _Unreachable):
                kind_of_failure = "unreachable"
            return Outcome(rcpt, kind, status, message_id, detail, attempt), kind_of_failure
        journal.update(message_id, "sent", attempt)
        logger.info("sent to %s (%s)", rcpt, message_id)
        return Outcome(rcpt, kind, "sent", message_id, "", attempt), None
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns
