"""The reference in the docs is generated from the code, and leaves nothing out."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from pydantic import BaseModel

from briefgen.cli import cli
from briefgen.config import Config, ProjectFile

from .conftest import ROOT

HOOK = ROOT / "docs" / "hooks" / "reference.py"


def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("briefgen_docs_reference", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key of a config model, at every level, as ``delivery.email.smtp.host``."""
    found = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        found.append(path)
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                found += keys(arg, f"{path}.")
    return found


def test_every_config_key_is_in_the_reference_with_its_docstring():
    reference = hook()
    listed = set(reference.config_keys())
    text = reference.config_reference()
    assert set(keys(Config)) <= listed, set(keys(Config)) - listed
    for key in keys(ProjectFile):  # briefgen.yaml's own keys
        assert f"`{key}`" in text, key
    plain = " ".join(text.replace("`", "").split())
    for name, field in Config.model_fields.items():
        assert field.description, name
        first = " ".join(field.description.replace("`", "").split()[:6])
        assert first in plain, (name, first)


def test_every_command_is_in_the_reference_with_its_help():
    reference = hook()
    assert set(reference.command_names()) == set(cli.commands)
    text = reference.command_reference()
    for name in cli.commands:
        assert f"briefgen {name}" in text, name


def test_everything_a_template_sees_is_described():
    reference = hook()
    assert reference.undocumented() == []
    assert "briefing.sections" in reference.template_reference() or "sections" in reference.template_reference()
