"""What an open item is about and where its record is made, told by the apps that own them.

Standards stores only a subject's type and id, never a name. The app that owns a kind of subject
registers, from its AppConfig.ready(), how to name it for the coach and which page makes each
record that resolves an item, so this platform layer never imports a domain app:

    from ethos.standards.subjects import resolving_page, subject_describer

    @subject_describer("client")
    def describe_clients(coach, ids):
        return {str(c.pk): (c.display_name, reverse("clients:detail", args=[c.pk])) for c in ...}

    @resolving_page(RecordType.YOUTH_REFERRAL)
    def referral_page(item):
        return f"{reverse('clients:refer', args=[item.subject_id])}?item={item.pk}"

A describer takes the coach and many ids and reads in a bounded number of queries (the dashboard
names every open item at once). A resolving page returns a URL, or None when the page cannot be
made for this item; the page takes `item` and comes back to the item once the record is saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

from .record_types import RecordType

DESCRIBER_TWICE = "Subjects of type {subject_type!r} already have a describer ({other})."
PAGE_TWICE = "Record type {record_type!r} already has a resolving page ({other})."

# A subject described as (label for the coach, URL of its page or None).
Description = tuple[str, str | None]
Describer = Callable[..., dict[str, Description]]
ResolvingPage = Callable[..., str | None]

_describers: dict[str, Describer] = {}
_pages: dict[str, ResolvingPage] = {}


def uuids(ids: Iterable) -> list[uuid.UUID]:
    """Return the subject ids that are UUIDs (as the apps' records use), leaving out any other."""
    found = []
    for value in ids:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def _origin(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def subject_describer(subject_type: str) -> Callable[[Describer], Describer]:
    """Register `(coach, ids) -> {id: (label, url)}` for the subjects of one type."""

    def register(function: Describer) -> Describer:
        other = _describers.get(subject_type)
        if other is not None and _origin(other) != _origin(function):
            message = DESCRIBER_TWICE.format(subject_type=subject_type, other=_origin(other))
            raise ImproperlyConfigured(message)
        _describers[subject_type] = function
        return function

    return register


def resolving_page(*record_types: RecordType) -> Callable[[ResolvingPage], ResolvingPage]:
    """Register `(item) -> url or None`: the page that makes a record of these types for the item."""

    def register(function: ResolvingPage) -> ResolvingPage:
        for record_type in record_types:
            other = _pages.get(record_type.value)
            if other is not None and _origin(other) != _origin(function):
                raise ImproperlyConfigured(PAGE_TWICE.format(record_type=record_type, other=_origin(other)))
            _pages[record_type.value] = function
        return function

    return register


def describe(coach, items: Iterable) -> dict[tuple[str, str], Description]:
    """Name the subjects of `items` for their coach: one batch per subject type, unknown ones left out."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        wanted.setdefault(item.subject_type, set()).add(item.subject_id)
    described: dict[tuple[str, str], Description] = {}
    for subject_type, ids in wanted.items():
        describer = _describers.get(subject_type)
        if describer is None:
            continue
        for subject_id, description in describer(coach, sorted(ids)).items():
            described[(subject_type, subject_id)] = description
    return described


def page_for(item, record_type: str) -> str | None:
    """Return the URL of the page that makes a `record_type` record for `item`, or None."""
    page = _pages.get(record_type)
    return page(item) if page is not None else None
