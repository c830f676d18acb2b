"""The weekly run: build (and send) every client's briefing in one go.

All configs share one :class:`~briefgen.workspace.Workspace`, so an article used by twenty
briefings is read, cleaned and analysed once. A config that fails is reported in the
summary and the run goes on with the next.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .errors import BriefgenError, ConfigError
from .workspace import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchRow:
    """One config's line in the summary table."""

    config: str
    as_of: dt.date | None
    status: str  # built | reused | sent | dry run | not sent | failed
    articles: str = "-"
    delivered: str = "-"
    seconds: float = 0.0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("built", "reused", "sent", "dry run")


def expand_configs(args: Sequence[Path]) -> tuple[list[Path], list[BatchRow]]:
    """Config files named, and the ``*.yaml`` / ``*.yml`` files of directories named, in order.

    A name that is neither becomes a failed row, and so does anything that is not a regular
    file: it is checked with ``stat`` and never opened, since reading a FIFO named
    ``monday.yaml`` would wait forever.
    """
    import errno
    import os

    from .ingest import file_kind

    found: dict[Path, None] = {}
    failed: list[BatchRow] = []

    def take(path: Path, named: bool) -> None:
        try:
            info = os.stat(path)
        except (OSError, ValueError) as exc:
            absent = isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.ENOTDIR)
            why = (
                "no such config file or directory"
                if absent
                else f"cannot read: {getattr(exc, 'strerror', None) or exc}"
            )
            failed.append(BatchRow(str(path), None, "failed", detail=why))
            return
        kind = file_kind(info.st_mode)
        if named and kind == "a directory":
            for member in sorted([*path.glob("*.yaml"), *path.glob("*.yml")]):
                take(member, False)
        elif kind is None:
            found.setdefault(path, None)
        else:
            failed.append(BatchRow(str(path), None, "failed", detail=f"not a regular file ({kind})"))

    for arg in args:
        take(arg, True)
    return list(found), failed


def run_batch(
    paths: Sequence[Path],
    as_of: dt.date | None,
    workspace: Workspace,
    *,
    send: bool = False,
    dry_run: bool = False,
    resend: bool = False,
    delivery_log: Path | None = None,
    rebuild: bool = False,
    done: Callable[[BatchRow], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[BatchRow]:
    """Build every config's briefing and, with ``send``, deliver it; one row per config."""
    rows = []
    for path in paths:
        row = _one(
            path,
            as_of,
            workspace,
            send=send,
            dry_run=dry_run,
            resend=resend,
            delivery_log=delivery_log,
            rebuild=rebuild,
            sleep=sleep,
        )
        rows.append(row)
        if done is not None:
            done(row)
    return rows


def _one(
    path: Path,
    as_of: dt.date | None,
    workspace: Workspace,
    *,
    send: bool,
    dry_run: bool,
    resend: bool,
    delivery_log: Path | None,
    rebuild: bool,
    sleep: Callable[[float], None],
) -> BatchRow:
    from .builds import default_out_dir, send_formats
    from .deliver import already_sent, deliver
    from .pipeline import ensure_built

    start = time.perf_counter()
    name, day, articles, delivered = str(path), as_of, "-", "-"
    try:
        loaded = load_config(path)
        day = as_of or loaded.config.window.as_of or dt.date.today()
        out_dir = default_out_dir(loaded, day)
        formats: list[str] = list(loaded.config.output.formats)
        email = loaded.config.delivery.email
        if send and email is not None:
            formats = send_formats(formats)
        sent = send and email is not None and already_sent(loaded, day, delivery_log)
        finished = ensure_built(loaded, day, out_dir, formats, workspace, rebuild=rebuild, sent=sent)
        logger.info("%s: %s", path, f"built ({finished.reason})" if finished.built else "reused: unchanged")
        if finished.articles:
            articles = f"{finished.articles[0]}/{finished.articles[1]}"
        made = "built" if finished.built else "reused"
        if not send:
            return BatchRow(name, day, made, articles, delivered, time.perf_counter() - start, str(out_dir))
        if email is None:
            return BatchRow(
                name, day, made, articles, delivered, time.perf_counter() - start, "no delivery.email: not sent"
            )
        report = deliver(
            loaded, day, finished.outputs, dry_run=dry_run, resend=resend, delivery_log=delivery_log, sleep=sleep
        )
        delivered = report.counts()
        if report.complete:
            status = "dry run" if dry_run else "sent"
            fresh = sum(o.status in ("sent", "written") for o in report.outcomes)
            detail = f"{out_dir} ({fresh} {'written' if dry_run else 'sent'} now)"
            return BatchRow(name, day, status, articles, delivered, time.perf_counter() - start, detail)
        missed = [f"{o.recipient} {o.status}" for o in report.outcomes if not o.delivered]
        return BatchRow(name, day, "not sent", articles, delivered, time.perf_counter() - start, "; ".join(missed))
    except ConfigError as exc:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        detail = exc.problems[0] + more
    except BriefgenError as exc:
        detail = str(exc)
    except Exception as exc:  # a bug in one config's run must not stop the others
        logger.debug("%s failed", path, exc_info=True)
        detail = f"{type(exc).__name__}: {exc}"
    logger.warning("%s: %s", path, detail)
    return BatchRow(name, day, "failed", articles, delivered, time.perf_counter() - start, detail)


def format_table(rows: Sequence[BatchRow]) -> str:
    """The summary table that closes a batch run."""
    header = ("config", "as of", "status", "articles", "sent", "seconds", "output or problem")
    body = [
        (
            r.config,
            r.as_of.isoformat() if r.as_of else "-",
            r.status,
            r.articles,
            r.delivered,
            f"{r.seconds:.2f}",
            r.detail,
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header) - 1)]
    lines = []
    for line in [header, *body]:
        cells = [str(c).ljust(w) for c, w in zip(line[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, str(line[-1])]).rstrip())
    return "\n".join(lines)
