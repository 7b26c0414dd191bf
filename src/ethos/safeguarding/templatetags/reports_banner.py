"""The banner of the reports owed (C3), written in Python as safeguarding/_banner.html wrote it.

base.html shows it on every page of a coach who owes a mandatory report; its template's nodes (the
counts, the time until the deadline, the link) cost each of those pages more than reading the
reports owed. Every value is escaped; tests/safeguarding/test_reports_banner.py renders the template
it replaced and compares.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import timesince_filter, timeuntil_filter
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from ethos.clients.pages import iso
from ethos.links import app_of, link
from ethos.web import escape

register = template.Library()

_BANNER = (
    "\n"
    '<div class="banner {level} reports-due" role="status">\n'
    "  <p><strong>{owed}{overdue}.</strong>\n"
    "  {when}</p>\n"
    '  <p><a href="{url}">{open}</a></p>\n'
    "</div>\n"
    '<script src="{script}" defer></script>'
)
_PASSED = "The deadline passed {} ago: report it now."
_NEXT = 'The next is due in <span data-deadline="{}">{}</span>.'


@register.simple_tag(takes_context=True)
def reports_banner(context) -> SafeString:
    """The reports the coach owes, how soon and a link to them: nothing when none is owed."""
    due = context.get("reports_due")
    if not due:
        return mark_safe("")  # nosec B308 B703 - empty
    one = due.count == 1
    overdue = ""
    if due.overdue:
        overdue = (
            ", past the deadline"
            if due.overdue == due.count
            else f", {escape(due.overdue)} past the deadline"
        )
    if due.overdue:
        when = _PASSED.format(escape(timesince_filter(due.soonest)))
    else:
        when = _NEXT.format(escape(iso(due.soonest)), escape(timeuntil_filter(due.soonest)))
    current_app = app_of(context.get("request"))
    html = _BANNER.format(
        level="banner--danger" if due.overdue else "banner--warning",
        owed="A mandatory report is owed" if one else f"{escape(due.count)} mandatory reports are owed",
        overdue=overdue,
        when=when,
        url=escape(
            link("safeguarding:task", [due.first_pk], current_app)
            if one
            else link("safeguarding:home", [], current_app)
        ),
        open="Open the report" if one else "See the reports owed",
        script=escape(static("ethos/countdown.js")),
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped
