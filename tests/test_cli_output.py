"""``--quiet`` and ``--json`` on ``build``, ``send`` and ``batch``: silence for cron, one JSON
document for programs, the same exit codes and one-line errors either way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import EXAMPLE, ROOT, run_cli

ACME = ROOT / "configs" / "acme.yaml"
AS_OF = "2025-02-14"


def document(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout)  # the whole of stdout is one document
    return data


def test_build_json_describes_the_build(tmp_path):
    proc = run_cli("build", str(EXAMPLE), "--as-of", AS_OF, "--out", str(tmp_path), "--format", "md", "--json")
    assert proc.returncode == 0, proc.stderr
    data = document(proc.stdout)
    assert set(data) == {"config", "as_of", "out_dir", "files", "articles"}
    assert (data["config"], data["as_of"], data["out_dir"]) == (str(EXAMPLE), AS_OF, str(tmp_path))
    assert [Path(f).name for f in data["files"]] == ["briefing.md", "briefing.json", "ingest.json", "manifest.json"]
    assert all(Path(f).is_file() for f in data["files"])
    ingest = json.loads((tmp_path / "ingest.json").read_text(encoding="utf-8"))
    assert data["articles"] == {"read": 9, "used": 6, "counts": ingest["counts"], "undated": 1, "previews": 0}
    assert "9 articles" in proc.stderr  # what people read still goes to stderr
    assert "6 kept (1 undated)" in proc.stderr


def test_build_quiet_prints_nothing_but_problems(tmp_path):
    proc = run_cli("build", str(EXAMPLE), "--as-of", AS_OF, "--out", str(tmp_path), "--format", "md", "-q")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert (tmp_path / "briefing.md").is_file()


def test_errors_stay_one_line_with_json_and_quiet(tmp_path):
    for flag in ("--json", "--quiet"):
        proc = run_cli("build", str(tmp_path / "missing.yaml"), flag)
        assert proc.returncode == 1 and proc.stdout == ""
        assert proc.stderr.splitlines() == [f"briefgen: error: config file not found: {tmp_path / 'missing.yaml'}"]


def test_send_json_reports_the_build_and_every_message(tmp_path):
    args = ["send", str(ACME), "--as-of", AS_OF, "--out", str(tmp_path / "out"), "--dry-run"]
    args += ["--log", str(tmp_path / "log.sqlite"), "--json"]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    data = document(proc.stdout)
    assert (data["config"], data["as_of"], data["out_dir"]) == (str(ACME), AS_OF, str(tmp_path / "out"))
    assert data["built"] is True and data["reason"]
    assert all(Path(f).is_file() for f in data["files"])
    assert data["articles"]["used"] >= 1 and data["articles"]["counts"]["kept"] == data["articles"]["used"]
    assert (data["articles"]["undated"], data["articles"]["previews"]) == (1, 0)  # the commentary states no date
    assert [(m["recipient"], m["kind"], m["status"]) for m in data["messages"]] == [
        ("desk@acme.example", "to", "written"),
        ("dana.reyes@acme.example", "cc", "written"),
    ]
    assert all(set(m) == {"recipient", "kind", "status", "message_id", "detail"} for m in data["messages"])
    again = document(run_cli(*args).stdout)  # the build is reused; counts come from its ingest.json
    assert (again["built"], again["reason"], again["articles"]) == (False, "unchanged", data["articles"])


def test_send_quiet(tmp_path):
    proc = run_cli(
        "send", str(ACME), "--as-of", AS_OF, "--out", str(tmp_path / "out"), "--dry-run",
        "--log", str(tmp_path / "log.sqlite"), "--quiet",
    )  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert len(list((tmp_path / "out").glob("*.eml"))) == 2


def batch_config(tmp_path: Path) -> Path:
    """The example config, moved to ``tmp_path`` so that a batch writes its output there."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("../samples/articles", str(ROOT / "samples" / "articles"))
    config = tmp_path / "weekly.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def test_batch_json_has_a_row_per_config_and_the_workspace_counters(tmp_path):
    config = batch_config(tmp_path)
    proc = run_cli("batch", str(config), str(tmp_path / "gone.yaml"), "--as-of", AS_OF, "--json", cwd=tmp_path)
    assert proc.returncode == 1  # one config failed
    data = document(proc.stdout)
    assert (data["ok"], data["failed"]) == (1, 1)
    rows = {Path(r["config"]).name: r for r in data["rows"]}
    assert set(rows["weekly.yaml"]) == {"config", "as_of", "status", "articles", "sent", "seconds", "detail"}
    assert rows["weekly.yaml"]["status"] == "built" and rows["weekly.yaml"]["as_of"] == AS_OF
    assert rows["weekly.yaml"]["articles"] == {"used": 6, "read": 9} and rows["weekly.yaml"]["sent"] is None
    assert rows["gone.yaml"]["status"] == "failed" and rows["gone.yaml"]["as_of"] is None
    assert set(data["stats"]) >= {"inputs_read", "inputs_from_cache", "documents_analysed"}
    assert [line for line in proc.stderr.splitlines() if "error:" in line] == [
        f"briefgen: error: 1 of 2 config(s) failed: {tmp_path / 'gone.yaml'}"
    ]


def test_batch_quiet_keeps_the_warnings(tmp_path):
    config = batch_config(tmp_path)
    (tmp_path / "bad.yaml").write_text("sources: [x]\ncolour: red\n", encoding="utf-8")
    proc = run_cli("batch", str(config), str(tmp_path / "bad.yaml"), "--as-of", AS_OF, "--quiet", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert [line.split(":", 2)[1] for line in lines] == [" warning", " error"], lines
    assert "colour (line 2): unknown key" in lines[0]
    proc = run_cli("batch", str(config), "--as-of", AS_OF, "--quiet", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_inspect_shows_where_each_date_comes_from(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    body = "The three allies agreed to link their missile-warning radars in real time after {} days of talks.\n"
    (articles / "header.txt").write_text(f"Date: 2025-02-12\n\n{body.format('two')}", encoding="utf-8")
    (articles / "line.txt").write_text(
        f"Radar Link Agreed\nPublished: 11 Feb 2025\n{body.format('three')}", encoding="utf-8"
    )
    old = f"{body.format('four')}\nThe first such talks took place on April 11, 2024.\n"
    (articles / "old.txt").write_text(old, encoding="utf-8")
    (articles / "none.txt").write_text(body.format("five"), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text("sources: [articles]\n", encoding="utf-8")
    proc = run_cli("inspect", str(config), "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    rows = {
        line.split()[-1]: line.split() for line in proc.stdout.splitlines() if line[:1].isalpha() and ".txt" in line
    }
    assert rows["articles/header.txt"][-3:-1] == ["2025-02-12", "header"]
    assert rows["articles/line.txt"][-3:-1] == ["2025-02-11", "text"]
    assert rows["articles/old.txt"][-3:-1] == ["\u22652024-04-11", "inferred"]
    assert rows["articles/old.txt"][:2] == ["outside", "window"]
    assert rows["articles/none.txt"][-3:-1] == ["undated", "-"]
