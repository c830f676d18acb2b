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
    assert produced == golden.read_text(encoding="utf-8"), (
        f"{fmt} output changed; review and run pytest --update-golden"
    )


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
        ((start, end),) = item["offsets"]
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


@pytest.fixture(scope="module")
def analyst(tmp_path_factory):
    out = tmp_path_factory.mktemp("analyst")
    return build(load_config(ROOT / "configs" / "example-analyst.yaml"), as_of=AS_OF, out_dir=out, formats=["md"])


def test_syndicated_copy_is_listed_with_its_original(analyst):
    data = json.loads(analyst.outputs["json"].read_text(encoding="utf-8"))
    merged = [s for s in data["sources"] if s["also_reported_by"]]
    assert merged and merged[0]["publisher"] == "Meridian Wire"
    assert merged[0]["also_reported_by"][0]["publisher"] == "Tokyo Commerce Daily"


def test_nothing_from_boilerplate_reaches_the_briefing(example):
    md = example.outputs["md"].read_text(encoding="utf-8")
    for junk in (
        "Subscribe",
        "Sign up",
        "All rights reserved",
        "Related",
        "Yen Slides",
        "Advertisement",
        "senior fellow",
        "Photo:",
    ):
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
        f"sources: [{ROOT / 'samples' / 'articles'}]\ntopic: {{keywords: [volcano], entities: [Iceland]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(NoArticlesError, match="no article left"):
        build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])


def test_analyst_gets_every_section_and_more_points(analyst):
    b = analyst.briefing
    assert [s.name for s in b.sections] == [
        "bottom_line",
        "key_points",
        "why_it_matters",
        "by_the_numbers",
        "key_players",
        "whats_next",
    ]
    assert 5 < len(b.section("key_points").items) <= 12
    texts = [i.text for s in b.sections for i in s.items]
    assert len(texts) == len(set(texts))
    players = [i.label for i in b.section("key_players").items]
    assert all(label and "sources)" in label for label in players)


def _config(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"title: {name}\nsources: [{ROOT / 'samples' / 'articles'}]\nwindow: {{days: 7}}\n{body}", encoding="utf-8"
    )
    return path


def key_points(result) -> list[str]:
    return [
        i.text
        for name in ("bottom_line", "key_points")
        if result.briefing.section(name)
        for i in result.briefing.section(name).items
    ]


def test_two_topics_over_one_corpus_pick_different_key_points(tmp_path):
    markets = build(
        load_config(
            _config(
                tmp_path,
                "markets",
                "topic: {keywords: [shipbuilders, shares, investors, maintenance], min_relevance: 0}\n",
            )
        ),
        as_of=AS_OF,
        out_dir=tmp_path / "m",
        formats=["md"],
    )
    radar = build(
        load_config(
            _config(tmp_path, "radar", "topic: {keywords: [radar, missile, launches, warning], min_relevance: 0}\n")
        ),
        as_of=AS_OF,
        out_dir=tmp_path / "r",
        formats=["md"],
    )
    assert set(key_points(markets)) != set(key_points(radar))
    assert sum("shipbuilder" in t or "shares" in t.lower() for t in key_points(markets)) > sum(
        "shipbuilder" in t or "shares" in t.lower() for t in key_points(radar)
    )
    assert sum("radar" in t for t in key_points(radar)) > sum("radar" in t for t in key_points(markets))


def test_a_config_overrides_audience_fields(tmp_path):
    body = "audience: {base: analyst, max_points: 3, max_words: 400, sections: [key_points, key_players]}\n"
    result = build(load_config(_config(tmp_path, "custom", body)), as_of=AS_OF, out_dir=tmp_path / "c", formats=["md"])
    assert [s.name for s in result.briefing.sections] == ["key_points", "key_players"]
    key_points = result.briefing.section("key_points")
    assert key_points is not None and len(key_points.items) <= 3


def test_executive_body_stays_near_its_word_budget(example):
    words = sum(len(i.text.split()) for s in example.briefing.sections for i in s.items)
    assert words <= 250 + 60  # sections stop once the budget is reached; the last sentence may run past it
