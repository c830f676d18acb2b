"""The ``briefgen`` command line.

Errors a user can cause print one line and exit non-zero; ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from briefgen._version import __version__
from briefgen.analyse.nlp import model_identity, no_model_note
from briefgen.analyse.workspace import PRUNE_EVERY_HOURS, Workspace
from briefgen.batch.run import executor_for, expand_configs, format_table, run_batch
from briefgen.collect.overview import gather, survey
from briefgen.collect.serve import fetching
from briefgen.commands.check import check
from briefgen.commands.evaluate import evaluate, format_report
from briefgen.commands.init import init as make_project
from briefgen.commands.oneclick import run as run_one_click
from briefgen.commands.serve import run
from briefgen.commands.verify import verify as verify_build
from briefgen.config.defaults import FORMATS, SUMMARIZER_NAMES, addr_spec, email_address
from briefgen.config.load import PROJECT_FILE, LoadedConfig, config_files, find_project_root, json_schema, load_config
from briefgen.deliver.smtp import deliver, delivery_formats, sendable
from briefgen.dirs import analysis_cache_dir
from briefgen.errors import BriefgenError, DeliveryError
from briefgen.pipeline import build as run_build
from briefgen.pipeline import ensure_built, stories_of, story_summary
from briefgen.publish.site import as_data, describe
from briefgen.publish.site import publish as publish_config
from briefgen.records.approval import approve as record
from briefgen.records.deliveries import (
    ALL_CONFIGS,
    DEFAULT_DELIVERY_LOG,
    DeliveryLog,
    already_sent,
    delivery_log_path,
    recipients_sent,
    sent_refusal,
)
from briefgen.records.manifest import default_out_dir
from briefgen.render.templates import (
    TEMPLATE_NAMES,
    default_template_dir,
    resolve_template,
    template_dirs,
    template_env,
)
from briefgen.select.intake import intake_report, take_in
from briefgen.textsafe import message, printable

if TYPE_CHECKING:
    from briefgen.batch.run import BatchRow
    from briefgen.deliver.smtp import DeliveryReport

# Named, not __name__: run as ``python -m briefgen.cli`` this module is __main__, outside briefgen.
logger = logging.getLogger("briefgen.cli")
#: What ``-v`` set for this invocation: tracebacks are shown for briefgen's own errors too.
_state = {"verbose": False}

F = TypeVar("F", bound=Callable[..., Any])


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"briefgen: {record.levelname.lower()}: {message(record.getMessage())}"
        if record.exc_info and _state["verbose"]:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _setup_logging(verbose: bool) -> None:
    """One line per message on stderr, for the ``briefgen`` logger and its per-module children."""
    root = logging.getLogger("briefgen")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def _verbose_option(f: F) -> F:
    def set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        if value:
            _state["verbose"] = True
            _setup_logging(True)
        return value

    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=set_verbose,
        help="Show debug messages and full tracebacks.",
    )(f)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    parts = value.split("-")
    if len(parts) == 3 and [len(p) for p in parts] == [4, 2, 2] and all(p.isdigit() for p in parts):
        try:
            dt.date(*(int(p) for p in parts))
        except ValueError as exc:  # the form is right: name what is wrong with the day
            raise click.BadParameter(f"{value} is not a date: {exc}; give a YYYY-MM-DD date that exists") from None
    raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form, such as 2025-02-14")


def _parse_formats(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"unknown format {', '.join(unknown) or value!r}; choose from {', '.join(FORMATS)}")
    return formats


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
@_verbose_option
def cli() -> None:
    """briefgen turns a folder of news articles into a short briefing in which every
    sentence is quoted verbatim from a source and cites it."""


_AS_OF_HELP = "Last day of the date window (default: the config's, else today)."


def _cache_options(f: F) -> F:
    f = click.option("--no-cache", is_flag=True, help="Read and analyse every article afresh; keep nothing on disk.")(f)
    return click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),  # a file or FIFO there: the run goes on without the cache, saying so
        envvar="BRIEFGEN_CACHE_DIR",
        help="Where analysed articles are kept between runs (default: ~/.cache/briefgen/analysis; env BRIEFGEN_CACHE_DIR).",
    )(f)


def _send_options(f: F) -> F:
    f = click.option(
        "--log",
        "delivery_log",
        type=click.Path(path_type=Path, dir_okay=False),
        help="The delivery log (default: the config's delivery.log, else output/deliveries.sqlite).",
    )(f)
    f = click.option("--resend", is_flag=True, help="Send even to recipients who already have this briefing.")(f)
    return click.option(
        "--dry-run",
        is_flag=True,
        help="Write each message as an .eml file in the output directory instead of sending it.",
    )(f)


def _fetch_option(f: F) -> F:
    return click.option(
        "--fetch",
        "fetch_live",
        is_flag=True,
        help="Also read the config's http(s) sources live, beside what `briefgen collect` archived for the "
        "window (collect.live: always).",
    )(f)


def _rebuild_option(f: F) -> F:
    return click.option(
        "--rebuild", is_flag=True, help="Build afresh even when a finished build of unchanged inputs exists."
    )(f)


def _workspace(cache_dir: Path | None, no_cache: bool) -> Workspace:

    return Workspace(None if no_cache else (cache_dir or analysis_cache_dir()))


class _Output:
    """Where ``build``, ``send`` and ``batch`` report: lines for people, one JSON document for
    programs (``--json``), or nothing but warnings and errors (``--quiet``)."""

    def __init__(self, quiet: bool, as_json: bool) -> None:
        self.quiet, self.as_json = quiet, as_json
        self.data: dict[str, Any] = {}
        if quiet and not _state["verbose"]:
            logging.getLogger("briefgen").setLevel(logging.WARNING)

    def line(self, text: str) -> None:
        if not (self.quiet or self.as_json):
            click.echo(text)

    def emit(self) -> None:
        """Print the JSON document, before any error is raised, so a program gets both."""
        import json

        if self.as_json:
            click.echo(printable(json.dumps(self.data, ensure_ascii=False, indent=2), json_text=True))


def _output_options(f: F) -> F:
    f = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout instead of lines.")(f)
    return click.option(
        "-q", "--quiet", is_flag=True, help="Print nothing on stdout, and only warnings and errors on stderr."
    )(f)


def _articles(
    used: int | None, read: int | None, counts: dict[str, int] | None, dating: dict[str, int] | None = None
) -> dict[str, Any]:
    return {
        "read": read,
        "used": used,
        "counts": dict(sorted(counts.items())) if counts is not None else None,
        "undated": dating["undated"] if dating is not None else None,
        "previews": dating["previews"] if dating is not None else None,
    }


def _kept_dating(articles: list[dict[str, Any]]) -> dict[str, int]:
    """How many of the articles kept state no date, and how many are previews (see ``briefgen.ingest.dates``)."""
    kept = [a for a in articles if a.get("status") == "kept"]
    return {
        "undated": sum(a.get("date") is None for a in kept),
        "previews": sum(a.get("preview_of") is not None for a in kept),
    }


def _ingest_counts(out_dir: Path) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    """What happened to each input of a build, and how many kept are undated or previews, from its
    ``ingest.json`` (a reused build has no decisions)."""
    import json

    try:
        report = json.loads((out_dir / "ingest.json").read_text(encoding="utf-8"))
        counts = {str(k): int(v) for k, v in report["counts"].items()}
        return counts, _kept_dating([a for a in report["articles"] if isinstance(a, dict)])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, None


def _same_place(a: Path, b: Path) -> bool:
    """Whether two paths name one directory, however written (``..``, links)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except (OSError, RuntimeError):
        return False


