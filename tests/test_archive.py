"""The archive of collected articles: stored once, every sighting kept, read by builds while written,
and every failure of the file one line."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from briefgen.collect.archive import Archive, ArchiveError, SourceState, content_hash
from briefgen.models import PARAGRAPH, Article, Block

from .newsite import story

FEED = "https://wire.example/feed.xml"
OTHER = "https://other.example/rss"


def article(seed: int, day: dt.date | None = dt.date(2025, 2, 11), url: str = "https://wire.example/a") -> Article:
    blocks = tuple(Block(PARAGRAPH, p) for p in story(seed))
    return Article(path=url, form="html", blocks=blocks, title=f"Story {seed}", date=day, url=url, date_source="page")


def known(archive: Archive, url: str) -> int:
    found = archive.find([url])
    assert found is not None, url
    return found.id


def state_of(archive: Archive, url: str) -> SourceState:
    state = archive.source(url)
    assert state is not None, url
    return state


def test_an_archive_is_made_in_wal_mode_and_reopened(tmp_path):
    path = tmp_path / "out" / "archive.sqlite"
    with Archive(path) as archive:
        archive.add(
            article(1),
            url="https://wire.example/a",
            aliases=[],
            source=FEED,
            seen_at="x",
            origin="page",
            at="2025-02-11T08:00:00Z",
        )
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    with Archive(path, readonly=True) as archive:
        assert archive.size() == 1


def test_an_article_seen_again_is_stored_once_with_every_place_it_was_seen(tmp_path):
    with Archive(tmp_path / "a.sqlite") as archive:
        one = article(1)
        first, new = archive.add(
            one,
            url="https://wire.example/a",
            aliases=["https://wire.example/a"],
            source=FEED,
            seen_at="https://wire.example/a?utm_source=rss",
            origin="page",
            at="2025-02-11T08:00:00Z",
        )
        assert new
        # The same address from another feed, a day later.
        again, new = archive.add(
            one,
            url="https://wire.example/a",
            aliases=[],
            source=OTHER,
            seen_at="https://wire.example/a",
            origin="feed",
            at="2025-02-12T08:00:00Z",
        )
        assert (again, new) == (first, False)
        # The same text at another address (a syndicated copy).
        copy = article(1, url="https://mirror.example/copy")
        third, new = archive.add(
            copy,
            url="https://mirror.example/copy",
            aliases=[],
            source=OTHER,
            seen_at="https://mirror.example/copy",
            origin="page",
            at="2025-02-12T09:00:00Z",
        )
        assert (third, new) == (first, False)
        assert archive.size() == 1
        (stored,) = archive.window(FEED, dt.date(2025, 2, 8), dt.date(2025, 2, 14), 100)
        assert stored.first_seen == "2025-02-11T08:00:00Z"
        assert stored.sources == (OTHER, FEED)
        assert {"https://wire.example/a", "https://mirror.example/copy"} <= stored.aliases
        assert stored.article.blocks == one.blocks and stored.article.path == "https://wire.example/a"
        assert known(archive, "https://mirror.example/copy") == first
        assert stored.content_hash == content_hash(one.blocks)


def test_the_window_is_the_articles_date_or_the_day_it_was_first_seen(tmp_path):
    with Archive(tmp_path / "a.sqlite") as archive:
        dated_in = article(1, dt.date(2025, 2, 10), "https://wire.example/1")
        dated_before = article(2, dt.date(2025, 1, 30), "https://wire.example/2")  # seen in the window, dated before it
        undated = article(3, None, "https://wire.example/3")
        for a, at in (
            (dated_in, "2025-02-10T09:00:00Z"),
            (dated_before, "2025-02-12T09:00:00Z"),
            (undated, "2025-02-13T01:00:00Z"),
        ):
            url = a.url or ""
            archive.add(a, url=url, aliases=[], source=FEED, seen_at=url, origin="page", at=at)
        got = archive.window(FEED, dt.date(2025, 2, 8), dt.date(2025, 2, 14), 100)
        assert [a.article.url for a in got] == ["https://wire.example/1", "https://wire.example/3"]
        assert got[1].article.date is None and got[1].article.date_source is None
        assert archive.window(OTHER, dt.date(2025, 2, 8), dt.date(2025, 2, 14), 100) == []
        assert len(archive.window(FEED, None, None, 100)) == 3
        assert len(archive.window(FEED, None, None, 2)) == 2
        assert archive.count(FEED, dt.date(2025, 2, 8), dt.date(2025, 2, 14)) == 2


def test_a_build_reads_while_collect_writes_and_sees_only_what_is_committed(tmp_path):
    path = tmp_path / "a.sqlite"
    with Archive(path) as archive:
        archive.add(
            article(1),
            url="https://wire.example/a",
            aliases=[],
            source=FEED,
            seen_at="a",
            origin="page",
            at="2025-02-11T08:00:00Z",
        )
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE articles SET title = 'changed, not committed'")
    done = threading.Event()
    seen: list[str | None] = []

    def read() -> None:
        with Archive(path, readonly=True) as reader:
            seen.extend(a.article.title for a in reader.window(FEED, None, None, 10))
        done.set()

    thread = threading.Thread(target=read)
    thread.start()
    assert done.wait(10), "a reader waited on a writer"
    writer.execute("ROLLBACK")
    writer.close()
    assert seen == ["Story 1"]


def test_sources_keep_their_validators_their_last_error_and_their_back_off(tmp_path):
    with Archive(tmp_path / "a.sqlite") as archive:
        assert archive.source(FEED) is None
        archive.polled(
            FEED, kind="feed", etag='"v1"', last_modified="Tue, 11 Feb 2025 08:00:00 GMT", at="2025-02-11T08:00:00Z"
        )
        state = archive.failed(
            FEED, reason="HTTP 503 Service Unavailable", at="2025-02-11T09:00:00Z", next_try="2025-02-11T10:00:00Z"
        )
        state = archive.failed(FEED, reason="unreachable", at="2025-02-11T10:00:00Z", next_try="2025-02-11T12:00:00Z")
        assert (state.failures, state.failing_since, state.last_error, state.next_try) == (
            2,
            "2025-02-11T09:00:00Z",
            "unreachable",
            "2025-02-11T12:00:00Z",
        )
        assert state.etag == '"v1"' and state.kind == "feed" and state.last_success == "2025-02-11T08:00:00Z"
        archive.not_modified(FEED, at="2025-02-11T12:00:00Z")
        state = state_of(archive, FEED)
        assert (state.failures, state.failing_since, state.next_try) == (0, None, None)
        assert state.last_error == "unreachable"  # kept after the source recovers
        assert state.last_success == "2025-02-11T12:00:00Z"


def test_a_summary_is_replaced_by_its_page_and_keeps_when_it_was_first_seen(tmp_path):
    with Archive(tmp_path / "a.sqlite") as archive:
        teaser = Article(
            path="x",
            form="feed",
            blocks=(Block(PARAGRAPH, "A teaser [\u2026]"),),
            title="T",
            date=dt.date(2025, 2, 11),
            url="https://wire.example/a",
        )
        article_id, _ = archive.add(
            teaser,
            url="https://wire.example/a",
            aliases=[],
            source=FEED,
            seen_at="https://wire.example/a",
            origin="summary",
            at="2025-02-11T08:00:00Z",
        )
        assert archive.pending(FEED, "2025-02-11T09:00:00Z", 3) == [(article_id, "https://wire.example/a")]
        archive.followed(article_id, article(5, dt.date(2025, 2, 11)), aliases=["https://wire.example/final"])
        assert archive.pending(FEED, "2025-02-11T09:00:00Z", 3) == []
        (got,) = archive.window(FEED, None, None, 10)
        assert got.first_seen == "2025-02-11T08:00:00Z"
        assert len(got.article.blocks) > 1 and got.article.title == "Story 5"
        assert known(archive, "https://wire.example/final") == article_id


def test_what_is_not_an_archive_is_one_line(tmp_path):
    plain = tmp_path / "notes.sqlite"
    db = sqlite3.connect(plain)
    db.execute("CREATE TABLE notes (x)")
    db.commit()
    db.close()
    with pytest.raises(ArchiveError, match="is not a briefgen archive"):
        Archive(plain)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(ArchiveError, match="not a briefgen archive") as info:
        Archive(junk)
    assert "\n" not in str(info.value)
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(ArchiveError, match="not a regular file"):
        Archive(tmp_path / "dir.sqlite")
    with pytest.raises(ArchiveError, match="nothing has been collected"):
        Archive(tmp_path / "none.sqlite", readonly=True)
    assert not (tmp_path / "none.sqlite").exists()
    other = tmp_path / "other.sqlite"
    with Archive(other):
        pass
    db = sqlite3.connect(other)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    db.commit()
    db.close()
    with pytest.raises(ArchiveError, match="another layout"):
        Archive(other)


def test_a_full_disk_is_one_clear_error(tmp_path):
    """SQLite's own limit on the pages of a database is a full disk to it (SQLITE_FULL)."""
    with Archive(tmp_path / "a.sqlite") as archive:
        assert archive._db is not None
        size = archive._db.execute("PRAGMA page_count").fetchone()[0]
        archive._db.execute(f"PRAGMA max_page_count = {size + 2}")
        with pytest.raises(ArchiveError) as info:
            for n in range(50):
                url = f"https://wire.example/{n}"
                archive.add(
                    article(n, url=url),
                    url=url,
                    aliases=[],
                    source=FEED,
                    seen_at=url,
                    origin="page",
                    at="2025-02-11T08:00:00Z",
                )
        assert "disk is full" in str(info.value) and str(tmp_path / "a.sqlite") in str(info.value)
        assert "\n" not in str(info.value)
    with Archive(tmp_path / "a.sqlite", readonly=True) as archive:
        assert archive.size() >= 1  # what was committed before stays
