"""What a ``collect`` run polls: the configs a project has, and the ``http(s)://`` sources they name.

``briefgen collect`` and ``briefgen sources`` take projects or configs, as other commands do (a
directory's ``*.yaml`` files and those of its ``configs/``). Every source a config names is polled
once per run, however many configs name it, with the settings of the first config that does (in
the order the configs are found); sources go to the archive their config names
(``collect.archive``), so configs sharing an archive share its articles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.config.defaults import Follow, expand_user
from briefgen.config.load import PROJECT_FILE, LoadedConfig, config_files, find_project_root, load_config
from briefgen.errors import BriefgenError, ConfigError
from briefgen.ingest.fetch import is_url, public_url


def archive_path(loaded: LoadedConfig) -> Path:
    """Where a config's archive is: ``collect.archive``, relative to the project's root."""
    path = expand_user(loaded.config.collect.archive)
    return path if path.is_absolute() else loaded.project_dir / path


def find_configs(paths: Sequence[Path], here: Path) -> tuple[list[Path], list[str]]:
    """The config files ``paths`` name, each once (as every command reads a project or directory:
    :func:`~briefgen.config.load.config_files`; none: the project ``here`` is in), and one problem
    for each path that names none."""
    if not paths:
        root = find_project_root(here)
        if root is None:
            return [], [
                f"{here} is not in a briefgen project (no {PROJECT_FILE} at or above it): name a project or config"
            ]
        paths = [root]
    found: dict[Path, None] = {}
    problems = []
    for path in paths:
        try:
            for member in config_files(path):
                found.setdefault(member, None)
        except ConfigError as exc:
            problems.append(str(exc))
    return list(found), problems


def load_configs(paths: Sequence[Path]) -> tuple[list[LoadedConfig], list[str]]:
    """Each config read; one problem line for each that cannot be."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_config(path))
        except ConfigError as exc:
            problems.append(str(exc))
        except BriefgenError as exc:
            problems.append(f"{path}: {exc}")
    return loaded, problems


@dataclass(frozen=True)
class Target:
    """One ``http(s)://`` source to poll, with the settings of the first config that names it."""

    url: str
    """As the config writes it: it may carry a user name and password, which only requests use."""
    public: str
    """The URL without credentials: how the archive, messages and reports name it."""
    follow: Follow
    timeout: float
    max_bytes: int
    retry_hours: float
    max_retry_hours: float
    alert_hours: float
    window_days: int
    """The longest window of the configs that name it (what ``briefgen sources`` counts in)."""
    configs: tuple[str, ...]
    """The configs that name it."""


@dataclass
class Plan:
    """The sources of one archive, and how politely they are polled: the most cautious setting of the
    configs that use it (the longest delay, the smallest cap and number of workers)."""

    archive: Path
    targets: list[Target] = field(default_factory=list)
    delay: float = 0.0
    max_new_pages: int = 0
    workers: int = 0


def plans(configs: Sequence[LoadedConfig]) -> list[Plan]:
    """What ``collect`` polls, archive by archive, in the order the configs name their sources."""
    by_archive: dict[Path, Plan] = {}
    for loaded in configs:
        config = loaded.config
        settings = config.collect
        where = archive_path(loaded).absolute()
        plan = by_archive.get(where)
        if plan is None:
            plan = by_archive[where] = Plan(where, [], settings.delay, settings.max_new_pages, settings.workers)
        else:
            plan.delay = max(plan.delay, settings.delay)
            plan.max_new_pages = min(plan.max_new_pages, settings.max_new_pages)
            plan.workers = min(plan.workers, settings.workers)
        for source in config.sources:
            if not is_url(source):
                continue
            public = public_url(source)
            known = next((i for i, t in enumerate(plan.targets) if t.public == public), None)
            if known is not None:
                old = plan.targets[known]
                plan.targets[known] = dataclasses.replace(
                    old,
                    alert_hours=min(old.alert_hours, settings.alert_hours),
                    window_days=max(old.window_days, config.window.days),
                    configs=(*old.configs, loaded.name),
                )
                continue
            plan.targets.append(
                Target(
                    url=str(source),
                    public=public,
                    follow=getattr(source, "follow", None) or settings.follow,
                    timeout=config.fetch.timeout,
                    max_bytes=config.limits.max_bytes,
                    retry_hours=settings.retry_hours,
                    max_retry_hours=settings.max_retry_hours,
                    alert_hours=settings.alert_hours,
                    window_days=config.window.days,
                    configs=(loaded.name,),
                )
            )
    return list(by_archive.values())
