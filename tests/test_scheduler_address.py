"""A scheduler address is untrusted input: whatever answers at ``batch --scheduler ADDRESS`` (an
HTTP server, a mail server, a listener that never speaks or hangs up at once, a closed port,
garbage, a peer that passes for a scheduler and then misbehaves, a host that does not resolve, or
no address at all), the batch ends with exit 1 and one line saying what it found there, never a
hang, a traceback or "out of memory".

Each peer is a server this module starts on 127.0.0.1 (plain sockets in threads, each loop bounded,
stopping by itself after :data:`LIFETIME` seconds if the test does not stop it first). Each case
runs the CLI in a process forked by :func:`tests.hostile.run_limited`, under its memory cap and a
time limit of :data:`LIMIT` seconds that fails the test on a hang; how long a case took is printed
(``-s``) and shown in its failure messages, never asserted.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import briefgen.cli  # noqa: F401 - loaded once here, not again in every forked case
from briefgen.batch import executors
from briefgen.batch.executors import CONNECT_TIMEOUT, NoScheduler, parse_scheduler_address

from .conftest import AS_OF, ROOT, run_cli
from .hostile import assert_no_traceback, cli_result, run_limited

distributed = pytest.importorskip("distributed")

#: Seconds a case may take before it counts as a hang: the connect timeout, the start of the
#: command and a wide margin for a machine shared with other tests.
LIMIT = 40.0
#: Seconds a server of this module lives if the test does not stop it first.
LIFETIME = 120.0
#: The connect timeout of these cases: shorter than a batch's own (``CONNECT_TIMEOUT``), so that a silent
#: peer costs the suite a second, not five; the executors read it from their module when they connect.
SHORT_TIMEOUT = min(1.5, CONNECT_TIMEOUT)
#: The connect timeout as the messages write it.
TIMEOUT = f"{SHORT_TIMEOUT:g}"
#: What a Dask scheduler sends as it accepts a connection (distributed 2026.8, Python 3.11): the
#: frame's length, the number of parts, the part's length, and a msgpack map.
SCHEDULER_HANDSHAKE = (
    b":\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00*\x00\x00\x00\x00\x00\x00\x00"
    b"\x83\xabcompression\xc0\xa6python\x93\x03\x0b\x07\xafpickle-protocol\x05"
)
#: Bytes whose first eight, read as a Dask frame's length, announce 8 EiB.
GARBAGE = b"\xde\xad\xbe\xef\xff\xff\xff\x7f not a frame \x00\x01\x02" * 4

Talk = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def fake_server(talk: Talk, lifetime: float = LIFETIME) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that runs ``talk(connection, stop)`` for each connection in a
    thread of its own; yields its port. It stops when the block ends, or after ``lifetime`` seconds."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port: int = listener.getsockname()[1]
    stop = threading.Event()
    ends = time.monotonic() + lifetime

    def one(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client hung up
            conn.settimeout(0.1)
            talk(conn, stop)

    def serve() -> None:
        with listener:
            while not stop.is_set() and time.monotonic() < ends:
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                threading.Thread(target=one, args=(conn,), daemon=True).start()
        stop.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)


def read_until(conn: socket.socket, stop: threading.Event, done: Callable[[bytes], bool]) -> bytes:
    """What the client sends, until ``done(received)``, the client hangs up, the server stops, 64 KiB
    or 30 seconds."""
    data = b""
    ends = time.monotonic() + 30
    while not done(data) and not stop.is_set() and time.monotonic() < ends and len(data) < 1 << 16:
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
    return data


def never(_: bytes) -> bool:
    return False


def http_server(conn: socket.socket, stop: threading.Event) -> None:
    """An HTTP server as tornado (a Dask dashboard) is one: silent until a request's head ends."""
    if b"\r\n\r\n" in read_until(conn, stop, lambda data: b"\r\n\r\n" in data):
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def smtp_server(conn: socket.socket, stop: threading.Event) -> None:
    """A mail server: it greets first, then answers every line with an error."""
    conn.sendall(b"220 mail.example.com ESMTP ready\r\n")
    for _ in range(100):
        if not read_until(conn, stop, lambda data: b"\n" in data):
            return
        conn.sendall(b"500 5.5.2 Error: bad syntax\r\n")


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts, reads nothing and says nothing, until the server stops."""
    stop.wait(LIFETIME)


def hangs_up(conn: socket.socket, stop: threading.Event) -> None:
    """Accepts and closes the connection at once."""


def garbage(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(GARBAGE)
    read_until(conn, stop, never)


def scheduler_then_silent(conn: socket.socket, stop: threading.Event) -> None:
    """Greets as a scheduler does, then never says another word."""
    conn.sendall(SCHEDULER_HANDSHAKE)
    read_until(conn, stop, never)


def scheduler_then_garbage(conn: socket.socket, stop: threading.Event) -> None:
    """Greets as a scheduler does, then answers the client's handshake with garbage."""
    conn.sendall(SCHEDULER_HANDSHAKE)
    if read_until(conn, stop, bool):
        conn.sendall(GARBAGE)
        read_until(conn, stop, never)


@contextlib.contextmanager
def stdlib_http_server() -> Iterator[int]:
    """Python's own :mod:`http.server`, one request at a time, in a bounded loop; yields its port."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    server.timeout = 0.1
    stop = threading.Event()
    ends = time.monotonic() + LIFETIME

    def serve() -> None:
        with server:
            while not stop.is_set() and time.monotonic() < ends:
                server.handle_request()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        stop.set()
        thread.join(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(autouse=True)
def _short_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case here (each forked from this process) waits :data:`SHORT_TIMEOUT` at most."""
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", SHORT_TIMEOUT)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """One briefing of the sample articles; the batch never gets as far as building it."""
    path = tmp_path / "configs" / "harbor.yaml"
    path.parent.mkdir()
    config = {
        "title": "Harbor Brief",
        "topic": {"keywords": ["alliance", "summit"]},
        "sources": [str(ROOT / "samples" / "articles")],
        "window": {"as_of": AS_OF.isoformat()},
        "output": {"dir": "out/harbor", "formats": ["md"]},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def batch(config: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``briefgen batch CONFIG ARGS`` in a forked process under the hostile harness's limits: its
    exit status, output and the seconds it took."""

    def case() -> dict[str, Any]:
        started = time.monotonic()
        result = cli_result(run_cli("batch", str(config), *args, cwd=config.parent.parent, env=env))
        result["seconds"] = time.monotonic() - started
        return result

    outcome = run_limited(case, time_limit=LIMIT)
    result: dict[str, Any] = outcome.ok()
    return result


def assert_cannot_reach(result: dict[str, Any], shown: str, reason: str | Callable[[str], bool], name: str) -> str:
    """Exit 1, nothing on stdout, no traceback, and one line on stderr: cannot reach the scheduler
    at ``shown``, for ``reason`` (the text after it, or a test of that text). The reason, for more checks."""
    took = f"{name}: {result['seconds']:.2f} s"
    print(f"{took}: {result['stderr'].strip()!r}")
    assert result["code"] == 1, f"{took}: {result}"
    assert result["stdout"] == "", f"{took}: {result}"
    assert_no_traceback(result)
    lines: list[str] = result["stderr"].splitlines()
    prefix = f"briefgen: error: cannot reach the Dask scheduler at {shown}: "
    assert len(lines) == 1 and lines[0].startswith(prefix), f"{took}: {result['stderr']!r}"
    said = lines[0].removeprefix(prefix)
    assert (said == reason) if isinstance(reason, str) else reason(said), f"{took}: {said!r}"
    assert "out of memory" not in said and "unexpected" not in said, f"{took}: {said!r}"
    return said


# ----------------------------------------------------------------------------- what answers


