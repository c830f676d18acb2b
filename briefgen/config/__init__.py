"""Configs: what a briefing is about, for whom, from what, how it looks and where it goes.

Owns the config's schema, declared once as pydantic models with a default and a docstring per
field (:mod:`~briefgen.config.defaults`, which the reference in the docs is generated from), and
reading it from YAML: a project's ``briefgen.yaml`` defaults, every problem at once with its key
path and line (:mod:`~briefgen.config.load`), through a YAML loader without surprises
(:mod:`~briefgen.safe_yaml`); and its recipients, the YAML's and those of its recipients CSV
(:mod:`~briefgen.config.recipients`).

Imports only the ground floor (:mod:`briefgen.errors`, :mod:`briefgen.safe_yaml`): reading a config never loads spaCy, numpy, Jinja or WeasyPrint.
The names below are the config's public API.
"""

from briefgen.config.defaults import (
    FORMATS,
    SUMMARIZER_NAMES,
    Audience,
    AudienceOverride,
    BatchSettings,
    Branding,
    Config,
    Delivery,
    EmailDelivery,
    Fetch,
    Limits,
    NotifyTarget,
    Output,
    ProjectFile,
    Retry,
    Site,
    Smtp,
    Topic,
    Unsubscribe,
    Window,
)
from briefgen.config.load import LoadedConfig, find_project_root, json_schema, load_config

__all__ = [
    "FORMATS",
    "SUMMARIZER_NAMES",
    "Audience",
    "AudienceOverride",
    "BatchSettings",
    "Branding",
    "Config",
    "Delivery",
    "EmailDelivery",
    "Fetch",
    "Limits",
    "LoadedConfig",
    "NotifyTarget",
    "Output",
    "ProjectFile",
    "Retry",
    "Site",
    "Smtp",
    "Topic",
    "Unsubscribe",
    "Window",
    "find_project_root",
    "json_schema",
    "load_config",
]
