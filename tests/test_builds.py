"""Finished builds: what a build was made from, when one is reused, and the reason given when not."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from briefgen import reuse
from briefgen.config.load import load_config
from briefgen.pipeline import build, ensure_built
from briefgen.records.manifest import default_out_dir, send_formats, write_manifest
from briefgen.reuse import _input_hash, made_from, reusable

from .conftest import AS_OF, ROOT, run_cli

FORMATS = ["md", "html", "email"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the acme client's project: its config, templates, logo and the sample articles."""
    for part in ("configs", "samples", "templates"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def built(project: Path, formats: list[str] = FORMATS) -> tuple[Path, Path]:
    config = project / "configs" / "acme.yaml"
    out = project / "out"
    build(load_config(config), AS_OF, out, formats)
    return config, out


def why(config: Path, out: Path, needed: list[str] | None = None) -> str:
    found, reason = reusable(load_config(config), AS_OF, out, needed or ["md", "html"])
    return "reused" if found is not None else reason


def test_an_unchanged_build_is_reused_and_every_change_names_itself(project):
    config, out = built(project)
    assert why(config, out) == "reused"
    (project / "templates" / "clients" / "acme" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    assert why(config, out) == "../templates/clients/acme/logo.svg changed"
    # The config's own template directory, in front of the client's.
    own = project / "configs" / "own-templates"
    own.mkdir()
    template = own / "briefing.md.j2"
    template.write_text('{% extends "default:briefing.md.j2" %}\n', encoding="utf-8")
    config = project / "configs" / "acme.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "templates: own-templates\n", encoding="utf-8")
    config, out = built(project)
    template.write_text('{% extends "default:briefing.md.j2" %}\n{# edited #}\n', encoding="utf-8")
    assert why(config, out) == "own-templates/briefing.md.j2 changed"
    config, out = built(project)
    late = project / "samples" / "articles" / "late.txt"
    late.write_text("Late\n\nA late article about the alliance arrived.\n", encoding="utf-8")
    assert why(config, out) == "article ../samples/articles/late.txt is new"
    config, out = built(project)
    late.unlink()
    assert why(config, out) == "article ../samples/articles/late.txt is gone"
    config, out = built(project)
    config.write_text(config.read_text(encoding="utf-8").replace("audience: executive", "audience: analyst"))
    assert why(config, out) == "the config changed"
    config, out = built(project)
    # What the build lacks, or what was edited by hand since.
    assert why(config, out, ["pdf"]) == "the build has no briefing.pdf"
    (out / "briefing.md").write_text("edited\n", encoding="utf-8")
    assert why(config, out) == "briefing.md is not as built"
    (out / "briefing.md").unlink()
    assert why(config, out) == "briefing.md is missing"


def test_new_code_or_libraries_call_for_a_new_build(project, monkeypatch):
    config, out = built(project)
    monkeypatch.setattr(reuse, "code_version", lambda: "other-code")
    assert why(config, out) == "briefgen's code or a library it uses changed"


def test_a_manifest_of_an_older_briefgen_is_not_reused(project):
    config, out = built(project)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    old = {k: manifest[k] for k in ("config", "as_of", "files")} | {"briefgen": "0.1.0", "fingerprint": "x"}
    (out / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    assert why(config, out) == "briefgen 0.1.0 made it, this is 0.2.0"


def test_url_sources_are_always_read_afresh(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"sources: [{ROOT / 'samples' / 'articles'}, 'https://news.example/feed.xml']\n")
    loaded = load_config(config)
    assert made_from(loaded)["urls"] == ["https://news.example/feed.xml"]
    out = tmp_path / "out"
    out.mkdir()
    # A finished build of it, as far as its files go.
    outputs = {"md": out / "briefing.md", "json": out / "briefing.json", "ingest.json": out / "ingest.json"}
    for path in outputs.values():
        path.write_text("x", encoding="utf-8")
    ingredients = made_from(loaded)
    write_manifest(loaded, AS_OF, outputs, out, ingredients)
    assert reusable(loaded, AS_OF, out, ["md"]) == (None, "URL sources are read afresh")


def test_a_file_too_large_to_read_is_fingerprinted_by_size_and_time(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)

    def never(path):
        raise AssertionError("read a file over the limit")

    monkeypatch.setattr(reuse, "file_sha256", never)
    assert _input_hash(big, max_bytes=4096).startswith("size 5000, modified ")


def test_a_briefing_already_sent_is_kept_though_its_inputs_changed(project, caplog):
    config, out = built(project)
    (project / "samples" / "articles" / "late.txt").write_text("Late\n\nA late alliance story.\n", encoding="utf-8")
    loaded = load_config(config)
    kept = ensure_built(loaded, AS_OF, out, FORMATS, sent=True)
    assert not kept.built and kept.reason.startswith("kept: article ../samples/articles/late.txt is new")
    assert "went out to some recipients; sending them the same one" in caplog.text
    fresh = ensure_built(loaded, AS_OF, out, FORMATS, sent=True, rebuild=True)
    assert fresh.built and fresh.reason == "asked to rebuild"
    assert ensure_built(loaded, AS_OF, out, FORMATS).reason == "unchanged"


def test_send_says_why_it_builds(project):
    config, out = built(project, send_formats(FORMATS))
    (project / "samples" / "articles" / "late.txt").write_text("Late\n\nA late alliance story.\n", encoding="utf-8")
    args = ("send", str(config), "--as-of", AS_OF.isoformat(), "--out", str(out), "--dry-run")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert f"built the briefing in {out} (article ../samples/articles/late.txt is new)" in first.stderr
    again = run_cli(*args)
    assert f"reusing the briefing in {out}" in again.stderr
    forced = run_cli(*args, "--rebuild")
    assert f"built the briefing in {out} (asked to rebuild)" in forced.stderr
    assert set(send_formats(["md"])) == {"md", "pdf", "email"}


def test_recipients_of_one_briefing_all_get_the_same_one(project):
    """A recipient tried again after an article arrived gets what the others got, not a new briefing."""
    import hashlib

    from .smtpd import Recorder, smtp_server

    config, out = built(project, send_formats(FORMATS))
    recorder = Recorder()
    with smtp_server(recorder) as (port, _):
        config.write_text(config.read_text(encoding="utf-8").replace("port: 8025", f"port: {port}"), encoding="utf-8")
        args = (
            "send",
            str(config),
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--log",
            str(project / "log.sqlite"),
        )
        first = run_cli(*args, "--recipient", "desk@acme.example")
        assert first.returncode == 0, first.stderr
        (project / "samples" / "articles" / "late.txt").write_text("Late\n\nA late alliance story.\n", encoding="utf-8")
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr
        assert "went out to some recipients; sending them the same one" in second.stderr
    pdfs = [
        hashlib.sha256(next(p for p in r.message.iter_attachments()).get_content()).hexdigest()
        for r in recorder.received
    ]
    assert len(pdfs) == 2 and pdfs[0] == pdfs[1]


def test_a_briefing_some_recipients_have_is_not_built_again_in_its_place(project, tmp_path):
    """After a briefing went out to anyone, `build` refuses to replace it (a late recipient would get
    another one) and says how to send a correction; into another directory it builds."""
    import hashlib

    from .smtpd import Recorder, smtp_server

    config = project / "configs" / "acme.yaml"
    recorder = Recorder()
    with smtp_server(recorder) as (port, _):
        config.write_text(config.read_text(encoding="utf-8").replace("port: 8025", f"port: {port}"), encoding="utf-8")
        log = ("--log", str(project / "log.sqlite"))
        first = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), *log, "--recipient", "desk@acme.example")
        assert first.returncode == 0, first.stderr
        (project / "samples" / "articles" / "late.txt").write_text("Late\n\nA late alliance story.\n", encoding="utf-8")
        again = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), *log)
        assert again.returncode == 1
        assert again.stderr.startswith(
            f"briefgen: error: the briefing of {AS_OF} went out to 1 recipient(s) already, and building it again"
        ), again.stderr
        assert "briefgen send --rebuild --resend" in again.stderr and again.stderr.count("\n") == 1
        # However the directory is written: through "..", or a link to it.
        default = default_out_dir(load_config(config), AS_OF)
        (project / "link").symlink_to(default.parent.parent)
        for same in (default.parent / ".." / "acme" / AS_OF.isoformat(), project / "link" / "acme" / AS_OF.isoformat()):
            refused = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(same), *log)
            assert refused.returncode == 1 and "went out to 1 recipient(s) already" in refused.stderr, refused.stderr
        # A log that cannot be read (locked by another process) is not taken for "sent to no one".
        holder = sqlite3.connect(project / "log.sqlite", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            locked = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), *log)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert locked.returncode == 1 and "locked by another process" in locked.stderr, locked.stderr
        elsewhere = run_cli("build", str(config), "--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "draft"), *log)
        assert elsewhere.returncode == 0, elsewhere.stderr
        rest = run_cli("send", str(config), "--as-of", AS_OF.isoformat(), *log)
        assert rest.returncode == 0, rest.stderr
    pdfs = {
        hashlib.sha256(next(p for p in r.message.iter_attachments()).get_content()).hexdigest()
        for r in recorder.received
    }
    assert len(recorder.received) > 1 and len(pdfs) == 1


def test_a_sidecar_written_after_a_build_is_read_and_calls_for_a_new_build(project, tmp_path):
    from briefgen.analyse.workspace import Workspace

    config, out = built(project)
    commentary = project / "samples" / "articles" / "lantern-institute-commentary.txt"
    sidecar = commentary.with_name("lantern-institute-commentary.meta.yaml")
    cache = Workspace(tmp_path / "cache")
    build(load_config(config), AS_OF, out, FORMATS, workspace=cache)
    sidecar.write_text("title: Stated in the sidecar\npublisher: Lantern Institute\n", encoding="utf-8")
    assert why(config, out) == "article ../samples/articles/lantern-institute-commentary.meta.yaml is new"
    result = build(load_config(config), AS_OF, out, FORMATS, workspace=Workspace(tmp_path / "cache"))
    assert "Stated in the sidecar" in {s.title for s in result.briefing.sources} | {
        d.title for d in result.decisions if d.title
    }
