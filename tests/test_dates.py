"""When an article is from: stated dates, dates in addresses, date lines and datelines, inferred
bounds, forward-looking dates and previews."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from briefgen.ingest.clean import clean
from briefgen.ingest.dates import (
    bounds,
    date_line,
    date_source,
    dated,
    dateline,
    infer,
    looks_forward,
    mentions,
    outside,
    preview_of,
    url_date,
)
from briefgen.ingest.readers import read_file
from briefgen.models import PARAGRAPH, Article, Block

D = dt.date


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/2025/02/10/allies-agree/", D(2025, 2, 10)),
        ("https://news.example/world/2025/2/3/talks", D(2025, 2, 3)),
        ("https://news.example/archive/20250210/talks.html", D(2025, 2, 10)),
        ("https://news.example/story_20250210.html", D(2025, 2, 10)),
        ("https://news.example/politics/2025-02-10-allies-agree", D(2025, 2, 10)),
        ("https://news.example/2025/02/allies-agree/", None),  # a year and a month are no date
        ("https://news.example/2025/allies-agree", None),
        ("https://news.example/article/12345678/", None),  # an id, not a day
        ("https://news.example/2025/02/30/no-such-day", None),
        ("https://news.example/story?date=2025-02-10", None),  # the path only
        ("https://news.example/story/88820250210", None),
        ("", None),
        (None, None),
    ],
)
def test_a_full_date_in_the_address(url, expected):
    assert url_date(url) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("February 10, 2025", D(2025, 2, 10)),
        ("Feb. 10, 2025", D(2025, 2, 10)),
        ("10 February 2025", D(2025, 2, 10)),
        ("Published: 10 Feb 2025", D(2025, 2, 10)),
        ("Updated 2025-02-10", D(2025, 2, 10)),
        ("Last updated: 2025-02-10 09:30 UTC", D(2025, 2, 10)),
        ("Posted on Monday, February 10, 2025 at 9:00 a.m. ET", D(2025, 2, 10)),
        ("By Jane Roe \u00b7 February 11, 2025", D(2025, 2, 11)),
        ("Sept. 3, 2024.", D(2024, 9, 3)),
        ("February 2025", None),
        ("2025", None),
        ("Tuesday", None),
        ("The talks began on February 10, 2025.", None),  # a sentence, not a date line
        ("February 30, 2025", None),
    ],
)
def test_a_date_line_is_a_date_and_nothing_else(line, expected):
    assert date_line(line) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WASHINGTON, Feb. 10, 2025 (Reuters) \u2014 The allies agreed on Monday.", D(2025, 2, 10)),
        ("SEOUL, South Korea, 10 February 2025 \u2014 Lawmakers met.", D(2025, 2, 10)),
        ("NEW YORK, Feb. 10, 2025 /PRNewswire/ -- A company said.", D(2025, 2, 10)),
        ("WASHINGTON \u2014 The allies agreed on Feb. 10, 2025.", None),  # no date in the dateline
        ("Washington, Feb. 10, 2025 \u2014 lower case is no dateline", None),
    ],
)
def test_a_news_dateline(text, expected):
    assert dateline(text) == expected


def article(*paragraphs: str, url: str | None = None, date: D | None = None) -> Article:
    return Article("a.txt", "text", tuple(Block(PARAGRAPH, p) for p in paragraphs), url=url, date=date)


def test_the_page_date_comes_first_then_the_address_then_the_text():
    line = "Published: 9 Feb 2025"
    assert dated(article(line, "Body.", url="https://x.example/2025/02/08/a", date=D(2025, 2, 7))).date_source == "page"
    by_url = dated(article(line, "Body.", url="https://x.example/2025/02/08/a"))
    assert (by_url.date, by_url.date_source) == (D(2025, 2, 8), "url")
    by_text = dated(article(line, "Body.", url="https://x.example/2025/02/a"))
    assert (by_text.date, by_text.date_source) == (D(2025, 2, 9), "text")
    by_dateline = dated(article("TOKYO, 9 February 2025 \u2014 The body.", "More."))
    assert (by_dateline.date, by_dateline.date_source) == (D(2025, 2, 9), "text")
    # A full date deep in the text is not when the article is from.
    late = dated(article("One.", "Two.", "Three.", "Four.", "Five.", "February 9, 2025"))
    assert (late.date, late.date_source) == (None, None)


# ----------------------------------------------------------------------------- plain text: header, sidecar, date line

BODY = "The three countries agreed to share radar data in real time after talks in Honolulu.\n"


def read_one(path: Path) -> Article:
    (got,) = read_file(path)
    return got


def test_a_plain_text_date_line_before_or_after_the_headline(tmp_path):
    first = tmp_path / "first.txt"
    first.write_text(f"Published: 12 Feb 2025\nAllies Agree on Radar Link\n{BODY}", encoding="utf-8")
    got = read_one(first)
    assert (got.date, got.date_source, got.title) == (D(2025, 2, 12), "text", "Allies Agree on Radar Link")
    after = tmp_path / "after.txt"
    after.write_text(f"Allies Agree on Radar Link\nBy Jane Roe\nUpdated 2025-02-12 09:30\n{BODY}", encoding="utf-8")
    got = read_one(after)
    assert (got.date, got.date_source, got.author) == (D(2025, 2, 12), "text", "Jane Roe")
    assert [b.text for b in got.blocks] == [BODY.strip()]  # the date line is no part of the body


def test_a_plain_text_header_and_sidecar_say_where_the_date_comes_from(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text(
        f"Date: 2025-02-11\nURL: https://x.example/2025/02/09/a\n\nFebruary 10, 2025\n{BODY}", encoding="utf-8"
    )
    got = read_one(text)
    assert (got.date, got.date_source) == (D(2025, 2, 11), "header")  # over the address and the date line
    (tmp_path / "a.meta.yaml").write_text("date: '2025-02-13'\n", encoding="utf-8")
    got = read_one(text)
    assert (got.date, got.date_source) == (D(2025, 2, 13), "sidecar")  # the sidecar wins over the header
    (tmp_path / "a.meta.yaml").write_text("date: not a date\n", encoding="utf-8")
    got = read_one(text)
    assert (got.date, got.date_source) == (D(2025, 2, 11), "header")  # a sidecar's bad date gives way
    bare = tmp_path / "b.txt"
    bare.write_text(f"URL: https://x.example/2025/02/09/a\n\nFebruary 10, 2025\n{BODY}", encoding="utf-8")
    got = read_one(bare)
    assert (got.date, got.date_source) == (D(2025, 2, 9), "url")  # the address before the date line


def test_readers_dates_are_the_pages_own(tmp_path):
    page = tmp_path / "a.md"
    page.write_text(f"---\ntitle: Radar\ndate: 2025-02-11\n---\n\n{BODY}", encoding="utf-8")
    assert read_one(page).date_source == "page"
    feed_like = tmp_path / "b.md"
    feed_like.write_text(f"---\ntitle: Radar\nurl: https://x.example/2025/02/10/radar\n---\n\n{BODY}", encoding="utf-8")
    got = read_one(feed_like)
    assert (got.date, got.date_source) == (D(2025, 2, 10), "url")
    undated = tmp_path / "c.md"
    undated.write_text(f"---\ntitle: Radar\n---\n\n{BODY}", encoding="utf-8")
    assert (read_one(undated).date, read_one(undated).date_source) == (None, None)


# ----------------------------------------------------------------------------- dates a text names

PREVIEW = (
    "The first summit between the two leaders is set to take place in Washington on February 7, 2025. "
    "It is expected to reshape the alliance."
)
REPORT = "A landmark trilateral summit took place on April 11, 2024, in Washington. It was the first of its kind."


def test_forward_looking_dates_are_told_apart_from_past_ones():
    found = {m.date: m.forward for m in mentions(f"{PREVIEW} {REPORT}")}
    assert found == {D(2025, 2, 7): True, D(2024, 4, 11): False}
    for text in (
        "The deal will take effect on 1 March 2025.",
        "Talks are scheduled for March 3, 2025, in Seoul.",
        "Ministers plan to sign the charter on 2025-03-03.",
        "Lawmakers must decide by March 3, 2025.",
        "The upcoming March 3, 2025 meeting is the first.",
    ):
        assert [m.forward for m in mentions(text)] == [True], text
    for text in (
        "The charter was signed on March 3, 2025.",
        "Since March 3, 2025, the allies have met weekly.",
        "The U.S. ambassador arrived on March 3, 2025.",  # "U.S." ends no sentence
    ):
        assert [m.forward for m in mentions(text)] == [False], text
    # The cue must be in the same sentence.
    assert [m.forward for m in mentions("Officials will speak later. The treaty was signed on 3 March 2025.")] == [
        False
    ]


def test_an_undated_text_is_bounded_by_the_dates_it_names():
    end = D(2025, 2, 12)
    assert bounds(REPORT, end) == (D(2024, 4, 11), None)
    assert bounds(PREVIEW, end) == (None, D(2025, 2, 7))
    assert bounds(f"{PREVIEW} {REPORT}", end) == (D(2024, 4, 11), D(2025, 2, 7))
    # The latest past date counts; a date after the window's end is read as one looked forward to.
    assert bounds("It met on 1 May 2023. It met again on 2 June 2024. It meets on 5 May 2025.", end) == (
        D(2024, 6, 2),
        None,
    )
    # A date looked forward to that is not after a past one bounds nothing.
    assert bounds("The vote will be held on 1 Jan 2024. The vote took place on 2 Jan 2024.", end) == (
        D(2024, 1, 2),
        None,
    )
    assert bounds("No full date here: not in February, nor on the 7th, nor in 2024.", end) == (None, None)


def test_a_preview_looks_forward_to_a_day_in_the_window_it_was_written_before():
    start, end = D(2025, 2, 6), D(2025, 2, 12)
    assert preview_of(PREVIEW, None, None, start, end) == D(2025, 2, 7)
    assert preview_of(PREVIEW, D(2025, 2, 3), None, start, end) == D(2025, 2, 7)
    assert preview_of(PREVIEW, D(2025, 2, 8), None, start, end) is None  # written after the day
    assert preview_of(PREVIEW, None, None, D(2025, 2, 8), D(2025, 2, 14)) is None  # the day is before the window
    assert preview_of(REPORT, None, None, start, end) is None  # nothing looked forward to
    # An undated text that also names the day as past is no preview.
    assert preview_of(f"{PREVIEW} The summit took place on February 7, 2025.", None, None, start, end) is None
    # A dated article's day and month without a year are the next such day.
    short = "The meeting, set for February 10 and 11, will be the first of the year."
    assert preview_of(short, D(2025, 1, 27), None, D(2025, 2, 8), D(2025, 2, 14)) == D(2025, 2, 10)
    assert preview_of(short, None, None, D(2025, 2, 8), D(2025, 2, 14)) is None  # no year to give it


def test_sentences_that_look_forward():
    assert looks_forward("Ishiba is expected to discuss defense spending.")
    assert looks_forward("A clear endorsement could deter aggression.")
    assert looks_forward("The two leaders will meet in Washington.")
    assert not looks_forward("The two leaders met in Washington on Friday.")
    assert not looks_forward("In May, the ministers met in Seoul.")


def test_infer_and_the_reason_an_undated_article_is_outside_the_window():
    doc = clean(article(REPORT, "The leaders agreed to deepen cooperation on defense and technology."), 0)
    got = infer(doc, D(2025, 2, 6), D(2025, 2, 12))
    assert (got.not_before, got.written_before, got.preview_of) == (D(2024, 4, 11), None, None)
    assert outside(got, D(2025, 2, 6)) == "undated; latest date it names is 2024-04-11"
    assert outside(infer(doc, D(2024, 3, 12), D(2024, 5, 10)), D(2024, 3, 12)) is None
    preview = infer(
        clean(article(PREVIEW, "More about the summit agenda was published."), 0), D(2025, 3, 1), D(2025, 3, 7)
    )
    assert preview.written_before == D(2025, 2, 7) and preview.preview_of is None
    assert "written before the window" in (outside(preview, D(2025, 3, 1)) or "")
    dated_doc = dataclasses.replace(doc, article=dataclasses.replace(doc.article, date=D(2025, 2, 1)))
    assert infer(dated_doc, D(2025, 2, 6), D(2025, 2, 12)).not_before is None  # a dated article needs no bounds
    assert outside(dated_doc, D(2025, 2, 6)) is None


# ----------------------------------------------------------------------------- the seeds


SEED_WINDOW = (D(2025, 2, 6), D(2025, 2, 12))


def test_the_seeds_dates(seeds):
    got = {}
    for path in sorted(seeds.iterdir()):
        (art,) = read_file(path)
        doc = infer(clean(art, 0), *SEED_WINDOW)
        got[path.name[:3]] = (art.date, date_source(doc), doc.not_before, doc.preview_of)
    assert got["000"] == (D(2025, 2, 10), "page", None, None)
    assert got["002"] == (None, None, None, D(2025, 2, 7))  # undated, a preview of the summit
    assert got["003"] == (None, "inferred", D(2024, 4, 11), None)
    assert got["001"][:2] == (None, None) and got["004"][:2] == (None, None)


def test_ingest_json_says_why_the_seed_from_2024_is_left_out(seeds, tmp_path):
    from briefgen.config.load import load_config
    from briefgen.select.intake import intake_report, take_in

    config = tmp_path / "seeds.yaml"
    config.write_text(f"sources: [{seeds}]\nwindow: {{days: 7}}\n", encoding="utf-8")
    report = intake_report(take_in(load_config(config), SEED_WINDOW[1]))
    by_name = {Path(str(a["path"])).name[:3]: a for a in report["articles"]}
    assert by_name["003"]["status"] == "outside window"
    assert str(by_name["003"]["detail"]).startswith("undated; latest date it names is 2024-04-11")
    assert (by_name["003"]["date_source"], by_name["003"]["not_before"]) == ("inferred", "2024-04-11")
    assert by_name["002"]["status"] == "kept" and by_name["002"]["preview_of"] == "2025-02-07"
    json.dumps(report)  # the report is data
