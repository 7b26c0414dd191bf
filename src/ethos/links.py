"""The template `url` tag, made cheap for links to a record by its id; the same URL as Django's.

Django's `reverse` searches the URL patterns for every link, about 40 microseconds, and a list page
links each of its rows to the record (a supervision log of 60 entries reversed 80 URLs). A link
whose arguments are all UUIDs (a record's id) always has the same shape: the pattern's text with
the ids in it. So the first time a view name is reversed with that many UUIDs (or whole numbers,
as a certificate's), Ethos reverses it once with markers and keeps the text around them; every
later link puts the real ids in the gaps. Any other argument (a word, a keyword argument), a
pattern whose converter does not write the value as itself, or a URL in which a marker is not
found exactly once, goes to Django's `reverse` as before. Installed as the template builtin `url`,
so templates do not change; a test compares it with `reverse` for every URL pattern of the product.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, reverse

from ethos.web import conditional_escape

register = template.Library()

# Markers live in a range of their own, as ethos.prepared's do: no record has one of these ids
# (nor, as a number, this number: a marker must be found exactly once in the URL, or it is not used).
_MARKER = 0xE7_11_4B_0000
_SHAPES: dict[tuple, tuple[str, ...] | None] = {}
_MAX_SHAPES = 4096


def _marker(kind: type, index: int):
    return uuid.UUID(int=_MARKER + index) if kind is uuid.UUID else _MARKER + index


def _shape(view_name: str, kinds: tuple[type, ...], current_app: str | None) -> tuple[str, ...] | None:
    """The URL's text between the arguments, or None when the link must be reversed each time."""
    # Ethos never sets a URLconf per request (request.urlconf): the setting names the patterns.
    key = (view_name, kinds, current_app, get_script_prefix(), settings.ROOT_URLCONF)
    shape = _SHAPES.get(key, _NOT_YET)
    return _made(key, view_name, kinds, current_app) if shape is _NOT_YET else shape


_NOT_YET = object()
_KINDS = (uuid.UUID, int)


def _made(
    key: tuple, view_name: str, kinds: tuple[type, ...], current_app: str | None
) -> tuple[str, ...] | None:
    """Work out a link's shape (see `_shape`) the first time, and keep it.

    Only ids and whole numbers have a shape (a bool is not taken for a number); a link with any
    other argument is reversed each time, and that is kept too.
    """
    pieces: list[str] | None = None
    if all(kind in _KINDS for kind in kinds):  # no argument at all too: the URL is its own shape
        markers = [_marker(kind, index) for index, kind in enumerate(kinds)]
        text = reverse(view_name, args=markers, current_app=current_app)
        pieces = []
        rest = text
        for marker in map(str, markers):
            if text.count(marker) != 1 or marker not in rest:
                pieces = None
                break
            before, rest = rest.split(marker, 1)
            pieces.append(before)
    shape = None if pieces is None else (*pieces, rest)
    if len(_SHAPES) < _MAX_SHAPES:
        _SHAPES[key] = shape
    return shape


def link(view_name: str, args: list, current_app: str | None = None) -> str:
    """`reverse(view_name, args=args)`, quickly when every argument is a UUID or a whole number.

    Also for a view name without arguments (a menu's links, a page's buttons).
    """
    shape = _shape(view_name, tuple(map(type, args)), current_app)
    if shape is None:
        return reverse(view_name, args=args, current_app=current_app)
    if len(shape) == 2:  # one argument, the most common link: a record's page
        return f"{shape[0]}{args[0]}{shape[1]}"
    parts = [shape[0]]
    for arg, after in zip(args, shape[1:], strict=True):
        parts += (str(arg), after)
    return "".join(parts)


def link_for(view_name: str) -> Callable[[object], str]:
    """`lambda pk: link(view_name, [pk])`, its shape looked up once: for a list's many rows.

    An id that is not a UUID goes to `link`, as it would have.
    """
    shape = _shape(view_name, (uuid.UUID,), None)
    if shape is None:
        return lambda pk: link(view_name, [pk])
    head, tail = shape
    return lambda pk: f"{head}{pk}{tail}" if type(pk) is uuid.UUID else link(view_name, [pk])


def app_of(request) -> str | None:
    """The app a link is reversed in for `request`, as Django's `url` tag finds it (None without one)."""
    try:
        return request.current_app
    except AttributeError:
        try:
            return request.resolver_match.namespace
        except AttributeError:
            return None


class LinkNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        from django.urls import NoReverseMatch

        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        url = ""
        try:
            url = link(view_name, args, app_of(getattr(context, "request", None)))
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's `{% url %}`, parsed by Django, rendered through `link`."""
    node = django_url(parser, token)
    return LinkNode(node.view_name, node.args, node.kwargs, node.asvar)
