"""Where a batch runs: in this process, on a pool of local processes, or on a Dask cluster.

A batch is a few kinds of task, each a plain function of picklable arguments (see
:mod:`briefgen.batch`). An executor runs a list of tasks and yields each with its result
as it finishes. Tasks of one key are one task, and keys name work by its content (an
article's analysis by the hash of its text and of the analysis engine), so an article is
analysed once however many briefings use it. The executors are alternatives in
:data:`EXECUTORS`; none of them schedules anything itself: :mod:`concurrent.futures` and
Dask distributed do.

What runs on a worker hands back what it logged (:func:`captured`), for the batch's own
process to print as if it had run there. Workers never deliver: only the process that runs
the batch sends mail and writes the delivery log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
import json
import logging
import os
import pickle
import re
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from briefgen.analyse import processes
from briefgen.analyse.language import forget_sentences
from briefgen.analyse.workspace import Workspace
from briefgen.codebase import code_version
from briefgen.errors import BriefgenError, ClusterError
from briefgen.textsafe import printable

if TYPE_CHECKING:
    from distributed import Client

    from briefgen.analyse.workspace import Workspace

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: How long connecting to a Dask scheduler may take, in seconds: the whole of it, from reading the
#: address to a connected client, whatever answers there.
CONNECT_TIMEOUT = 5.0
#: How long the peer at a scheduler address has to speak first, in seconds. A Dask scheduler sends
#: its handshake as soon as it accepts a connection (within a millisecond on 127.0.0.1, distributed
#: 2026.8), as a mail or FTP server sends its greeting; an HTTP server waits to be asked.
GREETING_WAIT = 1.0
#: How many more times a local process pool runs a task it lost to a worker process that died
#: (Dask re-runs such tasks by itself, up to its ``distributed.scheduler.allowed-failures``).
RETRIES = 2


@dataclass(frozen=True)
class Task(Generic[T]):
    """One piece of work, ``fn(*args)``, named by ``key``: tasks of one key are the same work."""

    key: str
    fn: Callable[..., T]
    args: tuple[Any, ...] = ()


class Executor(Protocol):
    """What a batch needs of an engine: run tasks, and yield each with its result, or the
    exception that ended it, as it finishes."""

    in_process: bool
    """Whether tasks run in this process, one after another (they may then share objects in memory)."""

    @property
    def where(self) -> str:
        """Where tasks run, for the summary line: "on 2 local processes"; empty for this process."""
        ...

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        """Run every task (those of a key already taken once) and yield each as it finishes."""
        ...

    def close(self) -> None:
        """Let go of the processes or the cluster."""
        ...


def _unique(tasks: Iterable[Task[T]]) -> list[Task[T]]:
    found: dict[str, Task[T]] = {}
    for task in tasks:
        found.setdefault(task.key, task)
    return list(found.values())


class InProcess:
    """Every task in this process, in order, each run when the caller asks for the next result."""

    in_process = True

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        pass

    @property
    def where(self) -> str:
        return ""

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        for task in _unique(tasks):
            try:
                result: T | BaseException = task.fn(*task.args)
            except Exception as exc:
                result = exc
            yield task, result

    def close(self) -> None:
        pass


def _quiet_worker() -> None:
    """A pool process prints nothing itself: what it logs goes back with each task's result. It
    starts no processes of its own: the pool has one per core already."""
    processes.work_alone()
    root = logging.getLogger("briefgen")
    root.addHandler(logging.NullHandler())
    root.propagate = False


class LocalProcesses:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` of ``workers`` processes, started with
    ``spawn`` (spaCy and ``fork`` do not mix well). A task lost to a process that died is run
    again on a fresh pool, at most :data:`RETRIES` more times."""

    in_process = False

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        if workers < 1:
            raise BriefgenError(f"a pool needs at least one worker process, not {workers}")
        self.workers = workers
        self._pool = self._start()

    def _start(self) -> concurrent.futures.ProcessPoolExecutor:
        import multiprocessing

        return concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_worker
        )

    @property
    def where(self) -> str:
        return f"on {self.workers} local process{'es' if self.workers != 1 else ''}"

    def _submit(self, task: Task[T]) -> concurrent.futures.Future[T]:
        try:
            return self._pool.submit(task.fn, *task.args)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(task.fn, *task.args)

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        pending = {self._submit(task): task for task in _unique(tasks)}
        lost: dict[str, int] = {}
        while pending:
            finished, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                try:
                    result: T | BaseException = future.result()
                except BrokenProcessPool as exc:
                    lost[task.key] = lost.get(task.key, 0) + 1
                    if lost[task.key] <= RETRIES:
                        pending[self._submit(task)] = task
                        continue
                    result = exc
                except Exception as exc:
                    result = exc
                yield task, result

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def worker_code() -> str:
    """:func:`briefgen.codebase.code_version` where this runs: a worker must run the same code as the batch."""

    return code_version()


