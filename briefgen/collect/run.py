"""One ``collect`` run over an archive's sources: poll each, follow what needs following, store what is new.

Each source is asked with the validators of its last answer, so an unchanged feed or page costs a
304. A feed's entries are read (:mod:`~briefgen.collect.entries`); an entry the archive knows (by
its address) only records that this source holds it; a new one is stored, after following its link
to the article page when its ``follow`` setting asks (``auto``: when the entry is only a summary).
A summary whose page could not be read this run (the cap on new pages, a site error, robots.txt) is
stored as the feed gives it and followed by a later run, up to :data:`MAX_FOLLOW_TRIES` times. A
page source is read as a build reads a page. Every article is committed on its own, and the
source's validators only after its articles, so a killed run loses nothing it stored and the next
run reads the source whole.

Hosts are polled by ``collect.workers`` threads at once, each source of a host in turn; the rules of
:mod:`~briefgen.collect.polite` hold across them. A source that fails keeps its error and is tried
again after its back-off; one failing for longer than ``collect.alert_hours`` needs a person. Two
runs never write one archive at once: the second finds ``<archive>.lock`` held and does nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.collect.archive import Archive, ArchiveError, SourceState, now_text, parse_time
from briefgen.collect.entries import Entry, entries, is_summary
from briefgen.collect.plan import Plan, Target
from briefgen.collect.polite import GRACE, Budget, HostGate, Robots, retry_delay
from briefgen.collect.urls import canonical_url, host_of, is_web
from briefgen.errors import ArticleError
from briefgen.ingest.decode import decode
from briefgen.ingest.fetch import Answer, FetchFailed, request
from briefgen.ingest.readers import detect_form, read_url
from briefgen.models import Article
from briefgen.textsafe import message

logger = logging.getLogger(__name__)

#: How many runs try to follow a summary to its page before it is kept as the feed gave it.
MAX_FOLLOW_TRIES = 3
#: What an article page is asked for as.
_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
#: Content types that say a body is a feed, when its text does not.
_FEED_TYPES = ("rss", "atom", "xml")


@dataclass
class Outcome:
    """What polling one source came to: one line of ``collect``'s output."""

    url: str
    status: str = "ok"
    """``ok``, ``not modified`` (it answered 304), ``failed`` or ``waiting`` (backing off after failures)."""
    kind: str | None = None
    """``feed`` or ``page``, once read."""
    new: int = 0
    """Articles stored for the first time."""
    unchanged: int = 0
    """Entries or pages the archive already held."""
    failed: int = 0
    """Entries whose article could not be read at all (the source itself, when it failed)."""
    followed: int = 0
    """Article pages read to replace an entry's summary."""
    left: int = 0
    """Entries kept as the feed gives them whose page is left for a later run (the cap on new pages,
    or a site's error: up to :data:`MAX_FOLLOW_TRIES` runs try)."""
    waiting: int = 0
    """Entries with a link and no text whose page is left for a later run: the feed is read whole
    again (without its validators) until they are stored."""
    blocked: int = 0
    """Article pages robots.txt does not let ``collect`` read (an entry with text is kept as the
    feed gives it; one without is not kept)."""
    unread: int = 0
    """Article pages that could not be read (the first one's reason is in ``detail``)."""
    detail: str = ""
    needs_person: bool = False
    """The source has failed for longer than ``collect.alert_hours``."""
    first_unread: str = ""

    def line(self) -> str:
        """The outcome as ``collect`` prints it."""
        counts = f"{self.new:>5} new {self.unchanged:>5} unchanged {self.failed:>4} failed"
        return f"{self.status:<13}{counts}  {self.url}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class Report:
    """What one run did to one archive."""

    archive: Path
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0
    """Requests made: feeds and pages polled, article pages followed, robots.txt files."""
    not_modified: int = 0
    """Sources that answered 304."""
    pages: int = 0
    """Article pages fetched to follow entries."""
    articles: int = 0
    """Articles the archive holds after the run."""
    busy: bool = False
    """Another ``collect`` was writing this archive: this run did nothing."""
    seconds: float = 0.0


