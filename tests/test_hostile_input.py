"""Bad configs and bad articles: one clear line for a user's mistake, a skipped article for a bad
one, and never unbounded memory or time. Every case runs forked, under a memory cap and a time
limit (tests/hostile.py)."""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path
from typing import Any

import pytest

from briefgen import pipeline

from .conftest import AS_OF, ROOT, run_cli
from .hostile import assert_clean_failure, assert_no_traceback, assert_one_line_messages, cli_result, run_limited

SAMPLES = ROOT / "samples" / "articles"
CONFIG = """title: Weekly Brief
topic: {keywords: [alliance, summit, defense], entities: [Japan, South Korea]}
sources: [articles]
output: {formats: [md, html, email]}
"""


@pytest.fixture(scope="module", autouse=True)
def _warm(warm_model: None) -> None:
    """Every case here forks a process that reads and analyses articles."""


def project(tmp_path: Path, config: str = CONFIG) -> Path:
    """The sample articles and a config over them; returns the config's path."""
    if not (tmp_path / "articles").exists():
        shutil.copytree(SAMPLES, tmp_path / "articles")
    path = tmp_path / "brief.yaml"
    path.write_text(config, encoding="utf-8")
    return path


def build(config: Path, *extra: str) -> dict[str, Any]:
    out = config.parent / "out"
    proc = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), *extra)
    result = cli_result(proc)
    if out.is_dir():
        result["files"] = sorted(p.name for p in out.iterdir())
        ingest = out / "ingest.json"
        result["ingest"] = json.loads(ingest.read_text(encoding="utf-8")) if ingest.exists() else None
    return result


def built_ok(result: dict[str, Any]) -> None:
    assert result["code"] == 0, result["stderr"]
    assert_no_traceback(result)
    assert_one_line_messages(result["stderr"])
    assert "briefing.md" in result["files"]


def decision(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in result["ingest"]["articles"] if Path(a["path"]).name.startswith(name))


# ----------------------------------------------------------------------------- configs


BAD_CONFIGS = {
    "impossible date": ("sources: [articles]\nwindow: {as_of: 2025-02-30}\n", "window.as_of (line 2)"),
    "window before year 1": ("sources: [articles]\nwindow: {as_of: 0001-01-03, days: 7}\n", "before year 1"),
    "alias bomb": (
        "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "sources: [articles]\n",
        "anchors and aliases",
    ),
    "merge-key bomb": (
        "k0: &k0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n"
        + "".join(f"k{i}: &k{i}\n" + "".join(f"  x{j}: {{<<: *k{i - 1}}}\n" for j in range(10)) for i in range(1, 9))
        + "sources: [articles]\n",
        "anchors and aliases",
    ),
    "alias that contains itself": ("sources: &s [*s]\n", "refers to itself"),
    "deep nesting": ("sources: " + "[" * 50_000 + "]" * 50_000 + "\n", "nests deeper"),
    "not YAML": ("sources: [articles\ntitle: {\n", "not valid YAML"),
    "a list, not a mapping": ("- sources\n- articles\n", "mapping of keys"),
    "unknown key": ("sources: [articles]\ntopic: {entitites: [Japan]}\n", "topic.entitites (line 2): unknown key"),
    "wrong type deep down": ("sources: [articles]\naudience: {max_points: lots}\n", "audience.max_points (line 2)"),
    "no sources": ("title: Nothing\n", "sources"),
    "summarizer that does not exist": ("sources: [articles]\nsummarizer: gpt\n", "unknown summarizer 'gpt'"),
    "model of a user that does not exist": ("sources: [articles]\nspacy_model: '~nosuchuser/model'\n", "spaCy model"),
    "sources of a user that does not exist": ("sources: ['~nosuchuser/x']\n", "no article left"),
    "a window too long": ("sources: [articles]\nwindow: {days: 100000}\n", "window.days (line 2)"),
    "limits out of range": ("sources: [articles]\nlimits: {max_chars: 5}\n", "limits.max_chars (line 2)"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_a_bad_config_is_one_clear_line(tmp_path, case):
    text, message = BAD_CONFIGS[case]
    config = project(tmp_path, text)
    outcome = run_limited(lambda: build(config), time_limit=30)
    result = outcome.ok()
    assert_clean_failure(result, contains=message)
    validate = run_limited(lambda: cli_result(run_cli("validate", str(config))), time_limit=30).ok()
    assert validate["code"] != 0
    assert_no_traceback(validate)


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("0001-01-03", "before year 1"),
        ("1998-11-31", "YYYY-MM-DD"),
        ("2025-13-01", "YYYY-MM-DD"),
        ("99999-01-01", "YYYY-MM-DD"),
    ],
)
def test_an_impossible_as_of_is_one_clear_line(tmp_path, as_of, message):
    config = project(tmp_path)

    def case() -> dict[str, Any]:
        return cli_result(run_cli("build", str(config), "--as-of", as_of, "--out", str(tmp_path / "out")))

    assert_clean_failure(run_limited(case, time_limit=30).ok(), contains=message)