def _report_delivery(report: DeliveryReport, out: _Output) -> None:
    """One line per recipient on stdout (or ``messages`` in the JSON document, printed here); a
    one-line error (exit 3) unless every recipient has the briefing."""

    for o in report.outcomes:
        out.line(f"{o.status:<13}{o.recipient:<34}{o.message_id or '-'}  {o.detail}".rstrip())
    out.data["messages"] = [
        {"recipient": o.recipient, "kind": o.kind, "status": o.status, "message_id": o.message_id, "detail": o.detail}
        for o in report.outcomes
    ]
    out.emit()
    missed = [o for o in report.outcomes if not o.settled]
    if missed:
        raise DeliveryError(
            f"{len(missed)} of {len(report.outcomes)} recipient(s) did not get the briefing: "
            + ", ".join(f"{o.recipient} ({o.status})" for o in missed)
        )


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help=_AS_OF_HELP)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory (default: output/<config name>/<as-of>/).",
)
@click.option(
    "--format",
    "formats",
    callback=_parse_formats,
    metavar="md,html,pdf",
    help="Formats to write; briefing.json is always written.",
)
@click.option("--send", is_flag=True, help="Then email the briefing to the config's recipients (see `briefgen send`).")
@_fetch_option
@_send_options
@_cache_options
@_output_options
@_verbose_option
def build(
    config: Path,
    as_of: dt.date | None,
    out_dir: Path | None,
    formats: list[str] | None,
    send: bool,
    fetch_live: bool,
    dry_run: bool,
    resend: bool,
    delivery_log: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Build the briefing CONFIG describes and print the paths written."""

    out = _Output(quiet, as_json)
    loaded = load_config(config)
    if fetch_live:
        loaded = fetching(loaded)
    as_of = as_of or loaded.config.window.as_of or dt.date.today()
    if send:
        sendable(loaded)  # before building, not after
        formats = delivery_formats(loaded, formats or loaded.config.output.formats)
    if (out_dir is None or _same_place(out_dir, default_out_dir(loaded, as_of))) and (
        n := recipients_sent(loaded, as_of, delivery_log)
    ):
        raise BriefgenError(sent_refusal(n, as_of, "building it again"))
    workspace = _workspace(cache_dir, no_cache)
    result = run_build(loaded, as_of=as_of, out_dir=out_dir, formats=formats, workspace=workspace)
    workspace.prune(every_hours=PRUNE_EVERY_HOURS)
    for path in result.outputs.values():
        out.line(str(path))
    counts: dict[str, int] = {}
    for decision in result.decisions:
        counts[decision.status] = counts.get(decision.status, 0) + 1
    dating = _kept_dating([d.as_dict() for d in result.decisions])
    notes = [f"{n} {what}" for what, n in (("undated", dating["undated"]), ("preview", dating["previews"])) if n]
    summary = ", ".join(
        f"{n} {status}" + (f" ({', '.join(notes)})" if status == "kept" and notes else "")
        for status, n in sorted(counts.items())
    )
    logger.info("%s articles: %s", sum(counts.values()), summary)
    logger.debug("timings: %s", ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    logger.debug("%s", workspace.stats.summary())
    out.data = {
        "config": str(config),
        "as_of": as_of.isoformat(),
        "out_dir": str(result.outputs["json"].parent),
        "files": [str(path) for path in result.outputs.values()],
        "articles": _articles(result.briefing.articles_used, result.briefing.articles_read, counts, dating),
    }
    if not send:
        out.emit()
        return

    report = deliver(loaded, as_of, result.outputs, dry_run=dry_run, resend=resend, delivery_log=delivery_log)
    _report_delivery(report, out)


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help=_AS_OF_HELP)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the build is (default: output/<config name>/<as-of>/).",
)
@click.option(
    "--recipient",
    "only",
    multiple=True,
    metavar="ADDRESS",
    help="Send only to this recipient of the config (repeatable).",
)
@_send_options
@_rebuild_option
@_cache_options
@_output_options
@_verbose_option
def send(
    config: Path,
    as_of: dt.date | None,
    out_dir: Path | None,
    only: tuple[str, ...],
    dry_run: bool,
    resend: bool,
    delivery_log: Path | None,
    rebuild: bool,
    cache_dir: Path | None,
    no_cache: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Email the briefing of CONFIG to its recipients: one message each, with a text part,
    an HTML part and the PDF attached.

    Reuses the build in the output directory when it is a finished build of this config and
    date made from unchanged inputs (config, templates, branding, articles), else builds first. Recipients who already have this briefing (per the delivery log)
    are skipped unless --resend. Exits 3 unless every recipient has it.
    """

    out = _Output(quiet, as_json)
    loaded = load_config(config)
    sendable(loaded)  # before building, not after
    as_of = as_of or loaded.config.window.as_of or dt.date.today()
    out_dir = out_dir or default_out_dir(loaded, as_of)
    workspace = _workspace(cache_dir, no_cache)
    formats = delivery_formats(loaded, loaded.config.output.formats)
    sent = already_sent(loaded, as_of, delivery_log)
    finished = ensure_built(
        loaded,
        as_of,
        out_dir,
        formats,
        workspace,
        rebuild=rebuild,
        sent=sent,
        approved=loaded.config.delivery.require_approval,
    )
    if finished.built:
        logger.info("built the briefing in %s (%s)", out_dir, finished.reason)
    else:
        logger.info("reusing the briefing in %s", out_dir)
    used, read = finished.articles or (None, None)
    out.data = {
        "config": str(config),
        "as_of": as_of.isoformat(),
        "out_dir": str(out_dir),
        "files": [str(path) for path in finished.outputs.values()],
        "built": finished.built,
        "reason": finished.reason,
        "articles": _articles(used, read, *_ingest_counts(out_dir)),
    }
    report = deliver(
        loaded, as_of, finished.outputs, dry_run=dry_run, resend=resend, only=only, delivery_log=delivery_log
    )
    _report_delivery(report, out)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help=_AS_OF_HELP)
