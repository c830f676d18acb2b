"""The weekly run: build (and send) every client's briefing in one go.

By default the configs are built in this process, one after another, sharing one
:class:`~briefgen.analyse.workspace.Workspace`, so an article used by twenty briefings is read,
cleaned and analysed once (for a briefing by stories, for its sentences and words alone; again
in full, once, if a briefing quotes from it: see :func:`briefgen.pipeline.select_analysed`). On local processes or a Dask cluster (an executor of
:mod:`briefgen.batch.executors`) the same work runs as tasks, each a plain function below:

1. :func:`plan_job` works out, for each config, whether its finished build can be reused and
   which files it reads;
2. :func:`read_input` reads and cleans each distinct input once, and :func:`analyse_document`
   analyses each distinct document in some briefing's date window once, in full
   (any briefing may quote it), into the analysis cache every worker shares;
3. :func:`build_job` builds each briefing as a sequential batch does, its analyses read
   from that cache.

The process that runs the batch delivers each briefing as its build ends: workers never
send mail. A config that fails is reported in the summary and the run goes on with the next.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.analyse.nlp import model_identity
from briefgen.analyse.workspace import Stats, Workspace, analysis_key, engine_version, input_key
from briefgen.batch.executors import InProcess, Task, captured, open_executor, replay, run_workspace
from briefgen.config.defaults import BatchSettings, window_start
from briefgen.config.load import LoadedConfig, find_project_root, load_config, load_project
from briefgen.deliver.smtp import deliver, delivery_formats
from briefgen.errors import ArticleError, BriefgenError, ConfigError
from briefgen.ingest.clean import truncate
from briefgen.ingest.sources import check_file, file_kind
from briefgen.pipeline import ensure_built, reuse
from briefgen.records.deliveries import already_sent
from briefgen.records.manifest import default_out_dir, output_keys
from briefgen.reuse import made_from
from briefgen.select.intake import source_files

if TYPE_CHECKING:
    from briefgen.batch.executors import Executor, LogLine
    from briefgen.models import Document
    from briefgen.pipeline import Finished

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


@dataclass(frozen=True)
class Job:
    """One config's briefing, as the batch's own process works it out before anything is built."""

    path: Path
    loaded: LoadedConfig
    as_of: dt.date
    out_dir: Path
    formats: tuple[str, ...]
    sent: bool
    """Whether the delivery log shows this briefing went out to someone already."""
    approved: bool = False
    """Whether it is to be sent and its config sends only approved builds: an approved build is
    then sent as approved (see :func:`~briefgen.pipeline.reuse`)."""


@dataclass(frozen=True)
class Built:
    """What building one config's briefing came to, wherever it ran."""

    finished: Finished | None
    detail: str = ""
    """Why the build failed, when ``finished`` is None."""
    seconds: float = 0.0
    stats: Stats = field(default_factory=Stats)
    logs: tuple[LogLine, ...] = ()


@dataclass(frozen=True)
class Use:
    """How one briefing reads an input: the date window its documents must be in to be
    analysed, how much of each it takes, and the spaCy model that analyses them."""

    start: dt.date
    end: dt.date
    max_chars: int
    model: str | None


@dataclass(frozen=True)
class Plan:
    """What a config's build needs: nothing when its finished build is reused, else the files it reads."""

    build: bool
    files: tuple[Path, ...] = ()
    use: Use | None = None


@dataclass(frozen=True)
class Read:
    """An input read and cleaned into the cache, and those of its documents still to analyse."""

    todo: tuple[tuple[str, str | None, Document], ...]
    """``(analysis key, spaCy model, document)`` for each document no cache entry holds yet."""
    stats: Stats
    logs: tuple[LogLine, ...]


@dataclass(frozen=True)
class Analysed:
    """A document analysed into the cache."""

    stats: Stats
    logs: tuple[LogLine, ...]


def prepare(path: Path, as_of: dt.date | None, send: bool, delivery_log: Path | None) -> Job:
    """Read one config and work out its briefing's date, output directory and formats."""

    loaded = load_config(path)
    day = as_of or loaded.config.window.as_of or dt.date.today()
    out_dir = default_out_dir(loaded, day)
    formats: list[str] = list(loaded.config.output.formats)
    sends = send and (loaded.config.delivery.email is not None or bool(loaded.config.delivery.notify))
    if sends:
        formats = delivery_formats(loaded, formats)
    sent = sends and already_sent(loaded, day, delivery_log)
    approved = sends and loaded.config.delivery.require_approval
    return Job(path, loaded, day, out_dir, tuple(formats), sent, approved)


def _failure(path: Path, exc: BaseException) -> str:
    """What a failed row says of ``exc``."""
    if isinstance(exc, ConfigError):
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return exc.problems[0] + more
    if isinstance(exc, BriefgenError):
        return str(exc)
    # A bug in one config's run must not stop the others.
    logger.debug("%s failed", path, exc_info=exc)
    return f"{type(exc).__name__}: {exc}"


def build_job(job: Job, store: Workspace | tuple[Path, str], rebuild: bool, level: int | None = None) -> Built:
    """Build one config's briefing, or reuse its finished build, as ``briefgen send`` would.

    ``store`` is the batch's workspace when this runs in the batch's process; on a worker it is
    ``(cache dir, run id)``: the builds of one run on a worker share a workspace over the shared
    cache (:func:`~briefgen.batch.executors.run_workspace`). ``level``: keep what is logged at it or
    above, for the batch's process to print.
    """

    start = time.perf_counter()
    workspace = store if isinstance(store, Workspace) else run_workspace(*store)
    before = dataclasses.replace(workspace.stats)
    finished: Finished | None = None
    detail = ""
    with captured(level) as logs:
        try:
            finished = ensure_built(
                job.loaded,
                job.as_of,
                job.out_dir,
                job.formats,
                workspace,
                rebuild=rebuild,
                sent=job.sent,
                approved=job.approved,
            )
            logger.info("%s: %s", job.path, f"built ({finished.reason})" if finished.built else "reused: unchanged")
        except Exception as exc:
            detail = _failure(job.path, exc)
    return Built(finished, detail, time.perf_counter() - start, workspace.stats.since(before), tuple(logs))


def needs_build(job: Job, rebuild: bool) -> bool:
    """Whether :func:`build_job` will build, rather than reuse a finished build (as
    :func:`~briefgen.pipeline.ensure_built` decides)."""

    if rebuild:
        return True
    try:
        ingredients: dict[str, object] | None = made_from(job.loaded, job.out_dir)
    except BriefgenError:
        ingredients = None
    found, _ = reuse(
        job.loaded,
        job.as_of,
        job.out_dir,
        output_keys(job.formats),
        ingredients,
        sent=job.sent,
        approved=job.approved,
        warn=False,
    )
    return found is None


def plan_job(job: Job, rebuild: bool) -> Plan:
    """Whether a config's briefing is to be built, and if so the files it reads (as
    :func:`~briefgen.select.intake.ingest` finds them) and how."""

    if not needs_build(job, rebuild):
        return Plan(False)
    config = job.loaded.config
    found = source_files(job.loaded)
    files = []
    for path in found.files:
        try:
            check_file(path, config.limits.max_bytes)
        except ArticleError:
            continue  # the build says why
        files.append(path)
    use = Use(window_start(job.as_of, config.window.days), job.as_of, config.limits.max_chars, config.spacy_model)
    return Plan(True, tuple(files), use)


def read_input(path: Path, cache_dir: Path, uses: tuple[Use, ...], level: int | None = None) -> Read:
    """Read and clean one input into the cache at ``cache_dir``; return its documents that some
    use of it may analyse (in the use's date window, with text left) and that are not analysed yet.

    An unreadable input gives nothing: each build that reads it says why.
    """

    workspace = Workspace(cache_dir)
    todo: dict[str, tuple[str, str | None, Document]] = {}
    with captured(level) as logs:
        try:
            documents = workspace.file_documents(path)
        except Exception as exc:
            logger.debug("cannot read %s: %s", path, exc)
            documents = ()
        for use in uses:
            identity = model_identity(use.model)
            for doc in documents:
                date = doc.article.date
                if not doc.words_after or (date is not None and not use.start <= date <= use.end):
                    continue
                doc = truncate(doc, use.max_chars) or doc
                key = analysis_key(doc, identity)
                if key not in todo and not workspace.analysed(key):
                    todo[key] = (key, use.model, doc)
    return Read(tuple(todo.values()), workspace.stats, tuple(logs))


def analyse_document(doc: Document, model: str | None, cache_dir: Path, level: int | None = None) -> Analysed:
    """Analyse one document with spaCy into the cache at ``cache_dir`` (the model is loaded once a process)."""

    workspace = Workspace(cache_dir)
    with captured(level) as logs:
        workspace.analyse([doc], model)
    return Analysed(workspace.stats, tuple(logs))


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def fill_cache(
    executor: Executor, jobs: Sequence[Job], cache_dir: Path, *, rebuild: bool, level: int | None, stats: Stats
) -> None:
    """Read every distinct input of the configs to build and analyse every distinct document
    they may use, each once, on ``executor``, into ``cache_dir``; count it all in ``stats``."""

    engine = engine_version()
    run = uuid.uuid4().hex
    started = time.perf_counter()
    seen: set[LogLine] = set()
    inputs: dict[str, tuple[Path, set[Use]]] = {}
    keys: dict[Path, str | None] = {}
    for task, plan in executor.run(
        [Task(f"briefgen-plan-{run}-{i}", plan_job, (j, rebuild)) for i, j in enumerate(jobs)]
    ):
        if isinstance(plan, BaseException):
            logger.debug("cannot plan %s: %s", task.args[0].path, plan)  # its build says what is wrong
            continue
        if plan.use is None:
            continue
        for path in plan.files:
            if path not in keys:
                try:
                    keys[path] = input_key(path)
                except OSError:
                    keys[path] = None  # the build says why
            key = keys[path]
            if key is not None:
                inputs.setdefault(key, (path, set()))[1].add(plan.use)

    reads = []
    for key, (path, uses) in inputs.items():
        ordered = tuple(sorted(uses, key=repr))
        # The content's key, and what the result depends on besides: the uses and the cache.
        reads.append(
            Task(
                f"briefgen-read-{engine}-{key}-{_key(ordered, str(cache_dir))}",
                read_input,
                (path, cache_dir, ordered, level),
            )
        )
    todo: dict[str, tuple[str | None, Document]] = {}
    for reading, read in executor.run(reads):
        if isinstance(read, BaseException):
            logger.debug("cannot read %s: %s", reading.args[0], read)
            continue
        stats.add(read.stats)
        replay(read.logs, seen)
        for key, model, doc in read.todo:
            todo.setdefault(key, (model, doc))

    analyses = [
        Task(f"briefgen-analyse-{engine}-{key}", analyse_document, (doc, model, cache_dir, level))
        for key, (model, doc) in todo.items()
    ]
    for _, analysed in executor.run(analyses):
        if isinstance(analysed, BaseException):
            logger.debug("cannot analyse a document: %s", analysed)  # its build analyses it, or says why not
            continue
        stats.add(analysed.stats)
        replay(analysed.logs, seen)
    logger.debug(
        "read %d inputs and analysed %d documents %s in %.1f s",
        len(reads),
        len(analyses),
        executor.where,
        time.perf_counter() - started,
    )


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
    executor: Executor | None = None,
) -> list[BatchRow]:
    """Build every config's briefing and, with ``send``, deliver it; one row per config, in the
    order of ``paths``. ``done`` is called with each row as its briefing is finished.

    ``executor`` (:mod:`briefgen.batch.executors`) says where builds run: by default in this
    process, one after another, sharing ``workspace``. Elsewhere, every input is first read and
    every document analysed once into ``workspace.cache_dir`` (a temporary directory when it has
    none, which only workers on this machine can share), and each build reads the analyses there.
    ``workspace.stats`` counts the work of every process. The briefings are the same either way.
    """

    executor = executor or InProcess()
    rows: dict[int, BatchRow] = {}

    def finish(i: int, row: BatchRow) -> None:
        rows[i] = row
        if done is not None:
            done(row)

    jobs: dict[int, tuple[Job, float]] = {}
    for i, path in enumerate(paths):
        start = time.perf_counter()
        try:
            jobs[i] = (prepare(path, as_of, send, delivery_log), time.perf_counter() - start)
        except Exception as exc:
            detail = _failure(path, exc)
            logger.warning("%s: %s", path, detail)
            finish(i, BatchRow(str(path), as_of, "failed", seconds=time.perf_counter() - start, detail=detail))

    scratch: Path | None = None
    store: Workspace | tuple[Path, str] = workspace
    level: int | None = None
    try:
        if not executor.in_process and jobs:
            cache_dir = workspace.cache_dir
            if cache_dir is None:
                cache_dir = scratch = Path(tempfile.mkdtemp(prefix="briefgen-analysis-"))
            level = logging.getLogger("briefgen").getEffectiveLevel()
            store = (cache_dir, uuid.uuid4().hex)
            fill_cache(
                executor,
                [job for job, _ in jobs.values()],
                cache_dir,
                rebuild=rebuild,
                level=level,
                stats=workspace.stats,
            )
        run = uuid.uuid4().hex
        tasks = {f"briefgen-build-{run}-{i}": i for i in jobs}
        builds = [Task(key, build_job, (jobs[i][0], store, rebuild, level)) for key, i in tasks.items()]
        for task, outcome in executor.run(builds):
            i = tasks[task.key]
            job, prepared = jobs[i]
            if isinstance(outcome, BaseException):  # the task itself was lost, not just its build
                built = Built(None, f"{type(outcome).__name__}: {outcome}")
            else:
                built = outcome
            if not executor.in_process:
                workspace.stats.add(built.stats)
                replay(built.logs)
            finish(
                i,
                _deliver(
                    job,
                    built,
                    prepared,
                    send=send,
                    dry_run=dry_run,
                    resend=resend,
                    delivery_log=delivery_log,
                    sleep=sleep,
                ),
            )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return [rows[i] for i in sorted(rows)]


def _deliver(
    job: Job,
    built: Built,
    prepared: float,
    *,
    send: bool,
    dry_run: bool,
    resend: bool,
    delivery_log: Path | None,
    sleep: Callable[[float], None],
) -> BatchRow:
    """The row of one config once its build is done: with ``send``, after delivering it here."""

    start = time.perf_counter()
    name, day, out_dir, articles, delivered = str(job.path), job.as_of, job.out_dir, "-", "-"

    def seconds() -> float:
        return prepared + built.seconds + time.perf_counter() - start

    finished = built.finished
    if finished is None:
        logger.warning("%s: %s", job.path, built.detail)
        return BatchRow(name, day, "failed", articles, delivered, seconds(), built.detail)
    if finished.articles:
        articles = f"{finished.articles[0]}/{finished.articles[1]}"
    made = "built" if finished.built else "reused"
    if not send:
        return BatchRow(name, day, made, articles, delivered, seconds(), str(out_dir))
    delivery = job.loaded.config.delivery
    if delivery.email is None and not delivery.notify:
        return BatchRow(name, day, made, articles, delivered, seconds(), "no delivery.email: not sent")
    if (
        not delivery.notify
        and delivery.email is not None
        and not (delivery.email.recipients() or delivery.email.recipients_csv)
    ):
        return BatchRow(name, day, made, articles, delivered, seconds(), "no recipients: not sent")
    try:
        report = deliver(
            job.loaded,
            day,
            finished.outputs,
            dry_run=dry_run,
            resend=resend,
            delivery_log=delivery_log,
            sleep=sleep,
        )
    except Exception as exc:
        detail = _failure(job.path, exc)
        logger.warning("%s: %s", job.path, detail)
        return BatchRow(name, day, "failed", articles, delivered, seconds(), detail)
    delivered = report.counts()
    if report.complete:
        status = "dry run" if dry_run else "sent"
        fresh = sum(o.status in ("sent", "written") for o in report.outcomes)
        detail = f"{out_dir} ({fresh} {'written' if dry_run else 'sent'} now)"
        return BatchRow(name, day, status, articles, delivered, seconds(), detail)
    missed = [f"{o.recipient} {o.status}" for o in report.outcomes if not o.settled]
    return BatchRow(name, day, "not sent", articles, delivered, seconds(), "; ".join(missed))


#: The environment variable that names a Dask scheduler for ``briefgen batch``.
SCHEDULER_ENV = "BRIEFGEN_DASK_SCHEDULER"


def executor_for(configs: Sequence[Path], *, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Where ``briefgen batch`` builds: the Dask cluster of ``scheduler``, or ``workers`` local
    processes, as given; else the scheduler :data:`SCHEDULER_ENV` names; else the ``batch:``
    settings of the first config's project; else this process."""
    import os

    if scheduler is not None:  # an empty one too: DaskCluster says what is wrong with it
        return open_executor("dask", scheduler=scheduler)
    if workers is not None:
        return open_executor("processes" if workers > 1 else "sequential", workers=workers)
    if os.environ.get(SCHEDULER_ENV):
        return open_executor("dask", scheduler=os.environ[SCHEDULER_ENV])
    settings = BatchSettings()
    root = find_project_root(configs[0].parent) if configs else find_project_root(Path.cwd())
    if root is not None:
        try:
            settings = load_project(root)[0].batch
        except ConfigError as exc:  # each config's row says what is wrong with the project file
            logger.debug("%s", exc)
    if settings.scheduler and root is not None:
        named = settings.scheduler
        with contextlib.suppress(OSError, ValueError):  # a name no file can have is an address to check
            if "://" not in named and (root / named).is_file():  # a scheduler file, relative to the project
                named = str(root / named)
        return open_executor("dask", scheduler=named)
    return open_executor("processes" if settings.workers > 1 else "sequential", workers=settings.workers)


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
