"""``briefgen serve --unsubscribe``: the one-click unsubscribe endpoint (RFC 8058), for a reverse proxy.

Every message of a config with ``delivery.email.unsubscribe.url`` links to ``<url><token>``, the
token an HMAC-SHA256 of the config and the recipient's address (:mod:`briefgen.deliver.unsubscribe`).
This server answers those links on 127.0.0.1 only; a reverse proxy (nginx, Caddy) that terminates
TLS passes it the requests of the public address. It knows whose a token is by making every
recipient's token again (the config's recipients, its CSV's, and every address its delivery log
has sent to), so no address is ever in a link, and a token cannot be made without the secret.

- ``POST <path>/<token>`` with the body ``List-Unsubscribe=One-Click`` (form-encoded or multipart,
  as mail providers send it) records the unsubscribe in the config's delivery log and answers 200;
  an unknown token gets 404, a POST without that body 400. Nothing else changes anything.
- ``GET <path>/<token>`` (a reader who clicked the link in the body) shows a page with one button
  that makes that POST: a link scanner that follows every link unsubscribes no one.

Nothing is logged of a request but its method and whether it was known; tokens never are.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from markupsafe import escape

from briefgen.config.load import LoadedConfig, load_config
from briefgen.config.recipients import all_recipients
from briefgen.deliver.unsubscribe import ONE_CLICK, TOKEN, list_key, secret, token
from briefgen.errors import BriefgenError
from briefgen.records.deliveries import DeliveryLog, delivery_log_path
from briefgen.textsafe import printable

logger = logging.getLogger(__name__)

#: The largest request body read: a one-click POST is about 30 bytes, multipart a few hundred.
MAX_BODY_BYTES = 8 * 1024
#: A miss makes the table of tokens again at most this often (seconds): a new recipient's first
#: click is found, and a flood of made-up tokens costs one rebuild a second.
REBUILD_SECONDS = 1.0


@dataclass(frozen=True)
class Whose:
    """A token's config and address."""

    config: Path
    address: str
    title: str


class Lists:
    """The configs served, and whose each of their tokens is; safe to use from any thread."""

    def __init__(self, configs: Sequence[Path], delivery_log: Path | None = None) -> None:
        self.configs = [c.absolute() for c in configs]
        self.delivery_log = delivery_log
        self._lock = threading.Lock()
        self._tokens: dict[str, Whose] = {}
        self._built = float("-inf")
        self._said: set[str] = set()

    def _load(self, path: Path) -> LoadedConfig | None:
        try:
            return load_config(path)
        except BriefgenError as exc:
            self._once(f"{path}: {exc}")
            return None

    def _once(self, warning: str) -> None:
        """A warning about a config, once (a table is made again often)."""
        if warning not in self._said:
            self._said.add(warning)
            logger.warning("%s", printable(warning, 500))

    def _table(self) -> dict[str, Whose]:
        tokens: dict[str, Whose] = {}
        for path in self.configs:
            loaded = self._load(path)
            settings = loaded.config.delivery.email if loaded is not None else None
            if loaded is None or settings is None or settings.unsubscribe.url is None:
                continue
            try:
                key = secret(settings)
            except BriefgenError as exc:
                self._once(f"{path.name}: {exc}")
                continue
            assert key is not None
            addresses = {r.addr for r in all_recipients(loaded)[0]}
            log = delivery_log_path(loaded, self.delivery_log)
            if log.exists():
                try:
                    with DeliveryLog(log, readonly=True) as journal:
                        addresses |= {
                            e.recipient.lower() for e in journal.entries(str(loaded.path)) if e.kind != "notify"
                        }
                except BriefgenError as exc:
                    self._once(str(exc))
            name = list_key(loaded)
            for address in sorted(addresses):
                tokens[token(key, name, address)] = Whose(loaded.path, address, loaded.config.title)
        return tokens

    def find(self, given: str) -> Whose | None:
        """Whose ``given`` token is, or None."""
        if not TOKEN.fullmatch(given):
            return None
        with self._lock:
            found = self._tokens.get(given)
            if found is None and time.monotonic() - self._built >= REBUILD_SECONDS:
                self._tokens, self._built = self._table(), time.monotonic()
                found = self._tokens.get(given)
        return found

    def unsubscribe(self, given: str) -> Whose | None:
        """Record the unsubscribe of ``given`` token's address from its config; whose it was, or None."""
        whose = self.find(given)
        if whose is None:
            return None
        loaded = load_config(whose.config)
        with DeliveryLog(delivery_log_path(loaded, self.delivery_log), run_lock=False) as journal:
            new = journal.unsubscribe(str(loaded.path), whose.address, "one-click")
        logger.info("%s: %s unsubscribed (one-click)%s", loaded.path.name, whose.address, "" if new else ", again")
        return whose


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:Arial,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}"
        "button{font-size:1rem;padding:.5rem 1rem}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    ).encode()


