"""The example briefing end to end: golden output, verbatim quotes, and what was left out and why."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from briefgen.config.load import load_config
from briefgen.errors import NoArticlesError
from briefgen.ingest.clean import clean
from briefgen.ingest.readers import read_file
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
    if fmt == "json":  # the engine's code hash changes with every change to the code
        produced = re.sub(r'("engine": \{[^}]*"code": )"[0-9a-f]+"', r'\1"(code)"', produced)
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
    # Sources are numbered in order of first citation (a top story's headline is cited before its
    # sentences), and every cited number is listed.
    cited = [n for s in b.sections for i in s.items for n in i.sources]
    headlines = [s.headline_source for s in b.top_stories if s.headline_source is not None]
    assert sorted({*cited, *headlines}) == [s.id for s in b.sources]
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
    assert all(label and "articles)" in label for label in players)


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


# ----------------------------------------------------------------------------- dates and the window

STORIES = {
    "radar": "The three allies agreed to link their missile-warning radars in real time after two days of talks.\n\n"
    "Officials said the shared network would let each country see a launch within seconds of detection.\n",
    "shipyards": "Korean and Japanese shipyards are bidding for allied navy repair work after the defense deal.\n\n"
    "Executives said the orders could keep their docks busy for most of the coming decade.\n",
    "budget": "Lawmakers in Seoul began reviewing the first-year budget of the new defense secretariat.\n\n"
    "The opposition said it would scrutinize every line of the spending plan before any vote.\n",
}


def corpus(tmp_path: Path, dates: dict[str, str | None], undated: str | None = None, days: int = 7) -> Path:
    """A config over one plain-text article per story, with a ``Date:`` header when ``dates`` gives one."""
    articles = tmp_path / "articles"
    articles.mkdir(exist_ok=True)
    for name, date in dates.items():
        header = (
            f"Title: {name.capitalize()} story\nDate: {date}\n\n" if date else f"Title: {name.capitalize()} story\n\n"
        )
        (articles / f"{name}.txt").write_text(header + STORIES[name], encoding="utf-8")
    window = f"{{days: {days}" + (f", undated: {undated}" if undated else "") + "}"
    config = tmp_path / "c.yaml"
    config.write_text(f"title: Allies\nsources: [articles]\nwindow: {window}\n", encoding="utf-8")
    return config


def statuses(result) -> dict[str, tuple[str, str]]:
    return {Path(d.path).stem: (d.status, d.detail) for d in result.decisions}


@pytest.mark.parametrize("policy", [None, "flag", "keep"])
def test_undated_articles_are_kept_and_marked_undated_in_every_format(tmp_path, caplog, policy):
    config = corpus(tmp_path, {"radar": "2025-02-12", "shipyards": None, "budget": None}, policy)
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md", "html", "email"])
    assert {k: s for k, (s, _) in statuses(result).items()} == dict.fromkeys(("radar", "shipyards", "budget"), "kept")
    assert statuses(result)["budget"][1].endswith("; undated")
    b = result.briefing
    assert (b.articles_used, b.undated_used, sum(n for _, n in b.daily)) == (3, 2, 1)
    undated = {s.label for s in b.sources if s.date is None}
    assert undated
    md = result.outputs["md"].read_text(encoding="utf-8")
    for label in undated:
        (line,) = [x for x in md.splitlines() if x.startswith("[^") and label in x]
        assert line.endswith(". Undated."), line
    for key in ("html", "email.html"):
        assert ">Undated</span>." in result.outputs[key].read_text(encoding="utf-8"), key
    assert "Undated." in result.outputs["txt"].read_text(encoding="utf-8")
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    if policy == "keep":
        assert not any("undated" in m for m in warned), warned
    else:  # flag, the default: one line, since more than half of those used are undated
        assert [m for m in warned if "undated" in m] == [
            "c: 2 of the 3 articles used are undated (marked so in the source list; window.undated: flag)"
        ]


def test_half_undated_is_no_warning(tmp_path, caplog):
    config = corpus(tmp_path, {"radar": "2025-02-12", "shipyards": "2025-02-13", "budget": None})
    build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_drop_leaves_undated_articles_out_with_the_reason(tmp_path):
    config = corpus(tmp_path, {"radar": "2025-02-12", "shipyards": None, "budget": None}, "drop")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    got = statuses(result)
    assert got["shipyards"] == got["budget"] == ("undated", "undated (window.undated: drop)")
    assert got["radar"][0] == "kept" and result.briefing.articles_used == 1
    report = json.loads(result.outputs["ingest.json"].read_text(encoding="utf-8"))
    assert report["counts"] == {"kept": 1, "undated": 2}


def test_a_briefing_of_undated_articles_says_so_plainly(tmp_path, caplog):
    config = corpus(tmp_path, {"radar": None, "shipyards": None})
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md", "html", "email"])
    note = (
        "None of the 2 articles used states its date, so this briefing cannot show that they are from "
        "the 7 days to 14 February 2025."
    )
    assert result.briefing.notes == (note,)
    assert f"**{note}**" in result.outputs["md"].read_text(encoding="utf-8")
    for key in ("html", "email.html"):
        assert note in result.outputs[key].read_text(encoding="utf-8"), key
    assert "None of the 2 articles used states its date" in result.outputs["txt"].read_text(encoding="utf-8")
    assert json.loads(result.outputs["json"].read_text(encoding="utf-8"))["notes"] == [note]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [f"c: {note}"]  # one line, not also the one about half of them


def test_a_briefing_with_a_dated_article_has_no_note(tmp_path):
    config = corpus(tmp_path, {"radar": "2025-02-12", "shipyards": None})
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    assert result.briefing.notes == ()
    assert "cannot show" not in result.outputs["md"].read_text(encoding="utf-8")


def test_when_every_article_is_outside_the_window_the_error_says_so(tmp_path):
    config = corpus(tmp_path, {"radar": "2025-02-10", "shipyards": "2025-02-11", "budget": None}, "drop")
    with pytest.raises(NoArticlesError) as caught:
        build(load_config(config), as_of=dt.date(2026, 11, 21), out_dir=tmp_path / "out", formats=["md"])
    message = str(caught.value)
    assert "none both from 2026-11-15 to 2026-11-21 and on topic" in message
    assert "(2 outside the window, 1 undated with window.undated: drop)" in message
    assert "the newest dated article is from 2025-02-11" in message


def test_an_undated_copy_of_an_article_dated_outside_the_window_is_outside_it(tmp_path):
    config = corpus(tmp_path, {"radar": "2025-01-20", "shipyards": "2025-02-12"})
    copy = tmp_path / "articles" / "radar-copy.txt"
    copy.write_text("Title: Radar copy\n\n" + STORIES["radar"], encoding="utf-8")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    status, detail = statuses(result)["radar-copy"]
    assert status == "outside window"
    assert detail.startswith("undated; same story as articles/radar.txt, dated 2025-01-20")
    # Inside the window the copy is merged with its dated original, even when undated articles are dropped.
    config = corpus(tmp_path, {"radar": "2025-02-12", "shipyards": "2025-02-12"}, "drop")
    result = build(load_config(config), as_of=AS_OF, out_dir=tmp_path / "out2", formats=["md"])
    assert statuses(result)["radar-copy"][0] == "duplicate"
    assert result.briefing.articles_used == 2 and dict(result.briefing.daily) == {dt.date(2025, 2, 12): 2}


@pytest.mark.parametrize("summarizer", ["coverage", "centroid", "lead"])
def test_only_the_top_stories_articles_are_analysed_in_full_and_the_briefing_is_the_same(
    tmp_path, monkeypatch, summarizer
):
    """Stories are grouped by their word forms, so the tagger and the entity recogniser run on the
    articles of the top stories alone; the briefing is the one a full analysis of every article gives,
    whatever the summarizer (a centroid is the top stories' own)."""
    from briefgen.analyse.workspace import Workspace

    water = tmp_path / "water"
    water.mkdir()
    for k, (outlet, day) in enumerate([("Valley Courier", 12), ("Riverton Post", 13)]):
        (water / f"water{k}.md").write_text(
            f"---\ntitle: Riverton water utility raises rates {k}\npublisher: {outlet}\ndate: 2025-02-{day}\n---\n\n"
            "The Riverton Water Authority voted on Wednesday to raise household water rates by 12 percent from "
            "April, citing the cost of replacing lead pipes under the city's reservoir district. "
            "Mayor Elena Vasquez said the increase would fund 40 miles of new mains over five years. "
            "Residents of the reservoir district packed the council chamber to oppose the water rates.\n",
            encoding="utf-8",
        )
    path = tmp_path / "one.yaml"
    path.write_text(
        f"title: One story\nsources: [{ROOT / 'samples' / 'articles'}, {water}]\nwindow: {{days: 7}}\n"
        f"audience: {{base: analyst, stories: 1}}\nsummarizer: {summarizer}\n",
        encoding="utf-8",
    )
    analysed: list[set[int]] = []
    real_in_full = Workspace.analyse_in_full

    def analyse_in_full(self, corpus, docs, *args, **kwargs):
        analysed.append(set(docs))
        result = real_in_full(self, corpus, docs, *args, **kwargs)
        assert not result.light.intersection(docs)
        return result

    monkeypatch.setattr(Workspace, "analyse_in_full", analyse_in_full)
    lazy = build(load_config(path), as_of=AS_OF, out_dir=tmp_path / "lazy", formats=["md"])
    stories = lazy.briefing.stories
    assert len(stories) > 1 and analysed
    (top,) = lazy.briefing.top_stories
    assert len(analysed[-1]) < sum(len(s.articles) for s in stories), "the other stories' articles stay light"
    assert len(analysed[-1]) == len(top.articles)

    real_analyse = Workspace.analyse

    def analyse_all(self, *args, full=True, **kwargs):  # every article analysed in full
        return real_analyse(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "analyse", analyse_all)
    full = build(load_config(path), as_of=AS_OF, out_dir=tmp_path / "full", formats=["md"])
    for name in ("md", "json"):
        assert lazy.outputs[name].read_bytes() == full.outputs[name].read_bytes()


def test_select_analysed_analyses_further_stories_until_enough_can_be_quoted():
    from briefgen.models import Corpus, Selection, Story
    from briefgen.pipeline import select_analysed

    stories = [Story(f"s{k}", (k,), "", k, None, (), None, None, False, 1.0) for k in range(6)]
    quotable = {3, 4, 5}  # the first three stories hold nothing to quote

    def in_full(corpus: Corpus, docs) -> Corpus:
        return Corpus(corpus.documents, corpus.sentences, corpus.light - set(docs))

    def run(ranked: list[Story]) -> tuple[Corpus, Selection]:
        def choose(corpus: Corpus) -> Selection:  # as select() takes its top stories
            top: list[str] = []
            for story in ranked:
                if len(top) == 2 or corpus.light.intersection(story.docs):
                    break
                if quotable.intersection(story.docs):
                    top.append(story.id)
            return Selection(sections=(), top_stories=tuple(top))

        return select_analysed(Corpus((), (), frozenset(range(6))), ranked, 2, choose, in_full)

    corpus, selection = run(stories)
    assert selection.top_stories == ("s3", "s4")
    assert corpus.light == frozenset(), "two stories analysed in full, then four, then all six"
    corpus, selection = run(stories[3:])
    assert selection.top_stories == ("s3", "s4") and corpus.light == {0, 1, 2, 5}


def test_every_article_of_many_files_of_many_articles_has_its_own_number(tmp_path):
    """Articles are told apart by their number all through a build (stories, duplicates, citations)."""
    import json as json_module

    from briefgen.analyse.workspace import Workspace
    from briefgen.select.intake import ingest

    corpus = tmp_path / "feeds"
    corpus.mkdir()
    for f in range(3):
        rows = [{"title": f"Report {f}-{k}", "text": f"File {f} tells story {k} in full. " * 8} for k in range(4)]
        (corpus / f"part{f}.jsonl").write_text("\n".join(json_module.dumps(r) for r in rows) + "\n", encoding="utf-8")
    path = tmp_path / "many.yaml"
    path.write_text(f"title: Many\nsources: [{corpus}]\n", encoding="utf-8")
    documents = ingest(load_config(path), [], Workspace(None))
    assert [d.index for d in documents] == list(range(12))
    assert len({d.article.path for d in documents}) == 12


def test_a_briefing_by_stories_is_the_same_whatever_the_cache_held(tmp_path, monkeypatch):
    """The articles outside the top stories are analysed for their words alone, unless a cache holds
    their full analysis already: selection weighs the top stories' articles alone, so the briefing is
    the same cold, warm, and with every article analysed in full (real news: DUC 2006 clusters)."""
    from briefgen.analyse.workspace import Workspace

    from .conftest import SHARED

    path = SHARED / "eval" / "duc2006_qf.jsonl"
    if not path.is_file():
        pytest.skip("../shared/eval is not beside this checkout")
    clusters = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:4] if line.strip()]
    news = tmp_path / "news"
    news.mkdir()
    for cluster in clusters:
        with (news / f"{cluster['id']}.jsonl").open("w", encoding="utf-8") as f:
            for doc in cluster["documents"][:5]:
                record = {"title": doc.get("title"), "publisher": doc.get("source"), "date": doc.get("date")}
                f.write(json.dumps({**record, "text": doc["text"]}) + "\n")
    config = tmp_path / "week.yaml"
    config.write_text(
        f"title: A week\nsources: ['{news}/*.jsonl']\nwindow: {{days: 2000, as_of: 2000-12-31}}\n"
        "audience: {base: analyst, stories: 2}\nnovelty: none\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"

    def briefing(name: str) -> tuple[bytes, bytes]:
        out = build(load_config(config), out_dir=tmp_path / name, formats=["md"], workspace=Workspace(cache)).outputs
        return out["md"].read_bytes(), out["json"].read_bytes()

    cold = briefing("cold")
    assert briefing("warm") == cold
    real_analyse = Workspace.analyse

    def in_full(self, *args, full=True, **kwargs):
        return real_analyse(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "analyse", in_full)
    assert briefing("full") == cold
