"""The few exceptions briefgen raises on purpose.

The CLI turns any :class:`BriefgenError` into one line on stderr and a non-zero exit;
anything else is a bug and shows a traceback.
"""

from __future__ import annotations


class BriefgenError(Exception):
    """A problem the user can fix: bad config, unreadable input, nothing to summarize."""

    exit_code = 1


class ConfigError(BriefgenError):
    """The config file is missing, is not YAML, or does not validate.

    ``problems`` holds every problem found, each already formatted with its key path and line.
    """

    def __init__(self, message: str, problems: list[str] | None = None, salvaged: object = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]
        self.salvaged = salvaged
        """The config less the keys in ``problems`` (a ``LoadedConfig``), when that validates: what
        ``briefgen validate`` checks further, so that every problem is reported at once."""


class ArticleError(BriefgenError):
    """One input file cannot be read; the pipeline skips it with a warning."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NoArticlesError(BriefgenError):
    """Nothing is left to summarize after reading, filtering and de-duplicating."""

    exit_code = 2


class RenderError(BriefgenError):
    """A template is missing or fails, or the PDF cannot be made."""


class OutputError(BriefgenError):
    """A briefing's files cannot be written (a full disk, a read-only or missing directory)."""


class DeliveryError(BriefgenError):
    """Not every recipient got the briefing (exit status 3), or delivery cannot start (1)."""

    exit_code = 3

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ClusterError(BriefgenError):
    """The Dask scheduler a batch is to run on cannot be reached, or its workers cannot run this briefgen."""
