"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and can be told to
refuse, stall or hang up, for the delivery tests; and a raw TCP server for servers that break
the protocol itself (no greeting, endless replies)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        message = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)  # the default policy makes EmailMessage objects
        return message


@dataclass
class Recorder:
    """An aiosmtpd handler.

    ``refuse`` maps an address to the reply its RCPT gets; ``data_replies`` are the replies the
    next DATA commands get, after the message data, instead of acceptance (``"drop"`` hangs up
    without a reply; ``"keep+drop"`` keeps the message, then hangs up without a reply;
    ``"keep+slow"`` keeps it and acknowledges it only after ``stall_seconds``: the sender cannot
    know it arrived); ``rcpt_replies`` are the replies the next RCPT commands get, before any
    data (``"drop"`` hangs up; ``"stall"`` waits ``stall_seconds``, then refuses);
    ``hold`` names recipients whose DATA waits until ``release`` is set; the first ``stall`` DATA
    commands wait ``stall_seconds`` and then refuse, as a server too slow to answer in time;
    ``on_data`` is called (in the server's thread) with the recipients of each DATA before it is answered.
    """

    refuse: dict[str, str | bytes] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    hold: set[str] = field(default_factory=set)
    stall: int = 0
    stall_seconds: float = 1.0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    data_commands: int = 0
    on_data: Callable[[list[str]], None] | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str | bytes:
        if address in self.refuse:
            return self.refuse[address]
        if self.rcpt_replies:
            reply = self.rcpt_replies.pop(0)
            if reply == "drop":
                server.transport.close()
                return "421 4.4.2 closing"
            if reply == "stall":
                await asyncio.sleep(self.stall_seconds)
                return "451 4.3.0 too slow"
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        if self.on_data is not None:
            self.on_data(list(envelope.rcpt_tos))
        if self.hold & set(envelope.rcpt_tos):
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 released"
        if self.stall:
            self.stall -= 1
            await asyncio.sleep(self.stall_seconds)
            return "451 4.3.0 too slow"
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if reply == "drop":
                server.transport.close()
                return "421 4.4.2 closing"
            if reply.startswith("keep+"):
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
                if reply == "keep+drop":
                    server.transport.close()
                    return "421 4.4.2 closing"
                await asyncio.sleep(self.stall_seconds)
                return "250 2.0.0 accepted, late"
            return reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 accepted"

    def by_recipient(self) -> dict[str, Received]:
        return {r.rcpt_tos[0]: r for r in self.received}


def login_forms(user: str, password: str) -> list[str]:
    """The user name and password as they may come back from a server: as given, and base64-encoded
    as AUTH PLAIN and AUTH LOGIN send them."""
    encoded = [
        base64.b64encode(raw.encode()).decode()
        for raw in (user, password, f"\0{user}\0{password}", f"{user}\0{user}\0{password}")
    ]
    return [user, password, *encoded]


class Authenticator:
    """Accepts one user name and password; records every attempt. With ``echo`` a refusal
    (``535``) repeats the login it refused, in every form, as a careless server might."""

    def __init__(self, recorder: Recorder, user: str, password: str, echo: bool = False) -> None:
        self.recorder, self.user, self.password, self.echo = recorder, user, password, echo

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.recorder.logins.append((user, password))
        success = (user, password) == (self.user, self.password)
        if self.echo and not success:
            return AuthResult(
                success=False, handled=False, message="535 5.7.8 refused: " + " ".join(login_forms(user, password))
            )
        return AuthResult(success=success, handled=False)


@contextmanager
def smtp_server(recorder: Recorder | None = None, **kwargs: Any):
    """Run an SMTP server on a free port of 127.0.0.1; yields ``(port, recorder)``."""
    from aiosmtpd.controller import Controller

    recorder = recorder or Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, recorder
    finally:
        recorder.release.set()
        controller.stop()


@contextmanager
def raw_server(talk: Callable[[socket.socket, threading.Event], None]) -> Iterator[int]:
    """A TCP server on a free port of 127.0.0.1 that runs ``talk(connection, stop)`` for each
    connection in a thread of its own, for servers that break SMTP itself; yields the port.
    ``stop`` is set when the server shuts down."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port: int = listener.getsockname()[1]
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client hung up
            talk(conn, stop)

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
