"""The cheap `url` tag writes exactly what Django's `reverse` writes, for every URL of the product."""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from ethos import links


def named_patterns(resolver=None, namespace: str = ""):
    """(view name, converter names) for every named pattern, through every include."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters if hasattr(entry.pattern, "converters") else {}
            yield f"{namespace}{entry.name}", [type(c).__name__ for c in converters.values()]


def test_every_link_by_record_id_is_the_url_django_reverses():
    checked = 0
    for name, converters in named_patterns():
        if not set(converters) <= {"UUIDConverter", "IntConverter"}:
            continue
        for number in (0, 7, 123456):
            ids = [uuid.uuid4() if kind == "UUIDConverter" else number for kind in converters]
            try:
                expected = reverse(name, args=ids)
            except NoReverseMatch:  # a name shared by patterns of other arities
                continue
            assert links.link(name, ids) == expected, name
            checked += 1
    assert checked > 150  # the product has many pages of a record by its id


def test_other_arguments_and_patterns_go_to_django():
    assert links.link("coaching:calendar_feed", ["abc_DEF-123"]) == reverse(
        "coaching:calendar_feed", args=["abc_DEF-123"]
    )
    assert links.link("home", []) == reverse("home")
    assert links.link("certification:registry", []) == reverse("certification:registry")
    with pytest.raises(NoReverseMatch):
        links.link("clients:detail", [uuid.uuid4(), uuid.uuid4()])
    with pytest.raises(NoReverseMatch):
        links.link("clients:detail", ["not-an-id"])
    with pytest.raises(NoReverseMatch):
        links.link("clients:detail", [7])  # a number where the pattern takes an id
    with pytest.raises(NoReverseMatch):
        links.link("certification:detail", [True])  # a bool is not taken for a number


def test_the_url_tag_is_the_cheap_one_and_behaves_like_djangos():
    client = uuid.uuid4()
    page = Template(
        "{% url 'clients:detail' client %}|{% url 'clients:detail' pk=client %}|"
        "{% url 'no-such-page' client as missing %}[{{ missing }}]"
    ).render(Context({"client": client}))
    expected = reverse("clients:detail", args=[client])
    assert page == f"{expected}|{expected}|[]"
    libraries = Template("").engine.template_builtins
    assert [library.tags["url"] for library in libraries if "url" in library.tags][-1] is links.url
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-page' client %}").render(Context({"client": client}))


def test_a_link_maker_for_a_lists_rows_writes_what_reverse_writes():
    for name in ("coaching:detail", "clients:detail"):
        address = links.link_for(name)
        for pk in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=7)):
            assert address(pk) == reverse(name, args=[pk])
        # An id given as text is no UUID: reversed as Django would, not put in the shape.
        assert address(str(pk)) == reverse(name, args=[str(pk)])
    with pytest.raises(NoReverseMatch):
        links.link_for("clients:detail")("not-an-id")
