"""What one delivery did, recipient by recipient and target by target: the lines ``send`` prints and
the row ``batch`` shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Statuses of an outcome that leave nothing to do: the recipient has the briefing (or, in a dry run,
#: its message is written), or asked for no more.
SETTLED = ("sent", "already sent", "written", "unsubscribed")


@dataclass(frozen=True)
class Outcome:
    """What happened for one recipient (or notification target) in this run."""

    recipient: str
    """The bare address; for a notification target, how it is shown (its kind, host and a hash)."""
    kind: str
    """``to``, ``cc``, ``bcc``, ``list`` (a row of the recipients CSV) or ``notify``."""
    status: str  # sent | already sent | in doubt | deferred | failed | unsubscribed | written (dry run)
    message_id: str | None = None
    detail: str = ""
    attempts: int = 0

    @property
    def delivered(self) -> bool:
        return self.status in ("sent", "already sent", "written")

    @property
    def settled(self) -> bool:
        """Whether nothing is left to do for it: delivered, or unsubscribed."""
        return self.status in SETTLED


@dataclass(frozen=True)
class DeliveryReport:
    config: str
    as_of: dt.date
    outcomes: tuple[Outcome, ...]
    dry_run: bool = False

    @property
    def complete(self) -> bool:
        """Whether every recipient has the briefing (or, in a dry run, has a message written), but
        those who unsubscribed."""
        return all(o.settled for o in self.outcomes)

    def counts(self) -> str:
        """``delivered/wanted``: those who unsubscribed are not counted."""
        done = sum(o.delivered for o in self.outcomes)
        wanted = sum(o.status != "unsubscribed" for o in self.outcomes)
        return f"{done}/{wanted}"
