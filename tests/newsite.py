"""A news site on 127.0.0.1 for the collecting tests: feeds, article pages, robots.txt, and the ways
real sites misbehave (slow, failing, redirecting, answering 304).

Routes map a path (the query aside) to a :class:`Reply` or to a function of the request that
returns one. Every request is recorded with its path, query and headers, so a test can count what
was asked, and how. Articles are written by :func:`story`: each its own words, so no two are
near-duplicates of each other unless a test makes them so.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""


@dataclass(frozen=True)
class Asked:
    path: str
    query: str
    headers: dict[str, str]


Route = Reply | Callable[[Asked], Reply]


class NewsSite:
    """A threaded HTTP server on 127.0.0.1 with routes a test sets and changes as it goes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.asked: list[Asked] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                asked = Asked(path, query, {k.lower(): v for k, v in self.headers.items()})
                with site._lock:
                    site.asked.append(asked)
                route = site.routes.get(path)
                reply = (
                    Reply(404, b"not found") if route is None else route if isinstance(route, Reply) else route(asked)
                )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up waiting

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(a.path == path for a in self.asked)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------- writing


_PLACES = ["Busan", "Incheon", "Ulsan", "Mokpo", "Yeosu", "Pohang", "Gunsan", "Donghae", "Jeju", "Tongyeong"]
_THINGS = [
    "container berths",
    "ferry terminals",
    "cold storage sheds",
    "dredged channels",
    "rail sidings",
    "customs gates",
    "crane rails",
    "fuel depots",
    "tug moorings",
    "breakwaters",
    "wind turbine quays",
    "fishing piers",
]
_PEOPLE = [
    "Mayor Han Ji-woo",
    "Minister Park Soo-min",
    "Commissioner Lee Dae-ho",
    "Director Choi Eun-ji",
    "Senator Kang Min",
]
_VERBS = ["approved", "delayed", "questioned", "funded", "inspected", "expanded", "redesigned", "defended"]
_REASONS = [
    "after a storm damaged the old sea wall",
    "because shipping lines threatened to move elsewhere",
    "while inspectors reviewed the cost estimates",
    "as unions asked for new safety rules",
    "despite objections from residents near the waterfront",
    "once the treasury released its quarterly forecast",
    "after engineers found cracks in the concrete",
    "to meet a deadline set by the regional assembly",
]


def story(seed: int, words: int = 220, topic: str = "harbour") -> list[str]:
    """Paragraphs of a made-up news story about a ``topic`` (the word appears in every paragraph):
    its own places, numbers and people, so that two seeds never read as the same story."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    count = 0
    while count < words:
        place, thing, person = rng.choice(_PLACES), rng.choice(_THINGS), rng.choice(_PEOPLE)
        sentences = [
            f"{person} {rng.choice(_VERBS)} the {topic} plan for {rng.randint(2, 90)} new {thing} in {place} "
            f"{rng.choice(_REASONS)}.",
            f"The {topic} works in {place} would cost {rng.randint(10, 900)} million won and employ "
            f"{rng.randint(40, 4000)} people by {rng.randint(2026, 2034)}, officials said on story {seed}.",
            f"Residents of {rng.choice(_PLACES)} told reporters that the {rng.choice(_THINGS)} near the {topic} "
            f"had {rng.choice(['flooded', 'closed', 'reopened', 'doubled', 'emptied'])} {rng.randint(2, 30)} times "
            f"this year.",
        ]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return paragraphs


def article_page(title: str, day: dt.date, paragraphs: list[str], canonical: str | None = None) -> bytes:
    """A news article page with the furniture real ones have (navigation, a footer)."""
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head>"
        f"<title>{html.escape(title)} | Harbour Wire</title>{link}"
        '<meta property="og:site_name" content="Harbour Wire">'
        f'<meta property="article:published_time" content="{day.isoformat()}T08:00:00Z">'
        "</head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer><p>Copyright Harbour Wire. All rights reserved.</p></footer>"
        "</body></html>"
    ).encode()


@dataclass(frozen=True)
class Item:
    title: str
    link: str | None
    day: dt.date
    summary: str = ""
    content: str = ""
    guid: str | None = None


def rss(items: list[Item], title: str = "Harbour Wire") -> bytes:
    """An RSS 2.0 feed of ``items`` (``content`` as ``content:encoded``)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
        f"<title>{html.escape(title)}</title><link>https://harbourwire.example/</link>",
    ]
    for item in items:
        when = email.utils.format_datetime(dt.datetime(item.day.year, item.day.month, item.day.day, 8, tzinfo=dt.UTC))
        out.append("<item>")
        out.append(f"<title>{html.escape(item.title)}</title><pubDate>{when}</pubDate>")
        if item.link:
            out.append(f"<link>{html.escape(item.link)}</link>")
        if item.guid:
            out.append(f'<guid isPermaLink="false">{html.escape(item.guid)}</guid>')
        if item.summary:
            out.append(f"<description>{html.escape(item.summary)}</description>")
        if item.content:
            out.append(f"<content:encoded><![CDATA[{item.content}]]></content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out).encode()


def html_content(paragraphs: list[str]) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def page_reply(body: bytes, **headers: str) -> Reply:
    return Reply(200, body, {"Content-Type": "text/html; charset=utf-8", **headers})


def feed_reply(body: bytes, **headers: str) -> Reply:
    return Reply(200, body, {"Content-Type": "application/rss+xml", **headers})


def conditional(body: bytes, content_type: str, etag: str, counter: dict[str, int]) -> Callable[[Asked], Reply]:
    """A route that answers 304 to a request naming its ETag (counted in ``counter['304']``)."""

    def route(asked: Asked) -> Reply:
        if asked.headers.get("if-none-match") == etag:
            counter["304"] = counter.get("304", 0) + 1
            return Reply(304, b"", {"ETag": etag})
        counter["200"] = counter.get("200", 0) + 1
        return Reply(200, body, {"Content-Type": content_type, "ETag": etag})

    return route
