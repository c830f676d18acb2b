"""Email delivery: one message per recipient, retried when the failure is transient, never sent twice.

Each recipient gets a message of their own, so one refused address does not hold up the others and
every message can be tracked by its Message-ID. The delivery log
(:mod:`briefgen.records.deliveries`) records each message as it moves from ``queued`` to
``sending`` (handed to the server) to ``sent``, ``deferred`` (a transient failure, tried again next
run) or ``failed`` (refused for good). Each change is committed before the next step, so a run that
dies leaves an accurate record: only a message caught in ``sending`` may or may not have gone out,
and it is never re-sent without ``--resend``. The same holds when the server takes the message data
and its reply never comes: the SMTP dialogue runs in phases, so a failure before the final dot is
retried and one after it leaves the message in doubt.

Credentials come from environment variables and, like message bodies, never reach a log line or an
error message; whatever a server says is redacted of them and cut to one short line.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.errors
import email.generator
import email.policy
import email.utils
import io
import ipaddress
import logging
import os
import re
import smtplib
import socket
import ssl
import stat
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path

from briefgen.config.defaults import EmailDelivery, Smtp, addr_spec
from briefgen.config.load import PROJECT_FILE, LoadedConfig
from briefgen.config.recipients import Recipient, all_recipients, csv_path
from briefgen.deliver.message import attachment_name, compose_message, subject_for
from briefgen.deliver.notify import Target, load_apprise, notice_for, notify_all, targets, url_hash
from briefgen.deliver.report import DeliveryReport as DeliveryReport
from briefgen.deliver.report import Outcome as Outcome
from briefgen.deliver.unsubscribe import list_headers, personalise, recipient_values, secret
from briefgen.errors import BriefgenError, DeliveryError
from briefgen.records.approval import approval_problem, approved_bytes_problem
from briefgen.records.deliveries import ALL_CONFIGS, DeliveryLog, LogEntry, delivery_log_path, one_line
from briefgen.records.files import write_atomically
from briefgen.records.headlines import read_headlines
from briefgen.records.manifest import send_formats
from briefgen.render.look import EMAIL_LOGO_SRC, email_logo_part, logo_data_uri

logger = logging.getLogger(__name__)

#: The most a server's reply (all its lines) may hold; a longer one is a protocol error.
MAX_REPLY_BYTES = 64 * 1024


#: The largest ``ca_file`` read; a bundle of every public CA is about 200 KB.
MAX_CA_FILE = 4 * 1024 * 1024


def secret_forms(login: tuple[str, str] | None) -> tuple[str, ...]:
    """The user name and password, and the base64 forms AUTH PLAIN and AUTH LOGIN send them in:
    what a careless server may echo back."""
    if login is None:
        return ()
    user, password = login
    raw = (user, password, f"\0{user}\0{password}", f"{user}\0{user}\0{password}")
    encoded = tuple(base64.b64encode(r.encode("utf-8")).decode("ascii") for r in raw)
    return (user, password, *encoded)


class _Unreachable(Exception):
    """Connecting (or TLS, or logging in) failed; wraps the cause."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _HandedOver(Exception):
    """The message data went to the server (the final dot was sent) and no answer came back: the
    message may have arrived, so it must not be sent again on its own. Wraps the cause."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def describe(exc: BaseException, secrets: Sequence[str] = ()) -> str:
    """What went wrong, from the server's reply or the socket error, in one short line; never
    credentials (``secrets`` are redacted from whatever the server said) or content."""
    if isinstance(exc, _Unreachable | _HandedOver):
        return describe(exc.cause, secrets)
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
        return one_line(f"TLS failed: {exc.reason or exc}", secrets)
    elif isinstance(exc, OSError):
        return one_line(exc.strerror or str(exc) or type(exc).__name__, secrets)
    else:
        return type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return one_line(f"{code} {text}", secrets)


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


#: An environment variable name in the usual form; any other may be a credential pasted by mistake.
_PLAIN_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def credentials(settings: EmailDelivery) -> tuple[str, str] | None:
    """The SMTP user name and password from the environment variables the config names."""
    if not settings.username_env or not settings.password_env:
        return None
    values = {}
    for key, name in (("username_env", settings.username_env), ("password_env", settings.password_env)):
        # A name not in capitals is not repeated: it may be the password itself, put there by mistake.
        shown = f"environment variable {name} (delivery.email.{key})"
        if not _PLAIN_ENV_NAME.fullmatch(name):
            shown = f"the environment variable that delivery.email.{key} names (not shown: it is not in capitals)"
        value = os.environ.get(name)
        if not value:
            raise DeliveryError(f"{shown} is not set", exit_code=1)
        if not value.isascii():
            raise DeliveryError(f"{shown} has characters other than ASCII, which SMTP AUTH cannot send", exit_code=1)
        values[key] = value
    if settings.smtp.security == "none" and not _is_loopback(settings.smtp.host):
        raise DeliveryError(
            f"refusing to send SMTP credentials unencrypted to {settings.smtp.host}: "
            "set delivery.email.smtp.security to starttls or ssl",
            exit_code=1,
        )
    return values["username_env"], values["password_env"]


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The TLS settings: the system's certificate authorities, or only those of ``ca_file``.

    ``ca_file`` is read here, before anything is sent, and must be a regular file of PEM
    certificates: a directory, a FIFO (which would block) or a file of something else is one
    clear error (exit 1), not a failed or hanging connection later."""
    if ca_file is None:
        return ssl.create_default_context()

    def bad(problem: str) -> DeliveryError:
        return DeliveryError(f"delivery.email.smtp.ca_file {ca_file}: {problem}", exit_code=1)

    try:
        fd = os.open(ca_file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError) as exc:
        raise bad(getattr(exc, "strerror", None) or str(exc)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise bad("is a directory" if stat.S_ISDIR(mode) else "is not a regular file")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_CA_FILE + 1)
        except OSError as exc:
            raise bad(exc.strerror or str(exc)) from None
    if len(data) > MAX_CA_FILE:
        raise bad(f"is larger than {MAX_CA_FILE >> 20} MiB: not a file of certificates")
    try:
        return ssl.create_default_context(cadata=data.decode("ascii"))
    except (ssl.SSLError, ValueError) as exc:
        raise bad(f"holds no PEM certificate that can be read ({one_line(str(exc), limit=100)})") from None


