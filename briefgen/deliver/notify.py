"""Team chats and webhooks: the briefing announced to each target of ``delivery.notify``, once.

Each target is an Apprise URL (Slack, Microsoft Teams, Telegram, Matrix, Discord, a plain JSON
webhook and the many other services Apprise knows). What it gets, in plain text: the email's
subject as the title, the bottom line, the top stories' headlines (the first key points in a
briefing without stories), and a link to the briefing's page in the published archive or the PDF
attached (:class:`Notice`).

A target is recorded in the delivery log like a recipient, by its redacted form and a hash of its
URL (:class:`Target`), and moves through the same statuses: ``sending`` before the request goes
out, then ``sent``, ``deferred`` (retried with backoff, and by the next run), ``failed``, or left in
doubt when the request went out and no answer came back (never sent again without ``--resend``).
Apprise reports only success or failure, so what happened on the wire is watched at the HTTP
transport that Apprise's services use (``requests``), on this thread only: a refused connection
was never sent; a timeout or a connection closed after the request may have arrived; an answer
says what the service made of it.

A target's URL usually holds its token. It is never printed, logged or stored: output and the log
show the redacted form, and whatever Apprise or a service says is shown only as one short line with
every part of the URL redacted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import http
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from briefgen.config.load import LoadedConfig
from briefgen.deliver.message import attachment_name, subject_for
from briefgen.deliver.report import Outcome
from briefgen.errors import BriefgenError, DeliveryError
from briefgen.records.deliveries import DeliveryLog, LogEntry, one_line
from briefgen.records.files import write_atomically
from briefgen.records.headlines import Headlines
from briefgen.render.words import words
from briefgen.textsafe import single_line

if TYPE_CHECKING:
    from apprise.plugins.base import NotifyBase

logger = logging.getLogger(__name__)

#: What to install for notifications.
EXTRA = "briefgen[notify]"

#: Schemes whose host is an address, not a token: their host is shown (``json://127.0.0.1:8080/…``).
WEB_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms", "http", "https")

#: HTTP answers that mean "try again later" (RFC 9110: 408, 429 and the 5xx server errors).
TRANSIENT_STATUSES = (408, 425, 429, 500, 502, 503, 504)

#: Mentions that would ping a whole channel when a headline quotes them.
_MENTION = re.compile(r"(?<![\w.+-])@(everyone|here|channel)\b|<!(everyone|here|channel)", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """One notification target of a config: its URL (a secret) and how it is shown."""

    key: str
    """How the delivery log knows it: the redacted URL and a hash of the whole URL."""
    shown: str
    """How output shows it: its ``name`` (else the redacted URL) and the hash."""
    url: str = field(repr=False)
    pdf: bool | None = None
    where: str = ""
    """The config key it comes from (``delivery.notify.0``)."""

    def secrets(self) -> tuple[str, ...]:
        """Every part of the URL that may hold a token, longest first: what is redacted from any text shown."""
        return url_secrets(self.url)


def redacted(url: str) -> str:
    """``url`` with everything that may be a token left out: the scheme, and for web schemes the host
    and port (``json://127.0.0.1:8080/…``); ``slack://…`` for the others, whose host is a token."""
    scheme, _, _ = url.partition("://")
    scheme = scheme.lower()
    if scheme in WEB_SCHEMES:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            host, port = "", ""
        if host and re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host):
            return f"{scheme}://{host}{port}/…"
    return f"{scheme}://…"


