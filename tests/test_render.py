"""Templates: escaping, overrides of one block, and the JSON record."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from briefgen.errors import RenderError
from briefgen.models import Briefing, Item, Section, Source
from briefgen.render import markdown_escape, render_html, render_json, render_markdown, template_env

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
    assert 'href="#source-1">[1]</a>' in html


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