@click.option("--send", is_flag=True, help="Email each briefing to its config's recipients.")
@click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    metavar="N",
    help="Build on N local processes (default: the project's batch.workers, else 1: this process).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Build on the Dask cluster of this scheduler, or scheduler file "
    "(default: env BRIEFGEN_DASK_SCHEDULER, else the project's batch.scheduler).",
)
@_send_options
@_rebuild_option
@_cache_options
@_output_options
@_verbose_option
def batch(
    paths: tuple[Path, ...],
    as_of: dt.date | None,
    send: bool,
    workers: int | None,
    scheduler: str | None,
    dry_run: bool,
    resend: bool,
    delivery_log: Path | None,
    rebuild: bool,
    cache_dir: Path | None,
    no_cache: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Build the briefing of every config in PATHS (config files, or directories of *.yaml)
    and, with --send, deliver each. Articles shared by several configs are read and analysed
    once; a finished build whose inputs are unchanged is reused unless --rebuild. Ends with a summary table; exits 1 if any config failed."""
    import dataclasses

    if workers is not None and scheduler is not None:
        raise click.UsageError("--workers and --scheduler cannot be used together: the cluster has its own workers")
    out = _Output(quiet, as_json)
    configs, rows = expand_configs(paths)
    workspace = _workspace(cache_dir, no_cache)
    started = time.perf_counter()
    executor = executor_for(configs, workers=workers, scheduler=scheduler)
    click.get_current_context().call_on_close(executor.close)
    run = functools.partial(
        run_batch,
        configs,
        as_of,
        workspace,
        send=send,
        dry_run=dry_run,
        resend=resend,
        delivery_log=delivery_log,
        rebuild=rebuild,
        executor=executor,
    )
    if sys.stderr.isatty() and len(configs) > 1 and not quiet:

        def shown(row: BatchRow | None) -> str | None:
            return row.config if row else None

        with click.progressbar(
            length=len(configs),
            label="briefings",
            file=sys.stderr,
            show_pos=True,
            item_show_func=shown,
        ) as bar:
            rows += run(done=lambda row: bar.update(1, row))
    else:
        rows += run()
    where = f" {executor.where}" if executor.where else ""
    workspace.prune(every_hours=PRUNE_EVERY_HOURS)
    out.line(format_table(rows))
    failed = [r for r in rows if not r.ok]
    out.line(
        f"{len(rows)} config(s): {len(rows) - len(failed)} ok, {len(failed)} failed, "
        f"{time.perf_counter() - started:.1f}s{where}; {workspace.stats.summary()}"
    )
    out.data = {
        "rows": [_batch_row(r) for r in rows],
        "ok": len(rows) - len(failed),
        "failed": len(failed),
        "stats": dataclasses.asdict(workspace.stats),
    }
    out.emit()
    if failed:
        raise BriefgenError(f"{len(failed)} of {len(rows)} config(s) failed: {', '.join(r.config for r in failed)}")


def _fraction(text: str, names: tuple[str, str]) -> dict[str, int] | None:
    """``"6/9"`` of the summary table as ``{names[0]: 6, names[1]: 9}``; None for ``"-"``."""
    parts = text.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return {names[0]: int(parts[0]), names[1]: int(parts[1])}


def _batch_row(row: BatchRow) -> dict[str, Any]:
    """One row of the summary table as data."""
    return {
        "config": row.config,
        "as_of": row.as_of.isoformat() if row.as_of else None,
        "status": row.status,
        "articles": _fraction(row.articles, ("used", "read")),
        "sent": _fraction(row.delivered, ("delivered", "recipients")),
        "seconds": round(row.seconds, 3),
        "detail": row.detail,
    }


@cli.command()
@click.argument("config", required=False, type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help="Only this briefing date.")
@click.option(
    "--log",
    "delivery_log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The delivery log (default: the config's, else output/deliveries.sqlite).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@_verbose_option
def deliveries(config: Path | None, as_of: dt.date | None, delivery_log: Path | None, as_json: bool) -> None:
    """List the messages and notifications in the delivery log (of CONFIG's briefings, or all), then
    the addresses that unsubscribed (from CONFIG, or from every config)."""
    import dataclasses
    import json

    loaded = load_config(config) if config else None
    path = _log_of(loaded, delivery_log)
    if not path.exists():
        raise BriefgenError(f"no delivery log at {path}: nothing has been sent")
    with DeliveryLog(path, readonly=True) as journal:
        entries = journal.entries(str(loaded.path) if loaded else None, as_of)
        gone = journal.unsubscribes(str(loaded.path) if loaded else None)
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(e) for e in entries], indent=2))
        if gone:
            logger.info(
                "%d unsubscribed (not in the JSON, which lists messages; see the lines without --json)", len(gone)
            )
        return
    for e in entries:
        click.echo(
            f"{e.updated}  {e.as_of}  {e.status:<9}{e.attempts:>2}  {e.recipient:<32} {e.message_id}  {Path(e.config).name}  {e.detail}".rstrip()
        )
    click.echo(f"{len(entries)} message(s) in {path}")
    for u in gone:
        scope = "every config" if u.config == ALL_CONFIGS else Path(u.config).name
        click.echo(f"{u.at}  unsubscribed  {u.address:<32} from {scope}  ({u.via})")
    if gone:
        click.echo(f"{len(gone)} unsubscribed")


def _log_of(loaded: LoadedConfig | None, delivery_log: Path | None) -> Path:
    """The delivery log of a config, else ``--log``, else the log of the project the working directory is in."""
    if loaded is not None:
        return delivery_log_path(loaded, delivery_log)
    return delivery_log or (find_project_root(Path.cwd()) or Path.cwd()) / DEFAULT_DELIVERY_LOG


@cli.command()
@click.argument("address")
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Unsubscribe from this config's briefing only.",
)
@click.option("--all", "every", is_flag=True, help="Unsubscribe from every config's briefing (in this log).")
@click.option("--resubscribe", is_flag=True, help="Undo an unsubscribe: the address gets the briefings again.")
@click.option(
    "--log",
    "delivery_log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The delivery log (default: the config's, else the project's output/deliveries.sqlite).",
)
@_verbose_option
def unsubscribe(address: str, config: Path | None, every: bool, resubscribe: bool, delivery_log: Path | None) -> None:
    """Stop sending to ADDRESS: CONFIG's briefing (--config CONFIG) or every config's (--all),
    recorded in the delivery log, so no later send or batch --send reaches it until it is
    re-subscribed (--resubscribe). The one-click link in each message records the same
    (`briefgen serve --unsubscribe`)."""
    if (config is None) == (not every):
        raise click.UsageError("give --config CONFIG or --all")
    try:
        bare = addr_spec(email_address(address)).lower()
    except ValueError as exc:
        raise BriefgenError(str(exc)) from None
    loaded = load_config(config) if config is not None else None
    path = _log_of(loaded, delivery_log)
    key = str(loaded.path) if loaded is not None else ALL_CONFIGS
    scope = f"{loaded.path.name}'s briefing" if loaded is not None else "every config's briefing"
    if resubscribe and not path.exists():
        raise BriefgenError(f"no delivery log at {path}: {bare} is not unsubscribed there")
    with DeliveryLog(path, run_lock=False) as journal:
        if resubscribe:
            removed = journal.resubscribe(key, bare)
            if not removed:
                raise BriefgenError(f"{bare} is not unsubscribed from {scope} in {path}")
            click.echo(f"re-subscribed {bare} to {scope} ({path})")
            still = journal.unsubscribed(key, bare) if loaded is not None else None
            if still is not None:
                logger.warning(
                    "%s is still unsubscribed from every config (briefgen unsubscribe %s --all --resubscribe)",
                    bare,
                    bare,
                )
            return
        new = journal.unsubscribe(key, bare, "command")
    click.echo(f"{'unsubscribed' if new else 'already unsubscribed:'} {bare} from {scope} ({path})")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--as-of",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="Publish this date's build now, sent or not (approved, when the config requires approval).",
)
@click.option(
    "--log",
    "delivery_log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The delivery log (default: each config's, else output/deliveries.sqlite).",
)
@_output_options
@_verbose_option
def publish(
    paths: tuple[Path, ...], as_of: dt.date | None, delivery_log: Path | None, quiet: bool, as_json: bool
) -> None:
    """Keep each config's archive: a static site of its briefings in output/site/<config>/ (an index,
    newest first, each briefing's page and PDF, an Atom feed), every link relative, ready for any
    static host. PATHS are configs, or projects and directories of configs (default: the project
    the working directory is in). A briefing is published once it went out (the delivery log says
    so), or when named with --as-of; a config that is never sent publishes every finished build."""
    out = _Output(quiet, as_json)
    if not paths:
        root = find_project_root(Path.cwd())
        if root is None:
            raise BriefgenError(
                f"no {PROJECT_FILE} at or above {Path.cwd()}: name the configs or the project to publish"
            )
        paths = (root,)
    configs = [c for p in paths for c in config_files(p)]
    results = []
    for path in dict.fromkeys(configs):
        result = publish_config(load_config(path), as_of=as_of, delivery_log=delivery_log)
        results.append(result)
        out.line(describe(result))
    out.data = {"sites": [as_data(r) for r in results]}
    out.emit()


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "--as-of",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="Last day of the date window (default: the config's, else today).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (what build writes as ingest.json).")
@click.option(
    "--stories/--no-stories",
    default=None,
    help="List the stories the kept articles group into (default: with layout: stories); this analyses the articles.",
)
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), help="Analysis cache directory.")
@_fetch_option
@_verbose_option
def inspect(
    config: Path, as_of: dt.date | None, as_json: bool, fetch_live: bool, stories: bool | None, cache_dir: Path | None
) -> None:
    """List every input of CONFIG with its form, metadata, word counts and what happened to it, and
    for an article from the archive, when and where it was collected; then the stories its kept
    articles group into."""
    import json

    loaded = load_config(config)
    if fetch_live:
        loaded = fetching(loaded)
    as_of = as_of or loaded.config.window.as_of or dt.date.today()
    workspace = _workspace(cache_dir, False)
    intake = take_in(loaded, as_of, workspace=workspace)
    summary = intake_report(intake)
    report: dict[str, Any] = {"config": str(config), "as_of": as_of.isoformat(), **summary}
    listing = loaded.config.layout == "stories" if stories is None else stories
    grouped = stories_of(loaded, intake, workspace) if listing else None
    if grouped is not None:
        report["stories"] = [story_summary(story, intake.documents, loaded.base_dir) for story in grouped]
    if as_json:
        click.echo(printable(json.dumps(report, ensure_ascii=False, indent=2), json_text=True))
        return
    click.echo(f"window {intake.start} to {intake.end}; {len(intake.decisions)} inputs")
    for d in intake.decisions:
        words = f"{d.words_before}\u2192{d.words_after}" if d.words_before is not None else "-"
        # The date and where it comes from; "≥2024-04-11 inferred" for an undated article's not-before date.
        date = d.date.isoformat() if d.date else f"\u2265{d.not_before}" if d.not_before else "undated"
        source = d.date_source or "-"
        click.echo(
            f"{d.status:<15}{printable(d.form or '-', 40):<11}{words:>11}  {date:<11} {source:<8} {printable(d.path, 1000)}"
        )
        meta = " \u00b7 ".join(
            printable(x, 300) for x in (d.title and f"\u201c{d.title}\u201d", d.publisher, d.author, d.url) if x
        )
        where = ", ".join(d.collected_from)
        collected = f"collected {d.collected} from {printable(where, 1000)}" if d.collected else ""
        for line in (meta, printable(d.detail, 1000), collected):
            if line:
                click.echo(f"{'':<15}{line}")
    counts = ", ".join(f"{n} {status}" for status, n in summary["counts"].items())
    click.echo(f"total: {counts or 'nothing read'}")
    if grouped is not None:
        click.echo(f"{len(grouped)} stor{'y' if len(grouped) == 1 else 'ies'}, best first")
        for rank, row in enumerate(report["stories"], 1):
            click.echo(
                f"{rank:>3}. {row['id']}  {printable(row['line'], 200)}  \u201c{printable(row['headline'], 200)}\u201d"
            )
            for path in row["articles"][:5]:
                click.echo(f"{'':>6}{printable(path, 1000)}")
            if len(row["articles"]) > 5:
                click.echo(f"{'':>6}and {len(row['articles']) - 5} more")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--retry", is_flag=True, help="Try failing sources now, whatever their back-off.")
@_output_options
@_verbose_option
def collect(paths: tuple[Path, ...], retry: bool, quiet: bool, as_json: bool) -> None:
    """Poll every http(s) source of the configs in PATHS (projects, config files or directories of
    them; default: the project the working directory is in) and keep each new article in the
    project's archive, following a feed entry to its article when the entry is only a summary.

    Meant to run every hour from cron or a systemd timer. Prints one line per source with its new,
    unchanged and failed counts. Exits 1 only when something needs a person: a config that cannot
    be read, an archive that cannot be written, or a source failing for longer than
    collect.alert_hours (a shorter outage is retried quietly)."""

    out = _Output(quiet, as_json)
    done = gather(paths, Path.cwd(), retry=retry)
    for problem in done.problems:
        logger.warning("%s", problem)
    for report in done.reports:
        if report.busy:
            logger.warning("another briefgen collect is writing %s; this run leaves it alone", report.archive)
            continue
        for outcome in report.outcomes:
            out.line(printable(outcome.line(), 2000))
        out.line(
            f"{report.archive}: {report.articles:,} articles; {report.requests} requests "
            f"({report.not_modified} not modified, {report.pages} article pages), {report.seconds:.1f}s"
        )
    if not done.reports and not done.problems:
        out.line("no http(s):// source in these configs: nothing to collect")
    out.data = done.as_data()
    out.emit()
    if done.needs_person:
        parts = [f"{len(done.problems)} config problem(s)"] if done.problems else []
        if done.alerts:
            parts.append(f"failing for long: {', '.join(done.alerts)}")
        raise BriefgenError("collect needs a look: " + "; ".join(parts))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help="Last day of the window counted (default: today)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@_verbose_option
def sources(paths: tuple[Path, ...], as_of: dt.date | None, as_json: bool) -> None:
    """List every http(s) source of the configs in PATHS (default: the project the working directory
    is in): its last success and last error, the articles the archive holds of it, and how many are
    in the window of the configs that name it."""
    import dataclasses
    import json

    found = survey(paths, Path.cwd(), as_of or dt.date.today())
    for problem in found.problems:
        logger.warning("%s", problem)
    if as_json:
        rows = [dataclasses.asdict(row) for row in found.rows]
        click.echo(printable(json.dumps(rows, ensure_ascii=False, indent=2), json_text=True))
        return
    click.echo(f"{'kind':<6}{'articles':>9}{'window':>8}  {'last success':<21} source")
    for row in found.rows:
        click.echo(
            f"{row.kind or '-':<6}{row.articles:>9,}{row.in_window:>8,}  {row.last_success or 'never':<21} "
            f"{printable(row.url, 1000)}"
        )
        if row.last_error:
            backoff = f"; {row.failures} failure(s) in a row, next try {row.next_try}" if row.next_try else ""
            click.echo(f"{'':<25}last error {row.last_error_at}: {printable(row.last_error, 300)}{backoff}")
    archives = sorted({row.archive for row in found.rows})
    click.echo(f"{len(found.rows)} source(s); archive {', '.join(archives) or '-'}")


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@_verbose_option
def validate(config: Path) -> None:
    """Check CONFIG and report every problem with its key path and line; print "ok" when there is none."""
    problems = check(config)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(1)
    if model_identity().startswith("blank-"):  # not a problem of the config: briefgen runs without one
        logger.warning("%s", no_model_note())
    click.echo("ok")


@cli.command()
@click.argument("outdir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--offline", is_flag=True, help="Check against the written sources/ texts instead of reading the inputs again."
)
@_verbose_option
def verify(outdir: Path, offline: bool) -> None:
    """Check the briefing in OUTDIR: every quoted item is its source's text at its offsets, each
    source's text has its recorded sha256, and no written file changed since the build. Exit 1,
    naming each item, source and file that does not hold."""

    result = verify_build(outdir, offline=offline)
    for problem in result.problems:
        click.echo(printable(str(problem)), err=True)
    click.echo(result.summary(), err=not result.ok)
    if not result.ok:
        sys.exit(1)


@cli.command()
@click.argument("outdir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--by", metavar="NAME", help="Who approves it (default: the user running the command).")
@_verbose_option
def approve(outdir: Path, by: str | None) -> None:
    """Approve the briefing in OUTDIR exactly as it is now, after checking it (`verify --offline`).

    A config with `delivery.require_approval: true` is sent only when its build is approved and
    nothing changed since: a rebuild, a new edit or a changed file needs a new approval."""

    done = record(outdir, by=by)
    click.echo(
        f"approved {outdir} (build {done['fingerprint'][:12]}) by {done['approved_by']} at {done['approved_at']}"
    )


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help=_AS_OF_HELP)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on, on 127.0.0.1 only (0: any free port).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory (default: output/<config name>/<as-of>/).",
)
@click.option(
    "--unsubscribe",
    "one_click",
    is_flag=True,
    help="Serve the one-click unsubscribe endpoint (RFC 8058) of CONFIG instead (a config, or a project or "
    "directory of configs), for a reverse proxy at delivery.email.unsubscribe.url.",
)
@click.option(
    "--log",
    "delivery_log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --unsubscribe: the delivery log to record in (default: each config's).",
)
@_verbose_option
def serve(
    config: Path, as_of: dt.date | None, port: int, out_dir: Path | None, one_click: bool, delivery_log: Path | None
) -> None:
    """Preview the briefing of CONFIG in a browser and edit it there: drop a quote (the next best
    sentence takes its place), add an analyst's note, approve it.

    Builds into the output directory as `build` does, and rebuilds whenever the config, the
    templates, the articles or edits.yaml change. Listens on 127.0.0.1 only and answers only a
    browser that opened the URL it prints (with its secret ?token=); Ctrl-C stops it.

    With --unsubscribe it answers the one-click links of the messages instead: POST <path>/TOKEN with
    List-Unsubscribe=One-Click records the unsubscribe; GET shows a page with the button. Listens on
    127.0.0.1 only, behind a reverse proxy; the secret comes from the environment variable
    delivery.email.unsubscribe.secret_env names, as when sending."""
    if one_click:
        run_one_click(config_files(config), port=port, delivery_log=delivery_log, announce=click.echo)
        return
    run(config, as_of=as_of, out_dir=out_dir, port=port, announce=click.echo)


@cli.command()
@_verbose_option
def schema() -> None:
    """Print the JSON Schema of a config file, every key described: for editors that complete and check YAML."""
    import json

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@_verbose_option
def templates(config: Path) -> None:
    """Print which file each template of CONFIG resolves to, and where it comes from."""

    loaded = load_config(config)
    overrides = template_dirs(loaded.config, loaded.base_dir, loaded.project_dir)
    env = template_env([d for _, d in overrides])
    layers = [*overrides, ("default", default_template_dir())]
    for name, purpose in TEMPLATE_NAMES.items():
        path = resolve_template(env, name).resolve()
        layer = next((label for label, d in layers if d.resolve() in path.parents), "?")
        click.echo(f"{name:<24}{layer:<9}{printable(path)}")
        logger.debug("%s: %s", name, purpose)
    for label, d in layers:
        logger.info("%s templates: %s", label, printable(d))


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--client", default="client", show_default=True, help="The client the project's first config is for.")
@click.option("--name", "config_name", default="weekly", show_default=True, help="The name of the first config.")
@_verbose_option
def init(directory: Path, client: str, config_name: str) -> None:
    """Start a project in DIRECTORY: briefgen.yaml, a commented config, sample articles and a
    client template override; then `briefgen build DIRECTORY/configs/NAME.yaml` works from
    any directory."""

    make_project(directory, client, config_name)
    config = directory / "configs" / f"{config_name}.yaml"
    click.echo(f"created a briefgen project in {directory}")
    click.echo(f"  build it:     briefgen build {config}")
    click.echo(f"  check it:     briefgen validate {config}")
    click.echo(f"  try sending:  briefgen send {config} --dry-run")


@cli.command("eval")
@click.argument("dataset", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--words",
    default=100,
    show_default=True,
    type=click.IntRange(10, 2000),
    help="Cut each summary to this many words.",
)
@click.option(
    "--summaries-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help='Write one {"id", "summary"} JSON line per cluster.',
)
@click.option(
    "--summarizer",
    default="coverage",
    show_default=True,
    type=click.Choice(SUMMARIZER_NAMES),
    help="Selection method to measure.",
)
@click.option("--no-topic", is_flag=True, help="Ignore each cluster's topic (by default it is the brief).")
@click.option(
    "--no-background", is_flag=True, help="Ignore each cluster's background (by default the reader has read it)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_cache_options
@_verbose_option
def evaluate_command(
    dataset: Path,
    words: int,
    summaries_out: Path | None,
    summarizer: str,
    no_topic: bool,
    no_background: bool,
    as_json: bool,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Score key-point selection with ROUGE on DATASET (JSON Lines of document clusters with reference
    summaries). A cluster's topic is used as the brief, and its background as what the reader
    has already read, unless --no-topic or --no-background says otherwise."""
    import json

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{done}/{total} clusters", nl=done == total, err=True)

    workspace = _workspace(cache_dir, no_cache)
    report = evaluate(
        dataset,
        words=words,
        summarizer=summarizer,
        progress=progress,
        workspace=workspace,
        topic=not no_topic,
        background=not no_background,
    )
    logger.debug("%s", workspace.stats.summary())
    if summaries_out:
        try:
            with summaries_out.open("w", encoding="utf-8") as out:
                for c in report.clusters:
                    out.write(json.dumps({"id": c.id, "summary": c.summary}, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise BriefgenError(f"cannot write {summaries_out}: {exc.strerror or exc}") from None
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else format_report(report))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning briefgen errors into one line and an exit status."""
    _state["verbose"] = False
    _setup_logging(False)
    try:
        cli.main(args=argv, prog_name="briefgen", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("briefgen: aborted", err=True)
        sys.exit(130)
    except BriefgenError as exc:
        if _state["verbose"]:
            traceback.print_exc()
        click.echo(f"briefgen: error: {message(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("briefgen: interrupted", err=True)
        sys.exit(130)
    except MemoryError:
        click.echo("briefgen: error: out of memory (see the limits: section of the config)", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug: still one line, and the traceback with --verbose
        if _state["verbose"]:
            traceback.print_exc()
        click.echo(
            f"briefgen: error: unexpected {type(exc).__name__}: {message(str(exc))} "
            "(a bug in briefgen; run with --verbose for the traceback)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
