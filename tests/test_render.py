"""Templates: escaping, overrides of one block, and the JSON record."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from briefgen.errors import RenderError
from briefgen.models import Briefing, Item, Section, Source
from briefgen.render.filters import markdown_escape
from briefgen.render.formats import render_html, render_json, render_markdown
from briefgen.render.templates import template_env

HOSTILE = 'Officials said <script>alert("x")</script> and <img src=x onerror=alert(1)> the *deal* [link](javascript:alert(1)) holds.'


def briefing(text: str = "The ministers agreed to share radar data.") -> Briefing:
    return Briefing(
        title="Test <Brief>",
        as_of=dt.date(2025, 2, 14),
        window_start=dt.date(2025, 2, 8),
        window_days=7,
        audience="executive",
        sections=(Section("key_points", "Key points", (Item(text, (1,), ((10, 10 + len(text)),)),)),),
        sources=(Source(1, "A title", "Pacific Ledger", None, dt.date(2025, 2, 11), "https://x.example/a", "a.html"),),
        articles_read=3,
        articles_used=1,
    )


def test_html_escapes_article_text():
    html = render_html(briefing(HOSTILE), template_env())
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "Test &lt;Brief&gt;" in html
    assert 'class="cite-link" href="#source-1">[1]</a>' in html  # no source text: no evidence to lead to


def test_markdown_escapes_markup_characters():
    md = render_markdown(briefing(HOSTILE), template_env())
    assert "\\<script\\>" in md and "\\*deal\\*" in md and "\\[link\\]" in md
    assert markdown_escape("1. not a list") == "1\\. not a list"


def test_markdown_escaped_text_renders_back_to_the_original():
    from markdown_it import MarkdownIt

    text = "A *starred* _under_ [bracket] <tag> `tick` | pipe sentence."
    html = MarkdownIt("commonmark").renderInline(markdown_escape(text))
    assert html == text.replace("<", "&lt;").replace(">", "&gt;")


def test_client_template_extends_a_default_and_replaces_one_block(tmp_path):
    (tmp_path / "briefing.html.j2").write_text(
        '{% extends "default:briefing.html.j2" %}{% block footer %}<footer>ACME confidential</footer>{% endblock %}',
        encoding="utf-8",
    )
    html = render_html(briefing(), template_env([tmp_path]))
    assert "ACME confidential" in html
    assert "Made with briefgen" not in html
    assert "The ministers agreed to share radar data." in html  # the rest is the default


def test_template_errors_name_the_file_and_line(tmp_path):
    (tmp_path / "briefing.md.j2").write_text("line one\n{% if %}\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"briefing\.md\.j2, line 2"):
        render_markdown(briefing(), template_env([tmp_path]))


def test_json_record_shape():
    data = json.loads(render_json(briefing()))
    assert data["as_of"] == "2025-02-14"
    assert data["sections"][0]["items"][0] == {
        "text": "The ministers agreed to share radar data.",
        "sources": [1],
        "offsets": [[10, 51]],
    }
    assert data["sources"][0]["id"] == 1 and data["sources"][0]["author"] is None


def test_undated_articles_are_counted_beside_the_chart_in_every_format():
    import dataclasses

    from briefgen.render.email import render_email

    dated = briefing()
    b = dataclasses.replace(dated, articles_used=4, undated_used=3, daily=((dt.date(2025, 2, 11), 1),))
    env = template_env()
    html = render_html(b, env)
    assert "Articles used per day, 2025-02-08 to 2025-02-14; +3 undated.</p>" in html
    assert "undated sources are not shown" not in html
    md = render_markdown(b, env)
    assert "Tue 11 Feb  # 1\n" in md and "Fri 14 Feb  0\n+3 undated\n```" in md
    email, txt = render_email(b, env)
    assert "+3 undated." in email and "Fri 14 Feb  0\n+3 undated\n" in txt
    assert "+3 undated" not in render_markdown(dataclasses.replace(dated, daily=((dt.date(2025, 2, 11), 1),)), env)
    assert json.loads(render_json(b))["undated_used"] == 3


@pytest.mark.parametrize(
    ("days", "heading"),
    [
        (7, "Coverage this week"),
        (1, "Coverage, 14 February 2025"),
        (3, "Coverage, 3 days to 14 February 2025"),
        (30, "Coverage, 30 days to 14 February 2025"),
        (3660, "Coverage, 3660 days to 14 February 2025"),
    ],
)
def test_the_chart_heading_names_the_window_unless_it_is_a_week(days, heading):
    import dataclasses

    from briefgen.render.chart import chart_heading

    b = dataclasses.replace(briefing(), window_days=days, window_start=dt.date(2025, 2, 15) - dt.timedelta(days=days))
    assert chart_heading(b) == heading
    assert f"## {heading}\n" in render_markdown(b, template_env())


def test_the_source_list_marks_undated_sources_and_previews():
    import dataclasses

    from briefgen.render.email import render_email

    preview = Source(
        2, "Summit next week", "Harbor Daily", None, None, None, "b.txt", not_before=dt.date(2024, 4, 11),
        date_source="inferred", preview_of=dt.date(2025, 2, 10),
    )  # fmt: skip
    bare = Source(3, "A commentary", None, "Ana Ruiz", None, None, "c.txt", not_before=dt.date(2024, 4, 11))
    b = dataclasses.replace(briefing(), sources=(*briefing().sources, preview, bare))
    env = template_env()
    md = render_markdown(b, env)
    assert (
        "[^2]: **Summit next week**. Harbor Daily, undated, not before 11 April 2024. "
        "Preview, written before 10 February 2025.\n" in md
    )
    assert "[^3]: **A commentary**. Ana Ruiz. Undated, not before 11 April 2024.\n" in md
    assert "[^1]: **A title**. Pacific Ledger, 2025-02-11. <https://x.example/a>" in md
    html = render_html(b, env)
    assert (
        'Harbor Daily, <span class="undated">undated, not before 11 April 2024</span>. '
        '<span class="preview">Preview, written before 10 February 2025.</span>' in html
    )
    _, txt = render_email(b, env)
    assert "Harbor Daily, undated, not before 11 April 2024. Preview, written" in " ".join(txt.split())
    source = json.loads(render_json(b))["sources"][1]
    assert (source["date"], source["date_source"], source["not_before"], source["preview_of"], source["undated"]) == (
        None,
        "inferred",
        "2024-04-11",
        "2025-02-10",
        True,
    )
