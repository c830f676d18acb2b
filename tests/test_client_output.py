"""What a client sees: no local path, no "unknown", no product name in any format; plain-text
articles that state their metadata (a header or a sidecar file); the email made from the
page's own templates and stylesheet, its styles inlined and its logo an inline part."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from briefgen.config.load import load_config
from briefgen.deliver.smtp import deliver
from briefgen.errors import ArticleError
from briefgen.ingest.readers import read_file, read_plain
from briefgen.ingest.sources import find_sources
from briefgen.pipeline import BuildResult, build
from briefgen.render.compose import HEADLINE_CHARS, headline
from briefgen.render.look import svg_as_png

from .conftest import AS_OF, ROOT

CLIENT_FILES = ("md", "html", "email.html", "txt")


def pdf_text(path: Path) -> str:
    """The PDF's text and its metadata but the Producer and Creator (the tools that made it)."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    meta = {k: v for k, v in dict(reader.metadata or {}).items() if k not in ("/Producer", "/Creator")}
    return "\n".join(page.extract_text() for page in reader.pages) + "\n" + " ".join(str(v) for v in meta.values())


def shown(result: BuildResult) -> dict[str, str]:
    """Every client format of a build as text, by output key."""
    texts = {key: result.outputs[key].read_text(encoding="utf-8") for key in CLIENT_FILES}
    texts["pdf"] = pdf_text(result.outputs["pdf"])
    return texts


def local_names(report: dict[str, Any], base: Path) -> set[str]:
    """What would give away where the inputs are: each input's path as recorded and in full, its
    file name and stem, and its parent directories' names as path components ("seeds/")."""
    names: set[str] = set()
    for article in report["articles"]:
        recorded = article["path"].split("#", 1)[0]  # a post of an export: "export.json#3"
        full = (base / recorded).resolve()
        names |= {recorded, str(full), full.name}
        if len(full.stem) >= 6:
            names.add(full.stem)
        names |= {f"{parent.name}/" for parent in full.parents if parent.name}
    return names


def assert_client_clean(result: BuildResult, base: Path) -> None:
    report = json.loads(result.outputs["ingest.json"].read_text(encoding="utf-8"))
    names = local_names(report, base)
    for key, text in shown(result).items():
        for name in names:
            pattern = re.escape(name) if not name.endswith("/") else rf"(?<![\w.\-]){re.escape(name)}"
            assert not re.search(pattern, text), f"{key} shows the local path {name!r}"
        assert "unknown" not in text.lower(), f"{key} says 'unknown'"
        assert "briefgen" not in text.lower(), f"{key} names the product"
        assert "Made with" not in text, key
    data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
    for source in data["sources"]:
        assert source["path"] and source["title"], source  # paths stay in the record; every source has a title
        assert not source["title"].endswith((".txt", ".md", ".json", ".html")), source["title"]


@pytest.fixture(scope="module", params=["example", "acme", "northwind"])
def sample_build(request, tmp_path_factory) -> BuildResult:
    out = tmp_path_factory.mktemp(request.param)
    return build(load_config(ROOT / "configs" / f"{request.param}.yaml"), as_of=AS_OF, out_dir=out)


def test_the_sample_briefings_show_no_path_unknown_or_product_name(sample_build):
    assert_client_clean(sample_build, ROOT / "configs")
    md = sample_build.outputs["md"].read_text(encoding="utf-8")
    # An undated source cited: its title and author, marked undated, no file.
    data = json.loads(sample_build.outputs["json"].read_text(encoding="utf-8"))
    undated = [src for src in data["sources"] if src["date"] is None]
    for src in undated:
        (line,) = [x for x in md.splitlines() if x.startswith(f"[^{src['id']}]:")]
        assert line.endswith(f"**. {src['author']}. Undated." if src["author"] else "Undated."), line


def test_the_closing_line_is_the_clients_footer_or_a_neutral_one(sample_build, tmp_path):
    texts = shown(sample_build)
    for key in CLIENT_FILES:
        assert "quoted verbatim" in texts[key], key
    config = tmp_path / "c.yaml"
    config.write_text(
        f"sources: [{ROOT / 'samples' / 'articles'}]\nbranding: {{footer: Prepared by the desk.}}\n", encoding="utf-8"
    )
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md", "html", "email"])
    for key in CLIENT_FILES:
        text = result.outputs[key].read_text(encoding="utf-8")
        assert "Prepared by the desk." in text and "numbered source it cites" not in text, key


def test_the_seed_briefing_shows_no_path_unknown_or_product_name(seeds, tmp_path):
    config = tmp_path / "seeds.yaml"
    config.write_text(
        "title: U.S.-Japan alliance\n"
        "topic: {keywords: [alliance, summit, defense], entities: [Japan, South Korea]}\n"
        "audience: analyst\n"
        f"sources: [{seeds}]\n",
        encoding="utf-8",
    )
    result = build(load_config(config), as_of=dt.date(2025, 2, 12), out_dir=tmp_path / "out")
    assert_client_clean(result, tmp_path)
    data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
    cut = [s["title"] for s in data["sources"] if s["title"].endswith("\u2026")]
    assert all(len(t) <= HEADLINE_CHARS + 1 for t in cut), cut


# ----------------------------------------------------------------------------- titles from the first line


def test_a_title_made_from_the_first_line_is_cut_at_a_word_boundary():
    assert headline("", "  Short first line  ") == "Short first line"
    long = "The harbor authority said on Tuesday " + "that the new terminal would open in May " * 5
    made = headline(long)
    assert made is not None and made.endswith("\u2026") and len(made) <= HEADLINE_CHARS + 1
    assert long.startswith(made[:-1]) and long[len(made) - 1] == " "  # cut between words
    assert headline("x" * 500) == "x" * HEADLINE_CHARS + "\u2026"  # no space to cut at
    assert headline() is None and headline("", " ") is None


def test_a_source_without_a_title_is_named_by_its_first_line(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    body = (
        "The council said the new harbor terminal would open in May, doubling the port's container capacity.\n\n"
        "Port officials said the harbor terminal cost $300 million and would bring 400 jobs to the town.\n"
    )
    (corpus / "note_0001.txt").write_text(body, encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("title: Harbor\nsources: [articles]\nwindow: {days: 7}\n", encoding="utf-8")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md", "html", "email"])
    (source,) = result.briefing.sources
    assert source.title == body.split("\n", 1)[0] and source.path.endswith("note_0001.txt")
    for key in CLIENT_FILES:
        text = result.outputs[key].read_text(encoding="utf-8")
        assert "note_0001" not in text and "unknown" not in text.lower(), key
    md = result.outputs["md"].read_text(encoding="utf-8")
    assert f"[^1]: **{source.title}** Undated.\n" in md  # no publisher, date or file to show


# ----------------------------------------------------------------------------- plain-text metadata

BODY = (
    "The council said the new harbor terminal would open in May.\n\n"
    "Port officials said it would double the port's container capacity.\n"
)


def test_a_plain_text_header_states_the_metadata():
    text = (
        "Title: Harbor terminal to open in May\nPublisher: Northgate Gazette\nAuthor: Ana Ruiz\n"
        "Date: 2025-02-12\nURL: https://gazette.example/harbor\n\n" + BODY
    )
    (article,) = read_plain("note.txt", text)
    assert (article.title, article.publisher, article.author, article.url) == (
        "Harbor terminal to open in May",
        "Northgate Gazette",
        "Ana Ruiz",
        "https://gazette.example/harbor",
    )
    assert article.date == dt.date(2025, 2, 12)
    assert [b.text for b in article.blocks] == [
        "The council said the new harbor terminal would open in May.",
        "Port officials said it would double the port's container capacity.",
    ]
    # Keys in any case; a URL alone gives the publisher its domain.
    (article,) = read_plain("note.txt", "url: https://www.gazette.example/x\ntitle: A title\n\n" + BODY)
    assert (article.title, article.publisher) == ("A title", "gazette.example")


def test_the_header_wins_over_a_guessed_headline_and_keeps_a_first_line_that_is_not_one():
    (article,) = read_plain("note.txt", "Title: Stated title\n\nA short first line\n\n" + BODY)
    assert article.title == "Stated title"
    assert article.blocks[0].text == "A short first line"  # body text, not a second title
    (article,) = read_plain("note.txt", "Title: Stated title\n\nStated title\n\n" + BODY)
    assert article.blocks[0].text.startswith("The council said")  # the headline repeated: dropped


@pytest.mark.parametrize(
    "text",
    [
        "Title of the piece: a harbor terminal\n\n" + BODY,
        "Titles: several\n\n" + BODY,
        "Title: no blank line after it\n" + BODY.replace("\n\n", "\n"),
        "Title: a header line\nthen a line that is no header\n\n" + BODY,
        "The council said: Title: nothing\n\n" + BODY,
    ],
)
def test_ordinary_text_is_not_taken_as_a_header(text):
    (article,) = read_plain("note.txt", text)
    assert article.publisher is None and article.url is None
    joined = " ".join([article.title or "", *(b.text for b in article.blocks)])
    assert " ".join(text.split()) == " ".join(joined.split())  # every word kept


def test_a_sidecar_file_states_the_metadata_and_wins(tmp_path):
    article_path = tmp_path / "note.txt"
    article_path.write_text("Title: From the header\nAuthor: Header Author\n\n" + BODY, encoding="utf-8")
    (tmp_path / "note.meta.yaml").write_text(
        "title: From the sidecar\npublisher: Northgate Gazette\ndate: 2025-02-11\nurl: https://gazette.example/h\n"
        "extra: ignored\n",
        encoding="utf-8",
    )
    (article,) = read_file(article_path)
    assert article.title == "From the sidecar" and article.author == "Header Author"
    assert article.publisher == "Northgate Gazette" and article.date == dt.date(2025, 2, 11)
    assert article.url == "https://gazette.example/h"
    # Fetched text has no sidecar: a URL is not a file.
    (fetched,) = read_plain("https://x.example/note.txt", BODY)
    assert fetched.publisher is None


def test_a_sidecar_is_never_read_as_an_article(tmp_path):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "a.meta.yaml").write_text("title: A\n", encoding="utf-8")
    found = find_sources([str(tmp_path), str(tmp_path / "*.yaml"), str(tmp_path / "a.meta.yaml")], tmp_path)
    assert found.files == [tmp_path / "a.txt"]
    assert not found.missing


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        ("title: [unclosed\n", "is not valid YAML"),
        ("- a list\n", "is not a mapping"),
        ("a: &a [*a, *a]\n", "refused"),
    ],
)
def test_a_broken_sidecar_is_one_clear_reason(tmp_path, sidecar, reason):
    (tmp_path / "n.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "n.meta.yaml").write_text(sidecar, encoding="utf-8")
    with pytest.raises(ArticleError, match=rf"metadata file n\.meta\.yaml.*{reason}"):
        read_file(tmp_path / "n.txt")


# ----------------------------------------------------------------------------- the email


@pytest.fixture(scope="module")
def acme(tmp_path_factory) -> BuildResult:
    out = tmp_path_factory.mktemp("acme-email")
    return build(load_config(ROOT / "configs" / "acme.yaml"), as_of=AS_OF, out_dir=out)


def test_the_email_is_the_page_with_its_styles_inlined(acme):
    page = acme.outputs["html"].read_text(encoding="utf-8")
    mail = acme.outputs["email.html"].read_text(encoding="utf-8")
    assert "<style" not in mail and 'class="' not in mail and "var(--" not in mail and "rem;" not in mail
    # The client's own page styles (a dark banner, a tinted bottom line) reach the email.
    assert "background:#2b2b2b" in mail and "background:#fbeeec" in mail
    assert "<header" not in mail and "<section" not in mail  # styled as divs in every client
    # The same content: every quoted sentence and every source title of the page.
    data = json.loads(acme.outputs["json"].read_text(encoding="utf-8"))
    for section in data["sections"]:
        assert section["heading"] in mail
    for source in data["sources"]:
        assert source["title"].replace("'", "&#39;") in mail and source["title"].replace("'", "&#39;") in page
    # The column carries the page's typography, since mail clients drop <html> and <body> styles.
    cell = re.search(r'<td style="([^"]*)">', mail)
    assert cell and "font-family:" in cell[1] and "line-height:1.5" in cell[1]


def test_the_email_preheader_is_the_bottom_line(acme):
    mail = acme.outputs["email.html"].read_text(encoding="utf-8")
    bottom = acme.briefing.section("bottom_line")
    assert bottom is not None
    first = re.search(r"<body[^>]*>\s*<div style=\"([^\"]*)\">([^<]*)</div>", mail)
    assert first and "display:none" in first[1]
    assert " ".join(first[2].split()) == " ".join(i.text for i in bottom.items).replace("'", "&#39;")


def test_a_config_template_reaches_the_email(tmp_path):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "briefing.html.j2").write_text(
        '{% extends "default:briefing.html.j2" %}{% block style %}{{ super() }}\nh2 { color: #123456; }\n{% endblock %}',
        encoding="utf-8",
    )
    config = tmp_path / "c.yaml"
    config.write_text(f"templates: mine\nsources: [{ROOT / 'samples' / 'articles'}]\n", encoding="utf-8")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["html", "email"])
    mail = result.outputs["email.html"].read_text(encoding="utf-8")
    assert re.search(r"<h2 style=\"[^\"]*color:#123456", mail)