def url_hash(url: str) -> str:
    """The first 12 hex digits of the URL's SHA-256: tells targets apart without showing them."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def url_secrets(url: str) -> tuple[str, ...]:
    """The URL and each of its parts that may hold a token (user, password, host of a non-web scheme,
    path segments, query values, fragment): at least 4 characters each, longest first."""
    scheme, _, rest = url.partition("://")
    pieces = {url, rest}
    try:
        parts = urlsplit(url)
        pieces |= {parts.username or "", parts.password or "", parts.fragment}
        pieces |= set(parts.path.split("/"))
        pieces |= {v for _, v in parse_qsl(parts.query, keep_blank_values=True)}
        if scheme.lower() not in WEB_SCHEMES:
            pieces |= {parts.netloc, parts.hostname or ""}
            pieces |= set(re.split(r"[/:@?#&=]", rest))
    except ValueError:
        pieces |= set(re.split(r"[/:@?#&=]", rest))
    return tuple(sorted((p for p in pieces if len(p) >= 4), key=len, reverse=True))


def targets(loaded: LoadedConfig) -> list[Target]:
    """The config's notification targets, their URLs read from the environment where ``url_env``
    says; an error (exit 1) naming the variable that is not set."""
    found: list[Target] = []
    for i, target in enumerate(loaded.config.delivery.notify):
        where = f"delivery.notify.{i}"
        url = target.url
        if target.url_env is not None:
            url = os.environ.get(target.url_env, "").strip()
            if not url:
                raise DeliveryError(f"environment variable {target.url_env} ({where}.url_env) is not set", exit_code=1)
            if not re.match(r"[A-Za-z][A-Za-z0-9+.-]{0,31}://\S", url) or re.search(r"\s", url):
                raise DeliveryError(
                    f"environment variable {target.url_env} ({where}.url_env) does not hold an Apprise URL", exit_code=1
                )
        assert url is not None  # the config has one or the other
        key = f"{redacted(url)} #{url_hash(url)}"
        name = single_line(target.name)[:100] if target.name else ""
        shown = f"{name} #{url_hash(url)}" if name else key
        found.append(Target(key, shown, url, target.pdf, where))
    return found


def load_apprise() -> Any:  # noqa: ANN401 - the apprise module
    """The Apprise module; an error (exit 1) naming the extra that installs it."""
    try:
        import apprise  # optional: briefgen[notify]
    except ImportError:
        raise DeliveryError(
            f"delivery.notify needs Apprise, which is not installed: pip install '{EXTRA}'", exit_code=1
        ) from None
    return apprise


@contextlib.contextmanager
def _apprise_messages() -> Iterator[list[str]]:
    """What Apprise warns of while the block runs, kept (to be shown redacted) and never printed."""
    log = logging.getLogger("apprise")
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with contextlib.suppress(Exception):
                kept.append(record.getMessage())

    saved = (log.handlers[:], log.propagate, log.level)
    log.handlers[:] = [Keep(logging.WARNING)]
    log.propagate = False
    log.setLevel(logging.WARNING)  # Apprise's debug lines would log the payload and the URL
    try:
        yield kept
    finally:
        log.handlers[:], log.propagate = saved[0], saved[1]
        log.setLevel(saved[2])


def plugin_for(url: str) -> NotifyBase | None:
    """Apprise's service for ``url``, or None when Apprise does not recognise it."""
    apprise = load_apprise()
    asset = apprise.AppriseAsset(app_id="briefgen", app_desc="briefgen briefings", storage_mode="memory")
    with _apprise_messages():
        plugin: NotifyBase | None = apprise.Apprise.instantiate(url, asset=asset, suppress_exceptions=True)
    return plugin


@dataclass
class _Exchange:
    """One HTTP request a service made: its answer's status, or the error that stopped it."""

    status: int | None
    error: BaseException | None = None


class _Watch(threading.local):
    """The requests of the thread that is notifying, while it is (None otherwise)."""

    seen: list[_Exchange] | None = None


_WATCH = _Watch()
#: How many blocks are watching (over all threads), and the transport's own ``send`` while any is.
_WRAPPING: dict[str, Any] = {"count": 0, "original": None}
_WRAP_LOCK = threading.Lock()


