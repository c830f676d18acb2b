"""``briefgen validate`` and ``briefgen schema``: every problem a config can have that shows
without reading an article, one line each, and a schema editors can check configs with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import briefgen

from .conftest import EXAMPLE, ROOT, run_cli

ARTICLES = ROOT / "samples" / "articles"


def validate(tmp_path: Path, text: str) -> list[str]:
    """The problems ``validate`` reports for a config of ``text`` in ``tmp_path``; [] when it prints ok."""
    config = tmp_path / "c.yaml"
    config.write_text(f"sources: [{ARTICLES}]\n" + text, encoding="utf-8")
    proc = run_cli("validate", str(config))
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert proc.stdout.strip() == "ok"
        return []
    assert proc.returncode == 1 and not proc.stdout
    lines = proc.stderr.splitlines()
    assert all(line.startswith(f"{config}: ") for line in lines), lines
    return [line.removeprefix(f"{config}: ") for line in lines]


@pytest.mark.parametrize("config", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_the_example_configs_are_ok(config):
    proc = run_cli("validate", str(config))
    assert (proc.returncode, proc.stdout.strip()) == (0, "ok"), proc.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("topic:\n  entitites: [Japan]\n", "topic.entitites (line 3): unknown key; did you mean 'entities'?"),
        ("sumarizer: lead\n", "sumarizer (line 2): unknown key; did you mean 'summarizer'?"),
        ("output: {fromats: [md]}\n", "output.fromats (line 2): unknown key; did you mean 'formats'?"),
        ("delivery: {email: {to: [a@b.example], form: c@d.example}}\n", "unknown key; did you mean 'from'?"),
        ("colour: red\n", "colour (line 2): unknown key"),
    ],
)
def test_an_unknown_key_suggests_the_closest_valid_one(tmp_path, text, expected):
    problems = validate(tmp_path, text)
    assert any(p.endswith(expected) for p in problems), problems
    if expected.endswith("unknown key"):  # nothing close: no guess
        assert not any("did you mean" in p for p in problems), problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14/02/2025", "window.as_of (line 2): expected a date as YYYY-MM-DD, such as 2025-02-14, not '14/02/2025'"),
        ("2025-2-3", "expected a date as YYYY-MM-DD, such as 2025-02-14"),
        ("2025-02-30", "window.as_of (line 2): 2025-02-30 is not a date: day is out of range for month"),
        ("'2025-13-01'", "2025-13-01 is not a date: month must be in 1..12"),
    ],
)
def test_a_bad_date_says_what_a_date_looks_like_or_what_is_wrong_with_it(tmp_path, value, expected):
    problems = validate(tmp_path, f"window: {{as_of: {value}}}\n")
    assert any(expected in p for p in problems), problems


def test_an_as_of_option_that_is_no_day_names_the_problem():
    proc = run_cli("build", str(EXAMPLE), "--as-of", "1998-11-31")
    assert proc.returncode == 2
    assert "1998-11-31 is not a date: day is out of range for month" in proc.stderr
    proc = run_cli("build", str(EXAMPLE), "--as-of", "31.11.1998")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_template_directories_that_do_not_exist(tmp_path):
    problems = validate(tmp_path, "templates: mine\nclient: nobody\n")
    assert any(p.startswith("templates (line 2): templates directory not found:") for p in problems), problems
    assert any(p.startswith("client (line 3): client 'nobody' has no template directory") for p in problems), problems


def test_a_template_syntax_error_names_the_file_and_line(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "briefing.md.j2").write_text("# {{ briefing.title }}\n\n{% if %}\n", encoding="utf-8")
    problems = validate(tmp_path, "templates: mine\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"templates (line 2): template {tmp_path / 'mine' / 'briefing.md.j2'}, line 3: ")


def test_a_block_the_parent_lacks_is_reported_with_the_closest_name(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "briefing.html.j2").write_text(
        '{% extends "default:briefing.html.j2" %}\n'
        "{% block style %}{{ super() }}{% block extra %}{% endblock %}{% endblock %}\n"
        "{% block foter %}<p>x</p>{% endblock %}\n"
        "{% block zzzzzz %}{% endblock %}\n",
        encoding="utf-8",
    )
    problems = validate(tmp_path, "templates: mine\n")
    path = tmp_path / "mine" / "briefing.html.j2"
    assert problems == [
        f"templates (line 2): {{% block foter %}} ({path}, line 3) is not a block of default:briefing.html.j2; "
        "did you mean {% block footer %}?",
        f"templates (line 2): {{% block zzzzzz %}} ({path}, line 4) is not a block of default:briefing.html.j2; "
        "its blocks: chart, disclaimer, evidence, footer, header, meta, notes, sections, sources, style",
    ]
    # A build says the same, once each, and goes on with the default's block.
    proc = run_cli("build", str(tmp_path / "c.yaml"), "--as-of", "2025-02-14", "--format", "html", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if "is not a block of" in line]
    assert [w.split("{% block ")[1].split(" ")[0] for w in warned] == ["foter", "zzzzzz"], proc.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "No such file or directory"),
        (b"GIF89a not a logo", "not a PNG, JPEG or SVG image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo "),
    ],
)
def test_a_logo_that_cannot_be_used(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "logo.png").write_bytes(content)
    problems = validate(tmp_path, "branding: {logo: logo.png}\n")
    assert len(problems) == 1 and problems[0].startswith("branding.logo (line 2): logo "), problems
    assert expected in problems[0]


def test_every_problem_at_once(tmp_path):
    problems = validate(tmp_path, "templates: mine\nbranding: {logo: none.svg}\nsources: [nowhere]\n")
    assert [p.split(" ", 1)[0] for p in problems] == ["sources.0", "templates", "branding.logo"], problems


def test_every_problem_at_once_when_the_schema_has_some_too(tmp_path):
    """The schema's problems do not hide the rest: what is left of the config is checked as well."""
    problems = validate(
        tmp_path,
        "templates: mine\ntopic: {keywordz: [a]}\nwindow: {days: many}\nbranding: {logo: none.svg}\nsources: [nowhere]\n",
    )
    assert [p.split(" ", 1)[0] for p in problems] == [
        "topic.keywordz",
        "window.days",
        "sources.0",
        "templates",
        "branding.logo",
    ], problems


