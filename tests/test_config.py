from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.config.defaults import AUDIENCES
from briefgen.config.load import load_config
from briefgen.errors import ConfigError

from .conftest import EXAMPLE


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brief.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_defaults():
    loaded = load_config(EXAMPLE)
    cfg = loaded.config
    assert cfg.title == "Weekly Indo-Pacific Brief"
    assert cfg.topic.exclude == ["baseball"]
    assert cfg.resolved_audience() == AUDIENCES["executive"]
    assert cfg.window.days == 7
    assert loaded.resolve(cfg.sources[0]).is_dir()


def test_every_problem_is_reported_with_path_and_line(tmp_path):
    path = write(
        tmp_path,
        "title: X\n"
        "topic:\n"
        "  keywords: [a]\n"
        "  colour: red\n"
        "audience:\n"
        "  base: analyst\n"
        "  max_points: 0\n"
        "sources: []\n"
        "window: {days: seven}\n"
        "output: {formats: [md, docx]}\n",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    problems = err.value.problems
    assert "topic.colour (line 4): unknown key" in problems
    assert any(p.startswith("audience.max_points (line 7):") for p in problems)
    assert any(p.startswith("sources (line 8):") for p in problems)
    assert any(p.startswith("window.days (line 9):") for p in problems)
    assert any(p.startswith("output.formats.1 (line 10):") for p in problems)
    assert len(problems) == 5


def test_unknown_audience_lists_the_valid_ones(tmp_path):
    path = write(tmp_path, "sources: [x]\naudience: board\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.problems == ["audience.base (line 2): unknown audience 'board'; choose one of: executive, analyst"]


def test_audience_mapping_overrides_a_builtin(tmp_path):
    path = write(tmp_path, "sources: [x]\naudience: {base: analyst, max_points: 7}\n")
    audience = load_config(path).config.resolved_audience()
    assert audience.max_points == 7
    assert audience.name == "analyst"
    assert audience.sections == AUDIENCES["analyst"].sections


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("title: [unclosed\n", "not valid YAML"), ("- a\n- b\n", "must be a mapping")],
)
def test_bad_yaml_is_one_clear_error(tmp_path, text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def _models_reachable_from(model: type, seen: set[type]) -> set[type]:
    """``model`` and every pydantic model its fields can hold, however nested (lists, unions)."""
    import typing

    from pydantic import BaseModel

    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():  # type: ignore[attr-defined]  # model is a pydantic model
        todo = [field.annotation]
        while todo:
            tp = todo.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                _models_reachable_from(tp, seen)
            todo.extend(typing.get_args(tp))
    return seen


def test_every_field_of_every_config_model_is_documented():
    from pydantic import BaseModel

    from briefgen.config import defaults
    from briefgen.config.defaults import (
        Audience,
        Branding,
        Config,
        EmailDelivery,
        Fetch,
        ProjectFile,
        Retry,
        Smtp,
        UrlSource,
        _Model,
    )
    from briefgen.config.load import LoadedConfig

    declared = {
        obj
        for obj in vars(defaults).values()
        if isinstance(obj, type) and issubclass(obj, _Model) and obj is not _Model
    }
    reachable = _models_reachable_from(Config, set()) | _models_reachable_from(LoadedConfig, set())
    project = _models_reachable_from(ProjectFile, set())
    # A source written as a mapping is validated by the ``sources`` field's own validator.
    assert declared - {LoadedConfig} <= reachable | project | {Audience, UrlSource}, "a config model no config can use"
    assert {Smtp, Retry, EmailDelivery, Branding, Fetch} <= reachable
    for model in sorted(declared | (reachable - {LoadedConfig}), key=lambda m: m.__name__):
        assert issubclass(model, BaseModel)
        assert model.__doc__, f"{model.__name__} has no docstring"
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no docstring"


def test_window_undated_is_keep_flag_or_drop(tmp_path):
    assert load_config(EXAMPLE).config.window.undated == "flag"
    assert load_config(write(tmp_path, "sources: [a]\nwindow: {undated: drop}\n")).config.window.undated == "drop"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "sources: [a]\nwindow: {undated: hide}\n"))
    (problem,) = err.value.problems
    assert problem.startswith("window.undated (line 2):") and "'keep', 'flag' or 'drop'" in problem


def test_the_schema_describes_window_undated():
    from briefgen.config.load import json_schema

    field = json_schema()["$defs"]["Window"]["properties"]["undated"]
    assert field["enum"] == ["keep", "flag", "drop"] and field["default"] == "flag"
    assert "more than half" in field["description"]
