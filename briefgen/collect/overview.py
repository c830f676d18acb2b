"""What ``briefgen collect`` and ``briefgen sources`` do, as data the command line prints.

:func:`gather` reads the configs named, polls their sources archive by archive
(:func:`~briefgen.collect.run.collect`) and says whether something needs a person: a config that
cannot be read, or a source failing for longer than ``collect.alert_hours``. A source that failed
once is retried quietly by a later run, so an hourly ``collect`` mails its owner (cron mails what a
job prints, and a timer's failure shows in ``systemctl --failed``) only when it is worth a look.
:func:`survey` lists every source with its last success, its last error and its articles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.collect.archive import Archive, ArchiveError, SourceCount
from briefgen.collect.plan import Plan, find_configs, load_configs, plans
from briefgen.collect.run import Report, collect
from briefgen.config.defaults import window_start


@dataclass
class Gathered:
    """What one ``collect`` command did, archive by archive."""

    reports: list[Report] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Configs that cannot be read, and names that lead to no config."""

    @property
    def alerts(self) -> list[str]:
        """The sources failing for longer than their ``collect.alert_hours``."""
        return [o.url for r in self.reports for o in r.outcomes if o.needs_person]

    @property
    def needs_person(self) -> bool:
        return bool(self.problems or self.alerts)

    def as_data(self) -> dict[str, object]:
        """``collect --json``."""
        return {
            "archives": [
                {
                    "archive": str(r.archive),
                    "busy": r.busy,
                    "articles": r.articles,
                    "requests": r.requests,
                    "not_modified": r.not_modified,
                    "pages": r.pages,
                    "seconds": round(r.seconds, 3),
                    "sources": [
                        {k: v for k, v in dataclasses.asdict(o).items() if k != "first_unread"} for o in r.outcomes
                    ],
                }
                for r in self.reports
            ],
            "problems": self.problems,
            "alerts": self.alerts,
        }


def gather(
    paths: Sequence[Path], here: Path, *, retry: bool = False, clock: Callable[[], float] = time.time
) -> Gathered:
    """Collect every ``http(s)://`` source of the configs ``paths`` name (none: the project ``here``
    is in). Raises ArchiveError when an archive cannot be written."""
    files, problems = find_configs(paths, here)
    configs, unread = load_configs(files)
    done = Gathered(problems=[*problems, *unread])
    for plan in plans(configs):
        if plan.targets:
            done.reports.append(collect(plan, retry=retry, clock=clock))
    return done


@dataclass(frozen=True)
class SourceRow:
    """One line of ``briefgen sources``."""

    url: str
    archive: str
    configs: tuple[str, ...]
    kind: str | None
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    failures: int
    next_try: str | None
    articles: int
    in_window: int
    window: tuple[str, str]


@dataclass
class Survey:
    rows: list[SourceRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def survey(paths: Sequence[Path], here: Path, as_of: dt.date) -> Survey:
    """Every ``http(s)://`` source of the configs ``paths`` name, with what its archive holds of it:
    its last success and last error, its articles, and those in the window (the longest window of
    the configs naming it, ending on ``as_of``)."""
    files, problems = find_configs(paths, here)
    configs, unread = load_configs(files)
    result = Survey(problems=[*problems, *unread])
    for plan in plans(configs):
        result.rows.extend(_rows(plan, as_of, result.problems))
    return result


def _rows(plan: Plan, as_of: dt.date, problems: list[str]) -> list[SourceRow]:
    states: dict[str, SourceCount] = {}
    windows: dict[str, int] = {}
    if plan.archive.exists():
        try:
            with Archive(plan.archive, readonly=True) as archive:
                states = archive.counts(as_of, as_of)
                for target in plan.targets:
                    if target.public in states:
                        windows[target.public] = archive.count(
                            target.public, window_start(as_of, target.window_days), as_of
                        )
        except ArchiveError as exc:
            problems.append(str(exc))
    rows = []
    for target in plan.targets:
        found = states.get(target.public)
        state = found.state if found else None
        rows.append(
            SourceRow(
                url=target.public,
                archive=str(plan.archive),
                configs=target.configs,
                kind=state.kind if state else None,
                last_success=state.last_success if state else None,
                last_error=state.last_error if state else None,
                last_error_at=state.last_error_at if state else None,
                failures=state.failures if state else 0,
                next_try=state.next_try if state else None,
                articles=found.articles if found else 0,
                in_window=windows.get(target.public, 0),
                window=(window_start(as_of, target.window_days).isoformat(), as_of.isoformat()),
            )
        )
    return rows
