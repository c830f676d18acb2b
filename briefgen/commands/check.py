"""Check a config without reading an article: everything ``briefgen validate`` reports.

A weekly run should fail on Monday morning for what an article says, never for a typo in its
config. :func:`check` finds what can be found beforehand, all at once: the config's schema and its
project's defaults (with key paths and lines, from :func:`~briefgen.config.load_config`), source
patterns that match no file, a spaCy model that is not installed, template directories, template
syntax, blocks a client template overrides that its parent lacks (Jinja ignores those silently),
the logo, every row of the recipients CSV (each bad one with its file and line) and the
notification targets Apprise would not know. The CLI, the Python API (``briefgen.check``) and
``serve`` use it alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import jinja2

from briefgen.analyse.nlp import model_identity
from briefgen.config.load import LoadedConfig, load_config
from briefgen.config.recipients import all_recipients
from briefgen.deliver.notify import load_apprise, plugin_for, redacted
from briefgen.errors import ConfigError, DeliveryError, RenderError
from briefgen.ingest.fetch import is_url, public_url
from briefgen.ingest.sources import expand_sources
from briefgen.render.look import logo_data_uri
from briefgen.render.templates import (
    TEMPLATE_NAMES,
    resolve_template,
    template_dirs,
    template_env,
    template_layer,
    template_outline,
    unknown_blocks,
)
from briefgen.textsafe import message, printable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config, where it is, and what is wrong."""

    file: str
    """The config file (or the project's ``briefgen.yaml``) as the user named it."""
    key: str | None
    """The key path (``topic.keywords``, ``sources.0``); None for the file as a whole."""
    line: int | None
    """The line of the key in the file, when known."""
    message: str

    def __str__(self) -> str:
        if self.key is None:
            return self.message if self.message.startswith(self.file) else f"{self.file}: {self.message}"
        where = f" (line {self.line})" if self.line else ""
        return f"{self.file}: {self.key}{where}: {self.message}"


def check(config: str | os.PathLike[str] | LoadedConfig, *, shown: str | None = None) -> list[Problem]:
    """Every problem with ``config`` (a path, or a config already loaded) that can be found without
    reading an article, all at once: when the schema finds problems, the rest of the config is
    checked too. An empty list when there is none. ``shown`` names the file in the problems."""
    if isinstance(config, LoadedConfig):
        loaded = config
    else:
        try:
            loaded = load_config(Path(config))
        except ConfigError as exc:  # the schema's and the defaults' problems, each with its path and line
            schema = [Problem(str(config), None, None, problem) for problem in exc.problems]
            if not isinstance(exc.salvaged, LoadedConfig):
                return schema
            return schema + check(exc.salvaged, shown=str(config))  # and what the rest of the config has
    shown = shown or str(config if not isinstance(config, LoadedConfig) else loaded.path)

    def at(key: str, what: str) -> Problem:
        return Problem(shown, key, loaded.lines.get(key), what)

    problems = [at(key, what) for key, what in source_problems(loaded)]
    model = loaded.config.spacy_model
    if model is not None and model_identity(model).endswith("-missing"):
        problems.append(at("spacy_model", f"{model!r} is not installed"))
    problems += [at(key, message(what)) for key, what in template_problems(loaded)]
    problems += [
        Problem(str(p.file), None, p.line, message(f"line {p.line}: {p.message}" if p.line else p.message))
        for p in all_recipients(loaded)[1]
    ]
    problems += [at(key, what) for key, what in notify_problems(loaded)]
    return problems


def notify_problems(loaded: LoadedConfig) -> list[tuple[str, str]]:
    """``(config key, problem)`` for notification targets that cannot be used: Apprise missing, or a
    URL it does not recognise (a URL from the environment is checked when sending). Never the URL."""
    written = [(i, t.url) for i, t in enumerate(loaded.config.delivery.notify) if t.url is not None]
    if not loaded.config.delivery.notify:
        return []
    try:
        load_apprise()
    except DeliveryError as exc:
        return [("delivery.notify", str(exc))]
    problems = []
    for i, url in written:
        if plugin_for(url) is None:
            problems.append((f"delivery.notify.{i}", f"Apprise does not recognise this URL ({redacted(url)})"))
    return problems


def source_problems(loaded: LoadedConfig) -> list[tuple[str, str]]:
    """``(config key, problem)`` for each source pattern that matches no file. URLs are left to the
    build, which has the fetch cache to fall back on."""
    problems = []
    for i, pattern in enumerate(loaded.config.sources):
        if is_url(pattern):
            continue
        _, missing = expand_sources([pattern], loaded.base_dir, follow_symlinks=loaded.config.follow_symlinks)
        if missing:
            problems.append((f"sources.{i}", f"{public_url(pattern)!r} matches no file"))
    return problems


def template_problems(loaded: LoadedConfig) -> list[tuple[str, str]]:
    """``(config key, problem)`` for what would stop a build in rendering, found without reading an
    article: template directories, template syntax, blocks a client template overrides that its
    parent lacks (silently ignored by Jinja), and the logo."""
    cfg = loaded.config
    problems: list[tuple[str, str]] = []
    dirs: list[tuple[str, Path]] = []
    for key, alone in (("templates", {"client": None}), ("client", {"templates": None})):
        if getattr(cfg, key) is not None:
            try:
                dirs += template_dirs(cfg.model_copy(update=alone), loaded.base_dir, loaded.project_dir)
            except RenderError as exc:
                problems.append((key, str(exc)))
    env = template_env([d for _, d in dirs])
    for name in TEMPLATE_NAMES:
        try:
            path = resolve_template(env, name).resolve()
        except RenderError as exc:
            problems.append(("templates", str(exc)))
            continue
        key = "client" if template_layer(path, dirs) == "client" else "templates"
        try:
            env.get_template(name)  # compiles it
            template_outline(env, name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append((key, f"template {printable(exc.filename or exc.name)}, line {exc.lineno}: {exc.message}"))
        except jinja2.TemplateNotFound as exc:
            problems.append((key, f"template {printable(path)} needs {printable(exc.name)}, which does not exist"))
    problems += unknown_blocks(env, dirs)
    if cfg.branding.logo:
        try:
            logo_data_uri(loaded.resolve(cfg.branding.logo))
        except RenderError as exc:
            problems.append(("branding.logo", str(exc)))
    return problems
