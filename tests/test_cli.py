"""The command line as a user runs it, in this process or, where only a process shows it (start-up,
hash seeds), in a real one: real files, PDF checked by structure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import EXAMPLE, ROOT, run_process
from .conftest import run_cli as run


def test_build_writes_every_format_and_a_structurally_sound_pdf(tmp_path):
    from pypdf import PdfReader

    proc = run("build", str(EXAMPLE), "--as-of", "2025-02-14", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.split()
    names = (
        "briefing.md",
        "briefing.html",
        "briefing.pdf",
        "briefing.email.html",
        "briefing.txt",
        "briefing.json",
        "ingest.json",
        "manifest.json",
    )
    assert printed == [str(tmp_path / name) for name in names]
    reader = PdfReader(str(tmp_path / "briefing.pdf"))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # The briefing itself fits a few pages; the evidence view starts on a page of its own after it.
    evidence = [
        i for i, page in enumerate(reader.pages) if "Each source as it was read and cleaned" in page.extract_text()
    ]
    assert len(evidence) == 1 and 1 <= evidence[0] <= 4, evidence
    assert "Weekly Indo-Pacific Brief" in text
    assert "Page 1 of" in text
    cited = json.loads((tmp_path / "briefing.json").read_text(encoding="utf-8"))["sources"]
    assert len(cited) >= 3
    for source in cited:
        assert f"[{source['id']}]" in text
    assert "SOURCES" in text.upper()


def test_build_default_output_dir_and_format_option(tmp_path):
    """Without --out a briefing goes to output/<config>/<as-of>/ in the project's root, whatever the
    working directory."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(ROOT / "configs", project / "configs")
    shutil.copytree(ROOT / "samples", project / "samples")
    shutil.copy(ROOT / "briefgen.yaml", project / "briefgen.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run(
        "build", str(project / "configs" / "example.yaml"), "--as-of", "2025-02-14", "--format", "md", cwd=elsewhere
    )
    assert proc.returncode == 0, proc.stderr
    out = project / "output" / "example" / "2025-02-14"
    assert sorted(p.name for p in out.iterdir()) == [
        "briefing.json",
        "briefing.md",
        "ingest.json",
        "manifest.json",
        "sources",
    ]
    assert not any(elsewhere.iterdir())


def test_validate_ok_and_problems(tmp_path):
    ok = run("validate", str(EXAMPLE))
    assert (ok.returncode, ok.stdout.strip()) == (0, "ok")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: X\nsources: [nowhere/]\ntopic: {keywords: [a], colour: red}\nwindow: {days: -1}\n", encoding="utf-8"
    )
    proc = run("validate", str(bad))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert any("topic.colour (line 3): unknown key" in line for line in lines)
    assert any("window.days (line 4)" in line for line in lines)
    assert "Traceback" not in proc.stderr


def test_validate_reports_sources_that_match_nothing(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sources:\n  - nowhere/\n", encoding="utf-8")
    proc = run("validate", str(cfg))
    assert proc.returncode == 1
    assert "sources.0 (line 2): 'nowhere/' matches no file" in proc.stderr


@pytest.mark.parametrize(
    ("content", "message", "code"),
    [
        (None, "config file not found", 1),
        ("title: [oops\n", "not valid YAML", 1),
        ("sources: [x]\nsumarizer: mmr\n", "sumarizer (line 2): unknown key", 1),
        ("sources: [empty]\n", "no article left", 2),
    ],
)
def test_user_errors_are_one_line_without_traceback(tmp_path, content, message, code):
    cfg = tmp_path / "c.yaml"
    (tmp_path / "empty").mkdir()
    if content is not None:
        cfg.write_text(content, encoding="utf-8")
    proc = run("build", str(cfg), "--as-of", "2025-02-14", "--out", str(tmp_path / "out"))
    assert proc.returncode == code
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1


def test_verbose_shows_the_traceback(tmp_path):
    proc = run("build", str(tmp_path / "missing.yaml"), "--verbose")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


def test_bad_option_values(tmp_path):
    proc = run("build", str(EXAMPLE), "--as-of", "14/02/2025")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr
    proc = run("build", str(EXAMPLE), "--format", "md,docx")
    assert proc.returncode == 2 and "docx" in proc.stderr


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["inspect"]])
def test_help_on_every_command(command):
    proc = run(*command, "--help")
    assert proc.returncode == 0 and "Usage:" in proc.stdout


def test_inspect_lists_every_input_and_its_fate():
    import json

    proc = run("inspect", str(EXAMPLE), "--as-of", "2025-02-14", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["counts"] == {"duplicate": 1, "kept": 6, "off-topic": 1, "outside window": 1}
    by_name = {Path(a["path"]).name: a for a in report["articles"]}
    assert len(by_name) == 9
    wire = by_name["meridian-wire-honolulu-talks.md"]
    assert (wire["form"], wire["publisher"], wire["date"], wire["status"]) == (
        "markdown",
        "Meridian Wire",
        "2025-02-11",
        "kept",
    )
    page = by_name["pacific-ledger-what-comes-next.html"]
    assert page["words_before"] > page["words_after"] > 0
    text = run("inspect", str(EXAMPLE), "--as-of", "2025-02-14")
    assert (
        "outside window" in text.stdout
        and "same story as ../samples/articles/meridian-wire-honolulu-talks.md" in text.stdout
    )


def test_same_inputs_same_bytes_whatever_the_hash_seed(tmp_path):
    """Set and dict order must not leak into the briefing: a process of its own with a fixed hash
    seed, and this test process, whose seed is another (random) one and whose caches other tests
    have filled, write the same files.

    Both run without the analysis cache, so each reads, cleans and analyses every article itself.
    """
    args = ["--as-of", "2025-02-14", "--format", "md,html", "--no-cache", "--verbose"]
    outputs = []
    for name, runner, env in (("seed-1", run_process, {"PYTHONHASHSEED": "1"}), ("this-process", run, {})):
        out = tmp_path / name
        proc = runner("build", str(ROOT / "configs" / "example-analyst.yaml"), "--out", str(out), *args, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "inputs read 9, from cache 0," in proc.stderr and "from cache 0, reused 0" in proc.stderr
        outputs.append({name: (out / name).read_bytes() for name in ("briefing.md", "briefing.html", "briefing.json")})
    assert os.environ.get("PYTHONHASHSEED") != "1"
    assert outputs[0] == outputs[1]
