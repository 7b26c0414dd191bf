"""A small, server-rendered SVG chart of goal progress: one line per goal, scores 0 to 10 over time.

No JavaScript and no inline styles (the CSP allows neither): colours and dashes are presentation
attributes. Every piece of text from a person is escaped, so a goal's words cannot break out of
the markup. The page puts a visually hidden table of the same data next to the chart.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ethos.web import conditional_escape as escape

SCORE_MAX = 10
EMPTY_MESSAGE = "No progress recorded yet. Once the client rates a goal, its line appears here."

# A narrow canvas with large type: on a 390 px phone the chart scales to about four fifths, and
# its labels stay at 12 px or more (WCAG 1.4.4 in practice, not just in a desktop window).
WIDTH = 440
PLOT_HEIGHT = 220
MARGIN_LEFT = 40
MARGIN_RIGHT = 24
MARGIN_TOP = 16
AXIS_SPACE = 40
LEGEND_ROW = 26
LEGEND_CHARS = 38
AXIS_FONT = 16
LEGEND_FONT = 17
# Text colour: 9.5:1 on the white chart (WCAG AA asks 4.5:1).
TEXT = "#3d474b"

# Okabe-Ito hues (distinguishable with the common colour-vision differences), darkened where
# needed so every line has at least 3:1 against white (WCAG 1.4.11), with a dash pattern each, so
# no line depends on colour alone.
COLOURS = ("#0072B2", "#B34D00", "#007A5A", "#A8437F", "#8A5A00", "#5B4B8A", "#000000")
DASHES = ("", "6 4", "2 3", "10 3 2 3")


@dataclass(frozen=True)
class Series:
    """One goal's line: a label (the goal's words) and its (day, score) points."""

    label: str
    points: tuple[tuple[datetime.date, int], ...]


@dataclass(frozen=True)
class Frame:
    """Where the plot sits and which days its x axis spans."""

    first: datetime.date
    last: datetime.date
    left: float = MARGIN_LEFT
    top: float = MARGIN_TOP
    width: float = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    height: float = PLOT_HEIGHT

    def x(self, day: datetime.date) -> float:
        """Place a day on the x axis; a single day sits in the middle."""
        span = (self.last - self.first).days
        if span == 0:
            return round(self.left + self.width / 2, 1)
        return round(self.left + self.width * (day - self.first).days / span, 1)

    def y(self, score: int) -> float:
        """Place a score on the y axis: 0 at the bottom, 10 at the top."""
        clamped = min(max(score, 0), SCORE_MAX)
        return round(self.top + self.height * (1 - clamped / SCORE_MAX), 1)

    @property
    def bottom(self) -> float:
        return self.top + self.height


def frame_for(series: Sequence[Series]) -> Frame | None:
    days = [day for line in series for day, _ in line.points]
    if not days:
        return None
    return Frame(first=min(days), last=max(days))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LEGEND_CHARS else text[: LEGEND_CHARS - 1].rstrip() + "…"


# The markup is built with f-strings: every number and colour here is the chart's own, and the
# only text from a person (a goal's words, the title) goes through `escape`. format_html escaping
# each of a chart's hundreds of numbers cost more than reading the goals.


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def _axes(frame: Frame) -> str:
    parts = []
    right = frame.left + frame.width
    for score in range(0, SCORE_MAX + 1, 2):
        y = frame.y(score)
        parts.append(
            f'<line x1="{frame.left}" y1="{y}" x2="{right}" y2="{y}" stroke="#d9d6cf" stroke-width="1"/>'
            f'<text x="{frame.left - 8}" y="{y + 5}" text-anchor="end" font-size="{AXIS_FONT}" fill="{TEXT}">'
            f"{score}</text>"
        )
    labels = [frame.first] if frame.first == frame.last else [frame.first, frame.last]
    anchors = ["middle"] if len(labels) == 1 else ["start", "end"]
    for day, anchor in zip(labels, anchors, strict=True):
        parts.append(
            f'<text x="{frame.x(day)}" y="{frame.bottom + 22}" text-anchor="{anchor}" font-size="{AXIS_FONT}"'
            f' fill="{TEXT}">{day.day} {day:%b %Y}</text>'
        )
    parts.append(
        f'<line x1="{frame.left}" y1="{frame.bottom}" x2="{right}" y2="{frame.bottom}" stroke="{TEXT}"'
        ' stroke-width="1"/>'
    )
    return "".join(parts)


def _line(frame: Frame, line: Series, index: int) -> str:
    colour = COLOURS[index % len(COLOURS)]
    dash = DASHES[index % len(DASHES)]
    placed = [
        (frame.x(day), frame.y(score)) for day, score in sorted(line.points, key=lambda point: point[0])
    ]
    coords = " ".join(f"{x},{y}" for x, y in placed)
    markers = "".join(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}"/>' for x, y in placed)
    return (
        f'<g class="chart__line"><polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"'
        f"{_dash(dash)}/>{markers}</g>"
    )


def _legend(frame: Frame, series: Sequence[Series]) -> str:
    top = frame.bottom + AXIS_SPACE
    parts = []
    for index, line in enumerate(series):
        y = top + index * LEGEND_ROW
        colour = COLOURS[index % len(COLOURS)]
        dash = DASHES[index % len(DASHES)]
        parts.append(
            f'<line x1="{frame.left}" y1="{y}" x2="{frame.left + 28}" y2="{y}" stroke="{colour}"'
            f' stroke-width="2.5"{_dash(dash)}/>'
            f'<text x="{frame.left + 36}" y="{y + 5}" font-size="{LEGEND_FONT}" fill="#1f2a2e">'
            f"{escape(_short(line.label))}</text>"
        )
    return "".join(parts)


def progress_chart(series: Sequence[Series], *, title: str, chart_id: str = "goal-chart") -> SafeString:
    """Return inline SVG markup for the series, or a friendly paragraph when there is nothing to draw."""
    drawn = [line for line in series if line.points]
    frame = frame_for(drawn)
    if frame is None:
        return format_html('<p class="chart-empty">{}</p>', EMPTY_MESSAGE)
    height = frame.bottom + AXIS_SPACE + LEGEND_ROW * len(drawn)
    description = (
        f"{len(drawn)} goal{'s' if len(drawn) != 1 else ''}, scored 0 to {SCORE_MAX}, "
        f"from {frame.first.day} {frame.first:%B %Y} to {frame.last.day} {frame.last:%B %Y}. "
        "The table that follows has the same data."
    )
    lines = "".join(_line(frame, line, index) for index, line in enumerate(drawn))
    chart_id = escape(chart_id)
    return mark_safe(  # noqa: S308  # nosec B308 B703 - the parts are numbers, the palette and escaped text
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' viewBox="0 0 {WIDTH} {round(height)}" width="{WIDTH}" height="{round(height)}"'
        ' xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{_axes(frame)}{lines}{_legend(frame, drawn)}</svg>"
    )
