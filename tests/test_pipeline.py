"""The example briefing end to end: golden output, verbatim quotes, and what was left out and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefgen.clean import clean
from briefgen.config import load_config
from briefgen.errors import NoArticlesError
from briefgen.ingest import read_file
from briefgen.pipeline import build

from .conftest import AS_OF, EXAMPLE, ROOT

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    return build(load_config(EXAMPLE), as_of=AS_OF, out_dir=out, formats=["md", "html"])


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_golden(example, fmt, update_golden):
    produced = example.outputs[fmt].read_text(encoding="utf-8")
    golden = GOLDEN / f"example.{fmt}"
    if update_golden:
        golden.write_text(produced, encoding="utf-8")
    assert golden.exists(), "run pytest --update-golden to create the golden files"
    assert produced == golden.read_text(encoding="utf-8"), f"{fmt} output changed; review and run pytest --update-golden"


def cleaned_text(path: str, base: Path) -> str:
    """The cleaned text of the source a briefing cites, rebuilt independently of the pipeline run."""
    (article,) = read_file(base / path)
    return clean(article, 0).text


def test_every_item_is_verbatim_at_its_offsets(example):
    data = json.loads(example.outputs["json"].read_text(encoding="utf-8"))
    sources = {s["id"]: s for s in data["sources"]}
    base = EXAMPLE.parent
    items = [item for section in data["sections"] for item in section["items"]]
    assert items
    for item in items:
        (n,) = item["sources"]
        text = cleaned_text(sources[n]["path"], base)
        (start, end), = item["offsets"]
        assert text[start:end] == item["text"]


def test_sentences_are_never_repeated(example):
    data = json.loads(example.outputs["json"].read_text(encoding="utf-8"))
    texts = [i["text"] for s in data["sections"] for i in s["items"]]
    assert len(texts) == len(set(texts))


def test_briefing_has_the_required_parts(example):
    b = example.briefing
    assert [s.name for s in b.sections] == ["bottom_line", "key_points", "why_it_matters"]
    assert 1 <= len(b.section("bottom_line").items) <= 2
    assert len(b.section("key_points").items) <= 5
    words = sum(len(i.text.split()) for s in b.sections for i in s.items)
    assert words <= 300
    # Sources are numbered in order of first citation, and every cited number is listed.
    cited = [n for s in b.sections for i in s.items for n in i.sources]
    assert sorted(set(cited)) == [s.id for s in b.sources]
    assert cited[0] == 1


def test_why_it_matters_comes_from_a_labelled_passage(example):
    why = example.briefing.section("why_it_matters")
    src = {s.id: s for s in example.briefing.sources}
    assert {src[i.sources[0]].publisher for i in why.items} <= {"Seoul Harbor Times", "Pacific Ledger"}


def test_decisions_explain_what_was_left_out(example):
    by_name = {Path(d.path).name: d for d in example.decisions}
    assert by_name["pacific-ledger-baseball-camps.md"].status == "off-topic"
    assert "baseball" in by_name["pacific-ledger-baseball-camps.md"].detail
    assert by_name["meridian-wire-honolulu-preview.md"].status == "outside window"
    dup = by_name["tokyo-commerce-daily-honolulu-talks.md"]
    assert dup.status == "duplicate" and "meridian-wire-honolulu-talks.md" in dup.detail
    assert by_name["lantern-institute-commentary.txt"].status == "kept"
    assert "undated" in by_name["lantern-institute-commentary.txt"].detail


def test_syndicated_copy_is_listed_with_its_original(example):
    data = json.loads(example.outputs["json"].read_text(encoding="utf-8"))
    merged = [s for s in data["sources"] if s["also_reported_by"]]
    assert merged and merged[0]["publisher"] == "Meridian Wire"
    assert merged[0]["also_reported_by"][0]["publisher"] == "Tokyo Commerce Daily"


def test_nothing_from_boilerplate_reaches_the_briefing(example):
    md = example.outputs["md"].read_text(encoding="utf-8")
    for junk in ("Subscribe", "Sign up", "All rights reserved", "Related", "Yen Slides", "Advertisement", "senior fellow", "Photo:"):
        assert junk not in md


def test_same_inputs_same_briefing(example, tmp_path):
    again = build(load_config(EXAMPLE), as_of=AS_OF, out_dir=tmp_path, formats=["md", "html"])
    for fmt in ("md", "html", "json"):
        assert again.outputs[fmt].read_bytes() == example.outputs[fmt].read_bytes()


def test_a_bad_article_is_skipped_not_fatal(tmp_path, caplog):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for name in ("meridian-wire-honolulu-talks.md", "pacific-ledger-ministers-agree-data-link.html"):
        (corpus / name).write_bytes((ROOT / "samples" / "articles" / name).read_bytes())
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "broken.json").write_text("{not json at all", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (corpus / "huge.txt").write_bytes(b"word " * (4 * 1024 * 1024))  # 20 MB
    (corpus / "empty-feed.xml").write_bytes((Path(__file__).parent / "fixtures" / "empty-feed.xml").read_bytes())
    config = tmp_path / "c.yaml"
    config.write_text("title: T\nsources: [articles]\nwindow: {days: 7}\n", encoding="utf-8")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    unreadable = {Path(d.path).name for d in result.decisions if d.status == "unreadable"}
    assert unreadable == {"empty.txt", "broken.json", "image.png", "huge.txt", "empty-feed.xml"}
    assert len(result.briefing.sources) >= 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("empty.txt" in m and "empty file" in m for m in messages)
    assert any("huge.txt" in m and "too large" in m for m in messages)
    assert any("empty-feed.xml" in m and "feed has no entries" in m for m in messages)
    assert all("\n" not in m for m in messages)


def test_no_article_left_is_an_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        f"sources: [{ROOT / 'samples' / 'articles'}]\ntopic: {{keywords: [volcano], entities: [Iceland]}}\n", encoding="utf-8"
    )
    with pytest.raises(NoArticlesError, match="no article left"):
        build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
