"""Fetching ``http(s)://`` sources: one deadline per fetch, a size limit, a clear user agent and an on-disk cache.

A weekly briefing re-reads the same pages and feeds; the cache keeps a run fast and
polite (fresh entries are not fetched again, stale ones are revalidated with
``If-None-Match`` / ``If-Modified-Since``), and lets a run go on with the last good copy
when a site is down.

A site cannot hold a run: ``fetch.timeout`` bounds the whole fetch (connecting, the status
line and headers, every redirect and the body), because a watchdog shuts the connection's
socket down when the time is up; a per-read timeout alone lets a site that drips a byte a
second hold a run forever. Bodies stop at the size limit, compressed ones too. Redirects
lead only to ``http(s)`` addresses. A user name and password in a source URL are sent as
basic authentication to that site only, and never shown or stored: every message, report
and cache file names the URL without them (:func:`public_url`).

:func:`request` is one such GET, conditional when given a page's validators (what
``briefgen collect`` polls feeds and pages with, keeping the validators in its archive);
:func:`fetch` adds the on-disk cache that live reads use. This is urllib with a watchdog
rather than httpx: httpx bounds each connect, read and write but not a whole request, so a
site that drips a byte a second never trips it, and it inflates a compressed chunk whole,
while here the deadline, the redirect rules and the bounded inflater are one piece of code
that the hostile-site tests pin down.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import http.client
import json
import logging
import re
import socket
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from briefgen._version import __version__
from briefgen.errors import ArticleError
from briefgen.textsafe import message

logger = logging.getLogger(__name__)

USER_AGENT = f"briefgen/{__version__} (news briefing generator)"
#: Redirects one fetch follows before it gives up.
MAX_REDIRECTS = 10
#: The longest piece of what a server or the network stack says that a message quotes.
_QUOTE = 200
_READ = 64 * 1024
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def public_url(url: str) -> str:
    """``url`` without the user name and password it may carry: how every message, report and
    cache file names it."""
    return _USERINFO.sub(r"\1", url, count=1)


def one_line(text: object, limit: int = _QUOTE) -> str:
    """What a server or the network said, as a short single line for a message."""
    return message(text, limit)


def _size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.0f} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Fetched:
    url: str
    """The URL without credentials."""
    body: bytes
    content_type: str
    from_cache: bool


class _Refused(Exception):
    """The fetch cannot go on: a redirect off the web, a loop, a broken or unreadable answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _TooLarge(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Deadline:
    """Shuts every socket of one fetch down when its time is up, whatever the fetch is waiting for.

    A shut-down socket reads as the end of the stream, so urllib returns or raises at once;
    :attr:`expired` tells such an end from the site's own.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.01, self._end - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to wait on
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection whose socket is handed to the fetch's deadline as soon as it exists, before TLS."""

    _deadline: _Deadline

    def _watched_connection(
        self, address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        limit = self._deadline.remaining() if timeout is None else min(timeout, self._deadline.remaining())
        sock = socket.create_connection(address, limit, source_address)
        self._deadline.watch(sock)
        return sock


class _HTTPConnection(_Watched, http.client.HTTPConnection):
    def __init__(self, host: str, timeout: float | None, *, deadline: _Deadline) -> None:
        super().__init__(host, timeout=timeout)
        self._deadline = deadline
        self._create_connection = self._watched_connection


class _HTTPSConnection(_Watched, http.client.HTTPSConnection):
    def __init__(self, host: str, timeout: float | None, *, deadline: _Deadline) -> None:
        super().__init__(host, timeout=timeout)
        self._deadline = deadline
        self._create_connection = self._watched_connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req, deadline=self._deadline)  # type: ignore[arg-type]  # the extra keyword is ours


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, deadline=self._deadline)  # type: ignore[arg-type]  # the extra keyword is ours


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to ``http(s)`` addresses only, at most :data:`MAX_REDIRECTS`, each URL once.

    The redirect's own body is never read, and the credentials of the source URL go along only
    to the site they were given for.
    """

    def __init__(self, start: str, authorization: str | None) -> None:
        super().__init__()
        self._seen = {start}
        self._origin = _origin(start)
        self._authorization = authorization

    def http_error_302(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: http.client.HTTPMessage
    ) -> http.client.HTTPResponse:
        location = headers.get("Location") or headers.get("URI")
        fp.close()
        if not location:
            raise _Refused(f"HTTP {code} redirect without a Location")
        quoted = urllib.parse.quote(location.strip(), encoding="iso-8859-1", safe=string.punctuation)
        try:
            newurl = urllib.parse.urljoin(req.full_url, quoted)
            scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        except ValueError:
            raise _Refused(f"redirected to an address that is not a URL ({one_line(location)})") from None
        shown = one_line(public_url(newurl))
        if scheme not in ("http", "https"):
            raise _Refused(f"redirected to {shown}, which is not an http(s) address")
        newurl = public_url(newurl)
        problem = _invalid(newurl)
        if problem:
            raise _Refused(f"redirected to {shown}: {problem}")
        if newurl in self._seen:
            raise _Refused(f"redirect loop (back to {shown})")
        if len(self._seen) > MAX_REDIRECTS:
            raise _Refused(f"more than {MAX_REDIRECTS} redirects")
        self._seen.add(newurl)
        new = self.redirect_request(req, fp, code, msg, headers, newurl)
        if new is None:
            raise _Refused(f"HTTP {code} redirect that cannot be followed")
        if self._authorization and _origin(newurl) == self._origin:
            new.add_unredirected_header("Authorization", self._authorization)
        response: http.client.HTTPResponse = self.parent.open(new, timeout=req.timeout)
        return response

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(deadline: _Deadline, start: str, authorization: str | None) -> urllib.request.OpenerDirector:
    """Only what a fetch of a web page needs: no ``file:``, ``ftp:`` or ``data:`` handler."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        _HTTPHandler(deadline),
        _HTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        _Redirects(start, authorization),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _credentials(url: str) -> str | None:
    """The ``Authorization`` header for the user name and password in ``url``, if it has them."""
    m = _USERINFO.match(url)
    if not m:
        return None
    user, _, password = m[2].partition(":")
    pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _invalid(url: str) -> str | None:
    """Why ``url`` cannot be fetched at all, before anything is sent."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  # parsing the port is the check: out of range or not a number raises
    except ValueError as exc:
        return f"not a valid URL ({one_line(exc)})"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not a valid URL (no host)"
    return None


class _Inflater:
    """Decompresses a gzip or zlib body a piece at a time, never past a limit (a gzip bomb stops there)."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header

    def feed(self, data: bytes, limit: int) -> bytes:
        out: list[bytes] = []
        total = 0
        while data and total <= limit:
            out.append(self._z.decompress(data, limit - total + 1))
            total += len(out[-1])
            if self._z.eof:  # the next gzip member, if any
                data = self._z.unused_data
                if data:
                    self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)
            else:
                data = self._z.unconsumed_tail
        return b"".join(out)


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The body, decompressed when the site compressed it, stopping at ``max_bytes``."""
    length = (response.headers.get("Content-Length") or "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise _TooLarge(f"too large ({_size(int(length))} > {_size(max_bytes)})")
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise _Refused(f"the site sent its page encoded as {one_line(encoding, 40)!r}, which briefgen cannot read")
    inflater = None if encoding == "identity" else _Inflater()
    chunks: list[bytes] = []
    raw = size = 0
    while True:
        chunk = response.read(_READ)
        if not chunk:
            break
        raw += len(chunk)
        if raw > max_bytes:
            raise _TooLarge(f"too large (over {_size(max_bytes)})")
        if inflater is not None:
            chunk = inflater.feed(chunk, max_bytes - size)
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge(f"too large (over {_size(max_bytes)} once decompressed)")
        chunks.append(chunk)
    if response.length:  # http.client counts down a Content-Length; what is left never came
        raise _Refused("the site closed the connection before the whole page arrived")
    return b"".join(chunks)


@dataclass(frozen=True)
class Answer:
    """What a site answered to one request: its page, or that the copy the request named is current."""

    url: str
    """The URL asked for, without credentials."""
    final_url: str
    """Where the answer came from after redirects, without credentials."""
    status: int
    """200 (a body), or 304 (not modified since the ``etag`` / ``last_modified`` the request gave)."""
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class FetchFailed(ArticleError):
    """A request that brought no page: why (one line naming the URL without credentials), the HTTP
    status when the site answered with one, and the seconds its ``Retry-After`` asks for."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        too_large: bool = False,
    ) -> None:
        super().__init__(url, reason)
        self.status = status
        self.retry_after = retry_after
        self.too_large = too_large
        """The page is over the size limit: a copy cached earlier does not stand in for it."""