PEERS: dict[str, tuple[Talk, str]] = {
    "an HTTP server": (
        http_server,
        "an HTTP server answers there, not a Dask scheduler (it said 'HTTP/1.1 400 Bad Request')",
    ),
    "an SMTP server": (
        smtp_server,
        "an SMTP server answers there, not a Dask scheduler (it said '220 mail.example.com ESMTP ready')",
    ),
    "a listener that never speaks": (silent, f"no answer within {TIMEOUT} s"),
    "a listener that hangs up at once": (hangs_up, "the connection was closed at once"),
    "a listener that sends garbage": (
        garbage,
        f"something other than a Dask scheduler answers there (it sent {GARBAGE[:24]!r}…)",
    ),
    "a scheduler's greeting, then silence": (scheduler_then_silent, f"no answer within {TIMEOUT} s"),
    "a scheduler's greeting, then garbage": (
        scheduler_then_garbage,
        "something other than a Dask scheduler answers there (it announced a message too large to hold)",
    ),
}


@pytest.mark.parametrize("name", list(PEERS))
def test_whatever_answers_is_one_line_saying_what(config, name):
    talk, reason = PEERS[name]
    with fake_server(talk) as port:
        address = f"tcp://127.0.0.1:{port}"
        result = batch(config, "--scheduler", address)
    assert_cannot_reach(result, address, reason, name)


def test_pythons_own_http_server_is_named(config):
    """It answers a request line without a version in HTTP/0.9's way, a page with no status line."""
    with stdlib_http_server() as port:
        address = f"tcp://127.0.0.1:{port}"
        result = batch(config, "--scheduler", address)
    said = assert_cannot_reach(
        result, address, lambda said: said.startswith("an HTTP server answers there"), "http.server"
    )
    assert "not a Dask scheduler" in said


def test_a_closed_port_is_refused(config):
    address = f"tcp://127.0.0.1:{free_port()}"
    result = batch(config, "--scheduler", address)
    assert_cannot_reach(result, address, f"connection refused (tried for {TIMEOUT} s)", "a closed port")


def test_a_host_that_does_not_resolve_is_named(config):
    address = "tcp://no-such-host.invalid:8786"  # .invalid never resolves (RFC 2606)
    result = batch(config, "--scheduler", address)
    assert_cannot_reach(
        result,
        address,
        lambda said: said.startswith("the host name no-such-host.invalid d") and "resolve" in said,
        "an unresolvable host",
    )


# ----------------------------------------------------------------------------- no address at all

LONG = "tcp://" + "a" * 100_000 + ":8786"

MALFORMED: list[tuple[str, str, str]] = [
    # the address, as the message shows it, and what is wrong with it
    ("tcp://", "tcp://", "it names no host and no port"),
    ("tcp://host:notaport", "tcp://host:notaport", "the port 'notaport' is not a number from 1 to 65535"),
    ("tcp://host:0", "tcp://host:0", "the port '0' is not a number from 1 to 65535"),
    ("tcp://host:8786/path", "tcp://host:8786/path", "the port '8786/path' is not a number from 1 to 65535"),
    ("tcp://host", "tcp://host", "it names no port, as in tcp://HOST:8786"),
    ("tcp://:8786", "tcp://:8786", "it names no host"),
    ("tcp://::1:8786", "tcp://::1:8786", "an IPv6 address goes in brackets, as in tcp://[::1]:8786"),
    ("tcp://[::1:8786", "tcp://[::1:8786", "an IPv6 address is written [ADDRESS]:PORT"),
    ("tcp://bad_host!:8786", "tcp://bad_host!:8786", "'bad_host!' is not a host name"),
    ("ftp://x", "ftp://x", "Dask speaks tcp://HOST:PORT (or tls://, ws://, wss://), not ftp://"),
    ("inproc://x", "inproc://x", "Dask speaks tcp://HOST:PORT (or tls://, ws://, wss://), not inproc://"),
    ("ucx://127.0.0.1:1", "ucx://127.0.0.1:1", "Dask speaks tcp://HOST:PORT (or tls://, ws://, wss://), not ucx://"),
    ("", "''", "it is empty"),
    ("scheduler.json", "scheduler.json", "no such scheduler file, and not tcp://HOST:PORT"),
    (LONG, LONG[:119] + "…", f"it is {len(LONG)} characters long"),
    ("tcp://127.0.0.1:87\n86", "tcp://127.0.0.1:87\\n86", "it holds white space or control characters"),
    ("tcp://sched\x1b[31m:8786", "tcp://sched\\x1b[31m:8786", "it holds white space or control characters"),
    ("tcp://sched\x00:8786", "tcp://sched\\x00:8786", "it holds white space or control characters"),
    (" tcp://sched:8786", "' tcp://sched:8786'", "it holds white space or control characters"),
]