class _Replies:
    """Reads SMTP replies for an :class:`smtplib.SMTP` connection, bounded: all of a reply must come
    within the connection's timeout (not one timeout per byte, as a server that trickles would
    have it) and within :data:`MAX_REPLY_BYTES` (not the endless list smtplib would collect)."""

    def __init__(self) -> None:
        self._sock: object = None
        self._buffer = b""

    def read(self, conn: smtplib.SMTP) -> tuple[int, bytes]:
        sock = conn.sock
        if sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        if sock is not self._sock:  # a new connection, or TLS just began: nothing from before counts
            self._sock, self._buffer = sock, b""
        timeout = conn.timeout if isinstance(conn.timeout, int | float) else 60.0
        deadline = time.monotonic() + timeout
        lines: list[bytes] = []
        size = 0
        try:
            while True:
                line = self._line(sock, deadline)
                size += len(line)
                if size > MAX_REPLY_BYTES:
                    raise smtplib.SMTPResponseException(-1, b"the reply is longer than 64 KiB")
                lines.append(line[4:].strip(b" \t\r\n"))
                try:
                    code = int(line[:3])
                except ValueError:
                    return -1, b"\n".join(lines)
                if line[3:4] != b"-":
                    return code, b"\n".join(lines)
        except BaseException:
            conn.close()
            raise
        finally:
            if conn.sock is not None:
                conn.sock.settimeout(timeout)

    def _line(self, sock: socket.socket, deadline: float) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line, self._buffer = self._buffer[: end + 1], self._buffer[end + 1 :]
                return line
            if len(self._buffer) > 8192:  # as smtplib: RFC 5321 lines are 512 bytes
                raise smtplib.SMTPResponseException(500, b"Line too long.")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out waiting for the server")
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                raise
            except OSError as exc:
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from None
            if not chunk:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self._buffer += chunk