class DaskCluster:
    """A running Dask distributed cluster, reached through its scheduler: ``tcp://HOST:PORT``, or
    the scheduler file that ``dask scheduler --scheduler-file`` writes.

    Connecting fails within :data:`CONNECT_TIMEOUT` seconds with a :class:`ClusterError`, and so
    does a cluster whose workers run other briefgen code or libraries than this process (their
    briefings would differ). Dask re-runs the tasks of a worker that dies.
    """

    in_process = False

    def __init__(self, workers: int = 1, scheduler: str | None = None, *, timeout: float | None = None) -> None:
        try:
            from distributed import Client  # an extra, and slow to load: only a batch on Dask needs it
        except ImportError:
            raise ClusterError(
                "running on a Dask cluster needs the cluster extra: pip install 'briefgen[cluster]'"
            ) from None

        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        if scheduler is None:
            raise BriefgenError("running on Dask needs a scheduler address, such as tcp://127.0.0.1:8786")
        deadline = time.monotonic() + timeout
        shown = _shown(scheduler)
        try:
            address = scheduler
            if "://" not in scheduler and _is_file(scheduler):
                address = _address_in_file(scheduler)
                shown = f"{_shown(address)} (named in {shown})"
            scheme, host, port = parse_scheduler_address(address)
            if scheme in _PROBED:
                probe_scheduler(scheme, host, port, deadline=deadline, timeout=timeout)
            client = _connect_client(Client, address, deadline=deadline, timeout=timeout)
        except NoScheduler as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {shown}: {exc}") from None
        self.client: Client = client
        self.address = str(client.scheduler.address if client.scheduler is not None else address)
        try:
            self._check_workers()
        except BaseException:
            client.close()
            raise

    def _check_workers(self) -> None:

        try:
            codes: dict[str, str] = self.client.run(worker_code)
        except Exception as exc:
            raise ClusterError(
                f"the workers of {self.address} cannot run briefgen ({type(exc).__name__}: {exc}); "
                "install briefgen in the environment the workers run in"
            ) from None
        here = code_version()
        other = sorted(address for address, code in codes.items() if code != here)
        if other:
            raise ClusterError(
                f"{len(other)} worker(s) of {self.address} ({', '.join(other)}) run other briefgen code or "
                "libraries than this machine: install the same versions on every worker"
            )
        if not codes:
            logger.warning("no worker is connected to %s yet: the batch waits for one", self.address)

    @property
    def where(self) -> str:
        n = len(self.client.nthreads())
        return f"on {self.address}, {n} worker{'' if n == 1 else 's'}"

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        from distributed import as_completed

        futures = {}
        for task in _unique(tasks):
            future = self.client.submit(task.fn, *task.args, key=task.key)
            futures[future.key] = (future, task)
        for future in as_completed([f for f, _ in futures.values()], loop=self.client.loop):
            _, task = futures.pop(future.key)
            try:
                result: T | BaseException = future.result()
            except (Exception, asyncio.CancelledError) as exc:
                result = exc
            future.release()
            yield task, result

    def close(self) -> None:
        try:
            self.client.run(release_workspaces)
        except Exception as exc:  # a cluster going away takes its workspaces with it
            logger.debug("could not release the workers' workspaces: %s", exc)
        self.client.close()


# ----------------------------------------------------------------------------- a scheduler's address
#
# The address of a scheduler is untrusted input: whatever answers there must end the batch at once
# with one line saying what it is, within CONNECT_TIMEOUT. distributed's own client cannot promise
# that: it waits without end for the handshake of a peer that accepts and says nothing (an HTTP
# server, a silent listener), and takes the first 8 bytes of whatever a peer sends as the length of
# a message and allocates it ("220 mail" asks for 6.8 EiB). So the address is checked and its peer
# heard out here, with plain sockets and deadlines, before distributed connects, and distributed
# connects under the same deadline.

