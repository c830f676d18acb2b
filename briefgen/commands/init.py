"""``briefgen init``: a new project that builds a briefing straight away.

A project is a directory with ``briefgen.yaml`` at its root (see :func:`briefgen.config.find_project_root`):
``configs/`` (one config per client or briefing), ``articles/``, ``templates/clients/<client>/``
and ``output/``. Everything a weekly run reads and writes is anchored to that root, so a
build from cron (which runs in ``$HOME``) finds the same outputs and the same delivery log.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from briefgen import safe_yaml
from briefgen.config.defaults import Config
from briefgen.config.load import PROJECT_FILE, json_schema
from briefgen.errors import ConfigError, OutputError

#: The example week the sample articles cover: a new project builds it as it stands.
SAMPLE_AS_OF = "2025-02-14"
SCHEMA_FILE = "briefgen.schema.json"

#: What the config ``init`` writes sets, beyond the defaults; every other key is written with its default.
STARTER: dict[str, Any] = {
    "title": "Weekly Indo-Pacific Brief",
    "topic": {
        "keywords": ["alliance", "summit", "defense", "secretariat", "missile"],
        "entities": ["Japan", "South Korea", "United States"],
        "exclude": ["baseball"],
    },
    "sources": ["../articles"],
    "window": {"days": 7, "as_of": SAMPLE_AS_OF},
    "delivery": {
        "email": {
            "to": ["client@example.com"],
            "subject": "{title} \u2014 week of {as_of:%d %B %Y}",
        }
    },
}


def samples_dir() -> Path:
    """The sample articles: ``samples/articles`` in a checkout, ``briefgen/_samples`` when installed."""
    here = Path(__file__).resolve().parent.parent  # the package directory
    for candidate in (here / "_samples" / "articles", here.parent / "samples" / "articles"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("the sample articles are missing from this installation")


def _yaml_value(value: Any) -> str:  # noqa: ANN401 - any config value
    """A value as YAML flow text on one line, quoted unless YAML reads the plain text back as the
    same value, both as written and once a user uncomments the line (``#1f4e79`` would start a
    comment, ``no`` would be false, ``2025-02-14`` a date, ``1e3`` a number)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        plain = value
        if plain and "\n" not in plain and _reads_back(plain, value):
            return plain
        return json.dumps(value, ensure_ascii=False)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if _reads_back(text, value) else json.dumps(str(value), ensure_ascii=False)


def _reads_back(text: str, value: Any) -> bool:  # noqa: ANN401 - any config value
    """Whether ``key: text`` is read, as briefgen reads a config, as exactly ``value``."""
    try:
        data, _ = safe_yaml.load(f"key: {text}\n")
    except (yaml.YAMLError, safe_yaml.YAMLTooLarge):
        return False
    return bool(data == {"key": value})


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in textwrap.wrap(" ".join(text.split()), 92)]


def commented_config(
    model: type[BaseModel],
    values: dict[str, Any],
    indent: str = "",
    live: bool = True,
    inherited: dict[str, Any] | None = None,
) -> list[str]:
    """Every field of ``model`` with its description as a comment: the ones ``values`` sets as
    YAML, every other one commented out with the value that applies to it: the project's default
    (``inherited``, from ``briefgen.yaml``) where it sets one, else the model's. So uncommenting a
    line changes nothing until its value is edited."""
    inherited = inherited or {}
    lines: list[str] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        lines.extend(_comment(field.description or "", indent))
        annotation = field.annotation
        nested = next(
            (
                t
                for t in (annotation, *getattr(annotation, "__args__", ()))
                if isinstance(t, type) and issubclass(t, BaseModel)
            ),
            None,
        )
        given = values.get(key, values.get(name)) if live else None
        on = "" if live and given is not None else "# "
        if nested is not None and nested is not Config:
            lines.append(f"{indent}{on}{key}:")
            below = inherited.get(key)
            lines.extend(
                commented_config(
                    nested,
                    given if isinstance(given, dict) else {},
                    indent + "  ",
                    not on,
                    below if isinstance(below, dict) else {},
                )
            )
            continue
        value = given if not on else inherited.get(key, field.get_default(call_default_factory=True))
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json", by_alias=True)
        lines.append(f"{indent}{on}{key}: {_yaml_value(value)}")
    return lines


def init(directory: Path, client: str = "client", name: str = "weekly") -> list[Path]:
    """Write a new project into ``directory`` (new, or empty); return the files written."""

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", client):
        raise ConfigError(f"--client must be a plain name (letters, digits, . _ -), not {client!r}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ConfigError(f"--name must be a plain file name (letters, digits, . _ -), not {name!r}")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(f"{directory} exists and is not an empty directory")
    shown_client = client.replace("-", " ").replace("_", " ").title()
    files: dict[Path, str] = {}
    files[directory / PROJECT_FILE] = PROJECT_TEMPLATE.format(client=shown_client)
    values = {**STARTER, "client": client}
    project_defaults = safe_yaml.load(files[directory / PROJECT_FILE])[0]["defaults"]
    config_lines = commented_config(Config, values, inherited=project_defaults)
    files[directory / "configs" / f"{name}.yaml"] = (
        f"# yaml-language-server: $schema=../{SCHEMA_FILE}\n"
        f"# The {name} briefing for {shown_client}. Build it from any directory with:\n"
        f"#   briefgen build {directory.name}/configs/{name}.yaml\n"
        "# Every key is shown with its default; keys set in ../briefgen.yaml (defaults:) apply\n"
        "# unless set here. window.as_of fixes the week the sample articles cover: remove it to\n"
        "# build for today.\n\n" + "\n".join(config_lines) + "\n"
    )
    files[directory / "templates" / "clients" / client / "briefing.html.j2"] = CLIENT_TEMPLATE.format(
        client=shown_client
    )
    files[directory / SCHEMA_FILE] = json.dumps(json_schema(), indent=2) + "\n"
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        shutil.copytree(samples_dir(), directory / "articles")
        (directory / "output").mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write the project to {directory}: {exc.strerror or exc}") from None
    return [*files, directory / "articles"]


PROJECT_TEMPLATE = """\
# The root of a briefgen project. Every config under it writes its briefings to output/
# here and records what was sent in output/deliveries.sqlite, from whatever directory
# briefgen runs (cron runs in $HOME); client templates are looked up in templates/clients/.
#
# defaults: keys every config of the project inherits, written as a config writes them.
# A config's own keys win; mappings merge key by key; lists are replaced. Paths here are
# relative to this directory.
defaults:
  branding:
    client_name: {client}
  delivery:
    email:
      from: "Briefings <briefings@example.com>"
      # A local test server that prints what it receives:
      #   python -m aiosmtpd -n -l 127.0.0.1:8025
      smtp: {{host: 127.0.0.1, port: 8025, security: none}}
"""

CLIENT_TEMPLATE = """\
{{#- {client}'s templates: each file here replaces the default of the same name.
    This one extends the default page and replaces one block, the footer. The blocks of
    default:briefing.html.j2 are: meta, style, header, sections, chart, sources, disclaimer,
    footer. `briefgen templates CONFIG` shows which file each template comes from. -#}}
{{% extends "default:briefing.html.j2" %}}
{{% block footer %}}
<footer class="colophon">
  <p>Prepared for {{{{ look.client_name or "{client}" }}}}. {{{{ look.footer or "Every sentence is quoted from the source it cites." }}}}</p>
</footer>
{{% endblock %}}
"""
