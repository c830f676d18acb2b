"""What a build reads of the archive: each URL source's articles for the window, and whether to read
the source live too.

A build opens its config's archive read-only (it never waits on a ``collect`` writing it, and never
writes it). For each ``http(s)://`` source it takes the articles the archive holds of it whose day
is in the window (their date, or the day they were first collected when undated), so Friday's
briefing still has Monday's entries after they left the feed. It also reads the source live, as
builds did before the archive, when ``collect.live`` says so: ``always`` (or ``build --fetch``), or
``auto`` when the archive has not collected the source within ``fetch.max_age_hours``. An article
the archive holds wins over the same article read live (same address or same text): the archive's
may be the full article a summary led to.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from briefgen.collect.archive import Archive, Archived, ArchiveError, SourceState, content_hash, parse_time
from briefgen.collect.plan import archive_path
from briefgen.collect.urls import canonical_url
from briefgen.config.load import LoadedConfig
from briefgen.ingest.fetch import is_url, public_url
from briefgen.models import Article

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Collected:
    """When and where an article a build read from the archive was collected."""

    first_seen: str
    """When the archive first stored it (UTC, ISO 8601)."""
    sources: tuple[str, ...]
    """Every source (feed or page) it was seen in."""


class Shelf:
    """A config's archive, open for reading during one build; empty when there is none yet."""

    def __init__(self, loaded: LoadedConfig, now: float | None = None) -> None:
        self.loaded = loaded
        self.now = time.time() if now is None else now
        self._archive: Archive | None = None
        self._opened = False
        self._served: set[str] = set()
        self._aliases: set[str] = set()
        self._hashes: set[str] = set()
        self._windows: dict[tuple[tuple[dt.date, dt.date] | None, int], dict[str, list[Archived]]] = {}

    @property
    def archive(self) -> Archive | None:
        """The archive, opened read-only the first time a URL source asks; None when there is none."""
        if not self._opened:
            self._opened = True
            path = archive_path(self.loaded)
            if path.exists():
                try:
                    self._archive = Archive(path, readonly=True)
                except ArchiveError as exc:
                    logger.warning("%s; reading URL sources live only", exc)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None
        self._opened = True

    def __enter__(self) -> Shelf:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def live(self, url: str) -> bool:
        """Whether the build reads the source ``url`` (without credentials) live too (see the module's docstring)."""
        mode = self.loaded.config.collect.live
        if mode == "always":
            return True
        state = self._state(url)
        last = parse_time(state.last_success) if state is not None else None
        if mode == "never":
            if last is None:
                logger.warning("%s: never collected, and collect.live is never: run briefgen collect", url)
            return False
        if last is None:
            return True
        age = self.now - last.timestamp()
        if age > self.loaded.config.fetch.max_age_hours * 3600:
            logger.info("%s: last collected %s; reading it live too", url, state.last_success if state else "?")
            return True
        return False

    def _state(self, url: str) -> SourceState | None:
        archive = self.archive
        if archive is None:
            return None
        try:
            return archive.source(url)
        except ArchiveError as exc:
            self._give_up(exc)
            return None

    def _give_up(self, exc: ArchiveError) -> None:
        logger.warning("%s; reading URL sources live only", exc)
        self.close()

    def articles(self, url: str, window: tuple[dt.date, dt.date] | None, limit: int) -> list[Archived]:
        """The articles the archive holds of the source ``url`` for ``window`` (None: all), each once a
        build, however many of its sources hold it."""
        archive = self.archive
        if archive is None:
            return []
        if (window, limit) not in self._windows:  # every URL source of the config at once
            start, end = window if window is not None else (None, None)
            urls = [public_url(s) for s in self.loaded.config.sources if is_url(s)]
            try:
                self._windows[window, limit] = archive.windows(urls, start, end, limit)
            except ArchiveError as exc:
                self._give_up(exc)
                return []
        found = self._windows[window, limit].get(url, [])
        fresh = [a for a in found if a.article.path not in self._served]
        for archived in fresh:
            self._served.add(archived.article.path)
            self._aliases.update(archived.aliases)
            self._hashes.add(archived.content_hash)
        return fresh

    def holds(self, article: Article) -> bool:
        """Whether ``article``, read live, is one the build has from the archive (same address or text)."""
        for url in (article.url, article.path):
            if url and canonical_url(url) in self._aliases:
                return True
        return content_hash(article.blocks) in self._hashes


def fetching(loaded: LoadedConfig) -> LoadedConfig:
    """``loaded`` with ``collect.live: always``: what ``build --fetch`` and ``inspect --fetch`` read with."""
    config = loaded.config
    live = config.collect.model_copy(update={"live": "always"})
    return loaded.model_copy(update={"config": config.model_copy(update={"collect": live})})
