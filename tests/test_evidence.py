"""The evidence view and the links a reader follows: citation to quoted span and back, the original
page at the sentence through a text fragment, and an email whose citations never lead nowhere."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import lxml.html
import pytest

from briefgen.config.load import load_config
from briefgen.models import Briefing, Item, Section, Source
from briefgen.pipeline import build
from briefgen.render.evidence import (
    CONTEXT_CHARS,
    WHOLE_CHARS,
    Citation,
    citations,
    evidence,
    source_evidence,
    text_fragment,
)
from briefgen.render.formats import render_html
from briefgen.render.templates import template_env

from .conftest import AS_OF, EXAMPLE, SEEDS


@pytest.fixture(scope="module", params=["example", "seeds"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build's output directory: the sample corpus, and the seeds when they are beside the checkout."""
    out = tmp_path_factory.mktemp(request.param)
    if request.param == "example":
        build(load_config(EXAMPLE), AS_OF, out, ["md", "html", "pdf", "email"])
        return out
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    config = out / "seeds.yaml"
    config.write_text(
        "title: U.S.-Japan alliance and South Korea\n"
        "topic: {keywords: [alliance, summit, defense], entities: [Japan, South Korea]}\n"
        f"sources: [{SEEDS}]\nwindow: {{days: 30}}\n",
        encoding="utf-8",
    )
    build(load_config(config), dt.date(2025, 2, 19), out / "out", ["md", "html", "pdf", "email"])
    return out / "out"


def items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for section in data["sections"] for item in section["items"]]


def test_every_citation_leads_to_an_element_holding_exactly_its_quote_and_back(built: Path) -> None:
    data = json.loads((built / "briefing.json").read_text(encoding="utf-8"))
    page = lxml.html.fromstring((built / "briefing.html").read_text(encoding="utf-8"))
    ids = [element.get("id") for element in page.iter() if isinstance(element.tag, str) and element.get("id")]
    assert len(ids) == len(set(ids)), "an id is used twice"
    checked = 0
    for item in items(data):
        assert re.fullmatch(r"q[0-9a-f]{11}", item["id"])
        (host,) = page.xpath(f'//*[@data-item="{item["id"]}"]')
        links = host.xpath('.//sup[@class="cite"]/a[@class="cite-link"]')
        assert len(links) == len(item["sources"])
        for link in links:
            target = page.get_element_by_id(link.get("href").removeprefix("#"))
            assert target.tag == "mark" and target.text_content() == item["text"]
            (back,) = target.xpath('following-sibling::a[@class="back"][1]')
            cite = page.get_element_by_id(back.get("href").removeprefix("#"))
            assert cite.tag == "sup" and link in cite.iterdescendants()
            checked += 1
    assert checked == len(items(data)) > 0


def test_text_fragment_links_are_well_formed_and_their_words_are_in_the_source(built: Path) -> None:
    data = json.loads((built / "briefing.json").read_text(encoding="utf-8"))
    sources = {s["id"]: s for s in data["sources"]}
    page = lxml.html.fromstring((built / "briefing.html").read_text(encoding="utf-8"))
    seen = 0
    for item in items(data):
        (host,) = page.xpath(f'//*[@data-item="{item["id"]}"]')
        originals = [a.get("href") for a in host.xpath('.//a[@class="original"]')]
        with_url = [n for n in item["sources"] if sources[n]["url"]]
        assert len(originals) == len(with_url)
        for n, href in zip(with_url, originals, strict=True):
            base, _, directive = href.partition("#:~:text=")
            assert base == sources[n]["url"].split("#")[0] and re.match(r"https?://", base)
            terms = directive.split(",")
            assert 1 <= len(terms) <= 2
            for term in terms:  # percent-encoded: nothing the directive's syntax reserves is left bare
                assert re.fullmatch(r"(?:[A-Za-z0-9_.~]|%[0-9A-F]{2})+", term), term
            text = (built / "sources" / f"{n}.txt").read_text(encoding="utf-8")
            start, end = (unquote(t) for t in (terms if len(terms) == 2 else terms * 2))
            quote = " ".join(item["text"].split())
            assert quote.startswith(start) and quote.endswith(end)
            flat = " ".join(text.split())
            at = flat.find(start)
            assert at >= 0 and flat.find(end, at) >= 0
            seen += 1
    if any(s["url"] for s in sources.values()):
        assert seen > 0


