"""`briefgen verify`: a finished briefing re-checked against its sources, online and offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from briefgen.commands.verify import verify
from briefgen.config.load import load_config
from briefgen.pipeline import build

from .conftest import AS_OF, ROOT, run_cli


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The acme briefing built from a copy of the sample project."""
    for part in ("configs", "samples", "templates"):
        shutil.copytree(ROOT / part, tmp_path / part)
    out = tmp_path / "out"
    build(load_config(tmp_path / "configs" / "acme.yaml"), AS_OF, out, ["md", "html"])
    return out


def first_quoted(out: Path) -> tuple[dict[str, object], dict[str, object]]:
    """The briefing's first item and the source it cites first."""
    briefing = json.loads((out / "briefing.json").read_text(encoding="utf-8"))
    item = briefing["sections"][0]["items"][0]
    source = next(s for s in briefing["sources"] if s["id"] == item["sources"][0])
    return item, source


def input_file(out: Path, source: dict[str, object]) -> Path:
    """The file a source was read from (briefings name it relative to the config)."""
    return out.parent / "configs" / str(source["path"]).split("#")[0]


@pytest.mark.parametrize("offline", [False, True])
def test_a_fresh_build_verifies(built, offline):
    result = verify(built, offline=offline)
    assert result.ok, result.problems
    assert result.items >= 5 and result.sources >= 3 and result.files >= 4


def test_a_quoted_sentence_altered_in_its_input_is_named(built):
    item, source = first_quoted(built)
    path = input_file(built, source)
    text = path.read_text(encoding="utf-8")
    quoted = str(item["text"])
    assert quoted in text
    path.write_text(text.replace(quoted, quoted.replace(" ", "  ", 1).replace("a", "the", 1)), encoding="utf-8")
    problems = [str(p) for p in verify(built).problems]
    assert any(f"source {source['id']}" in p and "changed since the build" in p for p in problems)
    assert verify(built, offline=True).ok  # the written texts still hold what was quoted


def test_a_removed_input_is_named(built):
    _, source = first_quoted(built)
    input_file(built, source).unlink()
    problems = [str(p) for p in verify(built).problems]
    assert any(f"source {source['id']}" in p and "no longer among the build's inputs" in p for p in problems)


def test_a_briefing_edited_by_hand_is_named(built):
    data = json.loads((built / "briefing.json").read_text(encoding="utf-8"))
    data["sections"][0]["items"][0]["text"] = "Markets will surely rise next week."
    (built / "briefing.json").write_text(json.dumps(data), encoding="utf-8")
    md = built / "briefing.md"
    md.write_text(md.read_text(encoding="utf-8") + "\nA line nobody quoted.\n", encoding="utf-8")
    problems = [str(p) for p in verify(built, offline=True).problems]
    assert "briefing.json: changed since the build (edited by hand?)" in problems
    assert "briefing.md: changed since the build (edited by hand?)" in problems
    assert any(p.startswith(f"{data['sections'][0]['heading']}, item 1: “Markets will surely rise") for p in problems)


def test_a_missing_source_text_is_named_offline(built):
    _, source = first_quoted(built)
    (built / "sources" / f"{source['id']}.txt").unlink()
    problems = [str(p) for p in verify(built, offline=True).problems]
    assert f"source {source['id']}: sources/{source['id']}.txt is missing or unreadable" in problems


def test_verify_command_exits_1_naming_each_problem(built):
    ok = run_cli("verify", str(built))
    assert ok.returncode == 0 and ok.stdout.startswith("verified: ")
    (built / "sources" / "1.txt").write_text("something else", encoding="utf-8")
    bad = run_cli("verify", str(built), "--offline")
    assert bad.returncode == 1
    assert "source 1 (" in bad.stderr and "its text has changed since the build" in bad.stderr
    missing = run_cli("verify", str(built.parent / "nowhere"))
    assert missing.returncode == 1 and "is not a briefing directory" in missing.stderr
