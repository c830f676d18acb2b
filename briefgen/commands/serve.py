"""``briefgen serve``: a preview of one briefing that an editor can work in.

The editor reads the build's own ``briefing.html`` (what the client gets), with an editor bar added
only when it is served, never to the files: drop a quote (the next best sentence of its section
takes its place), add or remove an analyst's note, approve. Every change goes through
``edits.yaml`` (:mod:`briefgen.records.edits`) and a real build into the config's output directory, so the
page shows exactly what ``send`` sends, and an approval given here is the one
``delivery.require_approval`` checks. A watcher rebuilds when the config, the templates, the
articles or ``edits.yaml`` change, or when a file of the build is missing or edited on disk; a
build that fails keeps the last good page and says why.

The server listens on 127.0.0.1 only and trusts no other page or user: it answers only requests
whose ``Host`` names it (a DNS-rebinding page cannot read or drive it); only a browser that opened
the URL it prints, with its secret ``?token=``, gets the cookie every request must carry (another
user or process of the machine can neither read the briefing nor approve it); and every POST must
carry the random token of the page it came from (another site cannot forge one).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from pydantic import ValidationError

from briefgen.analyse.workspace import Workspace
from briefgen.commands.check import check
from briefgen.config.load import LoadedConfig, load_config
from briefgen.errors import BriefgenError, ConfigError, OutputError, RenderError
from briefgen.pipeline import ensure_built
from briefgen.records.approval import approval_problem, build_problems, read_approval
from briefgen.records.approval import approve as record_approval
from briefgen.records.briefing import MAX_BRIEFING_BYTES, read_briefing
from briefgen.records.deliveries import already_sent, recipients_sent, sent_refusal
from briefgen.records.edits import Edits, Note, add_note, drop_item, read_edits, remove_note
from briefgen.records.files import read_record
from briefgen.records.manifest import (
    MANIFEST,
    OUTPUT_FILES,
    SOURCES_DIR,
    default_out_dir,
    fingerprint,
    output_keys,
    send_formats,
)
from briefgen.reuse import made_from, reusable
from briefgen.textsafe import message, printable

logger = logging.getLogger(__name__)

#: How often, at most, the watcher checks what the briefing is made from; each check hashes every input.
CHECK_SECONDS = 1.0
#: The watcher waits at least this many times as long as its last check took, so that hashing a
#: large corpus keeps the machine busy a sixth of the time at most, however large it grows.
CHECK_SPACING = 5.0
#: The largest POST body read: a note is at most 2,000 characters.
MAX_BODY_BYTES = 64 * 1024
#: The build's files served as they are, by name; nothing else in the output directory is.
SERVED_FILES = re.compile(
    r"briefing\.(?:html|md|json|pdf|txt|email\.html)|ingest\.json|manifest\.json|sources/[0-9]{1,6}\.txt"
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}


class EditRefused(BriefgenError):
    """An edit that names nothing in the briefing as built, or is not valid (HTTP 400)."""


class Conflict(BriefgenError):
    """An approval of a page that is no longer the build, of a build that is out of date, or an edit of
    a briefing some recipients already have (HTTP 409)."""


@dataclass(frozen=True)
class Snapshot:
    """What the page and ``/status`` show, taken at one moment."""

    build: int = 0
    """Counts the builds shown since the server started; the page reloads when it changes."""
    page: bytes | None = None
    """The last good ``briefing.html``."""
    error: str | None = None
    """Why the briefing could not be built from its inputs as they are now (one line)."""
    building: bool = False
    reason: str = ""
    """Why the last build was made, or that it was reused."""
    approval: str | None = "no build yet"
    """:func:`~briefgen.records.approval.approval_problem` of the output directory: None when approved as it is."""
    approved_by: str | None = None
    approved_at: str | None = None
    notes: tuple[Note, ...] = ()
    dropped: int = 0
    items: dict[str, str] = field(default_factory=dict)
    """Each quoted item's id in the build shown, with its section's name."""
    sections: tuple[tuple[str, str], ...] = ()
    """The build's sections: name and heading."""

    def status(self) -> dict[str, Any]:
        """The JSON ``/status`` answers with."""
        return {
            "build": self.build,
            "error": self.error,
            "building": self.building,
            "reason": self.reason,
            "approval": self.approval,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "notes": [{"text": n.text, "section": n.section} for n in self.notes],
            "dropped": self.dropped,
        }


