"""Where briefgen keeps things on disk when a config or the command line does not say."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """briefgen's cache directory: ``$XDG_CACHE_HOME/briefgen``, by default ``~/.cache/briefgen``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "briefgen"


def http_cache_dir() -> Path:
    """Fetched pages and feeds: ``<cache home>/http``."""
    return cache_home() / "http"


def analysis_cache_dir() -> Path:
    """Cleaned and analysed articles: ``<cache home>/analysis``."""
    return cache_home() / "analysis"
