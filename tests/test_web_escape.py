"""`ethos.web.escape` and `conditional_escape`: Django's output exactly, without the lazy check."""

from __future__ import annotations

import pytest
from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe

from ethos.web import conditional_escape, escape

VALUES = [
    "",
    "plain words",
    "<script>alert('x')</script>",
    'Tom & Jerry\'s "show"',
    "'; DROP TABLE clients_client; --",
    "é ü ✓ 😀",
    0,
    42,
    3.5,
    None,
    True,
]
lazy_text = lazy(lambda: "<b>lazy & 'quoted'</b>", str)
lazy_safe = lazy(lambda: mark_safe("<b>already html</b>"), SafeString)


class Html:
    def __html__(self) -> str:
        return "<i>its own html</i>"

    def __str__(self) -> str:
        return "<i>as text</i>"


@pytest.mark.parametrize("value", [*VALUES, lazy_text(), mark_safe("<b>safe</b>")])
def test_escape_gives_djangos_text_and_type(value):
    ours, django = escape(value), django_html.escape(value)
    assert ours == str(django)
    # Django's answers a lazy string with a lazy result; ours reads it at once: the same text.
    assert type(ours) is SafeString


@pytest.mark.parametrize("value", [*VALUES, lazy_text(), lazy_safe(), mark_safe("<b>safe</b>"), Html()])
def test_conditional_escape_gives_djangos_text_and_keeps_html_as_it_is(value):
    ours, django = conditional_escape(value), django_html.conditional_escape(value)
    assert ours == django
    assert isinstance(ours, SafeString) == isinstance(django, SafeString)


def test_escape_escapes_every_special_character():
    assert escape("<>&\"'") == "&lt;&gt;&amp;&quot;&#x27;"
    assert conditional_escape(mark_safe("<br>")) == "<br>"
