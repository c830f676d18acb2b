"""Real published articles in the shapes users hand us (../shared/seeds; skipped when absent).

Must-contain / must-not-contain checks on the briefing built from them. The rules that
pass these are general: none names these files' publishers or quotes their text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from briefgen.config.load import load_config
from briefgen.ingest.clean import clean
from briefgen.ingest.readers import read_file
from briefgen.pipeline import build

from .conftest import run_cli

BOILERPLATE = re.compile(
    r"subscri|membership|member\b|unlock|paywall|all rights reserved|\u00a9|copyright|reproduced|written permission|"
    r"plans available|newsletter",
    re.I,
)


@pytest.fixture(scope="module", params=["executive", "analyst"])
def seed_build(request, seeds, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"seeds-{request.param}")
    config = tmp / "seeds.yaml"
    config.write_text(
        "title: U.S.-Japan alliance and South Korea\n"
        "topic: {keywords: [alliance, summit, defense], entities: [Japan, South Korea]}\n"
        f"audience: {request.param}\n"
        f"sources: [{seeds}]\n"
        "window: {days: 30}\n",
        encoding="utf-8",
    )
    result = build(load_config(config), as_of=dt.date(2025, 2, 14), out_dir=tmp / "out", formats=["md", "html"])
    data = json.loads(result.outputs["json"].read_text(encoding="utf-8"))
    return result, data


def body_texts(data):
    return [i["text"] for s in data["sections"] for i in s["items"]]


def test_no_paywall_membership_or_copyright_line(seed_build):
    result, data = seed_build
    for text in body_texts(data):
        assert not BOILERPLATE.search(text), text
    md = result.outputs["md"].read_text(encoding="utf-8")
    body = md.split("## Sources")[0]
    assert not BOILERPLATE.search(body)


def test_no_related_article_link_titles(seed_build, seeds):
    result, _ = seed_build
    md = result.outputs["md"].read_text(encoding="utf-8")
    # The link titles are the list items that sit between two paragraphs of 003 with no introduction.
    (article,) = read_file(seeds / "003_9ccf596f5a5ca5a0.txt")
    links = [b.text for b in article.blocks if b.kind == "list_item"]
    assert len(links) == 4
    for title in links:
        assert title not in md
        assert title not in clean(article, 0).text


def test_never_repeats_a_sentence(seed_build):
    _, data = seed_build
    texts = body_texts(data)
    assert len(texts) == len(set(texts))


def test_scraped_copy_is_the_same_story_as_the_json_post(seed_build):
    _, data = seed_build
    paths = [Path(s["path"]).name for s in data["sources"]]
    assert "001_fd5e075f2d24542c.txt" not in paths
    (src,) = [s for s in data["sources"] if Path(s["path"]).name == "000_aab10cb7c5a58c1f.txt"]
    assert [Path(a["path"]).name for a in src["also_reported_by"]] == ["001_fd5e075f2d24542c.txt"]


def test_title_date_and_url_come_from_the_json(seed_build):
    _, data = seed_build
    (src,) = [s for s in data["sources"] if Path(s["path"]).name == "000_aab10cb7c5a58c1f.txt"]
    assert src["title"] == "US-Japan summit signals tight defense ties and economic rivalry with South Korea"
    assert src["date"] == "2025-02-10"
    assert (
        src["url"]
        == "https://koreapro.org/2025/02/us-japan-summit-signals-tight-defense-ties-and-economic-rivalry-with-south-korea/"
    )


def test_why_it_matters_is_the_passage_the_source_labels(seed_build, seeds):
    _, data = seed_build
    (why,) = [s for s in data["sections"] if s["name"] == "why_it_matters"]
    assert why["items"]
    (article,) = read_file(seeds / "000_aab10cb7c5a58c1f.txt")
    text = clean(article, 0).text
    passage = text[text.index("WHY IT MATTERS") :]
    (src,) = [s for s in data["sources"] if Path(s["path"]).name == "000_aab10cb7c5a58c1f.txt"]
    for item in why["items"]:
        assert item["sources"] == [src["id"]]
        assert item["text"] in passage


def test_quotes_are_verbatim(seed_build, seeds):
    _, data = seed_build
    sources = {s["id"]: s for s in data["sources"]}
    for section in data["sections"]:
        for item in section["items"]:
            (article,) = read_file(Path(sources[item["sources"][0]]["path"]))
            text = clean(article, 0).text
            ((start, end),) = item["offsets"]
            assert text[start:end] == item["text"]


def test_author_bio_gives_the_author_and_stays_out(seeds):
    (article,) = read_file(seeds / "004_10ef9fc323eb1d15.txt")
    doc = clean(article, 0)
    assert doc.article.author == "Bruce Klingner"
    assert "Senior Research Fellow" not in doc.text


def test_key_players_merge_the_forms_of_a_name(seed_build):
    result, _ = seed_build
    section = result.briefing.section("key_players")
    if result.briefing.audience != "analyst":
        assert section is None
        return
    labels = [item.label for item in section.items]
    names = [label.rsplit(" (", 1)[0] for label in labels]
    assert len(names) == len(set(names))
    # "Ishiba", "Shigeru Ishiba", "Ishiba Shigeru" and "Prime Minister Ishiba" are one player.
    assert sum("Ishiba" in n for n in names) <= 1
    assert not any(n in {"Ishiba", "Trump", "U.S.", "US"} for n in names)
    assert all(re.search(r"\(\d+ articles?\)$", label) for label in labels)


def test_players_are_counted_by_source_once_merged(seeds, nlp):
    from briefgen.analyse.nlp import analyse
    from briefgen.select.players import merge_players

    docs = [clean(a, i) for i, a in enumerate(a for p in sorted(seeds.iterdir()) for a in read_file(p))]
    corpus = analyse(docs, nlp)
    players, _ = merge_players((t, label, s.doc) for s in corpus.sentences for t, label in s.entities)
    ishiba = [p for p in players if "ishiba" in p.keys]
    assert len(ishiba) == 1 and {"shigeru ishiba", "ishiba"} <= ishiba[0].keys
    assert len(ishiba[0].sources) >= 3


# ----------------------------------------------------------------------------- dates


def seed_config(tmp: Path, seeds: Path, days: int) -> Path:
    config = tmp / "seeds.yaml"
    config.write_text(
        "title: U.S.-Japan alliance and South Korea\n"
        "topic: {keywords: [alliance, summit, defense], entities: [Japan, South Korea]}\n"
        "audience: analyst\n"
        f"sources: [{seeds}]\n"
        f"window: {{days: {days}}}\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture(scope="module")
def seed_week(seeds, tmp_path_factory):
    """The seeds' own window: the 7 days to 12 February 2025."""
    tmp = tmp_path_factory.mktemp("seed-week")
    result = build(load_config(seed_config(tmp, seeds, 7)), as_of=dt.date(2025, 2, 12), out_dir=tmp / "out")
    return result, json.loads(result.outputs["json"].read_text(encoding="utf-8"))