def test_the_email_never_links_to_an_anchor_and_cites_the_original(built: Path) -> None:
    data = json.loads((built / "briefing.json").read_text(encoding="utf-8"))
    email = (built / "briefing.email.html").read_text(encoding="utf-8")
    hrefs = [a.get("href") for a in lxml.html.fromstring(email).iter("a")]
    assert hrefs and not [h for h in hrefs if h.startswith("#")]
    assert "<mark" not in email and "data-item" not in email
    fragments = [h for h in hrefs if "#:~:text=" in h]
    cited_with_url = sum(1 for item in items(data) for n in item["sources"] if data["sources"][n - 1]["url"])
    assert len(fragments) == cited_with_url


def test_the_pdf_has_the_evidence_view_with_working_internal_links(built: Path) -> None:
    from pypdf import PdfReader

    data = json.loads((built / "briefing.json").read_text(encoding="utf-8"))
    reader = PdfReader(str(built / "briefing.pdf"))
    texts = [page.extract_text() for page in reader.pages]
    start = next(i for i, t in enumerate(texts) if "Each source as it was read and cleaned" in t)
    assert start > 0 and "EVIDENCE" in texts[start].upper()
    internal = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if annot.get("/Subtype") == "/Link" and (annot.get("/Dest") or (action and action.get("/S") == "/GoTo")):
                internal += 1
    assert internal >= 2 * len(items(data))  # each citation to its span and each span back


# ----------------------------------------------------------------------------- units


def test_text_fragment_encoding() -> None:
    assert text_fragment("ftp://x.example/a", "Some words here.") is None
    short = text_fragment("https://x.example/a", "Allies agree, at last & for good.")
    assert short == "https://x.example/a#:~:text=Allies%20agree%2C%20at%20last%20%26%20for%20good."
    # a fragment the site routes by is kept; an old text directive is replaced
    assert text_fragment("https://x.example/#/story/42", "Allies agree.") == (
        "https://x.example/#/story/42:~:text=Allies%20agree."
    )
    assert (
        text_fragment("https://x.example/a#:~:text=old", "Allies agree.")
        == "https://x.example/a#:~:text=Allies%20agree."
    )
    long = text_fragment(
        "https://x.example/a", "The Indo-Pacific pact, signed on Tuesday, binds three allies for years to come."
    )
    assert long == "https://x.example/a#:~:text=The%20Indo%2DPacific%20pact%2C%20signed,for%20years%20to%20come."


def _long_source(paragraphs: int = 30) -> str:
    return "\n\n".join(
        f"Paragraph {k} says something about the pact in a few plain words." * 2 for k in range(paragraphs)
    )


def test_a_long_source_shows_its_quoted_paragraphs_with_neighbours_and_counts_the_rest() -> None:
    text = _long_source()
    assert len(text) > WHOLE_CHARS
    quotes = []
    for k in (10, 25):
        start = text.index(f"Paragraph {k} ")
        quotes.append((start, start + len(f"Paragraph {k} says something about the pact in a few plain words.")))
        # the paragraph's first sentence; its repeat stays unmarked
    source = Source(1, "T", None, None, None, None, "a.txt", text=text)
    shown = source_evidence(source, [(s, e, f"q-{i}", f"cite-{i}") for i, (s, e) in enumerate(quotes)])
    assert not shown.whole
    paragraphs = ["".join(seg.text for seg in p.segments) for p in shown.passages]
    assert [p.split()[1] for p in paragraphs] == ["9", "10", "11", "24", "25", "26"]
    assert [p.skipped_before for p in shown.passages] == [9, 0, 0, 12, 0, 0]
    assert shown.skipped_after == 3
    marked = [seg for p in shown.passages for seg in p.segments if seg.anchor]
    assert [(seg.text, seg.anchor) for seg in marked] == [(text[s:e], f"q-{i}") for i, (s, e) in enumerate(quotes)]


