"""The client page and its timeline take contributions, so no app has to be imported by clients.

An app that keeps records about a client (coaching, safeguarding, money ...) registers, from its
AppConfig.ready():

    from ethos.clients.pages import TimelineEntry, client_section, timeline_source

    @client_section("sessions", title="Sessions", template="coaching/_client_sessions.html", order=40)
    def sessions_section(client):
        return {"sessions": upcoming_for(client)}      # or None to leave the section out

    @timeline_source
    def session_entries(client):
        return [TimelineEntry(s.started_at, "session", "Session held") for s in held_for(client)]

A section's template is rendered with `client`, `section` (its key and title) and what its
function returned. Each function must read in a bounded number of queries, whatever the number of
records, and a timeline source returns at most its newest TIMELINE_SHOWN entries. Sections
appear in `order`; the timeline is newest first. The page is built inside one
`ethos.memo.scope()`, so a section and a timeline source that need the same rows share one read by
calling a function marked `@once` (as goals and endings do).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

SECTION_TWICE = "A client-page section named {key!r} is already registered (by {other})."


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened with a client: when, what kind (a CSS modifier) and what."""

    when: datetime.datetime
    kind: str
    text: str


SectionContext = Callable[..., dict | None]
TimelineSource = Callable[..., Iterable[TimelineEntry]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    order: int
    context: SectionContext

    @property
    def origin(self) -> str:
        return f"{self.context.__module__}.{self.context.__qualname__}"


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str
    html: SafeString


_sections: dict[str, Section] = {}
_timeline_sources: list[TimelineSource] = []
# How many events the client page's timeline shows; each source returns at most this many, newest.
TIMELINE_SHOWN = 50


def client_section(
    key: str, *, title: str, template: str, order: int
) -> Callable[[SectionContext], SectionContext]:
    """Register `function(client) -> dict | None` as a section of the client page."""

    def register(function: SectionContext) -> SectionContext:
        section = Section(key=key, title=title, template=template, order=order, context=function)
        existing = _sections.get(key)
        if existing is not None and existing.context is not function:
            raise ImproperlyConfigured(SECTION_TWICE.format(key=key, other=existing.origin))
        _sections[key] = section
        return function

    return register


def timeline_source(function: TimelineSource) -> TimelineSource:
    """Register `function(client) -> Iterable[TimelineEntry]` as a source of the client's timeline."""
    if function not in _timeline_sources:
        _timeline_sources.append(function)
    return function


def unregister(item: str | TimelineSource) -> None:
    """Remove a section (by key) or a timeline source (for tests that register their own)."""
    if isinstance(item, str):
        _sections.pop(item, None)
    elif item in _timeline_sources:
        _timeline_sources.remove(item)


def sections_for(client) -> list[RenderedSection]:
    """Render every registered section that has something to show for this client, in order."""
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(client)
        if context is None:
            continue
        html = render_to_string(section.template, {"client": client, "section": section, **context})
        rendered.append(RenderedSection(key=section.key, title=section.title, html=html))
    return rendered


def timeline_for(client) -> list[TimelineEntry]:
    """The newest TIMELINE_SHOWN events the registered sources report for the client, newest first.

    A source reads at most its own newest TIMELINE_SHOWN entries, so the page costs the same for a
    client of ten sessions and of a thousand.
    """
    entries = [entry for source in _timeline_sources for entry in source(client)]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)[:TIMELINE_SHOWN]
