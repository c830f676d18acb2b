"""Where a batch runs: in this process, on a pool of local processes, or on a Dask cluster.

A batch is a few kinds of task, each a plain function of picklable arguments (see
:mod:`briefgen.batch`). An executor runs a list of tasks and yields each with its result
as it finishes. Tasks of one key are one task, and keys name work by its content (an
article's analysis by the hash of its text and of the analysis engine), so an article is
analysed once however many briefings use it. The executors are alternatives in
:data:`EXECUTORS`; none of them schedules anything itself: :mod:`concurrent.futures` and
Dask distributed do.

What runs on a worker hands back what it logged (:func:`captured`), for the batch's own
process to print as if it had run there. Workers never deliver: only the process that runs
the batch sends mail and writes the delivery log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from briefgen.analyse.workspace import Workspace
from briefgen.codebase import code_version
from briefgen.errors import BriefgenError, ClusterError

if TYPE_CHECKING:
    from distributed import Client

    from briefgen.analyse.workspace import Workspace

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: How long connecting to a Dask scheduler may take, in seconds.
CONNECT_TIMEOUT = 5.0
#: How many more times a local process pool runs a task it lost to a worker process that died
#: (Dask re-runs such tasks by itself, up to its ``distributed.scheduler.allowed-failures``).
RETRIES = 2


@dataclass(frozen=True)
class Task(Generic[T]):
    """One piece of work, ``fn(*args)``, named by ``key``: tasks of one key are the same work."""

    key: str
    fn: Callable[..., T]
    args: tuple[Any, ...] = ()


class Executor(Protocol):
    """What a batch needs of an engine: run tasks, and yield each with its result, or the
    exception that ended it, as it finishes."""

    in_process: bool
    """Whether tasks run in this process, one after another (they may then share objects in memory)."""

    @property
    def where(self) -> str:
        """Where tasks run, for the summary line: "on 2 local processes"; empty for this process."""
        ...

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        """Run every task (those of a key already taken once) and yield each as it finishes."""
        ...

    def close(self) -> None:
        """Let go of the processes or the cluster."""
        ...


def _unique(tasks: Iterable[Task[T]]) -> list[Task[T]]:
    found: dict[str, Task[T]] = {}
    for task in tasks:
        found.setdefault(task.key, task)
    return list(found.values())


class InProcess:
    """Every task in this process, in order, each run when the caller asks for the next result."""

    in_process = True

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        pass

    @property
    def where(self) -> str:
        return ""

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        for task in _unique(tasks):
            try:
                result: T | BaseException = task.fn(*task.args)
            except Exception as exc:
                result = exc
            yield task, result

    def close(self) -> None:
        pass


def _quiet_worker() -> None:
    """A pool process prints nothing itself: what it logs goes back with each task's result."""
    root = logging.getLogger("briefgen")
    root.addHandler(logging.NullHandler())
    root.propagate = False


class LocalProcesses:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` of ``workers`` processes, started with
    ``spawn`` (spaCy and ``fork`` do not mix well). A task lost to a process that died is run
    again on a fresh pool, at most :data:`RETRIES` more times."""

    in_process = False

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        if workers < 1:
            raise BriefgenError(f"a pool needs at least one worker process, not {workers}")
        self.workers = workers
        self._pool = self._start()

    def _start(self) -> concurrent.futures.ProcessPoolExecutor:
        import multiprocessing

        return concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_worker
        )

    @property
    def where(self) -> str:
        return f"on {self.workers} local process{'es' if self.workers != 1 else ''}"

    def _submit(self, task: Task[T]) -> concurrent.futures.Future[T]:
        try:
            return self._pool.submit(task.fn, *task.args)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(task.fn, *task.args)

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        pending = {self._submit(task): task for task in _unique(tasks)}
        lost: dict[str, int] = {}
        while pending:
            finished, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                try:
                    result: T | BaseException = future.result()
                except BrokenProcessPool as exc:
                    lost[task.key] = lost.get(task.key, 0) + 1
                    if lost[task.key] <= RETRIES:
                        pending[self._submit(task)] = task
                        continue
                    result = exc
                except Exception as exc:
                    result = exc
                yield task, result

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def worker_code() -> str:
    """:func:`briefgen.codebase.code_version` where this runs: a worker must run the same code as the batch."""

    return code_version()


class DaskCluster:
    """A running Dask distributed cluster, reached through its scheduler: ``tcp://HOST:PORT``, or
    the scheduler file that ``dask scheduler --scheduler-file`` writes.

    Connecting fails within :data:`CONNECT_TIMEOUT` seconds with a :class:`ClusterError`, and so
    does a cluster whose workers run other briefgen code or libraries than this process (their
    briefings would differ). Dask re-runs the tasks of a worker that dies.
    """

    in_process = False

    def __init__(self, workers: int = 1, scheduler: str | None = None, *, timeout: float | None = None) -> None:
        try:
            from distributed import Client  # an extra, and slow to load: only a batch on Dask needs it
        except ImportError:
            raise ClusterError(
                "running on a Dask cluster needs the cluster extra: pip install 'briefgen[cluster]'"
            ) from None

        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        if not scheduler:
            raise BriefgenError("running on Dask needs a scheduler address, such as tcp://127.0.0.1:8786")
        try:
            if "://" not in scheduler and Path(scheduler).is_file():
                client = Client(scheduler_file=scheduler, timeout=f"{timeout}s", set_as_default=False)
            else:
                client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            why = f"no answer within {timeout:g} s" if "Timed out" in str(exc) else str(exc) or type(exc).__name__
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {why}") from None
        self.client: Client = client
        self.address = str(client.scheduler.address if client.scheduler is not None else scheduler)
        try:
            self._check_workers()
        except BaseException:
            client.close()
            raise

    def _check_workers(self) -> None:

        try:
            codes: dict[str, str] = self.client.run(worker_code)
        except Exception as exc:
            raise ClusterError(
                f"the workers of {self.address} cannot run briefgen ({type(exc).__name__}: {exc}); "
                "install briefgen in the environment the workers run in"
            ) from None
        here = code_version()
        other = sorted(address for address, code in codes.items() if code != here)
        if other:
            raise ClusterError(
                f"{len(other)} worker(s) of {self.address} ({', '.join(other)}) run other briefgen code or "
                "libraries than this machine: install the same versions on every worker"
            )
        if not codes:
            logger.warning("no worker is connected to %s yet: the batch waits for one", self.address)

    @property
    def where(self) -> str:
        n = len(self.client.nthreads())
        return f"on {self.address}, {n} worker{'' if n == 1 else 's'}"

    def run(self, tasks: Iterable[Task[T]]) -> Iterator[tuple[Task[T], T | BaseException]]:
        from distributed import as_completed

        futures = {}
        for task in _unique(tasks):
            future = self.client.submit(task.fn, *task.args, key=task.key)
            futures[future.key] = (future, task)
        for future in as_completed([f for f, _ in futures.values()], loop=self.client.loop):
            _, task = futures.pop(future.key)
            try:
                result: T | BaseException = future.result()
            except (Exception, asyncio.CancelledError) as exc:
                result = exc
            future.release()
            yield task, result

    def close(self) -> None:
        try:
            self.client.run(release_workspaces)
        except Exception as exc:  # a cluster going away takes its workspaces with it
            logger.debug("could not release the workers' workspaces: %s", exc)
        self.client.close()


#: The executors a batch can run on, by name.
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "sequential": InProcess,
    "processes": LocalProcesses,
    "dask": DaskCluster,
}


def open_executor(name: str, *, workers: int = 1, scheduler: str | None = None) -> Executor:
    """The executor ``name`` of :data:`EXECUTORS`: ``workers`` local processes for ``processes``, the
    cluster of ``scheduler`` for ``dask``."""
    try:
        make = EXECUTORS[name]
    except KeyError:
        raise BriefgenError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}") from None
    return make(workers=workers, scheduler=scheduler)


# ----------------------------------------------------------------------------- on a worker


@dataclass(frozen=True)
class LogLine:
    """One message logged by a task, to be logged again by the batch's process."""

    logger: str
    level: int
    message: str


class _Collector(logging.Handler):
    """Keeps what each thread logs while it runs a task under :func:`captured`."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        lines: list[LogLine] | None = getattr(self.local, "lines", None)
        if lines is None or record.levelno < self.local.level:
            return
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        lines.append(LogLine(record.name, record.levelno, text))


_lock = threading.Lock()
_collector = _Collector()
#: Each worker thread's workspace for the run it works for (see :func:`run_workspace`).
_workspaces: dict[int, tuple[str, Workspace]] = {}


@contextmanager
def captured(level: int | None) -> Iterator[list[LogLine]]:
    """What briefgen logs at ``level`` or above in this thread while the block runs; nothing is
    kept for ``level=None`` (a task run in the batch's own process logs there directly)."""
    lines: list[LogLine] = []
    if level is None:
        yield lines
        return
    root = logging.getLogger("briefgen")
    with _lock:
        if _collector not in root.handlers:
            root.addHandler(_collector)
        if root.getEffectiveLevel() > level:
            root.setLevel(level)
    _collector.local.lines, _collector.local.level = lines, level
    try:
        yield lines
    finally:
        _collector.local.lines = None


def replay(lines: Iterable[LogLine], seen: set[LogLine] | None = None) -> None:
    """Log again, here, what a task logged on a worker; with ``seen``, each message once."""
    for line in lines:
        if seen is not None:
            if line in seen:
                continue
            seen.add(line)
        logging.getLogger(line.logger).log(line.level, "%s", line.message)


def run_workspace(cache_dir: Path, run: str) -> Workspace:
    """This thread's workspace for the batch run ``run``, over the shared ``cache_dir``: the builds a
    worker makes for one run share what they have read and analysed; a new run starts afresh."""

    me = threading.get_ident()
    with _lock:
        got = _workspaces.get(me)
        if got is None or got[0] != run or got[1].cache_dir != cache_dir:
            got = _workspaces[me] = (run, Workspace(cache_dir))
    return got[1]


def release_workspaces() -> None:
    """Drop every workspace this process keeps for a run, so a long-lived worker holds nothing between runs."""
    with _lock:
        _workspaces.clear()
