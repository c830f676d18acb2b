"""Readers: structure and metadata from each form, on inputs shaped like real dumps."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from briefgen.errors import ArticleError
from briefgen.ingest.readers import detect_form, fragment_blocks, parse_date, read_file, text_blocks
from briefgen.ingest.sources import expand_sources
from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH

from .conftest import ROOT


def kinds(blocks):
    return [(b.kind, b.text) for b in blocks]


def test_plain_text_lines_become_headings_paragraphs_and_items():
    text = (
        "Ministers Meet in Honolulu\n"
        "The defense ministers met on Tuesday and agreed on a data link between their radars.\n"
        "What they agreed:\n"
        "- A shared radar network\n"
        "-\n"
        "An exercise in June\n"
    )
    assert kinds(text_blocks(text)) == [
        (HEADING, "Ministers Meet in Honolulu"),
        (PARAGRAPH, "The defense ministers met on Tuesday and agreed on a data link between their radars."),
        (PARAGRAPH, "What they agreed:"),
        (LIST_ITEM, "A shared radar network"),
        (LIST_ITEM, "An exercise in June"),
    ]


def test_hard_wrapped_text_is_joined_into_paragraphs():
    text = (
        "The ministers agreed on Tuesday to share\nmissile-warning data in real time.\n\n"
        "The secretariat will open in Seoul in April\nwith a staff of about 40 people.\n"
    )
    assert [b.text for b in text_blocks(text)] == [
        "The ministers agreed on Tuesday to share missile-warning data in real time.",
        "The secretariat will open in Seoul in April with a staff of about 40 people.",
    ]


def test_text_reader_takes_headline_byline_and_dateline(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Allies Agree on Radar Link\nBy Jane Roe, Staff Writer\nFebruary 12, 2025\n"
        "The three countries agreed to share radar data in real time after talks in Honolulu.\n",
        encoding="utf-8",
    )
    (article,) = read_file(path)
    assert article.title == "Allies Agree on Radar Link"
    assert article.author == "Jane Roe"
    assert article.date == dt.date(2025, 2, 12)
    assert article.publisher is None  # never invented
    assert [b.kind for b in article.blocks] == [PARAGRAPH]


def test_markdown_front_matter_and_body(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: Radar deal\npublisher: Meridian Wire\nauthor: [A. One, B. Two]\ndate: 2025-02-11\n"
        "url: https://wire.example/x\n---\n\n# Radar deal\n\nThe allies agreed to **link** their [radars](https://x.example).\n\n"
        "## Details\n\n* First item of the list here\n* Second item\n",
        encoding="utf-8",
    )
    (article,) = read_file(path)
    assert (article.title, article.publisher, article.author, article.date, article.url) == (
        "Radar deal",
        "Meridian Wire",
        "A. One, B. Two",
        dt.date(2025, 2, 11),
        "https://wire.example/x",
    )
    assert kinds(article.blocks) == [
        (PARAGRAPH, "The allies agreed to link their radars."),
        (HEADING, "Details"),
        (LIST_ITEM, "First item of the list here"),
        (LIST_ITEM, "Second item"),
    ]


def test_markdown_without_front_matter_uses_domain_free_metadata(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# A Title\n\nSome body text that is long enough to be a paragraph.\n", encoding="utf-8")
    (article,) = read_file(path)
    assert article.title == "A Title"
    assert article.date is None and article.publisher is None and article.url is None


BROKEN_WP = (
    '{"id":7,"date":"2025-02-10T08:00:00","link":"https:\\/\\/news.example\\/2025\\/02\\/deal\\/",'
    '"title":{"rendered":"Deal &#8216;signed&#8217;"},"content":{"rendered":"\n'
    "The ministers signed the deal <\\/span>on<\\/span><\\/a> Tuesday in Honolulu.<\\/span><\\/p>\n"
    " WHY IT MATTERS<\\/b><\\/p>\n"
    " The deal makes cooperation harder to undo.<\\/p>\n"
    " It stops here"
)


def test_wordpress_dump_with_raw_newlines_half_stripped_tags_and_truncation(tmp_path):
    path = tmp_path / "dump.txt"  # misnamed, as scrapers do
    path.write_text(BROKEN_WP, encoding="utf-8")
    assert detect_form(path, BROKEN_WP) == "wordpress"
    (article,) = read_file(path)
    assert article.title == "Deal \u2018signed\u2019"
    assert article.url == "https://news.example/2025/02/deal/"
    assert article.publisher == "news.example"
    assert article.date == dt.date(2025, 2, 10)
    assert kinds(article.blocks) == [
        (PARAGRAPH, "The ministers signed the deal on Tuesday in Honolulu."),
        (HEADING, "WHY IT MATTERS"),
        (PARAGRAPH, "The deal makes cooperation harder to undo."),
        (PARAGRAPH, "It stops here"),
    ]


def test_wordpress_list_of_posts(tmp_path):
    posts = [
        {
            "title": {"rendered": f"Post {i}"},
            "content": {"rendered": f"<p>Body of post {i} with words.</p>"},
            "date": f"2025-02-1{i}",
        }
        for i in range(3)
    ]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps(posts), encoding="utf-8")
    articles = read_file(path)
    assert [a.title for a in articles] == ["Post 0", "Post 1", "Post 2"]
    assert articles[1].path.endswith("posts.json#1")


def test_fragment_blocks_drop_scripts_and_keep_headings():
    blocks = fragment_blocks("<h2>Title here</h2><p>Text &amp; more.</p><script>alert(1)</script><ul><li>One</li></ul>")
    assert kinds(blocks) == [(HEADING, "Title here"), (PARAGRAPH, "Text & more."), (LIST_ITEM, "One")]


def test_html_page_main_text_and_metadata():
    (article,) = read_file(ROOT / "samples" / "articles" / "pacific-ledger-ministers-agree-data-link.html")
    assert article.form == "html"
    assert article.title == "Allies agree to link missile-warning radars in real time"
    assert article.publisher == "Pacific Ledger"
    assert article.author == "Mina Cho"
    assert article.date == dt.date(2025, 2, 11)
    assert article.url == "https://pacificledger.example/asia/2025/02/11/allies-link-missile-warning-radars"
    body = " ".join(b.text for b in article.blocks)
    assert "connect their missile-warning radars in real time" in body
    for junk in ("Markets", "Opinion", "window.dataLayer", "Privacy policy"):
        assert junk not in body


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"   \n\n", "empty file"), (b"\x00\x01\x02binary", "binary file")],
)
def test_unreadable_files_raise_article_error(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=reason):
        read_file(path)


def test_unknown_extension(tmp_path):
    path = tmp_path / "notes.odt"
    path.write_text("some words", encoding="utf-8")
    with pytest.raises(ArticleError, match="unknown file type"):
        read_file(path)


def test_legacy_encoding_is_decoded(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("The minister\u2019s caf\u00e9 remarks were long enough to count as a paragraph.".encode("cp1252"))
    (article,) = read_file(path)
    assert "minister\u2019s caf\u00e9" in article.blocks[0].text


def test_parse_date_never_guesses():
    assert parse_date("2025-02-11T18:40:00+09:00") == dt.date(2025, 2, 11)
    assert parse_date("Feb 12, 2025") == dt.date(2025, 2, 12)
    assert parse_date("Tuesday") is None
    assert parse_date("not a date 2025 at all really") is None


def test_expand_sources_dirs_globs_and_missing(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.md").write_text("x")
    (tmp_path / "a" / "y.txt").write_text("y")
    files, missing = expand_sources(["a", "a/*.md", "nothing/*.html"], tmp_path)
    assert [f.name for f in files] == ["x.md", "y.txt"]
    assert missing == ["source 'nothing/*.html' matched no file"]


SENTENCE = (
    "The minister\u2019s caf\u00e9 remarks in Z\u00fcrich were \u201cvery clear\u201d \u2014 and long enough to count."
)


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("utf-8", SENTENCE.encode("utf-8")),
        ("utf-8 with BOM", b"\xef\xbb\xbf" + SENTENCE.encode("utf-8")),
        ("utf-16 with BOM", SENTENCE.encode("utf-16")),
        ("utf-16-le without BOM", SENTENCE.encode("utf-16-le")),
        ("windows-1252", SENTENCE.encode("cp1252")),
        (
            "latin-1",
            SENTENCE.replace("\u2019", "'")
            .replace("\u201c", '"')
            .replace("\u201d", '"')
            .replace(" \u2014", ",")
            .encode("latin-1"),
        ),
        ("utf-8 read as cp1252 (mojibake)", SENTENCE.encode("utf-8").decode("cp1252", errors="ignore").encode("utf-8")),
    ],
)
def test_encodings_are_detected_and_mojibake_repaired(tmp_path, label, data):
    path = tmp_path / "enc.txt"
    path.write_bytes(data)
    (article,) = read_file(path)
    text = article.blocks[0].text
    assert "caf\u00e9" in text and "Z\u00fcrich" in text, label
    assert "\u00c3" not in text and "\u00e2\u20ac" not in text, label


def test_invalid_utf8_is_read_with_a_warning_naming_the_file(tmp_path, caplog):
    path = tmp_path / "legacy.txt"
    path.write_bytes(SENTENCE.encode("cp1252"))
    read_file(path)
    assert [r.getMessage() for r in caplog.records] == [f"{path}: not valid UTF-8; read as windows-1252"]


def test_other_scripts_go_to_the_detector(tmp_path):
    path = tmp_path / "ru.txt"
    sentence = "\u041c\u0438\u043d\u0438\u0441\u0442\u0440\u044b \u043e\u0431\u043e\u0440\u043e\u043d\u044b \u0434\u043e\u0433\u043e\u0432\u043e\u0440\u0438\u043b\u0438\u0441\u044c \u043e \u0441\u043e\u0432\u043c\u0435\u0441\u0442\u043d\u044b\u0445 \u0443\u0447\u0435\u043d\u0438\u044f\u0445 \u0432 \u0438\u044e\u043d\u0435."
    path.write_bytes(sentence.encode("cp1251"))
    (article,) = read_file(path)
    assert article.blocks[0].text == sentence
