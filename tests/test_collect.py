"""``briefgen collect`` against real servers on 127.0.0.1: feeds that rotate, sites that answer 304,
disallow in robots.txt, answer slowly or fail, redirect, or share an article; and builds that read
the archive for their window."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from briefgen.collect.archive import Archive, SourceState, parse_time
from briefgen.collect.entries import SUMMARY_WORDS, is_summary
from briefgen.collect.overview import gather
from briefgen.collect.polite import HostGate
from briefgen.collect.urls import canonical_url
from briefgen.config.load import load_config
from briefgen.models import PARAGRAPH, Article, Block
from briefgen.select.intake import intake_report, take_in

from .conftest import run_cli
from .newsite import (
    Item,
    NewsSite,
    Reply,
    article_page,
    conditional,
    feed_reply,
    html_content,
    page_reply,
    rss,
    story,
)

TOPIC = {"keywords": ["harbour"]}
AS_OF = dt.date(2025, 2, 14)
MONDAY = dt.date(2025, 2, 10)


@pytest.fixture
def site():
    s = NewsSite()
    yield s
    s.close()


def project(root: Path, sources: list[Any], **settings: Any) -> Path:
    """A project at ``root`` with one config, ``configs/weekly.yaml``, naming ``sources``."""
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "briefgen.yaml").write_text("defaults: {}\n", encoding="utf-8")
    collect = {"delay": 0, **settings.pop("collect", {})}
    config = {
        "title": "Harbour week",
        "topic": TOPIC,
        "sources": sources,
        "window": {"days": 7},
        "fetch": {"timeout": 3, "cache_dir": str(root / "http-cache")},
        "output": {"formats": ["md"]},
        "collect": collect,
        **settings,
    }
    path = root / "configs" / "weekly.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def archive_of(root: Path) -> Archive:
    return Archive(root / "output" / "archive.sqlite", readonly=True)


def state_of(root: Path, url: str) -> SourceState:
    with archive_of(root) as archive:
        state = archive.source(url)
    assert state is not None, url
    return state


def when(text: str | None) -> float:
    moment = parse_time(text)
    assert moment is not None, text
    return moment.timestamp()


def only(done, url: str):
    (outcome,) = [o for r in done.reports for o in r.outcomes if o.url == url]
    return outcome


def publish(site: NewsSite, n: int, day: dt.date, *, path: str | None = None) -> str:
    """Put article ``n`` on the site; returns its URL."""
    path = path or f"/news/{n}"
    site.routes[path] = page_reply(article_page(f"Harbour story {n}", day, story(n)))
    return site.base + path


def teaser(n: int) -> str:
    return f"The harbour story number {n} in brief, read the rest on the site [\u2026]"


# ----------------------------------------------------------------------------- a week of a rotating feed


def test_a_feed_that_rotates_between_polls_reaches_the_weeks_briefing_whole(site, tmp_path, warm_model):
    days = [MONDAY + dt.timedelta(days=k) for k in range(5)]
    urls = [publish(site, n, days[n - 1]) for n in range(1, 6)]
    items = [Item(f"Harbour story {n}", urls[n - 1], days[n - 1], summary=teaser(n)) for n in range(1, 6)]
    feed = f"{site.base}/feed.xml"
    config = project(tmp_path, [feed])

    site.routes["/feed.xml"] = feed_reply(rss(items[:3]))  # Tuesday's poll
    first = gather([tmp_path], tmp_path)
    assert (only(first, feed).new, only(first, feed).followed) == (3, 3)
    site.routes["/feed.xml"] = feed_reply(rss(items[2:]))  # Thursday's: stories 1 and 2 have left the feed
    second = gather([tmp_path], tmp_path)
    assert (only(second, feed).new, only(second, feed).unchanged) == (2, 1)
    assert site.hits("/news/3") == 1  # a known entry is never fetched again

    feed_hits = site.hits("/feed.xml")
    out = tmp_path / "out"
    result = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert site.hits("/feed.xml") == feed_hits  # collected within fetch.max_age_hours: no live read
    report = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    kept = {a["path"]: a for a in report["articles"] if a["status"] == "kept"}
    assert set(kept) == {canonical_url(u) for u in urls}
    for entry in kept.values():
        assert entry["collected_from"] == [feed]
        assert parse_time(entry["collected"]) is not None
        assert entry["form"] == "html"  # the article page, not the feed's teaser
    briefing = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    cited = {s["url"] for s in briefing["sources"]}
    assert cited & {canonical_url(urls[0]), canonical_url(urls[1])}, "nothing from the stories that left the feed"

    shown = run_cli("inspect", str(config), "--as-of", AS_OF.isoformat())
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count(f"from {feed}") == 5


def test_builds_read_live_when_the_archive_is_stale_or_asked_to(site, tmp_path):
    url = publish(site, 1, MONDAY)
    feed = f"{site.base}/feed.xml"
    full = Item("Harbour story 1", url, MONDAY, content=html_content(story(1)))
    site.routes["/feed.xml"] = feed_reply(rss([full]))
    config = project(tmp_path, [feed])
    hour = 3600.0
    gather([tmp_path], tmp_path, clock=lambda: time.time() - 7 * hour)  # collected 7 hours ago
    assert site.hits("/news/1") == 0  # the entry holds the whole article: nothing to follow

    later = Item(
        "Harbour story 2",
        publish(site, 2, MONDAY + dt.timedelta(days=1)),
        MONDAY + dt.timedelta(days=1),
        content=html_content(story(2)),
    )
    site.routes["/feed.xml"] = feed_reply(rss([full, later]))
    loaded = load_config(config)
    intake = take_in(loaded, AS_OF)  # older than fetch.max_age_hours (6): read live too
    paths = sorted(d.path for d in intake.decisions if d.status == "kept")
    assert paths == [f"{feed}#1", canonical_url(url)]  # story 1 from the archive, story 2 live
    by_path = {d.path: d for d in intake.decisions}
    assert by_path[canonical_url(url)].collected_from == (feed,)
    assert by_path[f"{feed}#1"].collected is None

    gather([tmp_path], tmp_path)
    before = site.hits("/feed.xml")
    take_in(loaded, AS_OF)
    assert site.hits("/feed.xml") == before  # fresh: the archive only
    shutil.rmtree(tmp_path / "http-cache")  # what the live read above kept: a live read asks the site again
    result = run_cli("inspect", str(config), "--as-of", AS_OF.isoformat(), "--fetch", "--json")
    assert result.returncode == 0, result.stderr
    assert site.hits("/feed.xml") > before  # --fetch: live too
    report = json.loads(result.stdout)
    assert sorted(a["path"] for a in report["articles"] if a["status"] == "kept") == sorted(
        canonical_url(u) for u in (url, later.link or "")
    )


# ----------------------------------------------------------------------------- politeness


def test_an_unchanged_feed_and_page_cost_a_304_each(site, tmp_path):
    counts: dict[str, int] = {}
    page_counts: dict[str, int] = {}
    items = [Item(f"Harbour story {n}", None, MONDAY, content=html_content(story(n)), guid=f"id-{n}") for n in (1, 2)]
    site.routes["/feed.xml"] = conditional(rss(items), "application/rss+xml", '"feed-v1"', counts)
    site.routes["/page"] = conditional(
        article_page("Harbour page", MONDAY, story(9)), "text/html", '"page-v1"', page_counts
    )
    feed, page = f"{site.base}/feed.xml", f"{site.base}/page"
    project(tmp_path, [feed, page])
    first = gather([tmp_path], tmp_path)
    assert (only(first, feed).new, only(first, page).new, only(first, page).kind) == (2, 1, "page")
    second = gather([tmp_path], tmp_path)
    assert (only(second, feed).status, only(second, page).status) == ("not modified", "not modified")
    assert (counts, page_counts) == ({"200": 1, "304": 1}, {"200": 1, "304": 1})
    assert second.reports[0].not_modified == 2
    asked = [a for a in site.asked if a.path == "/feed.xml"]
    assert "if-none-match" not in asked[0].headers and asked[1].headers["if-none-match"] == '"feed-v1"'
    with archive_of(tmp_path) as archive:
        assert archive.size() == 3
    assert state_of(tmp_path, feed).last_success is not None


def test_robots_txt_is_honoured_for_article_pages_and_read_once_a_run(site, tmp_path):
    site.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
    urls = [publish(site, n, MONDAY, path=f"/{'private' if n % 2 else 'public'}/{n}") for n in range(1, 5)]
    items = [Item(f"Harbour story {n}", urls[n - 1], MONDAY, summary=teaser(n)) for n in range(1, 5)]
    site.routes["/feed.xml"] = feed_reply(rss(items))
    feed = f"{site.base}/feed.xml"
    project(tmp_path, [feed])
    done = gather([tmp_path], tmp_path)
    outcome = only(done, feed)
    assert (outcome.new, outcome.followed, outcome.blocked) == (4, 2, 2)
    assert site.hits("/private/1") == site.hits("/private/3") == 0
    assert site.hits("/public/2") == site.hits("/public/4") == 1
    assert site.hits("/robots.txt") == 1
    with archive_of(tmp_path) as archive:
        stored = {a.article.url: a.article for a in archive.window(feed, None, None, 10)}
    assert stored[canonical_url(urls[0])].form == "feed"  # kept as the feed gives it
    assert stored[canonical_url(urls[1])].form == "html"
    assert site.asked[-1].headers["user-agent"].startswith("briefgen/")
    again = only(gather([tmp_path], tmp_path, clock=lambda: time.time() + 3600), feed)
    assert (again.unchanged, again.blocked, again.followed) == (4, 0, 0)  # robots.txt's word is not asked again
    assert site.hits("/private/1") == site.hits("/private/3") == 0


def test_robots_txt_that_cannot_be_read_allows_nothing_and_one_that_is_missing_everything(site, tmp_path):
    other = NewsSite()
    try:
        other.routes["/robots.txt"] = Reply(503, b"down")
        blocked = publish(other, 1, MONDAY)
        free = publish(site, 2, MONDAY)  # this site has no robots.txt: a 404
        items = [
            Item("Harbour story 1", blocked, MONDAY, summary=teaser(1)),
            Item("Harbour story 2", free, MONDAY, summary=teaser(2)),
        ]
        site.routes["/feed.xml"] = feed_reply(rss(items))
        feed = f"{site.base}/feed.xml"
        project(tmp_path, [feed])
        outcome = only(gather([tmp_path], tmp_path), feed)
        assert (outcome.followed, outcome.blocked) == (1, 1)
        assert other.hits("/news/1") == 0 and site.hits("/news/2") == 1
    finally:
        other.close()


def test_the_cap_on_new_pages_leaves_entries_for_later_runs(site, tmp_path):
    urls = [publish(site, n, MONDAY) for n in range(1, 6)]
    items = [Item(f"Harbour story {n}", urls[n - 1], MONDAY, summary=teaser(n)) for n in range(1, 6)]
    site.routes["/feed.xml"] = feed_reply(rss(items), ETag='"v1"')
    feed = f"{site.base}/feed.xml"
    project(tmp_path, [feed], collect={"max_new_pages": 2})
    hour = 3600.0
    start = time.time() - 10 * hour
    first = only(gather([tmp_path], tmp_path, clock=lambda: start), feed)
    assert (first.new, first.followed, first.left) == (5, 2, 3)
    assert sum(site.hits(f"/news/{n}") for n in range(1, 6)) == 2
    second = only(gather([tmp_path], tmp_path, clock=lambda: start + hour), feed)
    assert second.followed == 2
    # The summaries wait in the archive, not in the feed: it is asked with its validators.
    assert [a for a in site.asked if a.path == "/feed.xml"][1].headers.get("if-none-match") == '"v1"'
    only(gather([tmp_path], tmp_path, clock=lambda: start + 2 * hour), feed)
    assert all(site.hits(f"/news/{n}") == 1 for n in range(1, 6))
    with archive_of(tmp_path) as archive:
        assert {a.article.form for a in archive.window(feed, None, None, 10)} == {"html"}


def test_entries_with_only_a_link_wait_in_the_feed_for_the_cap(site, tmp_path):
    urls = [publish(site, n, MONDAY) for n in range(1, 4)]
    site.routes["/links.xml"] = feed_reply(
        rss([Item(f"Harbour story {n}", urls[n - 1], MONDAY) for n in range(1, 4)]), ETag='"v1"'
    )
    feed = f"{site.base}/links.xml"
    project(tmp_path, [feed], collect={"max_new_pages": 2})
    first = only(gather([tmp_path], tmp_path), feed)
    assert (first.new, first.waiting) == (2, 1)
    second = only(gather([tmp_path], tmp_path), feed)
    assert (second.new, second.unchanged, second.waiting) == (1, 2, 0)
    asked = [a.headers.get("if-none-match") for a in site.asked if a.path == "/links.xml"]
    assert asked == [None, None]  # read whole again while an entry waited
    gather([tmp_path], tmp_path)
    assert [a.headers.get("if-none-match") for a in site.asked if a.path == "/links.xml"][2] == '"v1"'


def test_requests_to_one_host_are_spaced_by_the_delay():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    gate = HostGate(0.5, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        gate.wait("http://a.example/x")
    gate.wait("http://b.example/y")  # another host does not wait
    gate.wait("http://a.example/z", at_least=2.0)  # a Crawl-delay longer than the delay
    gate.wait("http://a.example/w")
    assert slept == [0.5, 1.0, 1.5, 3.5]


# ----------------------------------------------------------------------------- sites that fail


def test_slow_and_failing_sites_are_retried_with_back_off_and_alert_only_when_long(site, tmp_path):
    good_url = publish(site, 1, MONDAY)
    site.routes["/feed.xml"] = feed_reply(
        rss([Item("Harbour story 1", good_url, MONDAY, content=html_content(story(1)))])
    )
    site.routes["/slow.xml"] = Reply(200, rss([]), {"Content-Type": "application/rss+xml"}, delay=5)
    site.routes["/down.xml"] = Reply(503, b"maintenance", {"Retry-After": "7200"})
    feed, slow, down = (f"{site.base}{p}" for p in ("/feed.xml", "/slow.xml", "/down.xml"))
    project(tmp_path, [feed, slow, down], fetch={"timeout": 1, "cache_dir": "c"}, collect={"workers": 2})
    hour = 3600.0
    t0 = time.time()
    done = gather([tmp_path], tmp_path, clock=lambda: t0)
    assert only(done, feed).new == 1
    assert only(done, slow).status == "failed" and "within 1 s" in only(done, slow).detail
    assert only(done, down).status == "failed" and "HTTP 503" in only(done, down).detail
    assert not done.needs_person

    asked = len(site.asked)
    soon = gather([tmp_path], tmp_path, clock=lambda: t0 + 0.5 * hour)
    assert only(soon, slow).status == only(soon, down).status == "waiting"
    assert [a.path for a in site.asked[asked:]] == ["/feed.xml"]  # backing off: not asked
    # The slow site is due after an hour, the one that asked for two hours after two.
    later = gather([tmp_path], tmp_path, clock=lambda: t0 + 1.01 * hour)
    assert (only(later, slow).status, only(later, down).status) == ("failed", "waiting")
    state = state_of(tmp_path, slow)
    assert state.failures == 2 and "within 1 s" in (state.last_error or "")
    assert when(state.next_try) == pytest.approx(t0 + 1.01 * hour + 2 * hour, abs=2)

    # A day and more of failures needs a person: the run exits non-zero.
    late = gather([tmp_path], tmp_path, clock=lambda: t0 + 25 * hour)
    assert only(late, down).needs_person and down in late.alerts and late.needs_person
    site.routes["/down.xml"] = feed_reply(rss([]))
    healed = gather([tmp_path], tmp_path, clock=lambda: t0 + 26 * hour, retry=True)
    assert only(healed, down).status == "ok" and not only(healed, down).needs_person
    state = state_of(tmp_path, down)
    assert state.failures == 0 and (state.last_error or "").startswith("HTTP 503")  # its last error is kept


def test_the_command_prints_a_line_per_source_and_exits_non_zero_only_when_a_person_is_needed(site, tmp_path):
    url = publish(site, 1, MONDAY)
    site.routes["/feed.xml"] = feed_reply(rss([Item("Harbour story 1", url, MONDAY, summary=teaser(1))]))
    site.routes["/down.xml"] = Reply(500, b"oops")
    feed, down = f"{site.base}/feed.xml", f"{site.base}/down.xml"
    project(tmp_path, [feed, down, "articles"])
    result = run_cli("collect", str(tmp_path))
    assert result.returncode == 0, result.stderr  # one failure is retried quietly
    lines = result.stdout.splitlines()
    assert lines[0].split()[:7] == ["ok", "1", "new", "0", "unchanged", "0", "failed"] and feed in lines[0]
    assert lines[1].startswith("failed") and down in lines[1] and "HTTP 500" in lines[1]
    assert "archive.sqlite: 1 articles" in lines[2]

    result = run_cli("collect", str(tmp_path), "--json", "--retry")
    data = json.loads(result.stdout)
    (archive,) = data["archives"]
    assert [(s["url"], s["status"], s["unchanged"]) for s in archive["sources"]] == [
        (feed, "ok", 1),
        (down, "failed", 0),
    ]

    shown = run_cli("sources", str(tmp_path), "--as-of", "2025-02-14")
    assert shown.returncode == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if line.endswith(feed))
    assert row.split()[:3] == ["feed", "1", "1"]
    assert "last error" in shown.stdout and "HTTP 500" in shown.stdout
    listed = json.loads(run_cli("sources", str(tmp_path), "--json", "--as-of", "2025-02-14").stdout)
    assert [(r["url"], r["articles"], r["in_window"], r["failures"]) for r in listed] == [
        (feed, 1, 1, 0),
        (down, 0, 0, 2),
    ]

    # A config that cannot be read needs a person.
    (tmp_path / "configs" / "broken.yaml").write_text("title: [", encoding="utf-8")
    result = run_cli("collect", str(tmp_path))
    assert result.returncode == 1
    assert "broken.yaml" in result.stderr and "collect needs a look" in result.stderr
    assert feed in result.stdout  # the others are collected all the same


def test_a_full_disk_stops_collect_with_one_line(site, tmp_path):
    """The archive may not grow past a file size limit (RLIMIT_FSIZE), as on a full disk."""
    urls = [publish(site, n, MONDAY) for n in range(1, 40)]
    items = [Item(f"Harbour story {n}", urls[n - 1], MONDAY, content=html_content(story(n, 600))) for n in range(1, 40)]
    site.routes["/feed.xml"] = feed_reply(rss(items))
    project(tmp_path, [f"{site.base}/feed.xml"])
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, 96 * 1024));"
        "from briefgen.cli import main; main(['collect', sys.argv[1]])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("briefgen: error:")]
    assert len(errors) == 1 and "archive" in errors[0] and ("full" in errors[0] or "disk" in errors[0]), proc.stderr
    assert "Traceback" not in proc.stderr
    with archive_of(tmp_path) as archive:
        assert 0 < archive.size() < 39  # what was committed before stays


def test_a_killed_collect_loses_nothing_it_stored(site, tmp_path):
    urls = [publish(site, n, MONDAY) for n in range(1, 9)]
    for n in range(1, 9):
        site.routes[f"/news/{n}"].delay = 0.4
    items = [Item(f"Harbour story {n}", urls[n - 1], MONDAY, summary=teaser(n)) for n in range(1, 9)]
    site.routes["/feed.xml"] = feed_reply(rss(items), ETag='"v1"')
    feed = f"{site.base}/feed.xml"
    project(tmp_path, [feed])
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "collect", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    path = tmp_path / "output" / "archive.sqlite"
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while stored < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            if path.exists():
                try:
                    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
                        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
                except sqlite3.Error:
                    stored = 0
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    db.close()
    assert kept >= 3
    with archive_of(tmp_path) as archive:
        polled = archive.source(feed)
    assert polled is None or polled.etag is None  # its validators were not kept
    done = gather([tmp_path], tmp_path)
    assert only(done, feed).new == 8 - kept and only(done, feed).unchanged == kept
    with archive_of(tmp_path) as archive:
        assert archive.size() == 8


# ----------------------------------------------------------------------------- one article, many places


def test_the_same_article_behind_two_feeds_is_stored_once(site, tmp_path):
    url = publish(site, 1, MONDAY)
    mirror = NewsSite()
    try:
        # The same text under another address too: a syndicated copy.
        mirror.routes["/copy"] = page_reply(article_page("Harbour story 1", MONDAY, story(1)))
        site.routes["/a.xml"] = feed_reply(
            rss([Item("Harbour story 1", url + "?utm_source=a", MONDAY, summary=teaser(1))])
        )
        site.routes["/b.xml"] = feed_reply(
            rss([Item("Story one", url + "#top", MONDAY, summary="Another teaser [\u2026]")], "B")
        )
        mirror.routes["/c.xml"] = feed_reply(rss([Item("Copy", mirror.base + "/copy", MONDAY, summary=teaser(1))], "C"))
        a, b, c = f"{site.base}/a.xml", f"{site.base}/b.xml", f"{mirror.base}/c.xml"
        config = project(tmp_path, [a, b, c])
        done = gather([tmp_path], tmp_path)
        assert [only(done, s).new for s in (a, b, c)] == [1, 0, 0]
        assert [only(done, s).unchanged for s in (a, b, c)] == [0, 1, 1]
        assert site.hits("/news/1") == 1
        with archive_of(tmp_path) as archive:
            assert archive.size() == 1
            (stored,) = archive.window(a, None, None, 10)
        assert stored.sources == tuple(sorted((a, b, c)))
        assert canonical_url(mirror.base + "/copy") in stored.aliases
        intake = take_in(load_config(config), AS_OF)
        assert [(d.status, d.collected_from) for d in intake.decisions] == [("kept", tuple(sorted((a, b, c))))]
    finally:
        mirror.close()


def test_redirects_lead_to_one_article_under_its_final_address(site, tmp_path):
    final = publish(site, 1, MONDAY, path="/2025/02/harbour-story")
    site.routes["/r/1"] = Reply(302, b"", {"Location": "/2025/02/harbour-story"})
    site.routes["/old-feed"] = Reply(301, b"", {"Location": "/feed.xml"})
    site.routes["/feed.xml"] = feed_reply(rss([Item("Harbour story 1", f"{site.base}/r/1", MONDAY, summary=teaser(1))]))
    site.routes["/direct.xml"] = feed_reply(rss([Item("Harbour story 1", final, MONDAY, summary=teaser(1))]))
    old, direct = f"{site.base}/old-feed", f"{site.base}/direct.xml"
    project(tmp_path, [old, direct])
    done = gather([tmp_path], tmp_path)
    assert (only(done, old).new, only(done, direct).unchanged) == (1, 1)
    assert site.hits("/2025/02/harbour-story") == 1
    with archive_of(tmp_path) as archive:
        (stored,) = archive.window(old, None, None, 10)
    assert stored.article.url == canonical_url(final)
    assert canonical_url(f"{site.base}/r/1") in stored.aliases


def test_a_password_in_a_feed_url_is_sent_to_that_site_only_and_never_stored(site, tmp_path):
    import base64

    secret = "s3cr3t-Pa55"
    expected = "Basic " + base64.b64encode(f"briefer:{secret}".encode()).decode()
    other = NewsSite()
    try:
        here = publish(site, 1, MONDAY)
        there = publish(other, 2, MONDAY)
        items = [
            Item("Harbour story 1", here, MONDAY, summary=teaser(1)),
            Item("Harbour story 2", there, MONDAY, summary=teaser(2)),
        ]

        def private(asked):
            return feed_reply(rss(items)) if asked.headers.get("authorization") == expected else Reply(401, b"")

        site.routes["/private.xml"] = private
        project(tmp_path, [f"http://briefer:{secret}@127.0.0.1:{site.port}/private.xml"])
        result = run_cli("collect", str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert only(gather([tmp_path], tmp_path), f"{site.base}/private.xml").unchanged == 2
        page = next(a for a in site.asked if a.path == "/news/1")
        assert page.headers.get("authorization") == expected  # the same site
        assert all("authorization" not in a.headers for a in other.asked)  # never another
        for path in (tmp_path / "output").iterdir():
            assert secret.encode() not in path.read_bytes() and b"briefer:" not in path.read_bytes()
        assert secret not in result.stdout + result.stderr
    finally:
        other.close()


# ----------------------------------------------------------------------------- entries


def test_follow_says_which_entries_are_read_from_their_page(site, tmp_path):
    long_entry = html_content(story(1, 300))
    url = publish(site, 2, MONDAY)
    site.routes["/full.xml"] = feed_reply(rss([Item("Harbour story 2", url, MONDAY, content=long_entry)]))
    site.routes["/teasers.xml"] = feed_reply(
        rss([Item("Harbour story 3", publish(site, 3, MONDAY), MONDAY, summary=teaser(3))])
    )
    full, teasers = f"{site.base}/full.xml", f"{site.base}/teasers.xml"
    project(tmp_path, [{"url": full, "follow": "always"}, {"url": teasers, "follow": "never"}])
    done = gather([tmp_path], tmp_path)
    assert (only(done, full).followed, only(done, teasers).followed) == (1, 0)
    assert site.hits("/news/2") == 1 and site.hits("/news/3") == 0
    with archive_of(tmp_path) as archive:
        (kept,) = archive.window(teasers, None, None, 10)
    assert kept.article.form == "feed"


def test_an_entry_is_a_summary_when_short_or_cut_short():
    def entry(*texts: str) -> Article:
        return Article(path="f#0", form="feed", blocks=tuple(Block(PARAGRAPH, t) for t in texts))

    long_text = " ".join(story(4, 400))
    assert is_summary(entry("Lawmakers met on Tuesday to discuss the harbour."))
    assert not is_summary(entry(long_text))
    assert len(long_text.split()) > SUMMARY_WORDS
    assert is_summary(entry(long_text + " [\u2026]"))
    assert is_summary(entry(long_text, "Continue reading \u2192"))
    assert not is_summary(
        entry(
            long_text,
            "Continue reading about the harbour plans of the city in a longer closing paragraph that is text.",
        )
    )


def test_mapping_sources_are_validated(tmp_path):
    config = project(tmp_path, [{"url": "ftp://example.com/feed", "follow": "sometimes", "every": 2}])
    result = run_cli("validate", str(config))
    assert result.returncode == 1
    assert "sources.0" in result.stderr and "http:// or https://" in result.stderr
    loaded = project(tmp_path, [{"url": "https://example.com/feed.xml", "follow": "always"}, "articles"])
    assert [str(s) for s in load_config(loaded).config.sources] == ["https://example.com/feed.xml", "articles"]
    assert load_config(loaded).config.sources[0].follow == "always"  # type: ignore[attr-defined]


def test_canonical_urls():
    assert canonical_url("HTTP://Example.COM:80/a/b?utm_source=rss&id=3&fbclid=x#top") == "http://example.com/a/b?id=3"
    assert canonical_url("https://u:p@example.com") == "https://example.com/"
    assert canonical_url("https://example.com:8443/x/") == "https://example.com:8443/x/"
    assert canonical_url("not a url") == "not a url"


def test_the_report_of_a_build_says_when_and_where_each_article_was_collected(site, tmp_path):
    url = publish(site, 1, MONDAY)
    site.routes["/feed.xml"] = feed_reply(rss([Item("Harbour story 1", url, MONDAY, content=html_content(story(1)))]))
    config = project(tmp_path, [f"{site.base}/feed.xml", "notes"])
    (tmp_path / "configs" / "notes").mkdir()
    (tmp_path / "configs" / "notes" / "n.md").write_text(
        "---\ntitle: Harbour note\ndate: 2025-02-12\n---\n\n" + "\n\n".join(story(7)), encoding="utf-8"
    )
    gather([tmp_path], tmp_path)
    report = intake_report(take_in(load_config(config), AS_OF))
    by_path = {a["path"]: a for a in report["articles"]}
    assert by_path[canonical_url(url)]["collected_from"] == [f"{site.base}/feed.xml"]
    assert by_path["notes/n.md"]["collected"] is None and by_path["notes/n.md"]["collected_from"] == []
