"""Stage timings: a stage inside another counts for itself alone, so the stages add up to the whole."""

from __future__ import annotations

import time

import pytest

from briefgen.timing import timed


@pytest.fixture
def clock(monkeypatch):
    """A clock that moves only when told to, so that the figures are exact."""
    now = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def test_a_nested_stage_counts_for_itself_alone_and_the_stages_add_up(clock):
    timings: dict[str, float] = {}
    with timed(timings, "outer"):
        clock(2)
        with timed(timings, "inner"):
            clock(5)
        with timed(timings, "inner"):
            clock(1)
            with timed(timings, "innermost"):
                clock(3)
    assert timings == {"outer": 2, "inner": 6, "innermost": 3}


def test_a_stage_that_fails_is_timed_and_leaves_the_one_around_it_right(clock):
    timings: dict[str, float] = {}
    with timed(timings, "outer"):
        clock(1)
        with pytest.raises(ValueError), timed(timings, "inner"):
            clock(4)
            raise ValueError("bad article")
    assert timings == {"outer": 1, "inner": 4}
