"""What safeguarding puts on the client page and its timeline (through the clients registry)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil

from ethos.clients.models import Client
from ethos.clients.pages import TimelineEntry, client_section, crisis_section, day, iso, timeline_source
from ethos.dates import date
from ethos.links import link
from ethos.web import escape

from .models import Disclosure
from .selectors import page_records_of, records_of

# The section as safeguarding/_client.html (and the _tasks.html it included) wrote it: a client page
# rendered those template nodes on every view, at more cost than the section's reads. Every value is
# escaped; tests/safeguarding/test_client_section.py renders the old templates and compares.
_SECTION = (
    '<section class="panel{attention}" aria-labelledby="safeguarding-heading">\n'
    '  <h2 id="safeguarding-heading">{title}</h2>\n'
    "  {tasks}\n"
    '  <p><a class="button button--secondary" href="{task_new}?client={pk}">'
    "A disclosure of abuse was made</a></p>\n"
    "  <h3>Consents to share</h3>\n"
    "  {consents}\n"
    "  {orders}\n"
    "  <p>{disclosures} disclosure{plural} in the last six years. "
    '<a href="{accounting}">Accounting of disclosures</a></p>\n'
    '  <p class="actions">\n'
    '    <a class="button button--quiet" href="{consent_new}">Record a consent</a>\n'
    '    <a class="button button--quiet" href="{order_new}">Record a subpoena or court order</a>\n'
    '    <a class="button button--quiet" href="{disclosure_new}">Share records</a>\n'
    "  </p>\n"
    "</section>\n"
)
_TASKS = (
    "\n  <p><strong>A mandatory report is owed:</strong></p>\n"
    '  <ul class="report-tasks">\n  {rows}\n</ul>\n\n  '
)
_TASK = (
    '\n  <li class="report-task{overdue}">\n'
    '    <a href="{url}">Report about {name}</a>:\n'
    "    {when},\n"
    '    by <time datetime="{iso}">{deadline}</time>.\n'
    "  </li>\n  "
)
_PAST = "<strong>past its deadline</strong> ({} ago)"
_DUE = 'due in <span data-deadline="{}">{}</span>'
_CONSENTS = "\n  <ul>\n    {}\n  </ul>\n  "
_CONSENT = '\n    <li><a href="{url}">To {recipient}</a>, {start} to {end}: {state}{typed}</li>\n    '
_TYPED = ' <span class="badge">Typed name: interim</span>'
_NO_CONSENT = (
    "<p>No consent on file: nothing about {} may be shared without one, "
    "a court order or a mandatory report.</p>"
)
_ORDERS = "\n  <h3>Subpoenas and court orders</h3>\n  <ul>{}</ul>\n  "
_ORDER = '<li><a href="{url}">{kind} of {issued}</a>, {court}</li>'


def _task_rows(tasks: list, now: datetime.datetime) -> str:
    rows = []
    for task in tasks:
        deadline = task.deadline
        overdue = deadline < now
        if overdue:
            when = _PAST.format(escape(timesince(deadline)))
        else:
            when = _DUE.format(escape(iso(deadline)), escape(timeuntil(deadline)))
        rows.append(
            _TASK.format(
                overdue=" report-task--overdue" if overdue else "",
                url=escape(link("safeguarding:task", [task.pk])),
                name=escape(task.client.display_name),
                when=when,
                iso=escape(iso(deadline)),
                deadline=escape(date(timezone.localtime(deadline), "j M Y, H:i")),
            )
        )
    return "".join(rows)


def safeguarding_html(
    *,
    client: Client,
    section,
    open_tasks: list,
    consents: list,
    orders: list,
    disclosures: int,
    now,
    csrf_token=None,  # the section has no form
) -> SafeString:
    """The safeguarding section of the client page, as its template wrote it, every value escaped."""
    pk = client.pk
    tasks = _TASKS.format(rows=_task_rows(open_tasks, now)) if open_tasks else ""
    if consents:
        consent_rows = "".join(
            _CONSENT.format(
                url=escape(link("safeguarding:consent", [pk, consent.pk])),
                recipient=escape(consent.recipient),
                start=escape(day(consent.valid_from)),
                end=escape(day(consent.valid_until)),
                state="revoked" if consent.is_revoked else "in force" if in_force else "not in force today",
                typed=_TYPED if consent.how_given == "typed" else "",
            )
            for consent, in_force in consents
        )
        consent_list = _CONSENTS.format(consent_rows)
    else:
        consent_list = _NO_CONSENT.format(escape(client.display_name))
    order_list = ""
    if orders:
        order_list = _ORDERS.format(
            "".join(
                _ORDER.format(
                    url=escape(link("safeguarding:order", [pk, order.pk])),
                    kind=escape(order.kind_label),
                    issued=escape(day(order.issued_on)),
                    court=escape(order.court),
                )
                for order in orders
            )
        )
    html = _SECTION.format(
        attention=" panel--attention" if open_tasks else "",
        title=escape(section.title),
        tasks=tasks,
        task_new=escape(link("safeguarding:task_new", [])),
        pk=escape(pk),
        consents=consent_list,
        orders=order_list,
        disclosures=escape(disclosures),
        plural="" if disclosures == 1 else "s",
        accounting=escape(link("safeguarding:accounting", [pk])),
        consent_new=escape(link("safeguarding:consent_new", [pk])),
        order_new=escape(link("safeguarding:order_new", [pk])),
        disclosure_new=escape(link("safeguarding:disclosure_new", [pk])),
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped


@client_section("safeguarding", title="Safeguarding and sharing", render=safeguarding_html, order=70)
def safeguarding_section(client: Client) -> dict | None:
    """Reports owed, consents, court orders and the accounting: one query for any number."""
    return {**section_of(page_records_of(client)), "now": timezone.now()}


def section_of(records) -> dict:
    """Return the section's reports owed, consents in force or not, court orders and the number of
    disclosures, from a client's safeguarding records (rows or full records: both carry the fields
    read here).
    """
    today = timezone.localdate()
    return {
        "open_tasks": [t for t in records.tasks if t.is_open],
        "consents": [(c, c.in_force(today)) for c in records.consents],
        "orders": records.orders,
        "disclosures": len(records.disclosures),
    }


@timeline_source
def safeguarding_entries(client: Client) -> list[TimelineEntry]:
    return entries_of(page_records_of(client))


def entries_of(records) -> list[TimelineEntry]:
    """Return the timeline's entries for a client's safeguarding records (rows or full records:
    both carry the fields read here).
    """
    entries = [
        TimelineEntry(t.opened_at, "safeguarding", "A mandatory report became due (C3)")
        for t in records.tasks
    ]
    entries += [
        TimelineEntry(t.closed_at, "safeguarding", "Mandatory report recorded (C3)")
        for t in records.tasks
        if t.closed_at
    ]
    entries += [
        TimelineEntry(c.recorded_at, "safeguarding", "Consent to share recorded (C1)")
        for c in records.consents
    ]
    entries += [
        TimelineEntry(c.revoked_at, "safeguarding", "Consent to share withdrawn (C1)")
        for c in records.consents
        if c.revoked_at
    ]
    entries += [
        TimelineEntry(o.recorded_at, "safeguarding", f"{o.kind_label} recorded (C1)") for o in records.orders
    ]
    entries += [
        TimelineEntry(d.disclosed_at, "safeguarding", f"Records disclosed: {d.basis_label} (C1)")
        for d in records.disclosures
    ]
    return entries


@crisis_section(
    "emergency", title="Telling emergency services", template="safeguarding/_crisis.html", order=10
)
def emergency_section(client: Client) -> dict:
    """The way to record information given to emergency services, and those still to review (C1)."""
    emergencies = [d for d in records_of(client).disclosures if d.basis == Disclosure.Basis.EMERGENCY]
    return {"emergencies": emergencies}
