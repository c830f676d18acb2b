"""Local HTTP servers standing in for notification targets, for the notify tests: a webhook server
on 127.0.0.1 that records every request and answers as told (plain HTTP, or HTTPS with a certificate
of a test CA), and an HTTPS proxy that takes CONNECT for any host and ends the TLS itself with that
CA's certificate, so a service whose address Apprise fixes (``https://hooks.slack.com/...``)
reaches the same local server."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hit:
    """One request a target got."""

    host: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Hooks:
    """What the targets got, and how they answer: ``replies`` are the next requests' answers, an HTTP
    status, ``"hang"`` (read the request, then answer nothing until ``release`` is set or
    ``hang_seconds`` pass, and close) or ``"drop"`` (read the request, close without an answer);
    after them every request gets 200 with ``ok_body``."""

    replies: list[int | str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)
    ok_body: bytes = b"ok"
    hang_seconds: float = 5.0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    @property
    def hooks(self) -> Hooks:
        hooks: Hooks = self.server.hooks  # type: ignore[attr-defined]  # set by the servers below
        return hooks

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        hooks = self.hooks
        with hooks.lock:
            hooks.hits.append(
                Hit(self.headers.get("Host", ""), self.command, self.path, dict(self.headers.items()), body)
            )
            reply = hooks.replies.pop(0) if hooks.replies else 200
        if reply == "hang":
            hooks.release.wait(hooks.hang_seconds)
            self.close_connection = True
            return
        if reply == "drop":
            self.close_connection = True
            return
        status = int(reply)
        answer = hooks.ok_body if 200 <= status < 300 else b'{"error": "no"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if answer.startswith(b"{") else "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_GET = do_PUT = _any


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hooks: Hooks, tls: ssl.SSLContext | None) -> None:
        self.hooks = hooks
        self.tls = tls
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        if self.tls is not None:
            conn = self.tls.wrap_socket(conn, server_side=True)
        return conn, addr


@contextmanager
def webhook_server(hooks: Hooks | None = None, tls: ssl.SSLContext | None = None) -> Iterator[tuple[int, Hooks]]:
    """A webhook server on a free port of 127.0.0.1 (HTTPS with ``tls``); yields ``(port, hooks)``."""
    hooks = hooks or Hooks()
    server = _Server(hooks, tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), hooks
    finally:
        hooks.release.set()
        server.shutdown()
        server.server_close()


class _Tunnelled:
    """What a request handler needs of its server, for a connection the proxy tunnels."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks


@contextmanager
def tls_proxy(hooks: Hooks, tls: ssl.SSLContext) -> Iterator[int]:
    """An HTTPS proxy on 127.0.0.1 (``HTTPS_PROXY=http://127.0.0.1:PORT``) that answers every CONNECT
    itself: it ends the client's TLS with ``tls`` (a certificate of the test CA for the hosts asked
    for) and hands the requests to the webhook handler, recording the host in ``hooks.connects``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port: int = listener.getsockname()[1]
    stop = threading.Event()
    tunnelled = _Tunnelled(hooks)

    def one(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError, ssl.SSLError):
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            request = head.split(b"\r\n", 1)[0].decode("ascii", "replace").split()
            if len(request) < 2 or request[0] != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            with hooks.lock:
                hooks.connects.append(request[1])
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            secure = tls.wrap_socket(conn, server_side=True)
            _Handler(secure, ("127.0.0.1", 0), tunnelled)  # type: ignore[arg-type]  # needs only .hooks

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)
        listener.close()