#: The longest wait a ``Retry-After`` may ask for that is taken as asked (a week).
MAX_RETRY_AFTER = 7 * 86400.0


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks a client to wait (RFC 9110, section 10.2.3: a number of
    seconds or an HTTP date), at most :data:`MAX_RETRY_AFTER`; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


ACCEPT = "text/html,application/xhtml+xml,application/xml,application/json;q=0.9,*/*;q=0.5"


def request(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = ACCEPT,
    credentials_from: str | None = None,
) -> Answer:
    """One bounded GET of ``url``: conditional when ``etag`` or ``last_modified`` is given (RFC 9110,
    section 13: ``If-None-Match``, ``If-Modified-Since``), so a page unchanged since costs the site
    a 304 and no body.

    ``timeout`` bounds the whole request (connecting, headers, every redirect and the body); a body
    over ``max_bytes``, compressed or not, is refused. A user name and password in ``url`` (or in
    ``credentials_from``, a source URL of the same site) are sent to that site only. Raises
    :class:`FetchFailed`, naming the URL without credentials.
    """
    authorization = _credentials(url) or (
        _credentials(credentials_from)
        if credentials_from and _origin(public_url(credentials_from)) == _origin(public_url(url))
        else None
    )
    url = public_url(url)
    problem = _invalid(url)
    if problem:
        raise FetchFailed(url, problem)
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    req = urllib.request.Request(url, headers=headers)
    if authorization:
        req.add_unredirected_header("Authorization", authorization)
    deadline = _Deadline(timeout)
    late = f"unreachable (no complete answer within {timeout:g} s)"
    try:
        with _opener(deadline, url, authorization).open(req, timeout=timeout) as response:
            body = _read_body(response, max_bytes)
            answer = Answer(
                url=url,
                final_url=public_url(response.geturl() or url),
                status=200,
                body=body,
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        if deadline.expired:  # the watchdog may have ended the body early
            raise FetchFailed(url, late)
        return answer
    except _TooLarge as exc:
        raise FetchFailed(url, exc.reason, too_large=True) from None
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:
            return Answer(url, public_url(exc.geturl() or url), 304, b"", "", etag, last_modified)
        wait = retry_after(exc.headers.get("Retry-After")) if exc.headers is not None else None
        raise FetchFailed(url, f"HTTP {exc.code} {one_line(exc.reason)}", status=exc.code, retry_after=wait) from None
    except _Refused as exc:
        raise FetchFailed(url, late if deadline.expired else exc.reason) from None
    except (urllib.error.URLError, OSError, ValueError, OverflowError, http.client.HTTPException, zlib.error) as exc:
        if deadline.expired or isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
            reason = late  # a socket's own timeout is the time left at the deadline
        elif isinstance(exc, http.client.RemoteDisconnected):
            reason = "unreachable (the site closed the connection without answering)"
        elif isinstance(exc, zlib.error):
            reason = "the site's compressed page is corrupt"
        elif isinstance(exc, http.client.IncompleteRead):
            reason = "the site closed the connection before the whole page arrived"
        elif isinstance(exc, http.client.HTTPException):
            reason = f"the site's answer is not HTTP ({type(exc).__name__}: {one_line(exc, 80)})"
        else:
            reason = f"unreachable ({one_line(getattr(exc, 'reason', None) or exc)})"
        raise FetchFailed(url, reason) from None
    finally:
        deadline.cancel()


def fetch(url: str, cache_dir: Path, *, max_age: float, timeout: float, max_bytes: int) -> Fetched:
    """Return the body of ``url``, from the cache when it is younger than ``max_age`` seconds.

    ``timeout`` bounds the whole fetch; a body over ``max_bytes`` is refused. A stale copy is
    revalidated (:func:`request` with its validators), and used when the site fails. Raises
    ArticleError naming the URL without credentials.
    """
    shown = public_url(url)
    problem = _invalid(shown)
    if problem:
        raise ArticleError(shown, problem)
    key = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    body_path, meta_path = cache_dir / f"{key}.body", cache_dir / f"{key}.json"
    meta: dict[str, Any] = {}  # JSON this module wrote to the cache
    if meta_path.is_file() and body_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
    cached = bool(meta)
    if cached and time.time() - float(meta.get("fetched", 0)) < max_age:
        return Fetched(shown, _cached_body(shown, body_path, max_bytes), str(meta.get("content_type", "")), True)
    try:
        answer = request(
            url,
            timeout=timeout,
            max_bytes=max_bytes,
            etag=str(meta["etag"]) if cached and meta.get("etag") else None,
            last_modified=str(meta["last_modified"]) if cached and meta.get("last_modified") else None,
        )
    except FetchFailed as exc:
        if exc.too_large:
            raise ArticleError(shown, exc.reason) from None
        return _stale_or_fail(shown, exc.reason, cached, body_path, meta, max_bytes)
    if answer.status == 304:
        if not cached:  # a 304 to a request that named no copy: nothing to use
            return _stale_or_fail(shown, "HTTP 304 Not Modified", cached, body_path, meta, max_bytes)
        meta["fetched"] = time.time()
        _write_meta(meta_path, meta)
        return Fetched(shown, _cached_body(shown, body_path, max_bytes), str(meta.get("content_type", "")), True)
    fresh = {
        "url": shown,
        "fetched": time.time(),
        "content_type": answer.content_type,
        "etag": answer.etag,
        "last_modified": answer.last_modified,
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        body_path.write_bytes(answer.body)
        _write_meta(meta_path, fresh)
    except OSError as exc:
        logger.warning("cannot cache %s: %s", shown, one_line(exc.strerror or exc))
    return Fetched(shown, answer.body, answer.content_type, False)


def _cached_body(url: str, body_path: Path, max_bytes: int) -> bytes:
    with body_path.open("rb") as f:
        body = f.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ArticleError(url, f"too large (the copy cached earlier is over {_size(max_bytes)})")
    return body


def _write_meta(path: Path, meta: dict[str, object]) -> None:
    path.write_text(json.dumps(meta), encoding="utf-8")


def _stale_or_fail(
    url: str, reason: str, cached: bool, body_path: Path, meta: dict[str, object], max_bytes: int
) -> Fetched:
    if cached:
        logger.warning("%s: %s; using the copy cached earlier", url, reason)
        return Fetched(url, _cached_body(url, body_path, max_bytes), str(meta.get("content_type", "")), True)
    raise ArticleError(url, reason)
