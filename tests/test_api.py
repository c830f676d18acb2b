"""The public Python API: what ``import briefgen`` offers, built from YAML and from code."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import briefgen

from .conftest import AS_OF, EXAMPLE, ROOT

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = ROOT / "samples" / "articles"


def test_every_public_name_resolves_and_is_documented():
    from importlib import metadata

    assert briefgen.__version__ == metadata.version("briefgen")  # pyproject reads the one version
    for name in briefgen.__all__:
        value = getattr(briefgen, name)
        assert value is not None
        if isinstance(value, type) or callable(value):
            doc = value.__doc__ or ""
            # A dataclass without a docstring gets its signature as one.
            assert doc.strip() and not doc.startswith(f"{name}("), f"briefgen.{name} has no docstring"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        briefgen.nope  # type: ignore[attr-defined]  # noqa: B018 - the failing attribute access is the test
    assert (ROOT / "briefgen" / "py.typed").is_file()


def test_errors_are_one_family():
    for name in ("ConfigError", "ArticleError", "NoArticlesError", "RenderError", "DeliveryError"):
        assert issubclass(getattr(briefgen, name), briefgen.BriefgenError)


def test_importing_briefgen_loads_nothing_heavy():
    code = (
        "import sys, briefgen; briefgen.__version__;"
        "print(sorted(m for m in ('spacy', 'numpy', 'weasyprint', 'trafilatura', 'pydantic') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout.strip()) == (0, "[]"), proc.stderr


def test_build_from_a_config_file_matches_the_command_line(tmp_path):
    config = briefgen.load_config(EXAMPLE)
    result = briefgen.build(config, as_of=AS_OF, out_dir=tmp_path)
    assert isinstance(result, briefgen.BuildResult)
    assert isinstance(result.briefing, briefgen.Briefing)
    assert result.outputs["md"] == tmp_path / "briefing.md"
    assert result.outputs["md"].read_text(encoding="utf-8") == (GOLDEN / "example.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in result.outputs.values()) == sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    first = result.briefing.sections[0]
    assert isinstance(first, briefgen.Section) and isinstance(first.items[0], briefgen.Item)
    assert all(isinstance(s, briefgen.Source) for s in result.briefing.sources)
    assert {d.status for d in result.decisions} >= {"kept", "duplicate"}


def test_build_from_a_config_made_in_code(tmp_path, monkeypatch):
    """No YAML anywhere: relative paths resolve against base_dir, and builds go to
    output/<name>/<as-of>/ there, whatever the working directory."""
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "project"
    shutil.copytree(SAMPLES, project / "articles")
    config = briefgen.Config(
        title="Alliance Watch",
        topic=briefgen.Topic(keywords=["alliance", "summit", "defense"], entities=["Japan", "South Korea"]),
        sources=["articles"],
        output=briefgen.Output(formats=["md", "html"]),
    )
    result = briefgen.build(config, as_of=dt.date(2025, 2, 14), base_dir=project)
    out = project / "output" / "briefing" / "2025-02-14"
    assert result.outputs["md"] == out / "briefing.md"
    assert sorted(p.name for p in out.iterdir()) == [
        "briefing.html",
        "briefing.json",
        "briefing.md",
        "ingest.json",
        "manifest.json",
        "sources",
    ]
    markdown = result.outputs["md"].read_text(encoding="utf-8")
    assert markdown.startswith("# Alliance Watch")
    for section in result.briefing.sections:
        for item in section.items:
            assert item.text in markdown
    assert result.briefing.articles_used >= 3


def test_a_config_made_in_code_is_validated():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown summarizer 'gpt'"):
        briefgen.Config(sources=["x"], summarizer="gpt")
    with pytest.raises(briefgen.ConfigError, match="plain file name"):
        briefgen.LoadedConfig.in_code(briefgen.Config(sources=["x"]), name="../escape")


def test_build_checks_its_arguments(tmp_path):
    config = briefgen.load_config(EXAMPLE)
    with pytest.raises(briefgen.ConfigError, match="unknown format 'pfd'"):
        briefgen.build(config, as_of=AS_OF, out_dir=tmp_path, formats=["pfd"])
    with pytest.raises(briefgen.ConfigError, match="empty"):
        briefgen.build(config, as_of=AS_OF, out_dir=tmp_path, formats=[])
    with pytest.raises(briefgen.ConfigError, match="base_dir is for a Config made in code"):
        briefgen.build(config, as_of=AS_OF, out_dir=tmp_path, base_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_build_raises_documented_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(briefgen.NoArticlesError):
        briefgen.build(briefgen.Config(sources=["empty"]), as_of=AS_OF, base_dir=tmp_path, out_dir=tmp_path / "out")
    with pytest.raises(briefgen.ConfigError, match="config file not found"):
        briefgen.load_config(tmp_path / "missing.yaml")
    no_logo = briefgen.Config(sources=["empty"], branding=briefgen.Branding(logo="missing.svg"))
    with pytest.raises(briefgen.RenderError, match=r"missing\.svg"):
        briefgen.build(no_logo, as_of=AS_OF, base_dir=tmp_path, out_dir=tmp_path / "out")
    (tmp_path / "out-file").write_text("a file, not a directory", encoding="utf-8")
    with pytest.raises(briefgen.OutputError, match="cannot write to"):
        briefgen.build(briefgen.load_config(EXAMPLE), as_of=AS_OF, out_dir=tmp_path / "out-file", formats=["md"])