@pytest.mark.parametrize("kind", ["directory", "binary", "latin-1", "huge", "fifo"])
def test_a_config_that_is_not_a_config_file(tmp_path, kind):
    import os

    config = tmp_path / "brief.yaml"
    if kind == "directory":
        config.mkdir()
    elif kind == "binary":
        config.write_bytes(b"\x00\x01\x02\xff" * 100)
    elif kind == "latin-1":
        config.write_bytes("title: Caf\xe9\nsources: [articles]\n".encode("latin-1"))
    elif kind == "huge":
        config.write_text("sources: [articles]\n" + "# padding\n" * 200_000, encoding="utf-8")
    else:
        os.mkfifo(config)
    result = run_limited(lambda: build(config), time_limit=20).ok()
    assert_clean_failure(result, contains="config")


def test_an_unexpected_failure_is_one_line_and_the_traceback_needs_verbose(tmp_path, monkeypatch):

    config = project(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug\nover two lines")

    monkeypatch.setattr(pipeline, "take_in", broken)
    result = run_limited(lambda: build(config), time_limit=30).ok()
    assert_clean_failure(result, contains="unexpected ValueError: a bug over two lines")
    verbose = run_limited(lambda: build(config, "--verbose"), time_limit=30).ok()
    assert verbose["code"] == 1 and "Traceback" in verbose["stderr"]


def test_front_matter_bombs_skip_the_article_not_the_run(tmp_path):
    config = project(tmp_path)
    bomb = "---\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (tmp_path / "articles" / "bomb.md").write_text(bomb + "---\n\n# Bomb\n\nA paragraph about the summit.\n")
    outcome = run_limited(lambda: build(config), time_limit=30)
    result = outcome.ok()
    built_ok(result)
    assert decision(result, "bomb.md")["status"] == "unreadable"
    assert "front matter refused" in decision(result, "bomb.md")["detail"]


def test_eval_on_a_line_of_nested_brackets(tmp_path):
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = run_limited(lambda: cli_result(run_cli("eval", str(dataset))), time_limit=30).ok()
    assert_clean_failure(result, contains="bad.jsonl:1")


# ----------------------------------------------------------------------------- articles


def words(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct alphabetic words."""
    import itertools
    import random

    out = ["".join(p) + "en" for p in itertools.islice(itertools.product(string.ascii_lowercase, repeat=4), n)]
    random.Random(seed).shuffle(out)
    return out


def sentences(vocabulary: list[str], per: int = 12) -> list[str]:
    return [" ".join(vocabulary[i : i + per]).capitalize() + "." for i in range(0, len(vocabulary) - per + 1, per)]


def test_a_one_paragraph_article_longer_than_spacy_allows(tmp_path):
    config = project(tmp_path)
    text = " ".join(sentences(words(20_000) * 8))
    assert len(text) > 1_100_000
    (tmp_path / "articles" / "wall.txt").write_text("A Wall of Text\n\n" + text + "\n", encoding="utf-8")
    outcome = run_limited(lambda: build(config), time_limit=90)
    result = outcome.ok()
    built_ok(result)
    assert "wall.txt: text cut after" in result["stderr"] and "(limits.max_chars)" in result["stderr"]


def test_an_article_of_120000_distinct_words_stays_sparse(tmp_path):
    """A dense sentences x vocabulary matrix of this took 10 GB; sparse vectors take a few MB."""
    config = project(tmp_path, CONFIG + "limits: {max_chars: 900000}\n")
    vocabulary = words(120_000)
    text = "\n\n".join(" ".join(sentences(vocabulary[i : i + 60])) for i in range(0, 120_000, 60))
    (tmp_path / "articles" / "vocabulary.txt").write_text("Vocabulary\n\n" + text[:700_000], encoding="utf-8")
    outcome = run_limited(lambda: build(config), time_limit=120, memory_cap=1 << 30)
    built_ok(outcome.ok())


def test_a_huge_ordinary_article_is_cut_not_fatal(tmp_path):
    """A 7.5 MB article of ordinary prose is cut at ``limits.max_chars`` (lowered here, so that the
    test analyses 20,000 characters rather than the default's 200,000: the path is the same)."""
    config = project(tmp_path, CONFIG + "limits: {max_chars: 20000}\n")
    paragraph = "The alliance summit in Honolulu drew ministers from Japan and South Korea to talk about defense {}. "
    paragraphs = [(paragraph.format(i) + paragraph.format(i + 1)) * 2 for i in range(20_000)]
    (tmp_path / "articles" / "huge.txt").write_text("Huge\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    assert (tmp_path / "articles" / "huge.txt").stat().st_size > 7_500_000
    outcome = run_limited(lambda: build(config), time_limit=120)
    result = outcome.ok()
    built_ok(result)
    assert "cut at 20,000 characters" in decision(result, "huge.txt")["detail"]


def test_many_one_sentence_files(tmp_path):
    """1,000 files (the cost grows with their number: 20,000 took 41 s and 270 MB)."""
    config = project(tmp_path)
    many = tmp_path / "articles" / "many"
    many.mkdir()
    vocab = words(6_000)
    for i in range(1_000):
        (many / f"{i:05d}.txt").write_text(
            f"Item {i}\n\nThe alliance summit saw {' '.join(vocab[3 * i : 3 * i + 3])} agree on defense plans.\n",
            encoding="utf-8",
        )
    outcome = run_limited(lambda: build(config), time_limit=120)
    built_ok(outcome.ok())


def test_more_articles_than_the_limit(tmp_path):
    config = project(tmp_path, CONFIG + "limits: {max_articles: 5}\n")
    result = run_limited(lambda: build(config), time_limit=60).ok()
    built_ok(result)
    assert "read only the first 5 of 9 articles (limits.max_articles)" in result["stderr"]
    assert result["ingest"]["counts"]["skipped"] == 4


def test_a_file_name_that_is_not_utf8(tmp_path):
    import os

    config = project(tmp_path)
    name = os.path.join(os.fsencode(tmp_path / "articles"), b"caf\xe9 \xff report.txt")
    with open(name, "wb") as out:
        out.write(b"Cafe Report\n\nThe alliance summit talks went on in Honolulu with Japan and South Korea.\n")
    result = run_limited(lambda: build(config), time_limit=60).ok()
    built_ok(result)
    json.dumps(result["ingest"])  # valid JSON, whatever the name


@pytest.mark.parametrize("field", ["title", "author", "publisher", "url"])
def test_a_lone_surrogate_in_json_metadata(tmp_path, field):
    config = project(tmp_path)
    record = {
        "title": "Summit report",
        "text": "The alliance summit in Honolulu ended with a defense pact between Japan and South Korea.",
        "date": "2025-02-12",
        field: "bad \\ud800 value \\udfff",
    }
    line = json.dumps(record).replace("\\\\u", "\\u")
    good = json.dumps({"title": "Fine", "text": "The summit of the alliance ended on Tuesday in Honolulu with a pact."})
    (tmp_path / "articles" / "export.jsonl").write_text(f"{good}\n{line}\n{good}\n", encoding="utf-8")
    result = run_limited(lambda: build(config), time_limit=60).ok()
    built_ok(result)
    for name in result["files"]:
        if name.endswith((".md", ".html", ".json", ".txt")):
            (config.parent / "out" / name).read_text(encoding="utf-8")  # valid UTF-8 throughout


@pytest.mark.parametrize(
    "bad_line",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"title": "cut off", "text": "The summit',
        '{"title": ["a", {"b": null}], "text": 42, "date": {"y": 2025}}',
        '"just a string"',
        '{"title": "x", "html": "<p>' + "<b>" * 50_000 + '</p>"}',
        '{"title": "date", "text": "The alliance summit went on.", "date": "99999999-99-99"}',
    ],
)
def test_one_bad_json_lines_record_keeps_its_neighbours(tmp_path, bad_line):
    config = project(tmp_path)
    good = [
        json.dumps(
            {
                "title": f"Good {i}",
                "text": f"The alliance summit report number {i} says Japan and South Korea agreed.",
                "date": "2025-02-12",
            }
        )
        for i in range(2)
    ]
    (tmp_path / "articles" / "export.jsonl").write_text("\n".join([good[0], bad_line, good[1]]) + "\n")
    result = run_limited(lambda: build(config), time_limit=60).ok()
    built_ok(result)
    paths = {Path(a["path"]).name for a in result["ingest"]["articles"]}
    assert {"export.jsonl:1", "export.jsonl:3"} <= paths


def test_a_json_lines_record_holding_line_separators_is_one_record(tmp_path):
    config = project(tmp_path)
    text = "The alliance summit\u2028went on\u2029in Honolulu\x85with Japan and South Korea agreeing a pact."
    lines = [
        json.dumps({"title": "Separators", "text": text}, ensure_ascii=False),
        json.dumps({"title": "Next", "text": "The summit of the alliance closed."}),
    ]
    (tmp_path / "articles" / "sep.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_limited(lambda: build(config), time_limit=60).ok()
    built_ok(result)
    paths = {Path(a["path"]).name for a in result["ingest"]["articles"]}
    assert {"sep.jsonl:1", "sep.jsonl:2"} <= paths


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("nested.json", "[" * 100_000 + "]" * 100_000),
        ("posts.json", json.dumps([{"title": {"rendered": "T"}, "content": {"rendered": 42}}, "x", None])),
        ("feed.xml", '<?xml version="1.0"?><rss><channel><item><title>' + "x" * 10 + "</title></item></channel></rss>"),
        ("empty.txt", ""),
        ("spaces.txt", "   \n\n\t  \n"),
        ("bom.txt", "\ufeff"),
        ("binary.txt", "\x00\x01\x02" * 1000),
        ("deep.html", "<html><body>" + "<div>" * 20_000 + "text" + "</div>" * 20_000 + "</body></html>"),
        (
            "controls.txt",
            "Title \x1b[31mred\x1b[0m\x07\n\nThe alliance \x00summit\x1b[2J went on in Honolulu with a pact.\n",
        ),
        ("one-word-paragraphs.txt", "Title\n\n" + "\n\n".join(["word"] * 50_000)),
        ("no-spaces.txt", "Title\n\n" + "x" * 300_000),
    ],
)
def test_a_bad_article_is_skipped_or_read_never_fatal(tmp_path, name, content):
    config = project(tmp_path)
    (tmp_path / "articles" / name).write_text(content, encoding="utf-8")
    result = run_limited(lambda: build(config), time_limit=60).ok()
    built_ok(result)
    assert decision(result, name)["status"] in {"unreadable", "kept", "off-topic", "duplicate", "outside window"}
    for line in result["stderr"].splitlines():
        assert "\x1b" not in line and "\x07" not in line
