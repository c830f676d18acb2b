"""An editor's hand: dropped items are replaced and never come back, notes are the analyst's and
never cited, edits survive rebuilds, and an approval covers exactly one build."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml

from briefgen.analyse.workspace import Workspace
from briefgen.cli import main
from briefgen.commands.verify import verify
from briefgen.config.load import load_config
from briefgen.deliver.smtp import deliver
from briefgen.errors import BriefgenError, ConfigError, DeliveryError
from briefgen.pipeline import build, ensure_built
from briefgen.records.approval import APPROVAL_FILE, approval_problem, approve
from briefgen.records.edits import EDITS_FILE, add_note, drop_item, read_edits, remove_note

from .conftest import AS_OF, ROOT, briefing_data
from .smtpd import Recorder, smtp_server

FORMATS = ["md", "html", "pdf", "email"]


def write_config(path: Path, port: int = 1, require_approval: bool = False) -> Path:
    config = {
        "title": "Weekly Indo-Pacific Brief",
        "topic": {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
        "sources": [str(ROOT / "samples" / "articles")],
        "output": {"formats": FORMATS},
        "delivery": {
            "email": {
                "to": ["analyst@example.com"],
                "from": "Briefings Desk <briefings@example.com>",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
            },
            "log": "deliveries.sqlite",
            "require_approval": require_approval,
        },
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def section_ids(data: dict[str, Any]) -> dict[str, list[str]]:
    return {s["name"]: [i["id"] for i in s["items"]] for s in data["sections"]}


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Path, Path, Workspace]:
    workspace = Workspace()
    config = write_config(tmp_path / "brief.yaml")
    out = tmp_path / "out"
    build(load_config(config), AS_OF, out, FORMATS, workspace=workspace)
    return config, out, workspace


def test_dropped_items_are_replaced_in_their_section_and_never_come_back(project) -> None:
    config, out, workspace = project
    dropped: set[str] = set()
    before = section_ids(briefing_data(out))
    for _ in range(3):  # drop the first key point three times over
        first = section_ids(briefing_data(out))["key_points"][0]
        drop_item(out, first)
        dropped.add(first)
        build(load_config(config), AS_OF, out, FORMATS, workspace=workspace)
        now = section_ids(briefing_data(out))
        assert len(now["key_points"]) == len(before["key_points"])
        assert not dropped & {i for ids in now.values() for i in ids}
        for name in ("html", "md", "email.html", "txt"):  # in no format either
            text = (out / f"briefing.{name}").read_text(encoding="utf-8")
            assert not any(f'data-item="{i}"' in text for i in dropped)
    assert read_edits(out).drop == tuple(sorted(dropped, key=list(read_edits(out).drop).index))
    assert verify(out, offline=True).ok


def test_an_analysts_note_is_shown_as_theirs_and_never_cited(project) -> None:
    config, out, workspace = project
    add_note(out, "Our view: the <b>vote</b> is likely to slip to March.", "key_points")
    add_note(out, "Read this one first.")
    build(load_config(config), AS_OF, out, FORMATS, workspace=workspace)
    data = briefing_data(out)
    assert data["analyst_notes"] == [
        {"text": "Our view: the <b>vote</b> is likely to slip to March.", "section": "key_points"},
        {"text": "Read this one first.", "section": None},
    ]
    assert not [i for s in data["sections"] for i in s["items"] if "slip to March" in i["text"]]
    page = lxml.html.fromstring((out / "briefing.html").read_text(encoding="utf-8"))
    notes = page.xpath('//aside[@class="analyst-note"]')
    assert [n.text_content() for n in notes] == [
        "Analyst's note: Read this one first.",
        "Analyst's note: Our view: the <b>vote</b> is likely to slip to March.",
    ]
    assert notes[1].getparent().get("id") == "key_points"
    for note in notes:  # never inside a citation, a quote or a quoted item
        assert not note.xpath("ancestor::sup | ancestor::mark | ancestor::*[@data-item] | .//sup | .//a")
    assert "slip to March" not in " ".join(m.text_content() for m in page.xpath("//mark | //sup"))
    md = (out / "briefing.md").read_text(encoding="utf-8")
    assert "> **Analyst's note:** Our view: the \\<b\\>vote\\</b\\> is likely to slip to March.\n" in md
    assert "Analyst's note: Read this one first." in (out / "briefing.txt").read_text(encoding="utf-8")
    assert verify(out, offline=True).ok  # notes are not quotes: nothing to check against a source
    remove_note(out, 1)
    assert [n.text for n in read_edits(out).notes] == ["Our view: the <b>vote</b> is likely to slip to March."]


def test_edits_are_part_of_what_a_build_is_made_from(project) -> None:
    config, out, workspace = project
    loaded = load_config(config)
    assert not ensure_built(loaded, AS_OF, out, FORMATS, workspace).built
    drop_item(out, section_ids(briefing_data(out))["key_points"][0])
    again = ensure_built(loaded, AS_OF, out, FORMATS, workspace)
    assert again.built and again.reason == "edits.yaml changed"
    assert not ensure_built(loaded, AS_OF, out, FORMATS, workspace).built


def test_a_bad_edits_file_names_each_problem_with_its_line(project, capsys) -> None:
    config, out, _ = project
    (out / EDITS_FILE).write_text("drop: [q1]\nnotes:\n  - text: fine\n    colour: red\nhide: [q2]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_edits(out)
    problems = caught.value.problems
    assert any("notes.0.colour (line 4)" in p for p in problems) and any("hide (line 5)" in p for p in problems)
    with pytest.raises(SystemExit) as code:
        main(["build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out)])
    assert code.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "edits.yaml" in err and "line 4" in err


def test_approval_covers_exactly_one_build(project) -> None:
    config, out, workspace = project
    assert approval_problem(out) is not None and "not approved" in str(approval_problem(out))
    record = approve(out, by="editor")
    assert record["approved_by"] == "editor" and (out / APPROVAL_FILE).is_file()
    assert approval_problem(out) is None
    build(load_config(config), AS_OF, out, FORMATS, workspace=workspace)  # the same build again
    assert approval_problem(out) is None
    drop_item(out, section_ids(briefing_data(out))["key_points"][0])
    build(load_config(config), AS_OF, out, FORMATS, workspace=workspace)  # another build
    assert "approve it again" in str(approval_problem(out))
    approve(out)
    (out / "briefing.md").write_text("edited by hand\n", encoding="utf-8")
    assert "briefing.md" in str(approval_problem(out))
    with pytest.raises(BriefgenError, match=r"briefing\.md"):
        approve(out)


def test_require_approval_refuses_to_send_until_approved(project) -> None:
    config, out, workspace = project
    recorder = Recorder()
    with smtp_server(recorder) as (port, _):
        loaded = load_config(write_config(config, port, require_approval=True))
        outputs = ensure_built(loaded, AS_OF, out, FORMATS, workspace).outputs
        with pytest.raises(DeliveryError, match="not approved"):
            deliver(loaded, AS_OF, outputs)
        assert not recorder.received
        dry = deliver(loaded, AS_OF, outputs, dry_run=True)  # a preview sends nothing and goes on
        assert dry.complete and not recorder.received
        assert main_exit(["approve", str(out)]) == 0
        report = deliver(loaded, AS_OF, outputs)
        assert report.complete and len(recorder.received) == 1


def test_send_refuses_a_build_changed_since_approval(project, capsys) -> None:
    config, out, _ = project
    with smtp_server(Recorder()) as (port, _):
        write_config(config, port, require_approval=True)
        approve(out)
        drop_item(out, section_ids(briefing_data(out))["key_points"][0])  # rebuilt by the send: no longer approved
        assert main_exit(["send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert "not sent" in err and "approve it again" in err


def main_exit(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_a_dropped_quote_stays_dropped_when_its_article_is_corrected_elsewhere(tmp_path: Path) -> None:
    import shutil

    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "samples" / "articles", articles)
    config = write_config(tmp_path / "brief.yaml")
    config.write_text(config.read_text(encoding="utf-8").replace(str(ROOT / "samples" / "articles"), str(articles)))
    out = tmp_path / "out"
    build(load_config(config), AS_OF, out, FORMATS)
    item = next(i for s in briefing_data(out)["sections"] for i in s["items"] if i["sources"] == [1])
    drop_item(out, item["id"])
    source = briefing_data(out)["sources"][0]["path"]
    path = (config.parent / source).resolve()
    text = path.read_text(encoding="utf-8")
    cleaned = (out / "sources" / "1.txt").read_text(encoding="utf-8")
    other = next(  # a word of another sentence of the article, found once in its file
        w for w in re.findall(r"[A-Za-z]{6,}", cleaned) if w not in item["text"] and text.count(w) == 1
    )
    path.write_text(text.replace(other, other + "s", 1), encoding="utf-8")  # a correction elsewhere
    assert text_of(build(load_config(config), AS_OF, out, FORMATS)) != cleaned
    assert item["text"] not in [i["text"] for s in briefing_data(out)["sections"] for i in s["items"]]


def text_of(result: Any) -> str:
    """The cleaned text of a build's first source."""
    return str(result.briefing.sources[0].text)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("notes:\n  - text: '   '\n", "a note needs words"),
        ('notes:\n  - text: "\\u200b"\n', "a note needs words"),
        ("false\n", "top level must be a mapping"),
        ("drop: [not-an-id]\n", "drop.0 (line 1)"),
        ("drop: {a: 1}\n", "drop (line 1)"),
    ],
)
def test_a_hostile_edits_file_is_refused_naming_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / EDITS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(problem)):
        read_edits(tmp_path)