@pytest.mark.parametrize(("address", "shown", "why"), MALFORMED, ids=[repr(a[:30]) for a, _, _ in MALFORMED])
def test_what_is_no_address_says_so(config, address, shown, why):
    result = batch(config, "--scheduler", address)
    assert_cannot_reach(result, shown, f"not a scheduler address: {why}", repr(address[:30]))


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_scheduler_file_that_is_no_file_is_never_opened(config, tmp_path, kind):
    path = tmp_path / "scheduler.json"
    if kind == "fifo":
        os.mkfifo(path)  # opening it would wait for a writer
    else:
        path.mkdir()
    result = batch(config, "--scheduler", str(path))
    it = "a FIFO" if kind == "fifo" else "a directory"
    assert_cannot_reach(result, str(path), f"not a scheduler file: it is {it}", kind)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tcp://127.0.0.1:8786", ("tcp", "127.0.0.1", 8786)),
        ("127.0.0.1:8786", ("tcp", "127.0.0.1", 8786)),
        ("tcp://dask-scheduler.internal:8786", ("tcp", "dask-scheduler.internal", 8786)),
        ("tcp://[::1]:8786", ("tcp", "::1", 8786)),
        ("tls://10.0.0.5:8786", ("tls", "10.0.0.5", 8786)),
    ],
)
def test_addresses_of_schedulers_are_taken(address, expected):
    assert parse_scheduler_address(address) == expected


def test_an_address_that_is_none_is_refused_before_any_connection():
    with pytest.raises(NoScheduler, match="not a scheduler address: it is empty"):
        parse_scheduler_address("")


# ----------------------------------------------------------------------------- other ways to name it


def test_a_scheduler_file_is_read_and_what_it_names_checked(config, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\x00\xff{not json")
    result = batch(config, "--scheduler", str(broken))
    why = "not a scheduler file: it holds no JSON object with an address"
    assert_cannot_reach(result, str(broken), why, "a broken scheduler file")
    with fake_server(smtp_server) as port:
        address = f"tcp://127.0.0.1:{port}"
        named = tmp_path / "scheduler.json"
        named.write_text(f'{{"type": "Scheduler", "address": "{address}"}}', encoding="utf-8")
        result = batch(config, "--scheduler", str(named))
    assert_cannot_reach(
        result,
        f"{address} (named in {named})",
        lambda said: said.startswith("an SMTP server answers there, not a Dask scheduler"),
        "a scheduler file naming a mail server",
    )


def test_the_environment_and_the_project_are_checked_alike(config, tmp_path):
    with fake_server(smtp_server) as port:
        address = f"tcp://127.0.0.1:{port}"
        result = batch(config, env={"BRIEFGEN_DASK_SCHEDULER": address})
        assert_cannot_reach(result, address, PEERS["an SMTP server"][1], "from the environment")
        (tmp_path / "briefgen.yaml").write_text(f"batch: {{scheduler: '{address}'}}\n", encoding="utf-8")
        result = batch(config)
        assert_cannot_reach(result, address, PEERS["an SMTP server"][1], "from the project")
    # A name no file can have (too long for one) is an address, and no address either.
    long = "x" * 400
    (tmp_path / "briefgen.yaml").write_text(f"batch: {{scheduler: '{long}'}}\n", encoding="utf-8")
    result = batch(config)
    assert_cannot_reach(result, long[:119] + "…", "not a scheduler address: it is 400 characters long", "too long")
