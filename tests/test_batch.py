"""Many configs in one run: each article read and analysed once, a cache across runs, failures
that stay contained, and sending from a batch."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from briefgen.analyse import nlp, workspace
from briefgen.analyse.workspace import Workspace
from briefgen.batch.run import format_table, run_batch
from briefgen.config.load import load_config
from briefgen.ingest.readers import read_file
from briefgen.pipeline import build

from .conftest import AS_OF, ROOT, run_cli
from .smtpd import smtp_server

SAMPLES = ROOT / "samples" / "articles"

TOPICS = {
    "markets": {"keywords": ["market", "shares", "investors", "yen"], "entities": ["Japan"]},
    "defense": {"keywords": ["alliance", "summit", "defense"], "entities": ["Japan", "South Korea"]},
    "radar": {"keywords": ["radar", "missile", "warning"], "entities": ["North Korea"]},
}


def write_configs(root: Path, port: int | None = None) -> list[Path]:
    """Three briefings over the same sample articles, each with its own topic and audience."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (name, topic) in enumerate(TOPICS.items()):
        config: dict[str, object] = {
            "title": f"{name.title()} Brief",
            "topic": topic,
            "audience": ["executive", "analyst"][i % 2],
            "sources": [str(SAMPLES)],
            "window": {"as_of": AS_OF.isoformat()},
            "output": {"dir": f"out/{name}", "formats": ["md", "html", "email"]},
        }
        if port is not None:
            config["delivery"] = {
                "email": {
                    "to": [f"{name}@example.com"],
                    "from": "briefings@example.com",
                    "smtp": {"host": "127.0.0.1", "port": port, "security": "none"},
                },
                "log": "deliveries.sqlite",
            }
        path = root / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