def test_an_approved_build_is_sent_as_approved_when_an_article_changes_after(tmp_path: Path, capsys) -> None:
    import shutil

    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "samples" / "articles", articles)
    recorder = Recorder()
    with smtp_server(recorder) as (port, _):
        config = write_config(tmp_path / "brief.yaml", port, require_approval=True)
        config.write_text(config.read_text(encoding="utf-8").replace(str(ROOT / "samples" / "articles"), str(articles)))
        out = tmp_path / "out"
        build(load_config(config), AS_OF, out, FORMATS)
        approve(out)
        approved = (out / "briefing.pdf").read_bytes()
        article = sorted(articles.glob("*.html"))[0]
        article.write_text(article.read_text(encoding="utf-8").replace("</p>", " Updated.</p>", 1), encoding="utf-8")
        assert main_exit(["send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
        assert (out / "briefing.pdf").read_bytes() == approved and len(recorder.received) == 1
        assert "since this briefing was approved; sending the approved one" in capsys.readouterr().err


def test_batch_send_sends_only_approved_builds(tmp_path: Path, capsys) -> None:
    from briefgen.records.manifest import default_out_dir

    recorder = Recorder()
    with smtp_server(recorder) as (port, _):
        config = write_config(tmp_path / "brief.yaml", port, require_approval=True)
        day = ["--as-of", AS_OF.isoformat()]
        assert main_exit(["batch", str(config), *day, "--send"]) != 0
        shown = capsys.readouterr()
        assert "not approved" in shown.out + shown.err and not recorder.received
        approve(default_out_dir(load_config(config), AS_OF))
        assert main_exit(["batch", str(config), *day, "--send"]) == 0
        assert len(recorder.received) == 1