class _SMTP(smtplib.SMTP):
    """smtplib's client with bounded replies."""

    _replies: _Replies | None = None

    def getreply(self) -> tuple[int, bytes]:
        if self._replies is None:
            self._replies = _Replies()
        return self._replies.read(self)


class _SMTP_SSL(smtplib.SMTP_SSL):  # named after smtplib.SMTP_SSL
    """smtplib's TLS client with bounded replies."""

    _replies: _Replies | None = None

    def getreply(self) -> tuple[int, bytes]:
        if self._replies is None:
            self._replies = _Replies()
        return self._replies.read(self)


def _wire_form(conn: smtplib.SMTP, msg: EmailMessage, sender: str, recipient: str) -> tuple[bytes, list[str]]:
    """The message as DATA sends it (dots doubled, ending in the final dot) and the MAIL options,
    as :meth:`smtplib.SMTP.send_message` makes them."""
    options: list[str] = []
    policy: email.policy.Policy = msg.policy
    if not (sender + recipient).isascii():
        if not conn.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError(
                "the address needs internationalized email, which the server does not offer (SMTPUTF8)"
            )
        policy = email.policy.SMTPUTF8  # the SMTP policy compose_message uses, with UTF-8 headers
        options += ["SMTPUTF8", "BODY=8BITMIME"]
    with io.BytesIO() as buffer:
        email.generator.BytesGenerator(buffer, policy=policy).flatten(msg, linesep="\r\n")
        flat = buffer.getvalue()
    if conn.does_esmtp and conn.has_extn("size"):
        options.insert(0, f"size={len(flat)}")
    data = re.sub(rb"(?m)^\.", b"..", flat)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n", options if conn.does_esmtp else []


