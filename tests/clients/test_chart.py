import datetime
import re
import xml.etree.ElementTree as ET

from ethos.clients.chart import (
    EMPTY_MESSAGE,
    MARGIN_LEFT,
    MARGIN_TOP,
    PLOT_HEIGHT,
    WIDTH,
    Frame,
    Series,
    progress_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
DAY = datetime.date(2025, 3, 1)


def days(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own markup, parsed to check it is well-formed)


def polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(float(n) for n in pair.split(",")) for pair in line.get("points").split()]
        for line in root.iter(f"{SVG}polyline")
    ]


def test_it_maps_scores_and_days_to_the_plot_area():
    frame = Frame(first=days(0), last=days(10))
    right = WIDTH - 24
    assert frame.x(days(0)) == MARGIN_LEFT
    assert frame.x(days(10)) == right
    assert frame.x(days(5)) == (MARGIN_LEFT + right) / 2
    assert frame.y(10) == MARGIN_TOP
    assert frame.y(0) == MARGIN_TOP + PLOT_HEIGHT
    assert frame.y(5) == MARGIN_TOP + PLOT_HEIGHT / 2


def test_it_draws_one_line_per_goal_through_the_right_points():
    chart = progress_chart(
        [
            Series(label="Sleep through the night", points=((days(0), 2), (days(10), 7))),
            Series(label="Say no at work", points=((days(5), 10), (days(0), 0))),
        ],
        title="Progress",
    )
    root = parse(chart)
    lines = polylines(root)
    frame = Frame(first=days(0), last=days(10))
    assert lines[0] == [(frame.x(days(0)), frame.y(2)), (frame.x(days(10)), frame.y(7))]
    # Points are drawn in date order whatever order they come in.
    assert lines[1] == [(frame.x(days(0)), frame.y(0)), (frame.x(days(5)), frame.y(10))]
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    colours = [line.get("stroke") for line in root.iter(f"{SVG}polyline")]
    assert len(set(colours)) == 2


def test_it_is_an_accessible_image_with_a_title_and_the_axes_zero_to_ten():
    root = parse(progress_chart([Series(label="Walk daily", points=((DAY, 4),))], title="Robin's goals"))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title.text == "Robin's goals"
    assert title.get("id") in root.get("aria-labelledby").split()
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert {"0", "2", "4", "6", "8", "10"} <= set(labels)
    assert "Walk daily" in labels


def test_a_single_day_sits_in_the_middle():
    root = parse(progress_chart([Series(label="x", points=((DAY, 5),))], title="t"))
    [[(x, y)]] = polylines(root)
    assert x == MARGIN_LEFT + (WIDTH - MARGIN_LEFT - 24) / 2
    assert y == MARGIN_TOP + PLOT_HEIGHT / 2


def test_empty_data_gives_a_friendly_message_not_an_empty_chart():
    assert EMPTY_MESSAGE in progress_chart([], title="t")
    empty = progress_chart([Series(label="No ratings yet", points=())], title="t")
    assert "<svg" not in empty and EMPTY_MESSAGE in empty


def test_it_escapes_every_text():
    hostile = '<script>alert("x")</script> & "quotes"'
    chart = str(progress_chart([Series(label=hostile, points=((DAY, 3),))], title=hostile, chart_id='a"b'))
    assert "<script>" not in chart
    assert "&lt;script&gt;" in chart
    root = parse(chart)  # still well-formed XML
    assert root.find(f"{SVG}title").text == hostile


def test_it_uses_no_inline_style():
    chart = str(progress_chart([Series(label="x", points=((DAY, 3), (days(3), 6)))], title="t"))
    assert "style" not in chart
    assert not re.search(r"<script", chart)


def test_long_goal_words_are_shortened_in_the_legend():
    words = "word " * 100
    root = parse(progress_chart([Series(label=words, points=((DAY, 3),))], title="t"))
    legend = [text.text for text in root.iter(f"{SVG}text") if text.text and text.text.startswith("word")]
    assert legend and len(legend[0]) <= 70 and legend[0].endswith("…")