def test_a_quote_in_a_giant_paragraph_is_shown_with_some_context_only() -> None:
    words = " ".join(f"word{k}" for k in range(2000))
    text = words + " The quoted sentence sits here. " + words
    start = text.index("The quoted")
    end = start + len("The quoted sentence sits here.")
    source = Source(1, "T", None, None, None, None, "a.txt", text=text)
    (passage,) = source_evidence(source, [(start, end, "q-x", "cite-x")]).passages
    shown = "".join(seg.text for seg in passage.segments)
    assert passage.cut_before and passage.cut_after
    assert "The quoted sentence sits here." in shown and len(shown) <= 2 * CONTEXT_CHARS + (end - start) + 2
    assert re.fullmatch(r"word\d+", shown.split()[0]) and re.fullmatch(r"word\d+", shown.split()[-1])  # cut at spaces


def test_a_source_without_text_is_cited_by_its_list_entry() -> None:
    item = Item("A sentence of the briefing.", (1,), ((0, 27),), id="q0123456789a")
    briefing = Briefing(
        title="T",
        as_of=AS_OF,
        window_start=AS_OF,
        window_days=1,
        audience="executive",
        sections=(Section("key_points", "Key points", (item,)),),
        sources=(Source(1, "T", None, None, None, "https://x.example/a", "a.html"),),
        articles_read=1,
        articles_used=1,
    )
    (cite,) = citations(briefing, frozenset())[id(item)]
    assert cite == Citation(1, "source-1", "cite-q0123456789a", text_fragment("https://x.example/a", item.text))
    assert evidence(briefing) == ()
    html = render_html(briefing, template_env())
    assert 'href="#source-1">[1]</a>' in html and 'id="source-1"' in html and "<mark" not in html


def _briefing(text: str, spans: list[tuple[int, int]], url: str | None = None) -> Briefing:
    items = tuple(Item(text[s:e], (1,), ((s, e),), id=f"q{k:011x}") for k, (s, e) in enumerate(spans))
    return Briefing(
        title="T",
        as_of=AS_OF,
        window_start=AS_OF,
        window_days=1,
        audience="executive",
        sections=(Section("key_points", "Key points", items),),
        sources=(Source(1, "T", None, None, None, url, "a.txt", text=text),),
        articles_read=1,
        articles_used=1,
    )


@pytest.mark.parametrize(
    "text, spans",
    [
        ("One sentence here. Another one there.", [(0, 18), (5, 30)]),  # overlapping quotes
        ("One sentence here. Another one there.", [(0, 18), (0, 18)]),  # the same sentence twice
        ("One sentence here.\r\nAnother one there.", [(0, 18), (20, 38)]),  # CRLF
        (_long_source(40).replace("\n\n", "\n"), [(5000, 5060), (0, 20)]),  # long, unsorted
        ("x" * 5000 + " Quoted words stand here. " + "y" * 5000, [(5001, 5025)]),  # no spaces to cut at
        ("", []),
    ],
)
def test_every_link_of_the_page_has_its_target(text: str, spans: list[tuple[int, int]]) -> None:
    page = lxml.html.fromstring(render_html(_briefing(text, spans, "https://x.example/a"), template_env()))
    ids = [e.get("id") for e in page.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) == len(set(ids))
    for link in page.iter("a"):
        href = link.get("href") or ""
        if href.startswith("#"):
            assert href[1:] in ids, href
    for mark in page.iter("mark"):  # whatever is marked is exactly a quote
        assert mark.text_content() in {text[s:e] for s, e in spans}


def test_a_neighbour_without_spaces_is_shown_not_emptied() -> None:
    text = "z" * 3000 + "\nThe quoted sentence sits here.\n" + "w" * 3000
    start = text.index("The quoted")
    shown = source_evidence(Source(1, "T", None, None, None, None, "a.txt", text=text), [(start, start + 30, "q", "c")])
    parts = ["".join(seg.text for seg in p.segments) for p in shown.passages]
    assert len(parts) == 3 and all(parts) and parts[1] == "The quoted sentence sits here."