class Calls:
    """Counts what really happens: files parsed and documents sent through spaCy, with their named
    entities or without (a document a briefing quotes from is analysed both ways)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: Counter[str] = Counter()
        self.documents: Counter[tuple[str, bool]] = Counter()
        read, analyse = read_file, nlp.analyse

        def counting_read(path: Path):
            self.files[str(path)] += 1
            return read(path)

        def counting_analyse(documents, pipeline, workers=None, entities=True, words=True):
            for doc in documents:
                self.documents[doc.article.path, entities] += 1
            return analyse(documents, pipeline, workers, entities, words)

        monkeypatch.setattr(workspace, "read_file", counting_read)
        monkeypatch.setattr(nlp, "analyse", counting_analyse)


def outputs_of(paths: list[Path]) -> dict[str, bytes]:
    return {
        f"{p.stem}/{name}": (p.parent / "out" / p.stem / name).read_bytes()
        for p in paths
        for name in ("briefing.md", "briefing.html", "briefing.json", "briefing.txt")
    }


def test_a_batch_reads_and_analyses_each_article_once(tmp_path, monkeypatch):
    paths = write_configs(tmp_path / "batch")
    calls = Calls(monkeypatch)
    workspace = Workspace(None)
    rows = run_batch(paths, AS_OF, workspace)
    assert [r.status for r in rows] == ["built"] * 3, format_table(rows)
    # Every sample file parsed once, though three briefings read it.
    assert sorted(calls.files) == sorted(str(p) for p in SAMPLES.iterdir())
    assert set(calls.files.values()) == {1}
    assert set(calls.documents.values()) == {1}
    assert workspace.stats.inputs_read == 9 and workspace.stats.input_reuses == 18
    assert workspace.stats.documents_analysed == len(calls.documents)
    batch_outputs = outputs_of(paths)

    # The same briefings built one by one, each from scratch, are identical.
    for path in paths:
        build(load_config(path), AS_OF, formats=["md", "html", "email"])
    assert outputs_of(paths) == batch_outputs
    # ... and analysed the shared articles once per briefing.
    assert max(calls.documents.values()) > 1


def test_the_disk_cache_serves_the_next_run_and_follows_the_engine(tmp_path, monkeypatch):
    paths = write_configs(tmp_path / "batch")
    store = tmp_path / "cache"
    run_batch(paths, AS_OF, Workspace(store))
    first = outputs_of(paths)
    calls = Calls(monkeypatch)
    again = Workspace(store)
    run_batch(paths, AS_OF, again, rebuild=True)
    assert not calls.files and not calls.documents  # nothing read or analysed
    assert again.stats.inputs_from_cache == 9 and again.stats.documents_analysed == 0
    assert outputs_of(paths) == first

    # A damaged entry is a miss, not a failure.
    entry = next(store.rglob("sentences/*/*.json"))
    entry.write_text("{not json", encoding="utf-8")
    run_batch(paths, AS_OF, Workspace(store), rebuild=True)
    assert sum(calls.documents.values()) == 1
    assert outputs_of(paths) == first

    # Another engine (new code or libraries) never sees the old entries.
    monkeypatch.setattr(workspace, "engine_version", lambda: "another-engine")
    other = Workspace(store)
    run_batch(paths[:1], AS_OF, other, rebuild=True)
    assert other.stats.inputs_read == 9 and other.stats.inputs_from_cache == 0


def test_a_second_batch_reuses_unchanged_builds_and_rebuilds_what_changed(tmp_path, monkeypatch):
    paths = write_configs(tmp_path / "batch")
    built = run_batch(paths, AS_OF, Workspace(None))
    first = outputs_of(paths)
    calls = Calls(monkeypatch)
    rows = run_batch(paths, AS_OF, Workspace(None))
    assert [r.status for r in rows] == ["reused"] * 3, format_table(rows)
    assert [r.articles for r in rows] == [r.articles for r in built]
    assert not calls.files and not calls.documents
    assert outputs_of(paths) == first

    # A new article is read by every briefing that reads its folder.
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLES, articles)
    for path in paths:
        path.write_text(path.read_text(encoding="utf-8").replace(str(SAMPLES), str(articles)), encoding="utf-8")
    run_batch(paths, AS_OF, Workspace(None))
    (articles / "late.txt").write_text(
        "Late Story\n\nA late story about the market arrived on Friday.\n", encoding="utf-8"
    )
    rows = run_batch(paths, AS_OF, Workspace(None))
    assert [r.status for r in rows] == ["built"] * 3, format_table(rows)

    # So is an edited template of a config's own, and only that config is rebuilt.
    templates = tmp_path / "batch" / "templates"
    templates.mkdir()
    (templates / "briefing.md.j2").write_text('{% extends "default:briefing.md.j2" %}\n', encoding="utf-8")
    text = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(text + "templates: templates\n", encoding="utf-8")
    run_batch(paths, AS_OF, Workspace(None))
    (templates / "briefing.md.j2").write_text(
        '{% extends "default:briefing.md.j2" %}\n{# edited #}\n', encoding="utf-8"
    )
    from briefgen.reuse import reusable

    found, reason = reusable(load_config(paths[0]), AS_OF, paths[0].parent / "out" / paths[0].stem, ["md"])
    assert found is None and reason == "templates/briefing.md.j2 changed"
    rows = run_batch(paths, AS_OF, Workspace(None))
    assert [r.status for r in rows] == ["built", "reused", "reused"], format_table(rows)


def test_prune_deletes_entries_unused_for_a_month(tmp_path):
    store = tmp_path / "cache"
    old, fresh = store / "v1" / "documents" / "ab" / "old.json", store / "v2" / "documents" / "cd" / "new.json"
    for path in (old, fresh):
        path.parent.mkdir(parents=True)
        path.write_text("[]", encoding="utf-8")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    assert Workspace(store).prune() == 1
    assert fresh.exists() and not old.exists() and not (store / "v1").exists()


def test_commands_prune_at_most_once_a_day_and_never_through_the_stamp(tmp_path):
    """``every_hours`` (as build and batch call it): the cache's ``pruned`` stamp says when it was
    last walked; a stamp that is a link or a FIFO is neither followed nor opened, and pruning then
    happens each time."""
    from briefgen.analyse.workspace import PRUNED

    store = tmp_path / "cache"
    entry = store / "v1" / "documents" / "ab" / "old.json"
    entry.parent.mkdir(parents=True)
    entry.write_text("[]", encoding="utf-8")
    month_ago = time.time() - 31 * 86400
    os.utime(entry, (month_ago, month_ago))
    workspace = Workspace(store)
    assert workspace.prune(every_hours=24) == 1 and (store / PRUNED).is_file()
    entry.parent.mkdir(parents=True)
    entry.write_text("[]", encoding="utf-8")
    os.utime(entry, (month_ago, month_ago))
    assert workspace.prune(every_hours=24) == 0 and entry.exists()  # pruned within the day: not walked
    os.utime(store / PRUNED, (month_ago + 29 * 86400,) * 2)  # two days ago
    assert workspace.prune(every_hours=24) == 1 and not entry.exists()
    outside = tmp_path / "outside"
    outside.write_text("kept", encoding="utf-8")
    os.utime(outside, (month_ago,) * 2)
    (store / PRUNED).unlink()
    (store / PRUNED).symlink_to(outside)
    workspace.prune(every_hours=24)
    assert outside.read_text(encoding="utf-8") == "kept" and outside.stat().st_mtime == pytest.approx(month_ago)
    (store / PRUNED).unlink()
    os.mkfifo(store / PRUNED)
    assert workspace.prune(every_hours=24) == 0  # returns, never blocked on the FIFO


def test_one_failing_config_does_not_stop_the_others(tmp_path):
    root = tmp_path / "configs"
    write_configs(root)
    (root / "broken.yaml").write_text("sources: [x]\naudience: {base: executive, max_pointz: 3}\n", encoding="utf-8")
    (root / "empty.yml").write_text(f"sources: [{SAMPLES}]\ntopic: {{keywords: [cricket]}}\n", encoding="utf-8")
    (root / "notes.txt").write_text("not a config\n", encoding="utf-8")
    proc = run_cli("batch", "configs", "missing.yaml", "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:4] == ["config", "as", "of", "status"]
    status = {line.split()[0]: line.split()[2] for line in lines[1:-1]}
    assert status == {
        "missing.yaml": "failed",
        "configs/broken.yaml": "failed",
        "configs/defense.yaml": "built",
        "configs/empty.yml": "failed",
        "configs/markets.yaml": "built",
        "configs/radar.yaml": "built",
    }
    assert "audience.max_pointz (line 2): unknown key" in proc.stdout
    assert "no article left to summarize" in proc.stdout
    assert lines[-1].startswith("6 config(s): 3 ok, 3 failed")
    assert "inputs read 9, from cache 0, reused 27;" in lines[-1]  # four configs read the samples
    assert proc.stderr.strip().splitlines()[-1] == (
        "briefgen: error: 3 of 6 config(s) failed: missing.yaml, configs/broken.yaml, configs/empty.yml"
    )
    for name in TOPICS:
        assert (root / "out" / name / "briefing.md").is_file()


def test_batch_send_delivers_each_briefing_once(tmp_path):
    with smtp_server() as (port, server):
        write_configs(tmp_path / "configs", port)
        first = run_cli("batch", "configs", "--send", "--no-cache", cwd=tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert sorted(r.rcpt_tos[0] for r in server.received) == [
            "defense@example.com",
            "markets@example.com",
            "radar@example.com",
        ]
        again = run_cli("batch", "configs", "--send", "--no-cache", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(server.received) == 3
    for before, after in zip(first.stdout.splitlines()[1:4], again.stdout.splitlines()[1:4], strict=True):
        assert before.split()[2::2][:2] == ["sent", "1/1"] and before.endswith("(1 sent now)")
        assert after.split()[2::2][:2] == ["sent", "1/1"] and after.endswith("(0 sent now)")  # everyone had it
    for received in server.received:
        (attachment,) = list(received.message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"


def test_articles_of_a_file_keep_their_names_through_the_disk_cache(tmp_path):
    """A record of a JSON Lines file ("news.jsonl:2") or an item of an export ("feed.xml#2") is
    named the same whether it was read now or came from the cache."""
    lines = tmp_path / "news.jsonl"
    text = "The council met on Monday and voted on the port budget for the year. It passed by a wide margin."
    lines.write_text("\n".join(json.dumps({"title": f"Item {n}", "text": text}) for n in (1, 2)), encoding="utf-8")
    store = tmp_path / "cache"
    fresh = Workspace(store).file_documents(lines)
    cached = Workspace(store)
    again = cached.file_documents(lines)
    assert cached.stats.inputs_from_cache == 1
    assert [d.article.path for d in again] == [d.article.path for d in fresh] == [f"{lines}:1", f"{lines}:2"]
