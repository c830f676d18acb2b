"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it accepts and can be told to
refuse, stall or hang up, for the delivery tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
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
    next DATA commands get instead of acceptance (``"drop"`` hangs up without a reply);
    ``hold`` names recipients whose DATA waits until ``release`` is set; the first ``stall`` DATA
    commands wait ``stall_seconds`` and then refuse, as a server too slow to answer in time.
    """

    refuse: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    hold: set[str] = field(default_factory=set)
    stall: int = 0
    stall_seconds: float = 1.0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    data_commands: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
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
            return reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 accepted"

    def by_recipient(self) -> dict[str, Received]:
        return {r.rcpt_tos[0]: r for r in self.received}


class Authenticator:
    """Accepts one user name and password; records every attempt."""

    def __init__(self, recorder: Recorder, user: str, password: str) -> None:
        self.recorder, self.user, self.password = recorder, user, password

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.recorder.logins.append((user, password))
        return AuthResult(success=(user, password) == (self.user, self.password), handled=False)


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
