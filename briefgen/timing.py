"""How long each stage of a build takes: ``timed`` adds a block's time to a stage, nested stages
counting for themselves alone, so that a build's stages add up to the whole. The workspace times
loading the model with it, so it is part of the analysis engine's version (a change to it is a
change to the engine: :func:`~briefgen.analyse.workspace.engine_version`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["timed"]

#: The stages being timed in this thread, innermost last, each with the time spent so far in stages inside it.
_open = threading.local()


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the time spent in the ``with`` block to ``timings[stage]``; a stage timed inside another
    counts for itself alone, so that the stages add up to the whole."""
    stack: list[float] = _open.__dict__.setdefault("stack", [])
    start = time.perf_counter()
    stack.append(0.0)
    try:
        yield
    finally:
        inner = stack.pop()
        spent = time.perf_counter() - start
        timings[stage] = timings.get(stage, 0.0) + spent - inner
        if stack:
            stack[-1] += spent
