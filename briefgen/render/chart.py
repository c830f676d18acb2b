"""The coverage chart: how many of a briefing's articles appeared on each day (or week, or month).

Drawn as a small inline SVG for HTML and PDF and as rows of ``#`` for text and email readers; the
unit follows the window's length so a chart never has more than a few dozen bars.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import logging
import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from briefgen.models import Briefing
from briefgen.render.words import skeleton, words

logger = logging.getLogger(__name__)

#: The widest bar of the text chart, in ``#`` characters; taller counts are scaled down.
TEXT_BAR_WIDTH = 40


@dataclass(frozen=True)
class Bar:
    """One bar of the coverage chart: the articles used from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date
    count: int
    label: str
    """The row label of the text chart and the email: "Tue 11 Feb", "03 Feb–09 Feb", "Feb 2025"."""
    short: str
    """The axis label of the SVG chart: "Tue 11", "3 Feb", "Feb 25"."""


def chart_unit(days: int) -> str:
    """What one bar of the chart stands for, so that a chart has at most about 120 bars whatever the window:
    a day up to 14 days, a week up to 120 days, a month up to ten years, then a year."""
    if days <= 14:
        return "day"
    if days <= 120:
        return "week"
    return "month" if days <= 3660 else "year"


def _periods(first: dt.date, last: dt.date, unit: str) -> list[tuple[dt.date, dt.date]]:
    """The days, weeks (ending on ``last``), calendar months or years from ``first`` to ``last``."""
    one = dt.timedelta(days=1)
    periods: list[tuple[dt.date, dt.date]] = []
    if unit == "day":
        return [(first + one * k, first + one * k) for k in range((last - first).days + 1)]
    if unit == "week":
        end = last
        while True:
            start = first if (end - first).days < 7 else end - 6 * one
            periods.append((start, end))
            if start == first:
                return periods[::-1]
            end = start - one
    start = first
    while True:
        if unit == "month":
            end = dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        else:
            end = dt.date(start.year, 12, 31)
        periods.append((start, min(end, last)))
        if end >= last:
            return periods
        start = end + one


def chart_bars(briefing: Briefing, language: str = "en") -> list[Bar]:
    """Articles used per day, week or month of the window (see :func:`chart_unit`), the first first;
    labelled in ``language`` (the CLDR's forms through Babel where it is not English)."""
    first = briefing.window_start
    last = first + dt.timedelta(days=max(1, briefing.window_days) - 1)
    unit = chart_unit(briefing.window_days)
    periods = _periods(first, last, unit)
    starts = [start for start, _ in periods]
    counts = [0] * len(periods)
    for day, n in briefing.daily:
        k = bisect.bisect_right(starts, day) - 1
        if k >= 0 and day <= periods[k][1]:
            counts[k] += n
    bars = []
    for (start, end), n in zip(periods, counts, strict=True):
        if language != "en":
            bars.append(Bar(start, end, n, *_labels(start, end, unit, language)))
            continue
        if unit == "day":
            label, short = f"{start:%a} {start:%d %b}", f"{start:%a} {start.day}"
        elif unit == "week":
            label, short = f"{start:%d %b}\u2013{end:%d %b}", f"{start.day} {start:%b}"
        elif unit == "month":
            label, short = f"{start:%b %Y}", f"{start:%b %y}"
        else:
            label = short = str(start.year)
        bars.append(Bar(start, end, n, label, short))
    return bars


def _labels(start: dt.date, end: dt.date, unit: str, language: str) -> tuple[str, str]:
    """A bar's row and axis labels in a language other than English ("Di., 11. Feb.", "Di., 11.")."""
    if unit == "day":
        return skeleton("MMMEd", start, language), skeleton("Ed", start, language)
    if unit == "week":
        return f"{skeleton('MMMd', start, language)}\u2013{skeleton('MMMd', end, language)}", skeleton(
            "MMMd", start, language
        )
    if unit == "month":
        return skeleton("yMMM", start, language), skeleton("yyMMM", start, language)
    return str(start.year), str(start.year)


def chart_heading(briefing: Briefing, language: str = "en") -> str:
    """The chart's heading: "Coverage this week" for a 7-day window, else the window it covers
    ("Coverage, 30 days to 12 February 2025", "Coverage, 12 February 2025"); in ``language``."""
    days = briefing.window_days
    w = words(language)
    if days == 7:
        return w("coverage_week")
    last = w.longdate(briefing.as_of)
    return w("coverage_day", date=last) if days <= 1 else w("coverage_days", days=days, date=last)


def undated_count(briefing: Briefing, language: str = "en") -> str:
    """The articles used that the chart cannot place, counted beside it: "+3 undated"; "" for none."""
    return words(language)("plus_undated", briefing.undated_used) if briefing.undated_used else ""


def chart_svg(briefing: Briefing, accent: str, language: str = "en") -> Markup:
    """A small bar chart of articles per day (week, month) across the window, as inline SVG (no script, no fetch).

    Counts are printed over the bars up to a month of bars; axis labels thin out beyond 14 bars.
    """
    bars = chart_bars(briefing, language)
    unit = chart_unit(briefing.window_days)
    w = words(language)
    title = w("chart_title", unit=w(unit), start=briefing.window_start.isoformat(), end=briefing.as_of.isoformat())
    top = max((b.count for b in bars), default=0) or 1
    width, height, base = 640, 150, 118
    slot = width / max(1, len(bars))
    bar = min(48.0, slot * 0.6)
    step = 1 if len(bars) <= 14 else math.ceil(len(bars) / 12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>',
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#b8c0c8" stroke-width="1"/>',
    ]
    fill = escape(accent)
    for k, b in enumerate(bars):
        x = slot * k + (slot - bar) / 2
        h = 90 * b.count / top
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}"/>')
        if len(bars) <= 31:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base - h - 5:.1f}" text-anchor="middle" font-size="12" '
                f'font-family="DejaVu Sans, Arial, sans-serif" fill="#1a1a1a">{b.count}</text>'
            )
        if k % step == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 18}" text-anchor="middle" font-size="11" '
                f'font-family="DejaVu Sans, Arial, sans-serif" fill="#5b6470">{escape(b.short)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def chart_text(briefing: Briefing, language: str = "en") -> list[str]:
    """The same chart as lines of text, for Markdown and the plain-text email; bars at most
    :data:`TEXT_BAR_WIDTH` characters wide."""
    bars = chart_bars(briefing, language)
    top = max((b.count for b in bars), default=0)
    width = max((len(b.label) for b in bars), default=0)

    def hashes(n: int) -> int:
        return n if top <= TEXT_BAR_WIDTH or n == 0 else max(1, round(n * TEXT_BAR_WIDTH / top))

    lines = [f"{b.label:<{width}}  {'#' * hashes(b.count)}{' ' if b.count else ''}{b.count}" for b in bars]
    return [*lines, undated_count(briefing, language)] if briefing.undated_used else lines