def test_the_logo_travels_as_an_inline_part(acme, tmp_path):
    if svg_as_png((ROOT / "templates" / "clients" / "acme" / "logo.svg").read_bytes()) is None:
        pytest.skip("CairoSVG or the cairo library is not installed (briefgen[svg], Debian's libcairo2)")
    mail = acme.outputs["email.html"].read_text(encoding="utf-8")
    assert 'src="cid:logo@briefing"' in mail and "data:image" not in mail
    report = deliver(load_config(ROOT / "configs" / "acme.yaml"), AS_OF, acme.outputs, dry_run=True)
    emls = [Path(o.detail) for o in report.outcomes]
    assert emls
    message = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1
    parts = list(related[0].iter_parts())
    # Gmail and Outlook show no SVG: the SVG logo travels as the PNG CairoSVG draws of it.
    assert [p.get_content_type() for p in parts] == ["text/html", "image/png"]
    logo = parts[1]
    assert logo["Content-ID"] == "<logo@briefing>" and logo.get_content_disposition() == "inline"
    assert logo.get_content() == svg_as_png((ROOT / "templates" / "clients" / "acme" / "logo.svg").read_bytes())
    for eml in emls:
        eml.unlink()


def test_an_email_without_a_logo_has_no_image_part(sample_build, tmp_path):
    from briefgen.deliver.message import compose_message

    config = load_config(ROOT / "configs" / "acme.yaml").config
    assert config.delivery is not None and config.delivery.email is not None
    message = compose_message(
        config.delivery.email,
        subject="s",
        text="t",
        html="<p>h</p>",
        pdf=b"%PDF",
        pdf_name="b.pdf",
        message_id="<m@x>",
    )
    assert not [p for p in message.walk() if p.get_content_maintype() == "image"]