#: Schemes of distributed's address families whose peer is reached over TCP; only ``tcp``'s speaks
#: Dask's framed protocol from its first byte (``tls`` and ``wss`` start with a TLS handshake, ``ws``
#: with an HTTP upgrade), so only its peer is heard out.
_PROBED = frozenset({"tcp", "tls", "ws", "wss"})
#: The longest address read: a host name is at most 253 characters.
_MAX_ADDRESS = 300
#: The most read of a peer's first message: a scheduler's handshake is 66 bytes (distributed 2026.8).
_MAX_GREETING = 64 * 1024
#: The most read of a scheduler file (one small JSON object).
_MAX_SCHEDULER_FILE = 1 << 20
#: A host name: letters, digits, hyphens and underscores in dot-separated labels.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?:\.(?!-)[A-Za-z0-9_-]{1,63})*\.?")
_PORT = re.compile(r"[0-9]{1,5}")


class NoScheduler(Exception):
    """What was found at a scheduler address instead of a Dask scheduler, in words."""


def _shown(address: str) -> str:
    """An address as a message shows it: one line, control characters as escapes, long ones cut,
    in quotes if it is empty or begins or ends with white space."""
    shown = printable(address, 120)
    return f"'{shown}'" if not address or address != address.strip() else shown


def _is_file(text: str) -> bool:
    """Whether ``text`` names a scheduler file; what exists there but is no regular file (a FIFO, a
    directory, a device) is refused, never opened: a FIFO would wait for a writer."""
    if "://" in text:
        return False
    try:
        mode = os.stat(text).st_mode
    except (OSError, ValueError):  # nothing there, a name too long for a path, or with a NUL in it
        return False
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
        raise NoScheduler(f"not a scheduler file: it is {kind}")
    return True


def _address_in_file(path: str) -> str:
    """The address in a scheduler file, as ``dask scheduler --scheduler-file`` writes it."""
    try:
        with open(path, "rb") as file:
            data = file.read(_MAX_SCHEDULER_FILE + 1)
    except OSError as exc:
        raise NoScheduler(f"cannot read the scheduler file ({exc.strerror or exc})") from None
    try:
        named = json.loads(data) if len(data) <= _MAX_SCHEDULER_FILE else None
    except ValueError:
        named = None
    address = named.get("address") if isinstance(named, dict) else None
    if not isinstance(address, str):
        raise NoScheduler("not a scheduler file: it holds no JSON object with an address")
    return address