@contextlib.contextmanager
def _watched() -> Iterator[list[_Exchange]]:
    """The HTTP requests Apprise's service makes on this thread while the block runs, as they end.

    ``requests``' transport (``HTTPAdapter.send``, through which every request of a session goes)
    is wrapped while any block runs: the wrapper passes each request on unchanged and notes how it
    ended for the thread that is watching, if any."""
    import requests.adapters  # there with Apprise (briefgen[notify])

    adapter = requests.adapters.HTTPAdapter
    with _WRAP_LOCK:
        if _WRAPPING["count"] == 0:
            original = adapter.send

            def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - requests' types
                mine = _WATCH.seen
                try:
                    response = original(self, request, *args, **kwargs)
                except BaseException as exc:
                    if mine is not None:
                        mine.append(_Exchange(None, exc))
                    raise
                if mine is not None:
                    mine.append(_Exchange(int(response.status_code)))
                return response

            _WRAPPING["original"] = original
            adapter.send = send  # type: ignore[method-assign]  # restored when the last block ends
        _WRAPPING["count"] += 1
    seen: list[_Exchange] = []
    _WATCH.seen = seen
    try:
        yield seen
    finally:
        _WATCH.seen = None
        with _WRAP_LOCK:
            _WRAPPING["count"] -= 1
            if _WRAPPING["count"] == 0:
                adapter.send = _WRAPPING["original"]  # type: ignore[method-assign]
                _WRAPPING["original"] = None