@dataclass(frozen=True)
class _Followed:
    article: Article
    url: str
    aliases: frozenset[str]


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[bool]:
    """Hold ``<archive>.lock`` for the run; False (and nothing held) when another run has it. The
    operating system releases it when a process dies, so a killed run never blocks the next."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ArchiveError(f"cannot open the archive {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def collect(
    plan: Plan,
    *,
    retry: bool = False,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Poll every source of ``plan`` once and store what is new in its archive (see the module's
    docstring). ``retry`` tries failing sources whatever their back-off. Raises :class:`ArchiveError`
    when the archive cannot be written; every other failure is one source's outcome."""
    started = time.monotonic()
    report = Report(plan.archive)
    with _exclusive(plan.archive) as held:
        if not held:
            report.busy = True
            return report
        with Archive(plan.archive) as archive:
            run = _Run(plan, archive, retry=retry, clock=clock, sleep=sleep)
            report.outcomes = run.all()
            report.requests, report.not_modified, report.pages = run.requests, run.not_modified, run.budget.used
            report.requests += run.robots.fetched
            report.articles = archive.size()
    report.seconds = time.monotonic() - started
    return report


class _Run:
    """The state one run shares between its workers."""

    def __init__(
        self,
        plan: Plan,
        archive: Archive,
        *,
        retry: bool,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.plan = plan
        self.archive = archive
        self.retry = retry
        self.clock = clock
        self.gate = HostGate(plan.delay, sleep=sleep)
        timeout = max((t.timeout for t in plan.targets), default=20.0)
        self.robots = Robots(self.gate, timeout)
        self.budget = Budget(plan.max_new_pages)
        self.stop = threading.Event()
        self.requests = 0
        self.not_modified = 0
        self._lock = threading.Lock()

    def _count(self, not_modified: bool = False) -> None:
        with self._lock:
            self.requests += 1
            self.not_modified += not_modified

    def all(self) -> list[Outcome]:
        """Every source's outcome, in the order of the plan; hosts polled at once, each in turn."""
        by_host: dict[str, list[int]] = {}
        for i, target in enumerate(self.plan.targets):
            by_host.setdefault(host_of(target.public), []).append(i)
        outcomes: dict[int, Outcome] = {}

        def work(indexes: list[int]) -> None:
            for i in indexes:
                if self.stop.is_set():
                    return
                target = self.plan.targets[i]
                try:
                    outcomes[i] = self.poll(target)
                except ArchiveError:
                    raise
                except Exception as exc:  # a bug in reading one source must not cost the others
                    logger.warning("%s: %s: %s", target.public, type(exc).__name__, message(exc, 200))
                    outcomes[i] = self._failed(
                        target, Outcome(target.public), f"{type(exc).__name__}: {message(exc, 200)}", None
                    )

        groups = list(by_host.values())
        workers = max(1, min(self.plan.workers, len(groups)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
            futures = [pool.submit(work, group) for group in groups]
            error: BaseException | None = None
            for future in futures:
                try:
                    future.result()
                except BaseException as exc:  # the archive failed: stop every worker, then say why
                    self.stop.set()
                    error = error or exc
        if error is not None:
            raise error
        return [outcomes[i] for i in range(len(self.plan.targets))]

    # -- one source

    def poll(self, target: Target) -> Outcome:
        out = Outcome(target.public)
        at = now_text(self.clock())
        state = self.archive.source(target.public)
        if state is not None and state.next_try and not self.retry:
            due = parse_time(state.next_try)
            if due is not None and self.clock() + GRACE < due.timestamp():
                out.status, out.kind = "waiting", state.kind
                out.detail = f"failed {state.failures} time(s); next try {state.next_try}: {state.last_error}"
                out.needs_person = self._overdue(state, target)
                return out
        self.gate.wait(target.public)
        try:
            answer = request(
                target.url,
                timeout=target.timeout,
                max_bytes=target.max_bytes,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
            )
        except FetchFailed as exc:
            self._count()
            return self._failed(target, out, exc.reason, exc.retry_after)
        self._count(not_modified=answer.status == 304)
        if answer.status == 304:
            self.archive.not_modified(target.public, at=at)
            out.status, out.kind = "not modified", state.kind if state else None
        else:
            try:
                out.kind = self._read(target, answer, out, at)
            except ArticleError as exc:
                return self._failed(target, out, exc.reason, None)
            if self.stop.is_set():  # the run stops part-way: the next one reads this source whole
                return out
            # The validators only once its articles are stored, and not while entries wait for a
            # later run: a 304 then would hide them.
            keep = out.waiting == 0
            self.archive.polled(
                target.public,
                kind=out.kind,
                etag=answer.etag if keep else None,
                last_modified=answer.last_modified if keep else None,
                at=at,
            )
        if target.follow != "never" and out.kind == "feed":
            self._pending(target, out, at)
        notes = [
            f"{out.followed} followed" if out.followed else "",
            f"{out.blocked} disallowed by robots.txt" if out.blocked else "",
            f"{out.unread} page(s) not read ({out.first_unread})" if out.unread else "",
            f"{out.left + out.waiting} left for a later run" if out.left + out.waiting else "",
        ]
        out.detail = "; ".join(n for n in notes if n)
        return out

    def _overdue(self, state: SourceState, target: Target) -> bool:
        since = parse_time(state.failing_since)
        return since is not None and self.clock() - since.timestamp() > target.alert_hours * 3600

    def _failed(self, target: Target, out: Outcome, reason: str, retry_after: float | None) -> Outcome:
        prior = self.archive.source(target.public)
        failures = (prior.failures if prior else 0) + 1
        wait = retry_delay(failures, target.retry_hours, target.max_retry_hours, retry_after)
        when = now_text(self.clock() + wait)
        state = self.archive.failed(target.public, reason=reason, at=now_text(self.clock()), next_try=when)
        out.status, out.kind, out.failed = "failed", state.kind, 1
        out.detail = f"{reason}; next try {when}"
        out.needs_person = self._overdue(state, target)
        return out

    def _read(self, target: Target, answer: Answer, out: Outcome, at: str) -> str:
        """Store what a source's answer holds; returns its kind. Raises ArticleError when it holds nothing readable."""
        text = decode(answer.body, target.public)
        if not text.strip():
            raise ArticleError(target.public, "empty response")
        try:
            form = detect_form(Path(urllib.parse.urlsplit(target.public).path or "index"), text)
        except ArticleError:
            form = "text"
        if form == "feed" or (form == "text" and any(k in answer.content_type.lower() for k in _FEED_TYPES)):
            import feedparser  # heavy: a third of a second to import; only collecting reads feeds

            # No sanitising: entries are read as text, never shown as markup, and feedparser's
            # sanitiser takes most of the time of a feed of full articles.
            parsed = feedparser.parse(
                text,
                response_headers={"content-location": answer.final_url},
                sanitize_html=False,
                resolve_relative_uris=False,
            )
            if not parsed.entries and parsed.get("bozo") and not parsed.feed:
                raise ArticleError(target.public, f"not a feed: {message(parsed.get('bozo_exception'), 200)}")
            for entry in entries(target.public, parsed, answer.final_url):
                if self.stop.is_set():
                    break
                try:
                    self._entry(target, entry, out, at)
                except ArchiveError:
                    raise
                except Exception as exc:  # one malformed entry must not cost the others
                    logger.warning(
                        "skipped %s#%d: %s: %s", target.public, entry.index, type(exc).__name__, message(exc, 200)
                    )
                    out.failed += 1
            return "feed"
        articles = read_url(answer.final_url, answer.body, answer.content_type)
        for i, article in enumerate(articles):
            if len(articles) == 1:
                url = _page_url(article.url, answer.final_url)
                aliases = {canonical_url(target.public), canonical_url(answer.final_url), url}
            else:  # an export of many articles
                url = (
                    canonical_url(article.url)
                    if article.url and is_web(article.url)
                    else f"{canonical_url(target.public)}#{i}"
                )
                aliases = {url}
            self._store(target, out, article, url, aliases, origin="page", seen_at=url, at=at)
        return "page"

    def _store(
        self,
        target: Target,
        out: Outcome,
        article: Article,
        url: str,
        aliases: set[str],
        *,
        origin: str,
        seen_at: str,
        at: str,
        follow_tries: int = 0,
    ) -> None:
        known = self.archive.find(aliases)
        if known is not None:
            self.archive.saw(known.id, source=target.public, seen_at=seen_at, at=at, aliases=aliases)
            out.unchanged += 1
            return
        _, new = self.archive.add(
            article,
            url=url,
            aliases=aliases,
            source=target.public,
            seen_at=seen_at,
            origin=origin,
            at=at,
            follow_tries=follow_tries,
        )
        if new:
            out.new += 1
        else:
            out.unchanged += 1

    # -- feed entries

    def _entry(self, target: Target, entry: Entry, out: Outcome, at: str) -> None:
        seen_at = entry.link or entry.key
        known = self.archive.find({entry.key})
        if known is not None:
            self.archive.saw(known.id, source=target.public, seen_at=seen_at, at=at)
            out.unchanged += 1
            return
        article = entry.article
        wanted = target.follow == "always" or (target.follow == "auto" and (article is None or is_summary(article)))
        if not (wanted and entry.link):
            if article is not None:
                self._store(target, out, article, entry.key, {entry.key}, origin="feed", seen_at=seen_at, at=at)
            return
        followed, why = self._follow(target, entry.link, out)
        if followed is not None:
            page = _merged(followed.article, article)
            self._store(
                target, out, page, followed.url, {entry.key, *followed.aliases}, origin="page", seen_at=seen_at, at=at
            )
            out.followed += 1
            return
        if article is None:  # a link and no text: nothing to keep until the page can be read
            if why == "failed":
                out.failed += 1
            elif why == "left":
                out.waiting += 1
            return  # robots.txt: counted as blocked, and nothing to keep
        if why != "robots":
            out.left += 1
        # robots.txt's word is not asked again: only the cap or a site's error is worth another try.
        tries = {"left": 0, "robots": MAX_FOLLOW_TRIES}.get(why, 1)
        self._store(
            target, out, article, entry.key, {entry.key}, origin="summary", seen_at=seen_at, at=at, follow_tries=tries
        )

    def _pending(self, target: Target, out: Outcome, at: str) -> None:
        """Follow the summaries earlier runs kept of this feed's entries, as far as the cap allows."""
        for article_id, link in self.archive.pending(target.public, at, MAX_FOLLOW_TRIES):
            if self.stop.is_set() or self.budget.left <= 0:
                return
            if not is_web(link):
                continue
            followed, why = self._follow(target, link, out)
            if why == "left":
                return
            if followed is None:
                self.archive.follow_failed(article_id, give_up=why == "robots")
                continue
            kept = self.archive.article(article_id)
            self.archive.followed(article_id, _merged(followed.article, kept), aliases=followed.aliases)
            out.followed += 1

    def _follow(self, target: Target, link: str, out: Outcome) -> tuple[_Followed | None, str]:
        """The article page behind ``link``, or None and why: ``left`` (the cap on new pages: a later
        run may), ``robots`` or ``failed`` (counted in ``out``)."""
        if not self.budget.take():
            return None, "left"
        allowed, crawl_delay = self.robots.check(link)
        if not allowed:
            self.budget.give_back()
            out.blocked += 1
            return None, "robots"
        self.gate.wait(link, crawl_delay)
        self._count()
        try:
            answer = request(
                link, timeout=target.timeout, max_bytes=target.max_bytes, accept=_HTML, credentials_from=target.url
            )
            articles = read_url(answer.final_url, answer.body, answer.content_type)
        except ArticleError as exc:
            return self._unread(out, exc.path, exc.reason)
        except Exception as exc:  # a reader's bug must not cost the feed's other entries
            return self._unread(out, link, f"{type(exc).__name__}: {message(exc, 200)}")
        if len(articles) != 1:
            return self._unread(out, link, f"{len(articles)} articles on the page, not one")
        page = articles[0]
        url = _page_url(page.url, answer.final_url)
        return _Followed(page, url, frozenset({canonical_url(link), canonical_url(answer.final_url), url})), "ok"

    @staticmethod
    def _unread(out: Outcome, link: str, reason: str) -> tuple[None, str]:
        logger.debug("cannot follow %s: %s", link, reason)
        out.unread += 1
        out.first_unread = out.first_unread or f"{link}: {reason}"
        return None, "failed"


def _page_url(stated: str | None, final: str) -> str:
    """A page's canonical URL: the one it states (``<link rel="canonical">``, ``og:url``), unless that
    is a site's home page, which careless sites state on every page; else where it was read."""
    if stated and is_web(stated):
        url = canonical_url(stated)
        if urllib.parse.urlsplit(url).path not in ("", "/"):
            return url
    return canonical_url(final)


def _merged(page: Article, entry: Article | None) -> Article:
    """A followed page with what its feed entry states and the page does not: title, author,
    publisher; and the entry's date when the page's own is only guessed (from its address or text)."""
    if entry is None:
        return page
    date, source = page.date, page.date_source
    if entry.date is not None and (page.date is None or page.date_source in ("url", "text")):
        date, source = entry.date, entry.date_source or "page"
    return dataclasses.replace(
        page,
        title=page.title or entry.title,
        author=page.author or entry.author,
        publisher=page.publisher or entry.publisher,
        date=date,
        date_source=source,
    )
