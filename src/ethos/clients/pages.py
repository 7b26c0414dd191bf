"""The client page and its timeline take contributions, so no app has to be imported by clients.

An app that keeps records about a client (coaching, safeguarding, money ...) registers, from its
AppConfig.ready():

    from ethos.clients.pages import TimelineEntry, client_section, timeline_source

    @client_section("sessions", title="Sessions", template="myapp/_client_sessions.html", order=40)
    def sessions_section(client):
        return {"sessions": upcoming_for(client)}      # or None to leave the section out

    @timeline_source
    def session_entries(client):
        return [TimelineEntry(s.started_at, "session", "Session held") for s in held_for(client)]

A section's template is rendered with `client`, `section` (its key and title) and what its
function returned. A section that costs the page more in template nodes than in reads may instead be
written in Python: register `render=` in place of `template=`, a function called as
`render(client=..., section=..., csrf_token=..., **what_the_function_returned)` that returns the
section's HTML (`ethos.web.csrf_input(csrf_token)` writes a form's token as `{% csrf_token %}` does),
every value escaped (a test renders the template it replaced and compares the two). Each function
must read in a bounded number of queries, whatever the number of records. Sections appear in
`order`; the timeline is newest first.

The client page shows the newest TIMELINE_SHOWN events and links to the client's history page,
which shows every event, HISTORY_PAGE at a time. A source that can hold many entries (sessions,
payments) takes `limit` as well and returns at most its newest `limit`:

    @timeline_source
    def session_entries(client, limit=TIMELINE_SHOWN):
        return [TimelineEntry(...) for s in held_for(client)[:limit]]

A source without `limit` returns all its entries (keep those to kinds a client has few of).

The page is built inside one `ethos.memo.scope()`, so a section and a timeline source that need
the same rows share one read by calling a function marked `@once` (as goals and endings do).

Most clients have no record of most kinds (no contact outside sessions, no court order), and each
empty read still costs a query. An app registers each kind it keeps with `client_records`:

    @client_records("contact_log")
    def contact_log_rows(client_id):
        return ContactLog.objects.filter(client_id=client_id)

and `records_kept(client)` answers, in one query for every kind, which ones the client has, so a
section reads only the kinds that are there.
"""

from __future__ import annotations

import datetime
import inspect
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.db.models import DateTimeField, QuerySet, Value
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, RequestContext
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ethos.dates import date
from ethos.memo import once, scope
from ethos.prepared import prepared
from ethos.web import escape

if TYPE_CHECKING:
    from .models import Client

SECTION_TWICE = "A client-page section named {key!r} is already registered (by {other})."


def _local(value):
    # What the template engine does before a date filter: an aware time is shown in the current zone.
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def day(value: datetime.date | datetime.datetime | None) -> str:
    """Write a day as `{{ value|date:"j M Y" }}` does ("3 Dec 2026"), for rows written in Python.

    Through `ethos.dates`, the template's own `date` filter, with the time made local as the
    template engine makes it first.
    """
    return date(_local(value), "j M Y") if value else ""


def written(value: datetime.date | datetime.datetime | None, form: str) -> str:
    """Write a day or time as `{{ value|date:form }}` does, made local first as the template engine does."""
    return date(_local(value), form) if value else ""


def iso(value: datetime.datetime | None) -> str:
    """Write a time as `{{ value|date:"c" }}` does (ISO 8601, in the current time zone)."""
    return _local(value).isoformat() if value else ""


_TIME = Value(None, output_field=DateTimeField())


def moment(value) -> datetime.datetime | None:
    """A time read by a prepared query (`ethos.prepared`), as the ORM would give it.

    A timeline source that reads plain rows gets a time as the database driver hands it back
    (SQLite: text); this applies the backend's own conversion, so it sorts and shows the same.
    """
    for convert in connection.ops.get_db_converters(_TIME):
        value = convert(value, _TIME, connection)
    return value