def parse_scheduler_address(address: str) -> tuple[str, str, int]:
    """The scheme, host and port of a scheduler address, ``tcp://HOST:PORT`` (``HOST:PORT`` means
    ``tcp://HOST:PORT``; an IPv6 host goes in brackets), or :class:`NoScheduler` saying why it is
    not one. Any scheme of distributed's address families but ``inproc`` is taken."""
    from distributed.comm.registry import backends

    def wrong(why: str) -> NoScheduler:
        return NoScheduler(f"not a scheduler address: {why}")

    if not address:
        raise wrong("it is empty")
    if len(address) > _MAX_ADDRESS:
        raise wrong(f"it is {len(address)} characters long")
    if any(not c.isprintable() or c.isspace() for c in address):
        raise wrong("it holds white space or control characters")
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
        if ":" not in address or "/" in address or "\\" in address:  # a missing file, or a host without its port
            raise wrong("no such scheduler file, and not tcp://HOST:PORT")
    elif scheme not in _PROBED or scheme not in backends:  # ucx:// needs a library this install lacks
        raise wrong(f"Dask speaks tcp://HOST:PORT (or tls://, ws://, wss://), not {printable(scheme, 20)}://")
    if rest.startswith("["):
        host, bracket, port = rest[1:].partition("]")
        if not bracket or not port.startswith(":"):
            raise wrong("an IPv6 address is written [ADDRESS]:PORT")
        port = port[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise wrong(f"{printable(host, 60)!r} is not an IPv6 address") from None
    else:
        host, colon, port = rest.rpartition(":")
        if not colon:
            raise wrong("it names no port, as in tcp://HOST:8786" if rest else "it names no host and no port")
        if ":" in host:
            raise wrong("an IPv6 address goes in brackets, as in tcp://[::1]:8786")
        if not host:
            raise wrong("it names no host")
        if len(host) > 253 or not _HOST_NAME.fullmatch(host):
            raise wrong(f"{printable(host, 60)!r} is not a host name")
    if not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
        raise wrong(f"the port {printable(port, 20)!r} is not a number from 1 to 65535")
    return scheme, host, int(port)


def probe_scheduler(scheme: str, host: str, port: int, *, deadline: float, timeout: float) -> None:
    """Reach ``host:port`` by ``deadline`` (a :func:`time.monotonic` time), as :class:`NoScheduler`
    saying what was found there if it is not a Dask scheduler. ``timeout`` is the whole wait, for messages.

    A peer of ``tcp`` is heard out: a scheduler greets first with its handshake; a peer silent for
    :data:`GREETING_WAIT` seconds is sent a client's handshake, exactly what distributed would send
    it, and is judged by what it says back (an HTTP server answers it with an error page). A
    scheduler is sent the client's handshake too, before the probe hangs up, so that it does not
    log a connection "closed before handshake completed".
    """
    infos = _resolve(host, port, deadline=deadline, timeout=timeout)
    with _connect(infos, deadline=deadline, timeout=timeout) as sock:
        if scheme != "tcp":
            return
        spoke = False
        heard = _receive(sock, min(deadline, time.monotonic() + GREETING_WAIT), deadline)
        if heard is None:
            try:
                sock.sendall(_client_handshake())
            except OSError:
                raise NoScheduler("the connection was closed") from None
            spoke = True
            heard = _receive(sock, deadline, deadline)
            if heard is None:
                raise NoScheduler(f"no answer within {timeout:g} s")
        if not heard:
            raise NoScheduler(
                "the connection was closed when spoken to" if spoke else "the connection was closed at once"
            )
        if not _is_dask_handshake(heard):
            raise NoScheduler(_what_answers(heard))
        if not spoke:
            with contextlib.suppress(OSError):
                sock.sendall(_client_handshake())


def _resolve(host: str, port: int, *, deadline: float, timeout: float) -> list[Any]:
    """``getaddrinfo`` for ``host``, which cannot be given a deadline: run in a thread left behind
    if it is not done by then."""
    found: list[Any] = []
    failed: list[BaseException] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            failed.append(exc)

    thread = threading.Thread(target=lookup, name="briefgen-scheduler-lookup", daemon=True)
    thread.start()
    thread.join(max(deadline - time.monotonic(), 0.0))
    if thread.is_alive():
        raise NoScheduler(f"the host name {host} did not resolve within {timeout:g} s")
    if not found:
        why = next((getattr(exc, "strerror", None) or str(exc) for exc in failed), "no address")
        raise NoScheduler(f"the host name {host} does not resolve ({why})")
    return found


def _connect(infos: list[Any], *, deadline: float, timeout: float) -> socket.socket:
    """A socket connected to one of ``infos`` by ``deadline``. A refused connection is tried again
    until then, as distributed does, for a scheduler that is still starting."""
    last: str | None = None
    pause = 0.05
    while True:
        for family, kind, proto, _, sockaddr in infos:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(remaining)
                sock.connect(sockaddr)
            except TimeoutError:
                sock.close()
            except ConnectionRefusedError:
                sock.close()
                last = "connection refused"
            except OSError as exc:
                sock.close()
                last = (exc.strerror or type(exc).__name__).lower()
            else:
                return sock
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoScheduler(f"{last} (tried for {timeout:g} s)" if last else f"no answer within {timeout:g} s")
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.5)


def _receive(sock: socket.socket, first_by: float, deadline: float) -> bytes | None:
    """What the peer sends, read until it is enough to judge: None if nothing came by ``first_by``,
    ``b""`` if the peer closed the connection first."""
    data = b""
    while _wants_more(data):
        remaining = (first_by if not data else deadline) - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            break
        except OSError:  # reset by the peer
            return data
        if not chunk:
            return data
        data += chunk
    return data or None


def _wants_more(data: bytes) -> bool:
    """Whether a peer's first bytes may be the start of a scheduler's handshake not yet whole, or
    of a line of text not yet ended; a frame announcing more than :data:`_MAX_GREETING` bytes is
    judged as it is, and never allocated."""
    if len(data) >= _MAX_GREETING:
        return False
    if len(data) < 8:
        return b"\n" not in data
    size: int = struct.unpack_from("Q", data)[0]  # a frame's length, as distributed.comm.tcp writes it
    return 16 <= size <= _MAX_GREETING and len(data) < 8 + size


