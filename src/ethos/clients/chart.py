"""A small, server-rendered SVG chart of goal progress: one line per goal, scores 0 to 10 over time.

No JavaScript and no inline styles (the CSP allows neither): colours and dashes are presentation
attributes. Every piece of text goes through format_html, so a goal's words cannot break out of
the markup. The page puts a visually hidden table of the same data next to the chart.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


def _join(parts) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _axes(frame: Frame) -> SafeString:
    parts = []
    for score in range(0, SCORE_MAX + 1, 2):
        y = frame.y(score)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9d6cf" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="{}" fill="{}">{}</text>',
                frame.left,
                y,
                frame.left + frame.width,
                y,
                frame.left - 8,
                y + 5,
                AXIS_FONT,
                TEXT,
                score,
            )
        )
    labels = [frame.first] if frame.first == frame.last else [frame.first, frame.last]
    anchors = ["middle"] if len(labels) == 1 else ["start", "end"]
    for day, anchor in zip(labels, anchors, strict=True):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}">{}</text>',
                frame.x(day),
                frame.bottom + 22,
                anchor,
                AXIS_FONT,
                TEXT,
                f"{day.day} {day:%b %Y}",
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            frame.left,
            frame.bottom,
            frame.left + frame.width,
            frame.bottom,
            TEXT,
        )
    )
    return _join(parts)


def _line(frame: Frame, line: Series, index: int) -> SafeString:
    colour = COLOURS[index % len(COLOURS)]
    dash = DASHES[index % len(DASHES)]
    points = sorted(line.points, key=lambda point: point[0])
    coords = " ".join(f"{frame.x(day)},{frame.y(score)}" for day, score in points)
    dash_attr = format_html(' stroke-dasharray="{}"', dash) if dash else ""
    markers = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3.5" fill="{}"/>',
        ((frame.x(day), frame.y(score), colour) for day, score in points),
    )
    return format_html(
        '<g class="chart__line"><polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"{}/>{}</g>',
        coords,
        colour,
        dash_attr,
        markers,
    )


def _legend(frame: Frame, series: Sequence[Series]) -> SafeString:
    top = frame.bottom + AXIS_SPACE
    parts = []
    for index, line in enumerate(series):
        y = top + index * LEGEND_ROW
        colour = COLOURS[index % len(COLOURS)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = format_html(' stroke-dasharray="{}"', dash) if dash else ""
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>'
                '<text x="{}" y="{}" font-size="{}" fill="#1f2a2e">{}</text>',
                frame.left,
                y,
                frame.left + 28,
                y,
                colour,
                dash_attr,
                frame.left + 36,
                y + 5,
                LEGEND_FONT,
                _short(line.label),
            )
        )
    return _join(parts)


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
    lines = _join(_line(frame, line, index) for index, line in enumerate(drawn))
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}"'
        ' width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{axes}{lines}{legend}</svg>",
        id=chart_id,
        w=WIDTH,
        h=round(height),
        title=title,
        desc=description,
        axes=_axes(frame),
        lines=lines,
        legend=_legend(frame, drawn),
    )