def moments(values: Iterable) -> list[datetime.datetime | None]:
    """Many times read by a prepared query, each as `moment` gives it (the converters found once)."""
    database = connections[connection.alias]
    converters = database.ops.get_db_converters(_TIME)
    converted = []
    for value in values:
        for convert in converters:
            value = convert(value, _TIME, database)
        converted.append(value)
    return converted


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened with a client: when, what kind (a CSS modifier) and what."""

    when: datetime.datetime
    kind: str
    text: str

    @property
    def day(self) -> str:
        return day(self.when)

    @property
    def iso(self) -> str:
        return iso(self.when)


# The timeline's row, as detail.html wrote it for each entry: fifty rows of four values each cost
# the template engine more than the rest of the page, so the rows are written here, every value
# escaped (the entries hold plain text).
_TIMELINE_ROW = '<li class="timeline__item timeline__item--{}"><time datetime="{}">{}</time> {}</li>'


def timeline_rows(entries: Iterable[TimelineEntry]) -> SafeString:
    """The timeline's list items, each entry's kind, time, day and text escaped.

    Each time is made local once for its day and its ISO form (`day` and `iso` would each look up
    the current zone and convert again).
    """
    zone = timezone.get_current_timezone()
    rows = []
    for entry in entries:
        when = entry.when
        if not when:
            local_day = local_iso = ""
        else:
            if isinstance(when, datetime.datetime) and timezone.is_aware(when):
                when = when.astimezone(zone)
            local_day, local_iso = date(when, "j M Y"), when.isoformat()
        rows.append(
            _TIMELINE_ROW.format(escape(entry.kind), escape(local_iso), escape(local_day), escape(entry.text))
        )
    return mark_safe("\n".join(rows))  # noqa: S308  # nosec B308 B703 - every value is escaped


SectionContext = Callable[..., dict | None]
SectionRender = Callable[..., SafeString]
RecordProbe = Callable[[uuid.UUID], QuerySet]
TimelineSource = Callable[..., Iterable[TimelineEntry]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    order: int
    context: SectionContext
    # Writes the section in Python instead of rendering `template` (see the module's docstring).
    render: SectionRender | None = None

    @property
    def origin(self) -> str:
        return f"{self.context.__module__}.{self.context.__qualname__}"


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str
    html: SafeString


_sections: dict[str, Section] = {}
_crisis_sections: dict[str, Section] = {}
_timeline_sources: list[TimelineSource] = []
# The sources that take `limit` (found from their signature once, when they register).
_limited_sources: set[TimelineSource] = set()
_record_kinds: dict[str, RecordProbe] = {}
# The SQL that asks which kinds a client has, made once per database and set of kinds: the ORM's
# work to build a query costs more than running it, and this one has the same shape every time.
_presence_sql: dict[tuple, tuple[str, list, object]] = {}
_PROBE_CLIENT = uuid.UUID(int=0)
# How many events the client page's timeline shows: the newest part of a long history, with a link
# to the history page for the rest. The page asks each source for one more (TIMELINE_READ), to know
# whether there is more to link to.
TIMELINE_SHOWN = 10
TIMELINE_READ = TIMELINE_SHOWN + 1
# How many events a page of the client's history shows, and what its first page asks each source for.
HISTORY_PAGE = 25
HISTORY_READ = HISTORY_PAGE + 1


def newest_rows(rows: Callable[[Client], QuerySet]) -> Callable[[Client, int], list]:
    """Read the first `limit` rows of `rows(client)` (newest first) for a timeline source.

    The client page's few and the history's first page by SQL built once per process
    (`ethos.prepared`); a later page of the history through the ORM.
    """
    page = prepared(lambda client: rows(client)[:TIMELINE_READ])
    history = prepared(lambda client: rows(client)[:HISTORY_READ])

    def read(client: Client, limit: int) -> list:
        if limit <= TIMELINE_READ:
            return page(client)
        if limit <= HISTORY_READ:
            return history(client)
        return list(rows(client)[:limit])

    return read


def client_section(
    key: str, *, title: str, order: int, template: str = "", render: SectionRender | None = None
) -> Callable[[SectionContext], SectionContext]:
    """Register `function(client) -> dict | None` as a section of the client page.

    Written by `template`, or by `render` for a section written in Python: one of the two.
    """
    if bool(template) == (render is not None):
        raise ImproperlyConfigured(f"The client-page section {key!r} takes a template or a render function.")

    def register(function: SectionContext) -> SectionContext:
        section = Section(
            key=key, title=title, template=template, order=order, context=function, render=render
        )
        existing = _sections.get(key)
        if existing is not None and existing.context is not function:
            raise ImproperlyConfigured(SECTION_TWICE.format(key=key, other=existing.origin))
        _sections[key] = section
        return function

    return register


def crisis_section(
    key: str, *, title: str, template: str, order: int
) -> Callable[[SectionContext], SectionContext]:
    """Register `function(client) -> dict | None` as a section of the crisis protocol page."""

    def register(function: SectionContext) -> SectionContext:
        existing = _crisis_sections.get(key)
        if existing is not None and existing.context is not function:
            raise ImproperlyConfigured(SECTION_TWICE.format(key=key, other=existing.origin))
        _crisis_sections[key] = Section(
            key=key, title=title, template=template, order=order, context=function
        )
        return function

    return register


def client_records(key: str) -> Callable[[RecordProbe], RecordProbe]:
    """Register `function(client_id) -> QuerySet` as a kind of record kept about a client."""

    def register(function: RecordProbe) -> RecordProbe:
        existing = _record_kinds.get(key)
        if existing is not None and existing is not function:
            raise ImproperlyConfigured(f"A kind of client record named {key!r} is already registered.")
        _record_kinds[key] = function
        _presence_sql.clear()
        return function

    return register


def _presence_query() -> tuple[str, list, object, list[str]]:
    keys = sorted(_record_kinds)
    cache_key = (connection.vendor, connection.alias, tuple(keys))
    if cache_key not in _presence_sql:
        from .models import Client

        probe = Client._meta.pk.get_db_prep_value(_PROBE_CLIENT, connection)
        parts, params = [], []
        for index, key in enumerate(keys):
            query = _record_kinds[key](_PROBE_CLIENT).order_by().values("pk")[:1].query
            sql, query_params = query.get_compiler(connection=connection).as_sql()
            parts.append(f"SELECT {index} WHERE EXISTS ({sql})")
            params.extend(query_params)
        _presence_sql[cache_key] = (" UNION ALL ".join(parts), params, probe)
    sql, params, probe = _presence_sql[cache_key]
    return sql, params, probe, keys


class RecordsKept(frozenset):
    """The kinds a client has; asking about a kind nobody registered is a mistake, not a "no"."""

    def __contains__(self, key: object) -> bool:
        if key not in _record_kinds:
            raise ImproperlyConfigured(f"No kind of client record is registered as {key!r}.")
        return super().__contains__(key)


@once
def records_kept(client) -> RecordsKept:
    """The kinds of record (as registered with `client_records`) this client has: one query."""
    if not _record_kinds:
        return RecordsKept()
    from .models import Client

    sql, params, probe, keys = _presence_query()
    client_id = Client._meta.pk.get_db_prep_value(client.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [client_id if p == probe else p for p in params])
        return RecordsKept(keys[row[0]] for row in cursor.fetchall())


def timeline_source(function: TimelineSource) -> TimelineSource:
    """Register `function(client[, limit]) -> Iterable[TimelineEntry]` as a source of the timeline."""
    if function not in _timeline_sources:
        _timeline_sources.append(function)
        if "limit" in inspect.signature(function).parameters:
            _limited_sources.add(function)
    return function


def unregister(item: str | TimelineSource) -> None:
    """Remove a section (by key) or a timeline source (for tests that register their own)."""
    if isinstance(item, str):
        _sections.pop(item, None)
        if _record_kinds.pop(item, None) is not None:
            _presence_sql.clear()
    elif item in _timeline_sources:
        _timeline_sources.remove(item)
        _limited_sources.discard(item)


def sections_for(client, *, page: str = "client", request=None, context=None) -> list[RenderedSection]:
    """Render every registered section of a page (the client page, or "crisis") for this client, in order.

    Pass the request: a section with a form needs it for its CSRF token. Or pass the page's own
    `context`, bound to the page's template already (`render_page` does): the sections are then
    rendered in it and the context processors run once for the whole page.
    """
    registry = _crisis_sections if page == "crisis" else _sections
    sections = sorted(registry.values(), key=lambda s: (s.order, s.key))
    # One context for every section: the context processors (navigation, CSRF, the reports due)
    # run once for the page, not once per section, which they did when each section was rendered
    # on its own with the request.
    shared = context
    if shared is None:
        shared = RequestContext(request) if request is not None else Context()
    rendered = []
    with ExitStack() as bound:
        for section in sections:
            context = section.context(client)
            if context is None:
                continue
            if section.render is not None:
                # The page's token, as its context processor gives it; asked of the request when
                # the sections are rendered before any template has bound the context.
                token = shared.get("csrf_token")
                if token is None and request is not None:
                    token = get_token(request)
                html = section.render(client=client, section=section, csrf_token=token, **context)
                rendered.append(RenderedSection(key=section.key, title=section.title, html=html))
                continue
            template = get_template(section.template).template
            if shared.template is None:
                bound.enter_context(shared.bind_template(template))
            with shared.push({"client": client, "section": section, **context}):
                html = template.render(shared)
            rendered.append(RenderedSection(key=section.key, title=section.title, html=html))
    return rendered


def render_page(request, template_name: str, build: Callable[[RequestContext], dict]) -> HttpResponse:
    """Render a page whose context `build(context)` makes with the sections rendered inside it.

    The page's context is made and bound to its template first, so the context processors
    (navigation, the audit watch, CSRF) run once for the page and its sections, not once for the
    sections and again for the page; `build` runs inside one `ethos.memo.scope()`.
    """
    template = get_template(template_name).template
    context = RequestContext(request)
    with context.bind_template(template):
        context.template_name = template.name
        with scope():
            values = build(context)
        with context.push(values):
            html = template.render(context)
    return HttpResponse(html)


def timeline_for(client, *, limit: int = TIMELINE_SHOWN) -> list[TimelineEntry]:
    """The newest `limit` events the registered sources report for the client, newest first.

    A source that takes `limit` reads at most its own newest `limit` entries, so the client page
    costs the same for a client of ten sessions and of a thousand.
    """
    entries = [
        entry
        for source in _timeline_sources
        for entry in (source(client, limit=limit) if source in _limited_sources else source(client))
    ]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)[:limit]