def test_the_checks_are_a_function_of_the_api_returning_structured_problems(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("templates: mine\nbranding: {logo: none.svg}\nsources: [nowhere]\n", encoding="utf-8")
    problems = briefgen.check(config)
    assert [(p.key, p.line) for p in problems] == [("sources.0", 3), ("templates", 1), ("branding.logo", 2)]
    assert all(p.file == str(config) and p.message for p in problems)
    # The same lines validate prints.
    assert [str(p) for p in problems] == run_cli("validate", str(config)).stderr.splitlines()
    # A config that does not load: its schema problems, with their lines, as problems of the file.
    config.write_text("topic: {keywordz: [a]}\nwindow: {days: many}\n", encoding="utf-8")
    problems = briefgen.check(config)
    assert all(p.key is None for p in problems), problems
    shown = " / ".join(p.message for p in problems)
    assert "topic.keywordz (line 1)" in shown and "window.days (line 2)" in shown, shown
    assert briefgen.check(EXAMPLE) == []


# ----------------------------------------------------------------------------- schema


def schema() -> dict[str, Any]:
    proc = run_cli("schema")
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def as_json(path: Path) -> dict[str, Any]:
    """A YAML config as an editor's schema check sees it: dates are text."""
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    assert isinstance(data, dict)
    return data


def test_schema_is_the_config_model_described():
    from briefgen.config.load import json_schema

    data = schema()
    assert data == json_schema()
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert data["title"] == "briefgen config"
    assert data["additionalProperties"] is False


def test_every_property_at_every_level_is_described():
    data = schema()
    models = {"(top level)": data, **data["$defs"]}
    missing = [
        f"{model}.{name}"
        for model, body in models.items()
        for name, prop in body.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert missing == []
    assert {"Topic", "Window", "EmailDelivery", "Smtp", "Limits"} <= set(data["$defs"])
    assert "from" in data["$defs"]["EmailDelivery"]["properties"]  # keys as written in YAML


@pytest.mark.parametrize("config", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_schema_accepts_the_example_configs(config):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(as_json(config), schema())


@pytest.mark.parametrize(
    "change",
    [
        {"topic": {"entitites": ["Japan"]}},
        {"colour": "red"},
        {"audience": "board"},
        {"summarizer": "mmr"},
        {"output": {"formats": ["docx"]}},
    ],
)
def test_schema_rejects_what_briefgen_rejects(change):
    jsonschema = pytest.importorskip("jsonschema")
    config = {**as_json(EXAMPLE), **change}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, schema())
