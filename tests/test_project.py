"""Projects: ``briefgen init``, defaults shared through ``briefgen.yaml``, and everything a weekly
run reads and writes anchored to the project's root, whatever the working directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from briefgen.config import Config
from briefgen.config.load import load_config
from briefgen.errors import ConfigError

from .conftest import ROOT, run_cli
from .smtpd import smtp_server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proc = run_cli("init", str(tmp_path / "proj"), "--client", "mekong", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "proj"


def test_init_writes_a_project_that_builds_validates_and_sends_from_anywhere(project, tmp_path):
    config = project / "configs" / "weekly.yaml"
    assert (project / "briefgen.yaml").is_file() and (project / "briefgen.schema.json").is_file()
    assert config.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../briefgen.schema.json")
    assert any((project / "articles").iterdir())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    built = run_cli("build", str(config), cwd=elsewhere)
    assert built.returncode == 0, built.stderr
    out = project / "output" / "weekly" / "2025-02-14"
    assert (out / "briefing.html").is_file() and not (elsewhere / "output").exists()
    assert "Prepared for Mekong" in (out / "briefing.html").read_text(encoding="utf-8")  # the project's client template
    assert run_cli("validate", str(config), cwd=elsewhere).stdout.strip() == "ok"
    sent = run_cli("send", str(config), "--dry-run", cwd=Path("/"))
    assert sent.returncode == 0, sent.stderr
    eml = (out / "briefing.client@example.com.eml").read_text(encoding="utf-8")
    assert "From: Briefings <briefings@example.com>" in eml  # from the project's defaults


def test_a_new_config_in_a_new_project_needs_only_its_sources(project):
    """The project's defaults give every config a sender and a server; recipients are each config's
    own, so a config without any builds and validates, and only sending it says what to add."""
    config = project / "configs" / "second.yaml"
    config.write_text("sources: [../articles]\nwindow: {as_of: 2025-02-14}\n", encoding="utf-8")
    assert run_cli("validate", str(config)).stdout.strip() == "ok"
    assert run_cli("build", str(config), "--format", "md").returncode == 0
    sent = run_cli("send", str(config), "--dry-run")
    assert (sent.returncode, sent.stderr.strip()) == (
        1,
        f"briefgen: error: {config} has no recipients: add delivery.email.to (or cc, bcc) to send it",
    )


def test_every_key_the_generated_config_shows_can_be_uncommented(project):
    """A commented-out key is its default written as YAML reads it back: uncommenting any one of them
    (``# accent: "#1f4e79"``, whose ``#`` would otherwise start a comment) still loads, as the default."""
    config = project / "configs" / "weekly.yaml"
    key = re.compile(r"^( *)(# )?([a-z_]+):( .+)?$")
    names = {name for model in _models(Config) for name in model.model_fields} | {"from"}
    lines = config.read_text(encoding="utf-8").splitlines()
    tried = 0
    for i, line in enumerate(lines):
        m = key.match(line)
        if not m or not m[2] or not m[4] or m[3] not in names:
            continue
        parents = [key.match(p) for p in lines[:i]]
        parent = next((p for p in reversed(parents) if p and len(p[1]) < len(m[1])), None)
        if parent is not None and parent[2]:
            continue  # inside a block that is itself commented out
        variant = [*lines[:i], f"{m[1]}{m[3]}:{m[4]}", *lines[i + 1 :]]
        config.write_text("\n".join(variant) + "\n", encoding="utf-8")
        load_config(config)  # raises with the key and line if the default does not read back
        tried += 1
    assert tried >= 10
    accent = next(line for line in lines if "# accent:" in line)
    assert accent.endswith('"#1f4e79"'), accent


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in found:
                found += _models(arg)
    return found


def test_init_refuses_a_directory_that_is_not_empty(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine", encoding="utf-8")
    proc = run_cli("init", str(tmp_path / "full"))
    assert proc.returncode == 1 and "is not an empty directory" in proc.stderr
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]


def test_two_sends_from_two_directories_deliver_once(project, tmp_path):
    config = project / "configs" / "weekly.yaml"
    with smtp_server() as (port, server):
        (project / "briefgen.yaml").write_text(
            (project / "briefgen.yaml").read_text(encoding="utf-8").replace("port: 8025", f"port: {port}"),
            encoding="utf-8",
        )
        first = run_cli("send", str(config), cwd=project)
        home = tmp_path / "home"
        home.mkdir()
        second = run_cli("send", str(config), cwd=home)
        assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
        assert len(server.received) == 1
        assert "already sent" in second.stdout
    assert (project / "output" / "deliveries.sqlite").is_file()
    listing = run_cli("deliveries", cwd=project / "configs")  # the project's log, found from inside it
    assert "1 message(s)" in listing.stdout


def test_defaults_are_inherited_and_a_configs_own_keys_win(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "briefgen.yaml").write_text(
        "defaults:\n"
        "  title: Project Title\n"
        "  sources: [articles]\n"
        "  branding: {client_name: Shared Client, accent: '#112233'}\n"
        "  templates: assets\n",
        encoding="utf-8",
    )
    configs = tmp_path / "configs" / "team"
    configs.mkdir(parents=True)
    (configs / "a.yaml").write_text("branding: {accent: '#abcdef'}\n", encoding="utf-8")
    loaded = load_config(configs / "a.yaml")
    config = loaded.config
    assert config.title == "Project Title" and config.branding.client_name == "Shared Client"
    assert config.branding.accent == "#abcdef"
    # Paths in the project file are the project's; they resolve the same from the config.
    assert loaded.resolve(config.sources[0]).resolve() == (tmp_path / "articles").resolve()
    assert loaded.resolve(config.templates or "").resolve() == (tmp_path / "assets").resolve()
    assert loaded.project_dir == tmp_path


def test_a_bad_default_is_reported_in_the_project_file(tmp_path):
    (tmp_path / "briefgen.yaml").write_text("defaults:\n  window:\n    days: -3\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("sources: [x]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.yaml")
    assert caught.value.problems[0].startswith(f"{tmp_path / 'briefgen.yaml'} defaults: window.days (line 3)")
    (tmp_path / "briefgen.yaml").write_text("default: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="default \\(line 1\\): unknown key"):
        load_config(tmp_path / "c.yaml")


def test_a_config_outside_any_project_says_so(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"sources: [{ROOT / 'samples' / 'articles'}]\nclient: harbor\n", encoding="utf-8")
    proc = run_cli("build", str(config), "--as-of", "2025-02-14", "--format", "md")
    assert proc.returncode == 1
    assert "no briefgen.yaml was found at or above the config" in proc.stderr, proc.stderr
    # Sending from it says where the delivery log is.
    config.write_text(
        f"sources: [{ROOT / 'samples' / 'articles'}]\n"
        "delivery: {email: {to: [a@example.com], from: b@example.com, smtp: {host: 127.0.0.1, port: 9, security: none, timeout: 1}, retry: {attempts: 1}}}\n",
        encoding="utf-8",
    )
    proc = run_cli("send", str(config), "--as-of", "2025-02-14")
    expected = f"c.yaml: no briefgen.yaml at or above it: recording what is sent in {tmp_path / 'output' / 'deliveries.sqlite'}"
    assert expected in proc.stderr, proc.stderr


def test_without_a_project_file_the_configs_directory_is_the_root(tmp_path):
    (tmp_path / "c.yaml").write_text("sources: [x]\n", encoding="utf-8")
    loaded = load_config(tmp_path / "c.yaml")
    assert loaded.root is None and loaded.project_dir == tmp_path
