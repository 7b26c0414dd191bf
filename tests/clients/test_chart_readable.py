"""The progress chart's labels meet contrast and stay readable on a phone (issue 11, item 11)."""

import datetime
import xml.etree.ElementTree as ET

from ethos.clients.chart import COLOURS, WIDTH, Series, progress_chart

SVG = "{http://www.w3.org/2000/svg}"
DAY = datetime.date(2025, 3, 1)
# The chart's width on a 390 px phone: the page's padding and the panel's leave about this much.
PHONE_WIDTH = 340


def contrast(colour: str, background: str = "#ffffff") -> float:
    def luminance(hex_colour: str) -> float:
        hex_colour = hex_colour.lstrip("#")
        if len(hex_colour) == 3:
            hex_colour = "".join(c * 2 for c in hex_colour)
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def chart_root():
    series = [
        Series(label=f"Goal {n}", points=((DAY, n), (DAY + datetime.timedelta(days=9), n + 2)))
        for n in range(len(COLOURS))
    ]
    return ET.fromstring(str(progress_chart(series, title="t")))  # noqa: S314 (our own markup)


def test_every_label_meets_wcag_aa_text_contrast():
    texts = list(chart_root().iter(f"{SVG}text"))
    assert texts
    assert all(contrast(text.get("fill")) >= 4.5 for text in texts)


def test_every_line_meets_non_text_contrast():
    assert all(contrast(colour) >= 3 for colour in COLOURS)


def test_labels_stay_at_least_12px_on_a_phone():
    scale = PHONE_WIDTH / WIDTH
    sizes = [float(text.get("font-size")) for text in chart_root().iter(f"{SVG}text")]
    assert min(sizes) * scale >= 12