def preview_formats(loaded: LoadedConfig) -> list[str]:
    """HTML, the config's own formats and, when it is sent by email, what sending needs: so ``send``
    reuses the very build the editor saw and approved instead of making another."""
    formats: list[str] = ["html", *loaded.config.output.formats]
    if loaded.config.delivery.email is not None:
        formats = send_formats(formats)
    return list(dict.fromkeys(formats))


#: The build's files as :func:`files_state` sees them: name, size, time stamps and inode of each.
FilesState = tuple[tuple[str, int, int, int, int], ...]


def files_state(out_dir: Path) -> FilesState:
    """The size, time stamps and inode of every file a build writes in ``out_dir`` (those missing
    left out): what tells, with a few ``stat`` calls, that one was removed or edited since."""
    names = [MANIFEST, *OUTPUT_FILES.values()]
    with suppress(OSError):
        names += sorted(f"{SOURCES_DIR}/{p.name}" for p in (out_dir / SOURCES_DIR).iterdir())
    state = []
    for name in names:
        try:
            info = (out_dir / name).lstat()  # a link put in a file's place is a change too
        except OSError:
            continue
        state.append((name, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return tuple(state)


def check_pause(interval: float, took: float) -> float:
    """How long the watcher waits after a check that took ``took`` seconds: ``interval``, or
    :data:`CHECK_SPACING` times ``took`` when that is longer."""
    return max(interval, CHECK_SPACING * took)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, BriefgenError):
        return message(str(exc), 500)
    return message(f"unexpected {type(exc).__name__}: {exc} (a bug in briefgen)", 500)


class Preview:
    """One briefing kept built for editing; every method is safe to call from any thread.

    The as-of date and the output directory are fixed when it is made; the config is read again
    at every check, so an edit to it counts. One :class:`~briefgen.analyse.workspace.Workspace` lives as
    long as the preview, so a rebuild analyses only what changed.
    """

    def __init__(self, config: Path, as_of: dt.date | None = None, out_dir: Path | None = None) -> None:
        loaded = load_config(config)  # a config that cannot be read stops the server before it starts
        self.config_path = config
        self.as_of = as_of or loaded.config.window.as_of or dt.date.today()
        self.out_dir = out_dir or default_out_dir(loaded, self.as_of)
        self.title = loaded.config.title
        self.workspace = Workspace()
        self._building = threading.Lock()  # one build, edit or approval at a time
        self._lock = threading.Lock()  # guards _state
        self._state = Snapshot()
        self._seen: str | None = None  # the fingerprint of the inputs last built (or tried)
        self._seen_error: str | None = None  # what that build said when it failed
        self._files: FilesState | None = None  # the build's files as last looked at (see _damage)
        self._approval: tuple[object, str | None] | None = None  # what approval_problem said, and of what
        self.check_seconds = 0.0
        """How long the last look at what the briefing is made from took (hashing every input)."""
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    # ------------------------------------------------------------------ state

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._state

    def _set(self, **changes: Any) -> None:  # noqa: ANN401 - any of Snapshot's fields
        with self._lock:
            self._state = replace(self._state, **changes)

    def _refresh(self) -> None:
        """Read the approval and the edits again: ``briefgen approve`` or a hand edit may have changed them."""
        record = read_approval(self.out_dir)
        # Checking an approval hashes every file of the build: only again once the approval or a file changed.
        seen = (files_state(self.out_dir), record)
        if self._approval is not None and self._approval[0] == seen:
            problem = self._approval[1]
        else:
            problem = approval_problem(self.out_dir) if os.path.lexists(self.out_dir / MANIFEST) else "no build yet"
            self._approval = (seen, problem)
        try:
            edits = read_edits(self.out_dir)
        except BriefgenError:
            edits = Edits()  # the build says what is wrong with it
        self._set(
            approval=problem,
            approved_by=record.get("approved_by") if record else None,
            approved_at=record.get("approved_at") if record else None,
            notes=edits.notes,
            dropped=len(edits.drop),
        )

    # ------------------------------------------------------------------ building

    def check(self) -> bool:
        """Build again when what the briefing is made from changed since the last check; True when
        the page changed."""
        with self._building:
            return self._check()

    def _check(self) -> bool:
        started = time.monotonic()
        try:
            loaded = load_config(self.config_path)
            seen = fingerprint(made_from(loaded, self.out_dir))
        except Exception as exc:
            self.check_seconds = time.monotonic() - started
            self._failed(exc)
            return False
        self.check_seconds = time.monotonic() - started
        formats = preview_formats(loaded)
        damage: str | None = None
        if seen == self._seen:
            # The same inputs: the build stands unless its files were removed or edited on disk
            # since (a build that failed is only tried again once the inputs change).
            damage = None if self._seen_error is not None else self._damage(loaded, formats)
            if damage is None:
                self._set(error=self._seen_error)
                self._refresh()
                return False
        self._seen, self._seen_error = seen, None
        self._set(building=True)
        try:
            # A briefing some recipients have is kept as it is, whatever changed: every recipient of
            # one briefing gets the same one (edits to it are refused; see _not_sent).
            finished = ensure_built(
                loaded,
                self.as_of,
                self.out_dir,
                formats,
                self.workspace,
                rebuild=damage is not None,
                sent=already_sent(loaded, self.as_of),
                approved=loaded.config.delivery.require_approval,
            )
            if not finished.built:  # reused as it was on disk: its sources and all must be intact too
                damage = self._damage(loaded, formats, force=True)
                if damage is not None:
                    finished = ensure_built(loaded, self.as_of, self.out_dir, formats, self.workspace, rebuild=True)
            if damage is not None:
                finished = replace(finished, reason=damage)
            self._files = files_state(self.out_dir)
            # Read as every record is read back: regular files of bounded size, the briefing validated.
            page = read_record(finished.outputs["html"], MAX_BRIEFING_BYTES)
            briefing = read_briefing(finished.outputs["json"])
            if page is None or briefing is None:
                raise OutputError(f"{self.out_dir}: the build's files are gone")
        except Exception as exc:
            self._seen_error = _one_line(exc)
            self._failed(exc)
            return False
        finally:
            self._set(building=False)
        if finished.built:
            logger.info("built the briefing in %s (%s)", self.out_dir, finished.reason)
        else:
            logger.info("showing the briefing in %s (%s since it was built)", self.out_dir, finished.reason)
        sections = briefing.sections
        with self._lock:
            self._state = replace(
                self._state,
                build=self._state.build + 1,
                page=page,
                error=None,
                reason=finished.reason,
                items={str(it.id): s.name for s in sections for it in s.items},
                sections=tuple((s.name, s.heading or s.name) for s in sections),
            )
        self._refresh()
        return True

    def _damage(self, loaded: LoadedConfig, formats: list[str], *, force: bool = False) -> str | None:
        """What is wrong with the finished build on disk (a file missing, or edited since it was
        built), or None when it is intact. Its files are hashed only when one of them changed size
        or time stamp since the last look, or with ``force``: each check costs a few ``stat`` calls."""
        state = files_state(self.out_dir)
        if state == self._files and not force:
            return None
        self._files = state
        found, why = reusable(loaded, self.as_of, self.out_dir, output_keys(formats), inputs=False)
        if found is None:
            return why
        try:
            problems = build_problems(self.out_dir)  # every file of the manifest, every source text
        except BriefgenError as exc:
            return _one_line(exc)
        return problems[0] if problems else None

    def _failed(self, exc: BaseException) -> None:
        error = _one_line(exc)
        if isinstance(exc, ConfigError | RenderError):  # say everything validate would, not only the first
            problems = check(self.config_path)
            if len(problems) > 1:
                error = message(f"{len(problems)} problems: " + "; ".join(map(str, problems)), 500)
        if error != self.snapshot().error:
            logger.warning("not rebuilt: %s", error, exc_info=not isinstance(exc, BriefgenError))
        self._set(error=error)
        self._refresh()

    def start(self, interval: float = CHECK_SECONDS) -> None:
        """Build now, then check again every ``interval`` seconds (longer when a check takes long:
        :func:`check_pause`), in a thread of its own."""

        def watch() -> None:
            while not self._stop.is_set():
                self.check()
                # Each check hashes every input, which takes long on a large corpus: wait at least
                # CHECK_SPACING times as long as it took, so the watcher never keeps the machine busy.
                self._stop.wait(check_pause(interval, self.check_seconds))

        self._stop.clear()
        self._watcher = threading.Thread(target=watch, name="briefgen-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop watching, once the build under way (if any) is written."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None

    # ------------------------------------------------------------------ edits

    def _not_sent(self) -> None:
        """Refuse an edit of a briefing that went out to anyone: a later recipient would get another one."""
        try:
            loaded = load_config(self.config_path)
        except BriefgenError:
            return  # the edit goes to edits.yaml; the rebuild says what is wrong with the config
        recipients = recipients_sent(loaded, self.as_of)
        if recipients:
            raise Conflict(sent_refusal(recipients, self.as_of, "an edit"))

    def drop(self, item_id: str) -> Snapshot:
        """Drop a quoted item of the build shown, and rebuild: the next best sentence takes its place."""
        with self._building:
            self._not_sent()
            if item_id not in self.snapshot().items:
                raise EditRefused(f"the briefing has no quoted item {printable(item_id, 40)!r}")
            drop_item(self.out_dir, item_id)
            self._check()
            return self.snapshot()

    def add_note(self, text: str, section: str | None) -> Snapshot:
        """Add an analyst's note at the end of ``section`` (None: under the header), and rebuild."""
        with self._building:
            self._not_sent()
            names = {name for name, _ in self.snapshot().sections}
            if section is not None and section not in names:
                raise EditRefused(f"the briefing has no section {printable(section, 40)!r}")
            try:
                Note(text=text.strip(), section=section)  # a note that is not valid is refused, not written
                add_note(self.out_dir, text, section)
            except ValidationError:
                raise EditRefused("a note is plain text of 1 to 2,000 characters") from None
            self._check()
            return self.snapshot()

    def remove_note(self, index: int, text: str) -> Snapshot:
        """Remove the analyst's note at ``index`` (in ``edits.yaml``'s order), and rebuild; only
        when its text is ``text``, so a note that moved since the page was loaded (``edits.yaml``
        edited by hand) is never removed in place of another."""
        with self._building:
            self._not_sent()
            notes = read_edits(self.out_dir).notes
            if not 0 <= index < len(notes):
                raise Conflict(f"there is no note {index + 1} any more: reload the page")
            if notes[index].text != text:
                raise Conflict(f"note {index + 1} is no longer the one shown (edits.yaml changed): reload the page")
            remove_note(self.out_dir, index)
            self._check()
            return self.snapshot()

    def approve(self, build: int, by: str | None = None) -> Snapshot:
        """Approve the build the editor's page shows (``build``), if it is still the briefing its
        inputs make; refuse when the page is out of date, so no one approves what they have not seen."""
        with self._building:
            self._check()
            now = self.snapshot()
            if now.page is None:
                raise Conflict("there is no briefing to approve yet")
            if now.error is not None:
                raise Conflict(f"the briefing cannot be rebuilt from its inputs ({now.error}); fix that first")
            if build != now.build:
                raise Conflict("the briefing was rebuilt since this page was loaded: review it, then approve it")
            try:
                record_approval(self.out_dir, by=by)
            except BriefgenError as exc:
                raise Conflict(str(exc)) from None
            self._refresh()
            return self.snapshot()


# ----------------------------------------------------------------------------- the page


def _asset(name: str) -> str:
    """One of the editor's files (``briefgen/commands/editor/``), shipped as package data."""
    return resources.files("briefgen.commands").joinpath("editor", name).read_text(encoding="utf-8")


#: The page served before the first build.
_WAITING = _asset("waiting.html").encode()
#: The editor bar's markup, style and script, added to the build's page only when it is served.
_BAR_MARKUP, _BAR_STYLE, _BAR_SCRIPT = _asset("editor.html"), _asset("editor.css"), _asset("editor.js")


def _script_json(data: object) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    return json.dumps(data, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def editor_page(snapshot: Snapshot, token: str, nonce: str) -> bytes:
    """The build's page with the editor bar added just before ``</body>``; a placeholder before the first build."""
    data = {"token": token, "build": snapshot.build, "sections": snapshot.sections, "status": snapshot.status()}
    bar = (
        f"{_BAR_MARKUP}<style>{_BAR_STYLE}</style>\n"
        f'<script type="application/json" id="bg-editor-data">{_script_json(data)}</script>\n'
        f'<script nonce="{nonce}">{_BAR_SCRIPT}</script>\n'
    ).encode()
    page = snapshot.page or _WAITING
    end = page.lower().rfind(b"</body>")
    return page[:end] + bar + page[end:] if end >= 0 else page + bar


def page_policy(nonce: str) -> str:
    """The Content-Security-Policy of the served page: its own styles, images from itself, and no
    script but the editor bar's."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


# ----------------------------------------------------------------------------- the server


#: What a request without the server's cookie gets (HTTP 403), whatever it asked for.
SIGN_IN_PAGE = b"Forbidden: open the URL that `briefgen serve` printed, with its ?token=, in this browser.\n"


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server of one :class:`Preview`, on 127.0.0.1.

    Three secrets, new at every start: ``secret``, in the URL it prints (``?token=``), which a
    browser trades once for the cookie ``cookie_name=session`` that every request must then carry;
    and ``token``, the page's own, which every POST must carry besides.
    """

    daemon_threads = True

    def __init__(self, preview: Preview, port: int = 0) -> None:
        self.preview = preview
        self.secret = secrets.token_urlsafe(32)
        self.session = secrets.token_urlsafe(32)
        self.token = secrets.token_urlsafe(32)
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise BriefgenError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        self.port = int(self.server_address[1])
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        # A browser sends a host's cookies to each of its ports: one name per port keeps two servers apart.
        self.cookie_name = f"briefgen-{self.port}"

    @property
    def address(self) -> str:
        """The server's own address, with no credential in it."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def url(self) -> str:
        """The URL to open: the address with the secret that lets a browser in."""
        return f"{self.address}?{urlencode({'token': self.secret})}"

    def handle_error(self, request: object, client_address: object) -> None:
        logger.debug("error answering %s", client_address, exc_info=True)


#: What a path keeps unquoted in a ``Location``: what a path may hold as it is, and escapes already made.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle kept-alive connection gives its thread back
    server_version = "briefgen"
    sys_version = ""

    @property
    def app(self) -> PreviewServer:
        return cast(PreviewServer, self.server)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

    def _refuse(self, status: HTTPStatus, why: str) -> None:
        self._json(status, {"error": why})

    def _host_ok(self) -> bool:
        """Only requests addressed to this server by its own name: a page on another name that
        resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
        if (self.headers.get("Host") or "").lower() in self.app.hosts:
            return True
        self.close_connection = True
        self._refuse(HTTPStatus.FORBIDDEN, "unexpected Host header")
        return False

    def _signed_in(self) -> bool:
        """Whether the request carries the server's cookie. A GET with the secret ``?token=`` is
        answered with the cookie and a redirect to the same address without the token (out of the
        address bar); anything else gets :data:`SIGN_IN_PAGE`, whatever it asked for."""
        app = self.app
        url = urlsplit(self.path)
        try:
            query = parse_qs(url.query, keep_blank_values=True, max_num_fields=20) if self.command != "POST" else {}
        except ValueError:
            query = {}
        given = query.pop("token", [""])[0]
        if given and hmac.compare_digest(given.encode(), app.secret.encode()):
            # An absolute URL on the Host just checked: a path such as //elsewhere stays on this server.
            rest = urlencode(query, doseq=True)
            location = f"http://{self.headers['Host']}{quote(url.path, safe=_PATH_SAFE)}" + (f"?{rest}" if rest else "")
            cookie = f"{app.cookie_name}={app.session}; HttpOnly; SameSite=Strict; Path=/"
            self._send(
                HTTPStatus.SEE_OTHER, b"", "text/plain; charset=utf-8", {"Location": location, "Set-Cookie": cookie}
            )
            return False
        for header in self.headers.get_all("Cookie") or []:
            for pair in header.split(";"):
                name, _, value = pair.strip().partition("=")
                if name == app.cookie_name and hmac.compare_digest(value.encode(), app.session.encode()):
                    return True
        self.close_connection = True
        self._send(HTTPStatus.FORBIDDEN, SIGN_IN_PAGE, "text/plain; charset=utf-8")
        return False

    def do_GET(self) -> None:
        if not self._host_ok() or not self._signed_in():
            return
        path = urlsplit(self.path).path
        preview = self.app.preview
        if path == "/":
            nonce = secrets.token_urlsafe(16)
            page = editor_page(preview.snapshot(), self.app.token, nonce)
            self._send(200, page, "text/html; charset=utf-8", {"Content-Security-Policy": page_policy(nonce)})
        elif path == "/status":
            self._json(200, preview.snapshot().status())
        else:
            self._file(unquote(path[1:]))

    do_HEAD = do_GET

    def _file(self, name: str) -> None:
        """One of the build's own files, by name; nothing outside them, whatever the path says."""
        out_dir = self.app.preview.out_dir
        target = out_dir / name
        if (
            not SERVED_FILES.fullmatch(name)
            or target.is_symlink()
            or not target.is_file()
            or not target.resolve().is_relative_to(out_dir.resolve())
        ):
            self._refuse(HTTPStatus.NOT_FOUND, "not one of the briefing's files")
            return
        try:
            body = target.read_bytes()
        except OSError:
            self._refuse(HTTPStatus.NOT_FOUND, "not readable")
            return
        headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"}
        self._send(200, body, CONTENT_TYPES.get(target.suffix, "application/octet-stream"), headers)

    def do_POST(self) -> None:
        if not self._host_ok() or not self._signed_in():
            return
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() not in self.app.hosts:
            self.close_connection = True
            self._refuse(HTTPStatus.FORBIDDEN, "not from this server's page")
            return
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self.close_connection = True
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
            return
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too large")
            return
        try:
            form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            self._refuse(HTTPStatus.BAD_REQUEST, "not a form")
            return
        fields = {key: values[0] for key, values in form.items()}
        token = self.headers.get("X-Briefgen-Token") or fields.get("token") or ""
        if not hmac.compare_digest(token.encode(), self.app.token.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "missing or wrong token: reload the page")
            return
        try:
            done = self._edit(urlsplit(self.path).path, fields)
        except EditRefused as exc:
            self._refuse(HTTPStatus.BAD_REQUEST, _one_line(exc))
            return
        except Conflict as exc:
            self._refuse(HTTPStatus.CONFLICT, _one_line(exc))
            return
        except BriefgenError as exc:  # edits.yaml cannot be read or written
            self._refuse(HTTPStatus.CONFLICT, _one_line(exc))
            return
        if done is None:
            self._refuse(HTTPStatus.NOT_FOUND, "no such action")
            return
        self._json(200, done.status())

    def _edit(self, path: str, fields: dict[str, str]) -> Snapshot | None:
        preview = self.app.preview
        if path == "/drop":
            return preview.drop(fields.get("item", ""))
        if path == "/note":
            section = fields.get("section") or None
            return preview.add_note(fields.get("text", ""), None if section == "top" else section)
        if path == "/note/remove":
            try:
                index = int(fields.get("index", ""))
            except ValueError:
                raise EditRefused("which note? (index and text)") from None
            if "text" not in fields:
                raise EditRefused("which note? (index and text)")
            return preview.remove_note(index, fields["text"])
        if path == "/approve":
            try:
                build = int(fields.get("build", ""))
            except ValueError:
                raise Conflict("which build? reload the page") from None
            return preview.approve(build)
        return None


@contextmanager
def serving(preview: Preview, port: int = 0, *, interval: float = CHECK_SECONDS) -> Iterator[PreviewServer]:
    """Serve ``preview`` on 127.0.0.1 and keep it built, until the ``with`` block ends."""
    server = PreviewServer(preview, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="briefgen-serve")
    thread.daemon = True
    thread.start()
    preview.start(interval)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        preview.stop()


def run(
    config: Path,
    *,
    as_of: dt.date | None = None,
    out_dir: Path | None = None,
    port: int = 0,
    announce: Callable[[str], None] = print,
) -> None:
    """``briefgen serve``: serve until Ctrl-C."""
    preview = Preview(config, as_of, out_dir)
    try:
        with serving(preview, port) as server:
            announce(f"serving {printable(preview.title, 200)} at {server.url} (Ctrl-C to stop)")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:  # the build under way, if any, is finished and written first
        announce("stopped")