class SmtpSession:
    """One connection to the server, opened on first use and reused for every recipient;
    dropped after any error so the next attempt starts clean."""

    def __init__(self, settings: Smtp, login: tuple[str, str] | None, tls: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._login = login
        self._tls = tls
        self._conn: smtplib.SMTP | None = None
        #: What a server's reply is redacted of before it is shown or stored.
        self.secrets = secret_forms(login)

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = tls_context(None)
        return self._tls

    def connect(self) -> None:
        """Connect, secure and log in, unless already connected; failures raise :class:`_Unreachable`."""
        if self._conn is not None:
            return
        s = self.settings
        try:
            if s.security == "ssl":
                conn: smtplib.SMTP = _SMTP_SSL(
                    s.host, s.resolved_port(), local_hostname=s.helo, timeout=s.timeout, context=self._context()
                )
            else:
                conn = _SMTP(s.host, s.resolved_port(), local_hostname=s.helo, timeout=s.timeout)
            try:
                conn.ehlo_or_helo_if_needed()
                if s.security == "starttls":
                    conn.starttls(context=self._context())
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
        """Hand one message to the server for one envelope recipient, in phases: MAIL, RCPT, DATA,
        the data with its final dot, then the server's answer.

        A failure before the final dot went out raises as it is (the server does not have the
        message; trying again is safe), and so does a 4xx or 5xx answer to it (a definite "not
        taken"). Anything else after the dot (no answer: a dropped connection, a timeout; or an
        answer that is none) raises :class:`_HandedOver`: the message may have arrived.
        """
        conn = self._conn
        assert conn is not None
        handed_over = False
        try:
            data, options = _wire_form(conn, msg, sender, recipient)
            code, reply = conn.mail(sender, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            code, reply = conn.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            code, reply = conn.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            conn.send(data)  # all of it, the final dot included, or an error: never part of the dot
            handed_over = True
            code, reply = conn.getreply()
        except Exception as exc:
            self.drop()
            if handed_over:
                raise _HandedOver(exc) from None
            raise
        except BaseException:
            self.drop()
            raise
        if 200 <= code < 300:
            return
        self.drop()
        if 400 <= code < 600:
            raise smtplib.SMTPDataError(code, reply)
        raise _HandedOver(smtplib.SMTPDataError(code, reply))

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


def _safe_name(address: str) -> str:
    """A file name part for an address; a long one is cut and told apart by a hash (names stay under 255 bytes)."""
    import hashlib

    name = re.sub(r"[^A-Za-z0-9@._+-]", "_", address)
    if len(name) > 100:
        name = f"{name[:80]}-{hashlib.sha256(address.encode()).hexdigest()[:12]}"
    return name


def email_settings(loaded: LoadedConfig) -> EmailDelivery:
    """The config's ``delivery.email``; an error (exit 1) when it has none."""
    settings = loaded.config.delivery.email
    if settings is None:
        raise DeliveryError(f"{loaded.path} has no delivery.email section: nothing to send", exit_code=1)
    return settings


def sendable(loaded: LoadedConfig) -> None:
    """Check, before anything is built, that the config has somewhere to send its briefing: email
    recipients (the YAML's or its recipients CSV's) or notification targets, and Apprise for the
    latter; an error (exit 1) saying what to add otherwise."""
    delivery = loaded.config.delivery
    if delivery.email is None and not delivery.notify:
        raise DeliveryError(f"{loaded.path} has no delivery.email section: nothing to send", exit_code=1)
    if delivery.notify:
        load_apprise()
    elif delivery.email is not None:
        found, problems = all_recipients(loaded)
        if not found and not problems:
            listed = csv_path(loaded)
            if listed is not None:
                raise DeliveryError(
                    f"{loaded.path} has no recipients: {listed} lists none, and delivery.email.to (cc, bcc) is empty",
                    exit_code=1,
                )
            raise DeliveryError(
                f"{loaded.path} has no recipients: add delivery.email.to (or cc, bcc) to send it", exit_code=1
            )


def delivery_formats(loaded: LoadedConfig, formats: Sequence[str]) -> list[str]:
    """``formats`` and what sending needs: the PDF and the email parts, and the page when the email
    links to the briefing's page in the published archive (``delivery.site.base_url``)."""
    needed = send_formats(formats)
    return [*needed, "html"] if loaded.config.delivery.site.base_url and "html" not in needed else needed


def _chosen(
    loaded: LoadedConfig, recipients: list[Recipient], found: list[Target], only: Sequence[str]
) -> tuple[list[Recipient], list[Target]]:
    """The recipients and targets ``--recipient`` names (an address, or a target's hash); an error
    listing them all when one names neither."""
    wanted = {w.strip().lower().lstrip("#") for w in only}
    addresses = {addr_spec(w).lower() for w in wanted if "@" in w}
    hashes = {w for w in wanted if "@" not in w}
    known_hashes = {url_hash(t.url) for t in found}
    unknown = sorted((addresses - {r.addr for r in recipients}) | (hashes - known_hashes))
    if unknown:
        known = ", ".join([*(addr_spec(r.address) for r in recipients), *(url_hash(t.url) for t in found)])
        raise DeliveryError(
            f"{', '.join(unknown)} is not a recipient of {loaded.path.name} (recipients: {known})", exit_code=1
        )
    return [r for r in recipients if r.addr in addresses], [t for t in found if url_hash(t.url) in hashes]


def _read_build(outputs: dict[str, Path], keys: Sequence[str]) -> dict[str, bytes]:
    try:
        return {key: outputs[key].read_bytes() for key in keys}
    except (KeyError, OSError) as exc:
        raise DeliveryError(f"the build to send is incomplete: {exc}", exit_code=1) from None


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
    """Email a built briefing to every recipient of the config who does not have it yet, and
    announce it to every notification target that has not had it (:mod:`~briefgen.deliver.notify`).

    ``outputs`` are the build's files (``pdf``, ``email.html``, ``txt``, ``json``). With ``dry_run``
    each message is written as an ``.eml`` file beside them instead (and each notice as a
    ``.json``), also for those who already have it (the outcome says so), and nothing is logged.
    Recipients who unsubscribed (from this config or from every one) are skipped, in a dry run too.
    A row of the recipients CSV that cannot be used is a ``failed`` outcome; the others still get
    theirs. With ``delivery.require_approval`` a build that is not approved as it is now
    (:func:`~briefgen.records.approval.approval_problem`) is refused before anything is sent; a dry
    run, which sends nothing, goes on and says so.
    """
    import hashlib

    approval = loaded.config.delivery.require_approval
    if approval:
        if "pdf" not in outputs:
            raise DeliveryError(f"{loaded.path.name}: not sent: no build to check the approval of", exit_code=1)
        problem = approval_problem(outputs["pdf"].parent)
        if problem is not None and not dry_run:
            raise DeliveryError(f"{loaded.path.name}: not sent: the briefing is {problem}", exit_code=1)
        if problem is not None:
            logger.warning("%s: the briefing is %s; a real send would refuse it", loaded.path.name, problem)

    sendable(loaded)
    settings = loaded.config.delivery.email
    recipients, problems = all_recipients(loaded) if settings is not None else ([], [])
    found = targets(loaded)
    if only:
        recipients, found = _chosen(loaded, recipients, found, only)
        problems = []
    if loaded.root is None and delivery_log is None and not loaded.config.delivery.log and not dry_run:
        logger.warning(
            "%s: no %s at or above it: recording what is sent in %s (set delivery.log to choose the log)",
            loaded.path.name,
            PROJECT_FILE,
            delivery_log_path(loaded),
        )
    emailing = settings is not None and bool(recipients)
    key = secret(settings) if emailing and settings is not None else None  # before the log: a link must be checkable
    read = _read_build(outputs, ["pdf", *(("txt", "email.html") if emailing else ()), *(("json",) if found else ())])
    try:
        text, html = read.get("txt", b"").decode("utf-8"), read.get("email.html", b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeliveryError(f"the build to send is incomplete: {exc}", exit_code=1) from None
    if approval and not dry_run:  # what is sent is what was approved, byte for byte, whatever ran meanwhile
        changed = approved_bytes_problem(outputs["pdf"].parent, {outputs[k].name: data for k, data in read.items()})
        if changed is not None:
            raise DeliveryError(f"{loaded.path.name}: not sent: {changed}", exit_code=1)
    pdf_sha256 = hashlib.sha256(read["pdf"]).hexdigest()
    notice = None
    if found:
        headlines = read_headlines(outputs["json"]) if "json" in outputs else None
        if headlines is None:
            raise DeliveryError("the build to send is incomplete: it has no briefing.json", exit_code=1)
        notice = notice_for(loaded, as_of, headlines, outputs["pdf"])
    config_key = str(loaded.path)
    path = delivery_log_path(loaded, delivery_log)

    journal: DeliveryLog | None
    session = None
    if dry_run:
        journal = DeliveryLog(path, readonly=True) if path.exists() else None
    else:
        if emailing:
            assert settings is not None
            login = credentials(settings)
            tls = None
            if settings.smtp.security != "none":  # read the CA file now: a bad one stops the run before the log
                tls = tls_context(loaded.resolve(settings.smtp.ca_file) if settings.smtp.ca_file else None)
            session = SmtpSession(settings.smtp, login, tls)
        journal = DeliveryLog(path)

    outcomes: list[Outcome] = [
        Outcome(p.raw or f"{p.file.name}, line {p.line}", "list", "failed", None, str(p)) for p in problems
    ]
    try:
        if emailing:
            assert settings is not None
            mail = _Mail(loaded, settings, as_of, outputs, text, html, read["pdf"], pdf_sha256, key)
            outcomes += mail.send_all(recipients, journal, session, dry_run=dry_run, resend=resend, sleep=sleep)
        if found:
            assert notice is not None
            outcomes += notify_all(
                loaded,
                as_of,
                found,
                notice,
                journal,
                dry_run=dry_run,
                resend=resend,
                pdf_sha256=pdf_sha256,
                sleep=sleep,
            )
    finally:
        if session is not None:
            session.close()
        if journal is not None:
            journal.close()
    return DeliveryReport(config_key, as_of, tuple(outcomes), dry_run)


class _Mail:
    """One briefing's email: what every message shares, and each recipient's own message."""

    def __init__(
        self,
        loaded: LoadedConfig,
        settings: EmailDelivery,
        as_of: dt.date,
        outputs: dict[str, Path],
        text: str,
        html: str,
        pdf: bytes,
        pdf_sha256: str,
        key: bytes | None,
    ) -> None:
        self.loaded, self.settings, self.as_of, self.outputs = loaded, settings, as_of, outputs
        self.text, self.html, self.pdf, self.pdf_sha256 = text, html, pdf, pdf_sha256
        self.logo = None
        if loaded.config.branding.logo and f'src="{EMAIL_LOGO_SRC}"' in html:  # the HTML shows the logo
            self.logo = email_logo_part(logo_data_uri(loaded.resolve(loaded.config.branding.logo)))
            if self.logo is None:  # an SVG the build could draw as PNG, and this machine cannot
                logger.warning("the SVG logo cannot be drawn as PNG here: the messages go without it")
                self.html = re.sub(rf'<img [^>]*src="{re.escape(EMAIL_LOGO_SRC)}"[^>]*>', "", html)
        self.subject = subject_for(loaded, as_of)
        self.pdf_name = attachment_name(loaded.config.title, as_of)
        self.sender = addr_spec(settings.sender or "")
        self.domain = self.sender.rpartition("@")[2] or None
        self.key = key  # what the one-click links are signed with (unsubscribe.secret)
        base = loaded.config.delivery.site.base_url
        self.web = f"{base}{as_of.isoformat()}/" if base else None

    def message(self, recipient: Recipient, message_id: str) -> EmailMessage:
        """The message to one recipient: the built parts with their own values, their list headers."""
        rcpt = addr_spec(recipient.address)
        lists = list_headers(self.loaded, self.settings, rcpt, self.key, self.loaded.config.title)
        values = recipient_values(recipient.address, recipient.field_map(), lists.link)
        html, text = personalise(self.html, self.text, values, self.web)
        try:
            return compose_message(
                self.settings,
                subject=self.subject,
                text=text,
                html=html,
                pdf=self.pdf,
                pdf_name=self.pdf_name,
                message_id=message_id,
                logo=self.logo,
                to=recipient.address if recipient.kind == "list" else None,
                headers=lists.headers(),
            )
        except (ValueError, TypeError, email.errors.MessageError) as exc:
            raise DeliveryError(f"cannot compose the message to {rcpt}: {one_line(str(exc))}", exit_code=1) from None

    def send_all(
        self,
        recipients: Sequence[Recipient],
        journal: DeliveryLog | None,
        session: SmtpSession | None,
        *,
        dry_run: bool,
        resend: bool,
        sleep: Callable[[float], None],
    ) -> list[Outcome]:
        config_key = str(self.loaded.path)
        outcomes: list[Outcome] = []
        stopped: tuple[str, str] | None = None  # (status, reason) for recipients not tried
        for recipient in recipients:
            rcpt, kind = addr_spec(recipient.address), recipient.kind
            gone = journal.unsubscribed(config_key, rcpt) if journal is not None else None
            if gone is not None:
                scope = "every config's briefings" if gone.config == ALL_CONFIGS else "this briefing"
                outcomes.append(Outcome(rcpt, kind, "unsubscribed", None, f"from {scope}, {gone.at} ({gone.via})"))
                continue
            prior = journal.last(config_key, self.as_of, rcpt) if journal is not None and not resend else None
            if prior is not None and not dry_run:
                outcomes.append(_prior_outcome(rcpt, kind, prior))
                continue
            if stopped is not None:
                outcomes.append(Outcome(rcpt, kind, stopped[0], detail=f"not tried: {stopped[1]}"))
                continue
            message_id = email.utils.make_msgid(domain=self.domain)
            msg = self.message(recipient, message_id)
            if session is None:  # a dry run
                eml = self.outputs["pdf"].parent / f"briefing.{_safe_name(rcpt)}.eml"
                try:
                    write_atomically(eml, msg.as_bytes(), inside=eml.parent)  # never through a planted link
                except OSError as exc:
                    raise BriefgenError(f"cannot write {eml}: {exc.strerror or exc}") from None
                detail = str(eml)
                if prior is not None:
                    had = "sent" if prior.status == "sent" else "in doubt"
                    detail += f"; already {had} {prior.updated}: a real send skips them"
                outcomes.append(Outcome(rcpt, kind, "written", message_id, detail))
                continue
            assert journal is not None
            prior = journal.claim(config_key, self.as_of, rcpt, kind, message_id, self.pdf_sha256, resend)
            if prior is not None:  # another run got there first
                outcomes.append(_prior_outcome(rcpt, kind, prior))
                continue
            outcome, kind_of_failure = _send_one(
                session, journal, msg, self.sender, rcpt, kind, message_id, self.settings, sleep
            )
            outcomes.append(outcome)
            if kind_of_failure == "fatal":
                stopped = ("failed", outcome.detail)
            elif kind_of_failure == "unreachable":
                stopped = ("deferred", outcome.detail)
        return outcomes


def _prior_outcome(rcpt: str, kind: str, prior: LogEntry) -> Outcome:
    if prior.status == "sent":
        return Outcome(rcpt, kind, "already sent", prior.message_id, f"sent {prior.updated}", prior.attempts)
    logger.warning(
        "%s: an earlier send (%s, %s) may have arrived: the server had it when the run was interrupted "
        "or its answer was lost. Not sending again: check, then use --resend --recipient %s",
        rcpt,
        prior.message_id,
        prior.updated,
        rcpt,
    )
    detail = f"{prior.detail} ({prior.updated})" if prior.detail else f"interrupted {prior.updated}"
    return Outcome(rcpt, kind, "in doubt", prior.message_id, detail, prior.attempts)


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

    The log says ``sending`` before the server gets the message and until its answer is
    known, so a crash at any moment leaves a record that is certainly right, or in doubt.
    A failure of the log itself stops the run (a :class:`BriefgenError`): nothing is sent
    that the log could not first record as ``sending``.
    """
    attempts = settings.retry.attempts
    for attempt in range(1, attempts + 1):
        failure: Exception
        try:
            session.connect()
        except _Unreachable as exc:
            failure = exc
        else:
            journal.update(message_id, "sending", attempt)
            try:
                session.send(msg, sender, rcpt)
            except _HandedOver as exc:
                detail = f"no answer after the message data: {describe(exc, session.secrets)}"
                journal.update(message_id, "sending", attempt, detail)  # stays in doubt
                logger.warning(
                    "%s: %s; it may have arrived, so it is not sent again: check, then use --resend --recipient %s",
                    rcpt,
                    detail,
                    rcpt,
                )
                return Outcome(rcpt, kind, "in doubt", message_id, detail, attempt), None
            except Exception as exc:
                failure = exc
            else:
                try:
                    journal.update(message_id, "sent", attempt)
                except BriefgenError as exc:
                    raise BriefgenError(f"{exc}; the message to {rcpt} went out but stays in doubt there") from None
                logger.debug("sent to %s (%s)", rcpt, message_id)  # the command prints its line
                return Outcome(rcpt, kind, "sent", message_id, "", attempt), None
        kind_of_failure = classify(failure)
        detail = describe(failure, session.secrets)
        if kind_of_failure == "transient" and attempt < attempts:
            journal.update(message_id, "deferred", attempt, detail)
            delay = settings.retry.delay(attempt)
            logger.warning("%s: %s; trying again in %gs (attempt %d of %d)", rcpt, detail, delay, attempt + 1, attempts)
            sleep(delay)
            continue
        status = "deferred" if kind_of_failure == "transient" else "failed"
        journal.update(message_id, status, attempt, detail)
        # The command prints this outcome on its line, and the closing error names the recipient.
        logger.debug("%s: %s: %s", rcpt, "gave up for now" if status == "deferred" else "refused", detail)
        if kind_of_failure == "transient" and isinstance(failure, _Unreachable):
            kind_of_failure = "unreachable"
        return Outcome(rcpt, kind, status, message_id, detail, attempt), kind_of_failure
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns
