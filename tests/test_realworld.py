"""Real-world-shaped inputs written for these tests (tests/fixtures/): what must survive
ingestion and cleaning, and what must not. In the manner of trafilatura's realworld tests."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from briefgen.errors import ArticleError
from briefgen.ingest.clean import clean
from briefgen.ingest.readers import read_file
from briefgen.models import Document

FIXTURES = Path(__file__).parent / "fixtures"

CASES: dict[str, dict[str, Any]] = {
    "coastal-times-page.html": {
        "meta": {
            "form": "html",
            "title": "Coast guard patrols rise near disputed islands",
            "publisher": "coastaltimes.example",
            "author": "Tomas Reyes",
            "date": dt.date(2025, 2, 9),
            "url": "https://www.coastaltimes.example/world/patrols-rise",
        },
        "contains": ["more than 1,200 patrols in 2024", "Fishing crews from the region"],
        "excludes": ["cookies", "Share this", "Photo:", "Most read", "Markets Rally", "Copyright", "Privacy", "Log in"],
    },
    "harbor-feed.rss#0": {
        "meta": {
            "form": "feed",
            "title": "Navies plan June drill near Jeju",
            "publisher": "Harbor Defense Notes",
            "author": "Aiko Mori",
            "date": dt.date(2025, 2, 12),
            "url": "https://harbornotes.example/2025/02/june-drill",
        },
        "contains": ["about 20 ships taking part", "live missile-defense firing"],
        "excludes": ["Short teaser", "Subscribe"],
    },
    "harbor-feed.rss#1": {
        "meta": {"title": "Budget talks begin in Seoul", "author": None, "date": dt.date(2025, 2, 13)},
        "contains": ["first-year budget of the new defense secretariat"],
        "excludes": ["<p>", "&lt;"],
    },
    "ministry-updates.atom#0": {
        "meta": {
            "form": "feed",
            "publisher": "Ministry Updates",
            "author": "Press Office",
            "date": dt.date(2025, 2, 11),
            "url": "https://ministry.example/statements/honolulu",
        },
        "contains": ["share missile-warning data in real time"],
        "excludes": [],
    },
    "export.jsonl:1": {
        "meta": {"form": "jsonl", "publisher": "Export Wire", "author": "Choi Min-jun", "date": dt.date(2025, 2, 13)},
        "contains": ["Shares of shipbuilders rose on Thursday.", "Analysts expect more maintenance work"],
        "excludes": [],
    },
    "export.jsonl:3": {
        "meta": {"publisher": "other.example", "author": None, "date": dt.date(2025, 2, 12)},
        "contains": ["The secretariat will open in April."],
        "excludes": ["Read more", "related"],
    },
}


def load_all() -> dict[str, Document]:
    out = {}
    for name in ("coastal-times-page.html", "harbor-feed.rss", "ministry-updates.atom", "export.jsonl"):
        for i, article in enumerate(read_file(FIXTURES / name)):
            out[Path(article.path).name] = clean(article, i)
    return out


@pytest.fixture(scope="module")
def docs():
    return load_all()


@pytest.mark.parametrize("key", sorted(CASES))
def test_realworld_case(docs, key):
    case = CASES[key]
    doc = docs[key]
    for field, expected in case["meta"].items():
        assert getattr(doc.article, field) == expected, field
    for text in case["contains"]:
        assert text in doc.text
    for text in case["excludes"]:
        assert text not in doc.text


def test_entries_without_text_and_bad_lines_are_skipped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="briefgen"):
        names = sorted(load_all())
    assert names == sorted(CASES)
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert "harbor-feed.rss#2: feed entry has no text" in messages
    assert "export.jsonl:2: not valid JSON" in messages
    assert "export.jsonl:4: not a JSON object" in messages


def test_a_feed_with_no_entries_is_unreadable():
    with pytest.raises(ArticleError, match="feed has no entries"):
        read_file(FIXTURES / "empty-feed.xml")
