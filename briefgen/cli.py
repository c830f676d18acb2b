"""The ``briefgen`` command line.

Errors a user can cause print one line and exit non-zero; ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .config import FORMATS, load_config
from .errors import BriefgenError, ConfigError

log = logging.getLogger("briefgen")
_state = {"verbose": False}


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"briefgen: {record.levelname.lower()}: {record.getMessage()}"


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def _verbose_option(f):  # noqa: ANN001, ANN202 - click decorator
    def set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        if value:
            _state["verbose"] = True
            _setup_logging(True)
        return value

    return click.option(
        "-v", "--verbose", is_flag=True, expose_value=False, is_eager=True, callback=set_verbose,
        help="Show debug messages and full tracebacks.",
    )(f)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


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


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help="Last day of the date window (default: the config's, else today).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Output directory (default: output/<config name>/<as-of>/).")
@click.option("--format", "formats", callback=_parse_formats, metavar="md,html,pdf", help="Formats to write; briefing.json is always written.")
@_verbose_option
def build(config: Path, as_of: dt.date | None, out_dir: Path | None, formats: list[str] | None) -> None:
    """Build the briefing CONFIG describes and print the paths written."""
    from .pipeline import build as run_build

    loaded = load_config(config)
    result = run_build(loaded, as_of=as_of, out_dir=out_dir, formats=formats)
    for path in result.outputs.values():
        click.echo(str(path))
    counts: dict[str, int] = {}
    for decision in result.decisions:
        counts[decision.status] = counts.get(decision.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    log.info("%s articles: %s", sum(counts.values()), summary)
    log.debug("timings: %s", ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--as-of", callback=_parse_date, metavar="YYYY-MM-DD", help="Last day of the date window (default: the config's, else today).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (what build writes as ingest.json).")
@_verbose_option
def inspect(config: Path, as_of: dt.date | None, as_json: bool) -> None:
    """List every input of CONFIG with its form, metadata, word counts and what happened to it."""
    import json

    from .pipeline import intake_report, take_in

    loaded = load_config(config)
    as_of = as_of or loaded.config.window.as_of or dt.date.today()
    intake = take_in(loaded, as_of)
    report = {"config": str(config), "as_of": as_of.isoformat(), **intake_report(intake)}
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"window {intake.start} to {intake.end}; {len(intake.decisions)} inputs")
    for d in intake.decisions:
        words = f"{d.words_before}\u2192{d.words_after}" if d.words_before is not None else "-"
        date = d.date.isoformat() if d.date else "undated"
        click.echo(f"{d.status:<15}{(d.form or '-'):<11}{words:>11}  {date:<11} {d.path}")
        meta = " \u00b7 ".join(x for x in (d.title and f"\u201c{d.title}\u201d", d.publisher, d.author, d.url) if x)
        for line in (meta, d.detail):
            if line:
                click.echo(f"{'':<15}{line}")
    counts = ", ".join(f"{n} {status}" for status, n in report["counts"].items())  # type: ignore[union-attr]
    click.echo(f"total: {counts or 'nothing read'}")


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@_verbose_option
def validate(config: Path) -> None:
    """Check CONFIG and report every problem with its key path and line; print "ok" when there is none."""
    from .ingest import expand_sources

    try:
        loaded = load_config(config)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"{config}: {problem}" if not problem.startswith(str(config)) else problem, err=True)
        sys.exit(1)
    from .fetch import is_url

    problems = []
    for i, pattern in enumerate(loaded.config.sources):
        if is_url(pattern):
            continue  # reachability is checked when building, with the cache as a fallback
        _, missing = expand_sources([pattern], loaded.base_dir)
        if missing:
            line = loaded.lines.get(f"sources.{i}")
            where = f" (line {line})" if line else ""
            problems.append(f"{config}: sources.{i}{where}: {pattern!r} matches no file")
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        sys.exit(1)
    click.echo("ok")


@cli.command()
@click.argument("config", type=click.Path(path_type=Path))
@_verbose_option
def templates(config: Path) -> None:
    """Print which file each template of CONFIG resolves to, and where it comes from."""
    from . import render

    loaded = load_config(config)
    overrides = render.template_dirs(loaded.config, loaded.base_dir)
    env = render.template_env([d for _, d in overrides])
    layers = [*overrides, ("default", render.default_template_dir())]
    for name, purpose in render.TEMPLATE_NAMES.items():
        path = render.resolve_template(env, name).resolve()
        layer = next((label for label, d in layers if d.resolve() in path.parents), "?")
        click.echo(f"{name:<24}{layer:<9}{path}")
        log.debug("%s: %s", name, purpose)
    for label, d in layers:
        log.info("%s templates: %s", label, d)


@cli.command("eval")
@click.argument("dataset", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--words", default=100, show_default=True, type=click.IntRange(10, 2000), help="Cut each summary to this many words.")
@click.option("--summaries-out", type=click.Path(path_type=Path, dir_okay=False), help="Write one {\"id\", \"summary\"} JSON line per cluster.")
@click.option("--summarizer", default="coverage", show_default=True, help="Selection method to measure.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_verbose_option
def evaluate_command(dataset: Path, words: int, summaries_out: Path | None, summarizer: str, as_json: bool) -> None:
    """Score key-point selection with ROUGE on DATASET (JSON Lines of document clusters with reference summaries)."""
    import json

    from .evaluate import evaluate, format_report

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{done}/{total} clusters", nl=done == total, err=True)

    report = evaluate(dataset, words=words, summarizer=summarizer, progress=progress)
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
        click.echo(f"briefgen: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("briefgen: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