class OneClickServer(ThreadingHTTPServer):
    """The HTTP server of the one-click endpoint, on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, lists: Lists, port: int = 0) -> None:
        self.lists = lists
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise BriefgenError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        self.port = int(self.server_address[1])

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def handle_error(self, request: object, client_address: object) -> None:
        logger.debug("error answering %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15
    server_version = "briefgen"
    sys_version = ""
    outcome = "-"  # the status answered, for the debug log

    @property
    def lists(self) -> Lists:
        return cast(OneClickServer, self.server).lists

    def log_message(self, format: str, *args: object) -> None:
        """Never the path: it holds a token."""
        logger.debug("%s %s", self.command, self.outcome)

    def _token(self) -> str:
        return urlsplit(self.path).path.rstrip("/").rpartition("/")[2]

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.outcome = str(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _unknown(self) -> None:
        page = _page("Not found", "<h1>This link is not known</h1><p>It may be mistyped or cut short.</p>")
        self._send(HTTPStatus.NOT_FOUND, page)

    def do_GET(self) -> None:
        whose = self.lists.find(self._token())
        if whose is None:
            self._unknown()
            return
        title = f"Unsubscribe from {whose.title}"
        body = (
            f"<h1>{escape(title)}</h1><p>Stop sending these briefings to this address?</p>"
            '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Unsubscribe</button></form>'
        )
        self._send(HTTPStatus.OK, _page(title, body))

    do_HEAD = do_GET

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self.close_connection = True
            self._send(HTTPStatus.LENGTH_REQUIRED, b"Content-Length required\n", "text/plain; charset=utf-8")
            return
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large\n", "text/plain; charset=utf-8")
            return
        body = self.rfile.read(length)
        if ONE_CLICK.encode() not in body and b'name="List-Unsubscribe"' not in body:
            self._send(HTTPStatus.BAD_REQUEST, b"expected List-Unsubscribe=One-Click\n", "text/plain; charset=utf-8")
            return
        try:
            whose = self.lists.unsubscribe(self._token())
        except BriefgenError as exc:  # the log cannot be written: say so, and let the sender try again
            logger.warning("%s", printable(str(exc), 500))
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"try again later\n", "text/plain; charset=utf-8")
            return
        if whose is None:
            self._unknown()
            return
        title = "Unsubscribed"
        text = f"<h1>You are unsubscribed</h1><p>No more of {escape(whose.title)} will be sent to this address.</p>"
        self._send(HTTPStatus.OK, _page(title, text))


@contextmanager
def serving(lists: Lists, port: int = 0) -> Iterator[OneClickServer]:
    """Serve the endpoint on 127.0.0.1 until the ``with`` block ends; yields the server."""
    server = OneClickServer(lists, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="briefgen-oneclick")
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run(
    configs: Sequence[Path],
    *,
    port: int = 0,
    delivery_log: Path | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """``briefgen serve --unsubscribe``: serve until Ctrl-C."""
    lists = Lists(configs, delivery_log)
    with suppress(BriefgenError):
        lists.find("x" * 43)  # make the table now: its warnings (an unset secret) show at start
    with serving(lists, port) as server:
        served = [c.name for c in lists.configs]
        announce(f"one-click unsubscribe for {', '.join(served)} at {server.address} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            announce("stopped")
