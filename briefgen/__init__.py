"""briefgen: turn a pile of news articles into a short briefing in which every sentence is
quoted from a source and cites it.

The public API (see docs/how-to/python.md)::

    import briefgen

    config = briefgen.load_config("configs/example.yaml")
    result = briefgen.build(config, as_of=datetime.date(2025, 2, 14), out_dir="out/")
    result.briefing  # sections, items, sources
    result.outputs  # the paths written
    briefgen.check("configs/example.yaml")  # every problem of a config, found without reading an article

Names are imported on first use, so ``import briefgen`` stays cheap and never loads spaCy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from briefgen._version import __version__

if TYPE_CHECKING:
    from briefgen.commands.check import Problem, check
    from briefgen.config import Audience, Branding, Config, Limits, LoadedConfig, Output, Topic, Window, load_config
    from briefgen.errors import (
        ArticleError,
        BriefgenError,
        ConfigError,
        DeliveryError,
        NoArticlesError,
        OutputError,
        RenderError,
    )
    from briefgen.models import Briefing, Item, Section, Source
    from briefgen.pipeline import BuildResult, build
    from briefgen.select.intake import Decision

__all__ = [
    "ArticleError",
    "Audience",
    "Branding",
    "BriefgenError",
    "Briefing",
    "BuildResult",
    "Config",
    "ConfigError",
    "Decision",
    "DeliveryError",
    "Item",
    "Limits",
    "LoadedConfig",
    "NoArticlesError",
    "Output",
    "OutputError",
    "Problem",
    "RenderError",
    "Section",
    "Source",
    "Topic",
    "Window",
    "__version__",
    "build",
    "check",
    "load_config",
]

#: Where each public name lives.
_HOMES = {
    "Audience": "config",
    "Branding": "config",
    "Config": "config",
    "Limits": "config",
    "Output": "config",
    "Topic": "config",
    "Window": "config",
    "LoadedConfig": "config",
    "load_config": "config",
    "ArticleError": "errors",
    "BriefgenError": "errors",
    "ConfigError": "errors",
    "DeliveryError": "errors",
    "NoArticlesError": "errors",
    "OutputError": "errors",
    "RenderError": "errors",
    "Briefing": "models",
    "Item": "models",
    "Section": "models",
    "Source": "models",
    "BuildResult": "pipeline",
    "Decision": "select.intake",
    "build": "pipeline",
    "check": "commands.check",
    "Problem": "commands.check",
}


if not TYPE_CHECKING:  # type checkers see the imports above, and so catch a misspelt name

    def __getattr__(name: str) -> object:
        """Import a public name from its module on first use (PEP 562)."""
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'briefgen' has no attribute {name!r}")
        value = getattr(import_module(f".{home}", __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