def by_seed(items, key="path"):
    return {Path(item[key]).name[:3]: item for item in items}


def test_the_2024_analysis_is_outside_the_seed_week(seed_week):
    result, data = seed_week
    report = json.loads(result.outputs["ingest.json"].read_text(encoding="utf-8"))
    decision = by_seed(report["articles"])["003"]
    assert decision["status"] == "outside window"
    assert decision["detail"].startswith("undated; latest date it names is 2024-04-11")
    assert "003" not in by_seed(data["sources"])  # nothing of it is quoted


def test_the_seed_sources_dates_and_the_preview(seed_week):
    result, data = seed_week
    sources = by_seed(data["sources"])
    assert (sources["000"]["date"], sources["000"]["date_source"]) == ("2025-02-10", "page")
    # The preview is known for one, written before the summit of 7 February.
    report = json.loads(result.outputs["ingest.json"].read_text(encoding="utf-8"))
    decision = by_seed(report["articles"])["002"]
    assert (decision["status"], decision["date"], decision["preview_of"]) == ("kept", None, "2025-02-07")
    md = result.outputs["md"].read_text(encoding="utf-8")
    if "002" in sources:  # cited for what it reports: the source list says what it is
        preview = sources["002"]
        assert (preview["date"], preview["undated"], preview["preview_of"]) == (None, True, "2025-02-07")
        (line,) = [x for x in md.splitlines() if x.startswith(f"[^{preview['id']}]:")]
        assert line.endswith("Undated. Preview, written before 7 February 2025."), line
        # What it expected is overtaken a week after the summit: none of its plans or expectations is quoted.
        from briefgen.ingest.dates import looks_forward

        for section in data["sections"]:
            for item in section["items"]:
                if item["sources"] == [preview["id"]]:
                    assert not looks_forward(item["text"]), (section["name"], item["text"])
    # The chart counts the story and its copy once, and the two undated articles beside it.
    assert "Mon 10 Feb  # 1\n" in md and "\n+2 undated\n" in md


def test_more_than_half_of_the_seed_week_is_undated(seeds, tmp_path):
    proc = run_cli("build", str(seed_config(tmp_path, seeds, 7)), "--as-of", "2025-02-12", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "2 of the 3 articles used are undated" in proc.stderr
    assert "3 kept (2 undated, 1 preview)" in proc.stderr


def test_the_2024_analysis_is_kept_for_a_window_in_2024(seeds, tmp_path):
    result = build(
        load_config(seed_config(tmp_path, seeds, 60)),
        as_of=dt.date(2024, 5, 10),
        out_dir=tmp_path / "out",
        formats=["md"],
    )
    decisions = {Path(d.path).name[:3]: d for d in result.decisions}
    assert decisions["003"].status == "kept" and decisions["003"].not_before == dt.date(2024, 4, 11)
    assert decisions["000"].status == "outside window"  # dated 2025-02-10
    assert decisions["003"].date_source == "inferred"


def test_the_seed_briefing_verifies_against_its_inputs(seed_build):
    from briefgen.commands.verify import verify

    result, data = seed_build
    out = result.outputs["json"].parent
    for offline in (False, True):
        check = verify(out, offline=offline)
        assert check.ok, check.problems
        assert check.items == sum(len(s["items"]) for s in data["sections"])
