"""URL sources against a server the tests start on 127.0.0.1: forms, metadata, cache, limits."""

from __future__ import annotations

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from briefgen.config.defaults import Config
from briefgen.config.load import LoadedConfig
from briefgen.errors import ArticleError
from briefgen.ingest.fetch import USER_AGENT, fetch
from briefgen.select.intake import take_in

from .conftest import ROOT

PAGE = (ROOT / "samples" / "articles" / "pacific-ledger-ministers-agree-data-link.html").read_bytes()
FEED = (Path(__file__).parent / "fixtures" / "harbor-feed.rss").read_bytes()


class Site:
    """A tiny site: a page with an ETag, a feed, a 404, a slow page, a huge page and a switchable failure."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.agents: set[str] = set()
        self.down = False
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                site.agents.add(self.headers.get("User-Agent", ""))
                if site.down:
                    self.send_error(503)
                elif self.path == "/news/radar.html":
                    if self.headers.get("If-None-Match") == '"v1"':
                        self.send_response(304)
                        self.end_headers()
                        return
                    self._send(PAGE, "text/html; charset=utf-8", etag='"v1"')
                elif self.path == "/feed":
                    self._send(FEED, "application/rss+xml")
                elif self.path == "/slow":
                    time.sleep(2)
                    self._send(b"<p>late</p>", "text/html")
                elif self.path == "/huge":
                    self._send(b"x" * 50_000, "text/plain")
                else:
                    self.send_error(404)

            def _send(self, body: bytes, ctype: str, etag: str | None = None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


def loaded_for(tmp_path: Path, sources: list[str], **fetch: object) -> LoadedConfig:
    config = Config.model_validate(
        {"title": "t", "sources": sources, "window": {"days": 7}, "fetch": {"cache_dir": "cache", **fetch}}
    )
    return LoadedConfig(config=config, path=tmp_path / "c.yaml")


def test_pages_and_feeds_are_fetched_read_and_cached(site, tmp_path):
    sources = [
        f"{site.base}/news/radar.html",
        f"{site.base}/feed",
        f"{site.base}/missing",
        "http://127.0.0.1:9/refused",
    ]
    loaded = loaded_for(tmp_path, sources, timeout=5)
    intake = take_in(loaded, dt.date(2025, 2, 14))
    by_path = {d.path: d for d in intake.decisions}
    page = by_path[f"{site.base}/news/radar.html"]
    assert (page.status, page.form, page.publisher, page.date) == (
        "kept",
        "html",
        "Pacific Ledger",
        dt.date(2025, 2, 11),
    )
    assert by_path[f"{site.base}/feed#0"].status == "kept"
    assert by_path[f"{site.base}/feed#0"].title == "Navies plan June drill near Jeju"
    assert by_path[f"{site.base}/missing"].status == "unreadable"
    assert "HTTP 404" in by_path[f"{site.base}/missing"].detail
    assert by_path["http://127.0.0.1:9/refused"].status == "unreadable"
    assert "unreachable" in by_path["http://127.0.0.1:9/refused"].detail
    assert site.agents == {USER_AGENT}
    assert (tmp_path / "cache").is_dir()

    # A second run inside max_age asks the site nothing; the 404 is asked again (failures are not cached).
    before = dict(site.hits)
    take_in(loaded, dt.date(2025, 2, 14))
    assert site.hits["/news/radar.html"] == before["/news/radar.html"]
    assert site.hits["/feed"] == before["/feed"]
    assert site.hits["/missing"] == before["/missing"] + 1


def test_stale_copies_are_revalidated_and_used_when_the_site_is_down(site, tmp_path, caplog):
    url = f"{site.base}/news/radar.html"
    first = fetch(url, tmp_path, max_age=0, timeout=5, max_bytes=10**6)
    assert not first.from_cache and first.body == PAGE
    again = fetch(url, tmp_path, max_age=0, timeout=5, max_bytes=10**6)  # 304 Not Modified
    assert again.from_cache and again.body == PAGE
    assert site.hits[url.removeprefix(site.base)] == 2
    site.down = True
    stale = fetch(url, tmp_path, max_age=0, timeout=5, max_bytes=10**6)
    assert stale.from_cache and stale.body == PAGE
    assert any("HTTP 503" in r.getMessage() and "cached earlier" in r.getMessage() for r in caplog.records)


def test_size_limit_and_timeout(site, tmp_path):
    with pytest.raises(ArticleError, match="too large"):
        fetch(f"{site.base}/huge", tmp_path, max_age=3600, timeout=5, max_bytes=10_000)
    # The slow page does answer, after 2 s: only the timeout makes this fail.
    with pytest.raises(ArticleError, match="unreachable"):
        fetch(f"{site.base}/slow", tmp_path, max_age=3600, timeout=0.5, max_bytes=10_000)