def _is_dask_handshake(data: bytes) -> bool:
    """Whether ``data`` is the handshake a scheduler sends as it accepts a connection: one frame in
    distributed's framing (its length, the number of parts and each part's length) of a msgpack map
    holding ``python`` and ``pickle-protocol``."""
    import msgpack  # type: ignore[import-untyped]  # ships no type information; a dependency of distributed

    if len(data) < 24:
        return False
    size, parts = struct.unpack_from("QQ", data)
    if not 1 <= parts <= 16 or len(data) < 8 + size or 16 + 8 * parts > 8 + size:
        return False
    lengths = struct.unpack_from(f"{parts}Q", data, 16)
    start = 16 + 8 * parts
    if start + lengths[0] > 8 + size:
        return False
    try:
        hello: object = msgpack.unpackb(data[start : start + lengths[0]], raw=False, strict_map_key=False)
    except Exception:  # msgpack's errors for bytes that are not msgpack are of several classes
        return False
    return isinstance(hello, dict) and {"python", "pickle-protocol"} <= hello.keys()


def _client_handshake() -> bytes:
    """The handshake distributed's client sends as it connects, framed as it frames it, with one
    more key a scheduler ignores, whose value ends an HTTP request's head: an HTTP server that
    waits for the end of a request (tornado, as a Dask dashboard runs it; Python's
    :mod:`http.server`) answers at once, with an error."""
    import msgpack

    hello = {
        "compression": None,
        "python": tuple(sys.version_info)[:3],
        "pickle-protocol": pickle.HIGHEST_PROTOCOL,
        "briefgen-probe": "\r\n\r\n",
    }
    frame: bytes = msgpack.packb(hello, use_bin_type=True)
    prelude = struct.pack("QQ", 1, len(frame))
    return struct.pack("Q", len(prelude) + len(frame)) + prelude + frame


def _what_answers(data: bytes) -> str:
    """What a peer that is not a Dask scheduler is, by what it said first."""
    line = data.split(b"\n", 1)[0].rstrip(b"\r")
    said = f"it said {printable(line.decode('latin-1'), 60)!r}"
    if data.startswith(b"HTTP/") or data.lstrip()[:14].lower().startswith((b"<!doctype html", b"<html")):
        return f"an HTTP server answers there, not a Dask scheduler ({said})"
    if re.match(rb"220[ -]", data):
        kind = "an FTP" if b"FTP" in line.upper() else "an SMTP"
        return f"{kind} server answers there, not a Dask scheduler ({said})"
    if data.startswith(b"SSH-"):
        return f"an SSH server answers there, not a Dask scheduler ({said})"
    if data[:1] in (b"\x15", b"\x16") and data[1:2] == b"\x03":
        return "a TLS server answers there, not a Dask scheduler on plain TCP (for TLS, write tls://)"
    if line and all(32 <= byte < 127 for byte in line):
        return f"something other than a Dask scheduler answers there ({said})"
    return f"something other than a Dask scheduler answers there (it sent {data[:24]!r}{'…' if len(data) > 24 else ''})"


def _connect_client(make: type[Client], address: str, *, deadline: float, timeout: float) -> Client:
    """``Client(address)`` connected by ``deadline``, else :class:`NoScheduler`. distributed bounds
    some waits of its own connecting but not all (a peer that accepts and never completes the
    handshake is waited for without end), so the client is made in a thread, left behind at the
    deadline, that closes the client if it comes later."""
    lock = threading.Lock()
    got: dict[str, Any] = {}
    done = threading.Event()

    def connect() -> None:
        half: Client | None = None
        try:
            remaining = max(deadline - time.monotonic(), 0.1)
            client = make(address, timeout=f"{remaining}s", set_as_default=False)
        except Exception as exc:  # whatever a peer's answers made of distributed: said in words
            got["error"] = _why_not_connected(exc, timeout)
            half = _half_made(exc, make)
        else:
            with lock:
                got["client"] = client
                half = client if "gone" in got else None
        done.set()
        if half is not None:  # now, while its event loop runs: at exit, its close would wait 2 × timeout
            with contextlib.suppress(Exception):
                half.close(timeout=1)

    threading.Thread(target=connect, name="briefgen-scheduler-connect", daemon=True).start()
    done.wait(max(deadline - time.monotonic(), 0.0) + 0.5)  # distributed's own timeout, if any, comes first
    with lock:
        if "client" in got:
            client: Client = got["client"]
            return client
        got["gone"] = True
    raise NoScheduler(got.get("error") or f"no answer within {timeout:g} s")


