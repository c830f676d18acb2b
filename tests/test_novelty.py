"""What is new: a briefing said against the config's previous one, and evaluation with a background."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from briefgen.commands.evaluate import evaluate
from briefgen.config.load import load_config
from briefgen.models import Background
from briefgen.pipeline import build
from briefgen.select.novelty import previous_build, text_document
from briefgen.select.summarize import same_text

from .conftest import AS_OF, ROOT
from .conftest import run_cli as run
from .test_evaluate import HARBOR


def _config(tmp_path: Path, novelty: str = "previous") -> Path:
    path = tmp_path / "weekly.yaml"
    path.write_text(
        f"title: Weekly\nsources: [{ROOT / 'samples' / 'articles'}]\nwindow: {{days: 14}}\n"
        f"audience: analyst\nnovelty: {novelty}\noutput: {{formats: [md]}}\n",
        encoding="utf-8",
    )
    return path


def quoted(out: Path) -> list[str]:
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    return [it["text"] for s in data["sections"] for it in s["items"]]


def test_the_next_week_says_what_is_new_and_never_repeats_a_sentence(tmp_path):
    config = load_config(_config(tmp_path))
    first = build(config, as_of=AS_OF)
    week_one = quoted(first.outputs["json"].parent)
    assert first.briefing.new_since is None
    week_one_dir = first.outputs["json"].parent
    next_dir = week_one_dir.parent / (AS_OF + dt.timedelta(days=7)).isoformat()
    assert previous_build(config, AS_OF + dt.timedelta(days=7), next_dir) == week_one_dir
    assert previous_build(config, AS_OF, week_one_dir) is None, "only an earlier briefing is a background"

    second = build(config, as_of=AS_OF + dt.timedelta(days=7))
    out = second.outputs["json"].parent
    week_two = quoted(out)
    assert week_two, "the overlapping window still has something to tell"
    assert not {same_text(t) for t in week_two} & {same_text(t) for t in week_one}
    assert second.briefing.new_since == AS_OF
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    assert data["new_since"] == AS_OF.isoformat()
    # No article of the second week is dated after the first briefing: it says so, and claims nothing new.
    md = (out / "briefing.md").read_text(encoding="utf-8")
    assert "Nothing new was found since the briefing of 14 February 2025" in md
    assert "New since the briefing of" not in md
    points = next(s for s in data["sections"] if s["name"] == "key_points")["items"]
    flags = [it["new"] for it in points]
    assert flags == sorted(flags, reverse=True), "key points lead with what is new"

    # Building the same week again uses the same background: the same briefing.
    again = build(config, as_of=AS_OF + dt.timedelta(days=7))
    assert quoted(again.outputs["json"].parent) == week_two


def test_novelty_none_builds_each_week_alone(tmp_path):
    config = load_config(_config(tmp_path, "none"))
    first = build(config, as_of=AS_OF)
    second = build(config, as_of=AS_OF + dt.timedelta(days=7))
    assert second.briefing.new_since is None
    assert set(quoted(second.outputs["json"].parent)) & set(quoted(first.outputs["json"].parent))


def test_every_cited_source_text_is_written_with_its_hash(tmp_path):
    result = build(load_config(_config(tmp_path)), as_of=AS_OF)
    out = result.outputs["json"].parent
    data = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    import hashlib

    for source in data["sources"]:
        raw = (out / "sources" / f"{source['id']}.txt").read_bytes()
        assert hashlib.sha256(raw).hexdigest() == source["text_sha256"]
    for section in data["sections"]:
        for item in section["items"]:
            (start, end), n = item["offsets"][0], item["sources"][0]
            text = (out / "sources" / f"{n}.txt").read_text(encoding="utf-8")
            assert text[start:end] == item["text"]


def test_a_text_document_keeps_its_paragraph_offsets():
    doc = text_document("One paragraph here.\n\nA second one.", 0, "x")
    assert [doc.text[s.start : s.end] for s in doc.spans] == ["One paragraph here.", "A second one."]


def test_eval_with_a_background_tells_what_is_new(tmp_path):
    """The reader was told the terminal opens in May; this week's news is that a crane fell and it is delayed."""
    old = "Port officials in Valmora said the new container terminal would open in May, doubling the port's capacity."
    news = [
        "A crane collapsed at the Valmora terminal on Friday, and port officials delayed the opening until July.",
        "Port officials delayed the opening until July after a crane collapsed at the Valmora terminal on Friday.",
        "After a crane collapsed at the Valmora terminal on Friday, port officials delayed the opening until July.",
    ]
    cluster = {
        "id": "update",
        "documents": [{"id": f"n{k}", "text": f"{old}\n\n{n}"} for k, n in enumerate(news)],
        "background": [{"id": f"b{k}", "text": t} for k, t in enumerate(HARBOR)],
        "references": ["A crane collapse delayed the Valmora terminal's opening until July."],
    }
    path = tmp_path / "update.jsonl"
    path.write_text(json.dumps(cluster) + "\n", encoding="utf-8")
    told = evaluate(path, words=18, background=False).clusters[0].summary
    new = evaluate(path, words=18).clusters[0].summary
    assert "crane" not in told and "crane" in new
    assert "--no-background" in run("eval", str(path), "--help").stdout
    with_cli = json.loads(run("eval", str(path), "--words", "18", "--json").stdout)
    without = json.loads(run("eval", str(path), "--words", "18", "--json", "--no-background").stdout)
    assert with_cli["recall"]["rouge2"] > without["recall"]["rouge2"]
    assert with_cli["background"] is True and without["background"] is False


def test_an_empty_background_is_falsy():
    assert not Background()
