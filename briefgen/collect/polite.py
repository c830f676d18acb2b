"""How ``collect`` stays polite: a delay per host, robots.txt, a cap on new pages, and back-off.

- **A delay per host.** Requests to one host are spaced at least ``collect.delay`` seconds apart,
  whichever worker makes them (:class:`HostGate`), or the ``Crawl-delay`` the host's robots.txt
  asks for, up to :data:`MAX_CRAWL_DELAY`.
- **robots.txt** is honoured for the article pages ``collect`` follows to (the feeds and pages a
  config names are the user's own choice), read once per host per run as RFC 9309 says
  (:class:`Robots`): rules for ``briefgen`` or ``*`` apply; a robots.txt that is missing or
  refused (4xx) allows everything; one that cannot be read (5xx, no answer, too large) allows
  nothing this run. The rules are matched by the standard library's ``urllib.robotparser``.
- **A cap on new pages** per run (:class:`Budget`): a feed of a thousand new entries does not make
  a thousand requests in one hour.
- **Back-off** for a failing source (:func:`retry_delay`): each failure in a row doubles the wait
  before the next try, up to a bound, and a site's ``Retry-After`` is honoured (RFC 9110, section
  10.2.3).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.robotparser
from collections.abc import Callable

from briefgen.collect.urls import host_of, origin_of
from briefgen.ingest.fetch import USER_AGENT, FetchFailed, request

logger = logging.getLogger(__name__)

#: The longest ``Crawl-delay`` honoured, in seconds; a larger one is taken as this.
MAX_CRAWL_DELAY = 60.0
#: RFC 9309 (section 2.5) asks crawlers to read at least 500 KiB of a robots.txt; a larger one is
#: taken for one that cannot be read.
MAX_ROBOTS_BYTES = 512 * 1024
#: Seconds early a source that is backing off may be tried: runs from cron or a timer start a
#: little before or after the hour, and a source due at 10:00:03 is due at 10:00.
GRACE = 300.0


class HostGate:
    """Spaces the requests to each host at least ``delay`` seconds apart, across threads."""

    def __init__(
        self,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay = delay
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str, at_least: float = 0.0) -> None:
        """Return when a request to ``url``'s host may go: ``delay`` (or ``at_least``) after the last one."""
        host = host_of(url)
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + max(self.delay, min(at_least, MAX_CRAWL_DELAY))
        if slot > now:
            self._sleep(slot - now)


class Budget:
    """At most ``pages`` new pages a run, shared by every worker."""

    def __init__(self, pages: int) -> None:
        self.left = pages
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            self.used += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.left += 1
            self.used -= 1


class Robots:
    """Each host's robots.txt, read once per run (see the module's docstring)."""

    def __init__(self, gate: HostGate, timeout: float) -> None:
        self._gate = gate
        self._timeout = timeout
        self._rules: dict[str, urllib.robotparser.RobotFileParser | bool] = {}
        """Each origin's rules; True when everything is allowed, False when nothing is."""
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.fetched = 0

    def _parser(self, origin: str) -> urllib.robotparser.RobotFileParser | bool:
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one read per host, whichever worker asks first
            if origin not in self._rules:
                self._rules[origin] = self._read(origin)
            return self._rules[origin]

    def _read(self, origin: str) -> urllib.robotparser.RobotFileParser | bool:
        self._gate.wait(origin)
        self.fetched += 1
        try:
            answer = request(
                f"{origin}/robots.txt", timeout=self._timeout, max_bytes=MAX_ROBOTS_BYTES, accept="text/plain,*/*;q=0.5"
            )
        except FetchFailed as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return True  # "unavailable": RFC 9309, section 2.3.1.3
            logger.info("%s/robots.txt: %s; nothing on that site is followed this run", origin, exc.reason)
            return False  # "unreachable": RFC 9309, section 2.3.1.4
        parser = urllib.robotparser.RobotFileParser(f"{origin}/robots.txt")
        parser.parse(answer.body.decode("utf-8", "replace").splitlines())
        return parser

    def check(self, url: str) -> tuple[bool, float]:
        """Whether ``url`` may be fetched, and the ``Crawl-delay`` its host asks for (0 when none)."""
        origin = origin_of(url)
        if not origin:
            return False, 0.0
        parser = self._parser(origin)
        if isinstance(parser, bool):
            return parser, 0.0
        delay = parser.crawl_delay(USER_AGENT)
        return parser.can_fetch(USER_AGENT, url), float(delay or 0.0)


def retry_delay(failures: int, first_hours: float, max_hours: float, retry_after: float | None = None) -> float:
    """Seconds to wait before trying a source again after ``failures`` failures in a row: doubling
    from ``first_hours``, at most ``max_hours``, and at least what the site asked for (``retry_after``)."""
    wait = min(max_hours, first_hours * 2.0 ** max(0, failures - 1)) * 3600.0
    return max(wait, retry_after or 0.0)