def _why_not_connected(error: Exception, timeout: float) -> str:
    text = " ".join(str(error).split())
    if isinstance(error, MemoryError) or (isinstance(error, ValueError) and "dimension" in text):
        # distributed allocates the length a message announces before reading it
        return "something other than a Dask scheduler answers there (it announced a message too large to hold)"
    if isinstance(error, TimeoutError) or "timed out" in text.lower():
        return f"no answer within {timeout:g} s"
    return printable(f"{type(error).__name__}: {text}" if text else type(error).__name__, 200)


def _half_made(error: Exception, kind: type[Client]) -> Client | None:
    """The client whose constructor raised ``error``, found in its traceback, to be closed."""
    frame = error.__traceback__
    while frame is not None:
        candidate = frame.tb_frame.f_locals.get("self")
        if isinstance(candidate, kind):
            return candidate
        frame = frame.tb_next
    return None


#: The executors a batch can run on, by name.
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "sequential": InProcess,
    "processes": LocalProcesses,
    "dask": DaskCluster,
}


def open_executor(name: str, *, workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor ``name`` of :data:`EXECUTORS`: ``workers`` local processes for ``processes``, the
    cluster of ``scheduler`` for ``dask``."""
    try:
        make = EXECUTORS[name]
    except KeyError:
        raise BriefgenError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}") from None
    return make(workers=workers, scheduler=scheduler)


# ----------------------------------------------------------------------------- on a worker


@dataclass(frozen=True)
class LogLine:
    """One message logged by a task, to be logged again by the batch's process."""

    logger: str
    level: int
    message: str


class _Collector(logging.Handler):
    """Keeps what each thread logs while it runs a task under :func:`captured`."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        lines: list[LogLine] | None = getattr(self.local, "lines", None)
        if lines is None or record.levelno < self.local.level:
            return
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        lines.append(LogLine(record.name, record.levelno, text))


_lock = threading.Lock()
_collector = _Collector()
#: Each worker thread's workspace for the run it works for (see :func:`run_workspace`).
_workspaces: dict[int, tuple[str, Workspace]] = {}


@contextmanager
def captured(level: int | None) -> Iterator[list[LogLine]]:
    """What briefgen logs at ``level`` or above in this thread while the block runs; nothing is
    kept for ``level=None`` (a task run in the batch's own process logs there directly)."""
    lines: list[LogLine] = []
    if level is None:
        yield lines
        return
    root = logging.getLogger("briefgen")
    with _lock:
        if _collector not in root.handlers:
            root.addHandler(_collector)
        if root.getEffectiveLevel() > level:
            root.setLevel(level)
    _collector.local.lines, _collector.local.level = lines, level
    try:
        yield lines
    finally:
        _collector.local.lines = None


def replay(lines: Iterable[LogLine], seen: set[LogLine] | None = None) -> None:
    """Log again, here, what a task logged on a worker; with ``seen``, each message once."""
    for line in lines:
        if seen is not None:
            if line in seen:
                continue
            seen.add(line)
        logging.getLogger(line.logger).log(line.level, "%s", line.message)


def run_workspace(cache_dir: Path, run: str) -> Workspace:
    """This thread's workspace for the batch run ``run``, over the shared ``cache_dir``: the builds a
    worker makes for one run share what they have read and analysed; a new run starts afresh."""

    me = threading.get_ident()
    with _lock:
        got = _workspaces.get(me)
        if got is None or got[0] != run or got[1].cache_dir != cache_dir:
            got = _workspaces[me] = (run, Workspace(cache_dir))
    return got[1]


def release_workspaces() -> None:
    """Drop every workspace this process keeps for a run, and the sentences' languages it judged
    (:func:`~briefgen.analyse.language.forget_sentences`), so a long-lived worker holds nothing
    between runs."""
    with _lock:
        _workspaces.clear()
    forget_sentences()