def _failure(exc: BaseException) -> tuple[str, str]:
    """How a request that raised ended: ``unsent`` (it never reached the service: try again),
    ``doubt`` (it went out and no answer came: it may have arrived) or ``fatal`` (a settings
    problem), and a short description that quotes nothing of the URL."""
    import requests.exceptions as rx  # there with Apprise
    import urllib3.exceptions as ux

    if isinstance(exc, rx.SSLError):
        return "fatal", "TLS failed: the service's certificate is not trusted here, or it speaks no TLS"
    if isinstance(exc, rx.ProxyError):
        return "unsent", "the proxy could not be reached or refused the connection"
    if isinstance(exc, rx.ConnectTimeout):
        return "unsent", "timed out connecting"
    if isinstance(exc, rx.ReadTimeout):
        return "doubt", "no answer in time after the request was sent"
    if isinstance(exc, rx.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if isinstance(reason, ux.NameResolutionError):
            return "unsent", "the host name was not found"
        if isinstance(reason, ux.NewConnectionError):
            return "unsent", "could not connect (refused or unreachable)"
        return "doubt", "the connection closed before an answer"
    if isinstance(exc, rx.RequestException):
        return "fatal", f"the request could not be made ({type(exc).__name__})"
    return "fatal", f"unexpected {type(exc).__name__}"


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def classify(ok: bool, seen: Sequence[_Exchange], said: Sequence[str], target: Target) -> tuple[str, str]:
    """What one attempt came to: ``sent``, ``doubt``, ``transient`` or ``failed``, with a detail."""
    if ok:
        return "sent", ""
    answered = [e for e in seen if e.status is not None and 200 <= e.status < 300]
    last = seen[-1] if seen else None
    if last is None:  # nothing went out: Apprise refused before sending (an attachment, a setting)
        told = one_line(said[-1], target.secrets(), limit=160) if said else "no request was made"
        return "failed", f"the service refused it before sending: {told}"
    if last.error is not None:
        kind, detail = _failure(last.error)
    else:
        assert last.status is not None
        detail = _status_text(last.status)
        if 200 <= last.status < 300:  # a later step failed without a request: say what Apprise said
            kind = "failed"
            if said:
                detail = one_line(said[-1], target.secrets(), limit=160)
        else:
            kind = "unsent" if last.status in TRANSIENT_STATUSES else "failed"
    if answered and last not in answered and kind != "doubt":
        return "doubt", f"part of it went out ({_status_text(answered[-1].status or 200)}), then: {detail}"
    if kind == "doubt":
        return "doubt", detail
    return ("transient" if kind == "unsent" else "failed"), detail


@dataclass(frozen=True)
class Notice:
    """What a target is told of one briefing."""

    title: str
    lines: tuple[str, ...]
    """The bottom line and the headlines, as plain text."""
    link: str | None
    """The briefing's page in the published archive, when its public address is known."""
    pdf: Path
    pdf_name: str
    language: str = "en"
    """The briefing's language, which the notice is written in."""

    def body(self, attached: bool, linked: bool) -> str:
        w = words(self.language)
        end = []
        if linked and self.link:
            end.append(w("notice_read", link=self.link))
        if attached:
            end.append(w("notice_attached"))
        return "\n".join([*self.lines, *([""] if end else []), *end])


def quiet(text: str) -> str:
    """Quoted text that pings no one: ``@everyone``, ``@here``, ``@channel`` and Slack's ``<!here>``
    get a zero-width space after their ``@`` or ``<``."""
    return _MENTION.sub(lambda m: m[0][0] + "\u200b" + m[0][1:], single_line(text))


def notice_title(loaded: LoadedConfig, as_of: dt.date) -> str:
    """The email's subject line, in the briefing's language (the default subject's form when the
    config sends no email): :func:`~briefgen.deliver.message.subject_for`."""
    return subject_for(loaded, as_of)


def notice_for(loaded: LoadedConfig, as_of: dt.date, headlines: Headlines, pdf: Path) -> Notice:
    """The notice of a built briefing, in its language: its bottom line and headlines, and where to read it."""
    language = loaded.config.language
    w = words(language)
    lines: list[str] = []
    if headlines.bottom_line:
        lines.append(f"{w.heading('bottom_line')}: " + quiet(" ".join(headlines.bottom_line)))
    if headlines.headlines:
        lines += ["", f"{w.heading('top_stories' if headlines.stories else 'key_points')}:"]
        lines += [f"\u2022 {quiet(h)}" for h in headlines.headlines]
    base = loaded.config.delivery.site.base_url
    link = f"{base}{as_of.isoformat()}/" if base else None
    title = notice_title(loaded, as_of)
    return Notice(title, tuple(lines), link, pdf, attachment_name(loaded.config.title, as_of), language)


def _parts(target: Target, notice: Notice, plugin: NotifyBase) -> tuple[bool, bool]:
    """Whether ``target`` gets the PDF attached, and whether the link: the PDF when asked for
    (``pdf: true``) or when there is no link, if the service takes attachments; the link unless
    the PDF stands in for it (``pdf`` left unset)."""
    wants_pdf = target.pdf if target.pdf is not None else notice.link is None
    attached = bool(wants_pdf and plugin.attachment_support)
    linked = notice.link is not None and (not attached or target.pdf is not None)
    return attached, linked


def _send(target: Target, notice: Notice) -> tuple[bool, list[_Exchange], list[str]]:
    """One attempt: Apprise's answer, the requests its service made, and what Apprise warned of."""
    apprise = load_apprise()
    from apprise.attachment.memory import AttachMemory  # optional: briefgen[notify]

    plugin = plugin_for(target.url)
    if plugin is None:
        return False, [], ["Apprise does not recognise this URL"]
    attached, linked = _parts(target, notice, plugin)
    attach = None
    if attached:
        attach = apprise.AppriseAttachment(
            AttachMemory(  # type: ignore[no-untyped-call]  # Apprise leaves it untyped
                content=notice.pdf.read_bytes(), name=notice.pdf_name, mimetype="application/pdf"
            )
        )
    with _apprise_messages() as said, _watched() as seen:
        ok = bool(
            plugin.notify(
                body=notice.body(attached, linked),
                title=notice.title,
                notify_type=apprise.NotifyType.INFO,
                body_format=apprise.NotifyFormat.TEXT,
                attach=attach,
            )
        )
    return ok, seen, said


def dry_run_file(target: Target, notice: Notice, out_dir: Path) -> Path:
    """Write what ``target`` would be sent as ``briefing.notify.<hash>.json`` in the output directory
    (never the URL); its path."""
    plugin = plugin_for(target.url)
    if plugin is None:
        raise DeliveryError(f"{target.shown} ({target.where}): Apprise does not recognise this URL", exit_code=1)
    attached, linked = _parts(target, notice, plugin)
    record = {
        "target": target.shown,
        "service": type(plugin).__name__,
        "title": notice.title,
        "body": notice.body(attached, linked),
        "attachment": notice.pdf_name if attached else None,
    }
    path = out_dir / f"briefing.notify.{url_hash(target.url)}.json"
    try:
        write_atomically(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n", inside=out_dir)
    except OSError as exc:
        raise BriefgenError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def notify_all(
    loaded: LoadedConfig,
    as_of: dt.date,
    found: Sequence[Target],
    notice: Notice,
    journal: DeliveryLog | None,
    *,
    dry_run: bool,
    resend: bool,
    pdf_sha256: str,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Announce the briefing to each target that does not have it yet; one outcome each.

    A target that already has it (``sent``) or may have it (``sending``) is skipped unless
    ``resend``. With ``dry_run`` each notice is written beside the build instead
    (:func:`dry_run_file`), whoever has it already, and nothing is logged."""
    config_key = str(loaded.path)
    retry = loaded.config.delivery.notify_retry
    outcomes: list[Outcome] = []
    for target in found:
        prior = journal.last(config_key, as_of, target.key) if journal is not None and not resend else None
        if dry_run:
            written = dry_run_file(target, notice, notice.pdf.parent)
            detail = str(written) + (f"; already sent {prior.updated}: a real send skips it" if prior else "")
            outcomes.append(Outcome(target.shown, "notify", "written", None, detail))
            continue
        assert journal is not None
        if prior is not None:
            outcomes.append(_prior(target, prior))
            continue
        message_id = email.utils.make_msgid("notify", domain="briefgen.invalid")
        prior = journal.claim(config_key, as_of, target.key, "notify", message_id, pdf_sha256, resend)
        if prior is not None:
            outcomes.append(_prior(target, prior))
            continue
        outcomes.append(_notify_one(target, notice, journal, message_id, retry.attempts, retry.delay, sleep))
    return outcomes


def _prior(target: Target, prior: LogEntry) -> Outcome:
    if prior.status == "sent":
        return Outcome(
            target.shown, "notify", "already sent", prior.message_id, f"sent {prior.updated}", prior.attempts
        )
    logger.warning(
        "%s: an earlier notification (%s) may have arrived; not sending it again: check, then use "
        "--resend --recipient %s",
        target.shown,
        prior.updated,
        url_hash(target.url),
    )
    detail = f"{prior.detail} ({prior.updated})" if prior.detail else f"interrupted {prior.updated}"
    return Outcome(target.shown, "notify", "in doubt", prior.message_id, detail, prior.attempts)


def _notify_one(
    target: Target,
    notice: Notice,
    journal: DeliveryLog,
    message_id: str,
    attempts: int,
    delay: Callable[[int], float],
    sleep: Callable[[float], None],
) -> Outcome:
    """Notify one target, retrying what never reached it or was refused for now, with bounded
    exponential backoff; ``sending`` in the log from before the request until its answer is known."""
    for attempt in range(1, attempts + 1):
        journal.update(message_id, "sending", attempt)
        try:
            ok, seen, said = _send(target, notice)
        except DeliveryError:
            raise
        except Exception as exc:  # a service's own bug: nothing is known to have gone out
            ok, seen, said = False, [], [f"unexpected {type(exc).__name__}"]
        result, detail = classify(ok, seen, said, target)
        if result == "sent":
            try:
                journal.update(message_id, "sent", attempt)
            except BriefgenError as exc:
                raise BriefgenError(f"{exc}; the notification to {target.shown} went out but stays in doubt") from None
            return Outcome(target.shown, "notify", "sent", message_id, "", attempt)
        if result == "doubt":
            journal.update(message_id, "sending", attempt, detail)
            logger.warning(
                "%s: %s; it may have arrived, so it is not sent again: check, then use --resend --recipient %s",
                target.shown,
                detail,
                url_hash(target.url),
            )
            return Outcome(target.shown, "notify", "in doubt", message_id, detail, attempt)
        if result == "transient" and attempt < attempts:
            journal.update(message_id, "deferred", attempt, detail)
            wait = delay(attempt)
            logger.warning(
                "%s: %s; trying again in %gs (attempt %d of %d)", target.shown, detail, wait, attempt + 1, attempts
            )
            sleep(wait)
            continue
        status = "deferred" if result == "transient" else "failed"
        journal.update(message_id, status, attempt, detail)
        return Outcome(target.shown, "notify", status, message_id, detail, attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns
