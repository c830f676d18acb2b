"""Work shared out among forked processes, one per core this process may use.

The processes are forked, so each starts with what this one has loaded (the spaCy model, the
language identifier's model) and only the items and results travel between them. Where forking
is unavailable or not allowed (a daemonic process, such as a Dask worker, may not start children),
or the items are too few to repay starting processes, the work runs here. Each item's result
depends on the item alone, so it is the same however the work is divided.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")

#: Pieces of work per process, so that one long piece does not leave the other cores idle.
CHUNKS_PER_WORKER = 4


#: Set in a process that is itself one of several sharing the cores (a batch's pool process): it forks none.
_ALONE = {"alone": False}


def work_alone() -> None:
    """This process shares the cores with others of its kind already (a batch's pool process): it
    starts no processes of its own."""
    _ALONE["alone"] = True


def workers(asked: int | None, items: int, minimum: int) -> int:
    """How many processes work on ``items``: one below ``minimum`` items, in a daemonic process, one
    that :func:`work_alone`, or where ``fork`` is unavailable; else ``asked``, or, unless other threads
    run here (a fork copies only the thread that forks, and a lock another one holds stays held, as
    in ``serve``), one per core this process may use."""
    if items < minimum or multiprocessing.current_process().daemon or _ALONE["alone"]:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if asked is not None:
        return max(1, asked)
    if threading.active_count() > 1:
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pieces(items: Sequence[_T], count: int, size: Callable[[_T], int]) -> list[list[_T]]:
    """``items`` in consecutive pieces of about equal ``size``, :data:`CHUNKS_PER_WORKER` per process
    for ``count`` processes; all in one piece for one."""
    if count <= 1:
        return [list(items)]
    parts = min(len(items), count * CHUNKS_PER_WORKER)
    total = sum(size(item) for item in items) or 1
    split: list[list[_T]] = [[] for _ in range(parts)]
    done = 0
    for item in items:
        split[min(parts - 1, done * parts // total)].append(item)
        done += size(item)
    return [p for p in split if p]


def fork_map(
    work: Callable[[Sequence[_T]], list[_R]],
    items: Sequence[_T],
    minimum: int,
    size: Callable[[_T], int] = lambda _: 1,
    asked: int | None = None,
) -> list[_R]:
    """``work`` over consecutive pieces of ``items``, in forked processes when there are at least
    ``minimum`` of them (see :func:`workers`), its results in the order of the items. ``work`` is a
    module-level function (or a :func:`functools.partial` of one) returning one result per item."""
    count = workers(asked, len(items), minimum)
    if count <= 1:
        return work(items)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(count, context) as pool:
        return [result for part in pool.map(work, pieces(items, count, size)) for result in part]
