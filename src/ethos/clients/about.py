"""The client page's "About" and "Intake" panels, written in Python as clients/detail.html wrote them.

On every view of a client the template engine spent more on these two panels' thirty-odd nodes
(each sealed value looked up through the template's lookups and filters) than on opening the values.
Every value is escaped as the template's autoescape escaped it, a missing key of a sealed dict reads
as nothing and a None as "None", as in a template; tests/clients/test_about.py renders the template
this replaced and compares, over every branch and hostile text.
"""

from __future__ import annotations

from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe

from ethos.links import link
from ethos.referrals.templatetags.referral_fit import concern_label
from ethos.web import escape

from .models import Client, Intake
from .pages import written

_MISSING = object()
_CONTEXT = Context()

_ABOUT = (
    '<div class="columns">\n'
    '  <section class="panel" aria-labelledby="about-heading">\n'
    '    <h2 id="about-heading">About</h2>\n'
    '    <dl class="facts">\n'
    "      <dt>Full name</dt><dd>{name}</dd>\n"
    "      {pronouns}\n"
    "      <dt>Date of birth</dt><dd>{born}</dd>\n"
    "      {email}\n"
    "      {phone}\n"
    "      {emergency}\n"
    "    </dl>\n"
    "    {edit}\n"
    "  </section>\n"
    "  {intake}\n"
    "</div>"
)
_INTAKE = (
    '\n  <section class="panel" aria-labelledby="intake-heading">\n'
    '    <h2 id="intake-heading">Intake</h2>\n'
    "    <p>{outcome} on {submitted}{reason}.</p>\n"
    "    {reentry}\n"
    "    {residence}\n"
    "    {wants}\n"
    "    {concerns}\n"
    "    {crisis}\n"
    "  </section>\n"
    "  "
)
_EMERGENCY = "<dt>Emergency contact</dt><dd>{} {}</dd>"
_EDIT = '<p><a class="button button--secondary" href="{}">Edit contact details</a></p>'
_REENTRY = (
    "<p>This person was declined at an earlier intake on {on} under <strong>{reason}</strong>. "
    "Why the answers are different now: \u201c{why}\u201d</p>"
)
_RESIDENCE = (
    "<p>Where they live: {country}{region}. The age of majority applied at intake was {age} (S9).</p>"
)


def _value(value) -> str:
    """`{{ value }}`: text escaped, None as "None", anything else as the template writes it."""
    if isinstance(value, str):
        return escape(value)
    return render_value_in_context(value, _CONTEXT)


def _get(container, key):
    """`container.key` as a template looks it up in a sealed dict: _MISSING when it is not there."""
    if isinstance(container, dict):
        return container.get(key, _MISSING)
    return _MISSING


def _shown(value) -> str:
    return "" if value is _MISSING else _value(value)


def about_html(client: Client, intake: Intake | None) -> SafeString:
    """The two panels of the client page about the person and their intake, every value escaped."""
    contact, emergency = client.contact, client.emergency_contact
    email, phone = _get(contact, "email"), _get(contact, "phone")
    html = _ABOUT.format(
        name=_value(client.name),
        pronouns=f"<dt>Pronouns</dt><dd>{_value(client.pronouns)}</dd>" if client.pronouns else "",
        born=escape(written(client.date_of_birth, "j F Y")),
        email=f"<dt>Email</dt><dd>{_value(email)}</dd>" if email is not _MISSING and email else "",
        phone=f"<dt>Phone</dt><dd>{_value(phone)}</dd>" if phone is not _MISSING and phone else "",
        emergency=_EMERGENCY.format(_shown(_get(emergency, "name")), _shown(_get(emergency, "phone")))
        if emergency
        else "",
        edit=_EDIT.format(escape(link("clients:contact", [client.pk])))
        if client.status not in (Client.Status.PAUSED, Client.Status.ENDED)
        else "",
        intake=_intake_html(intake) if intake else "",
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped


def _intake_html(intake: Intake) -> str:
    reentry = ""
    earlier = intake.reentry_of
    if earlier:
        reentry = _REENTRY.format(
            on=escape(written(earlier.submitted_at, "j M Y")),
            reason=_value(earlier.decline_reason),
            why=_value(intake.reentry_explanation),
        )
    residence = ""
    where = intake.residence
    if where:
        region = _get(where, "region")
        residence = _RESIDENCE.format(
            country=_shown(_get(where, "country")),
            region=f", {_value(region)}" if region is not _MISSING and region else "",
            age=_shown(_get(where, "age_of_majority")),
        )
    concerns = ""
    if intake.concerns:
        concerns = "<p>Concerns: {}</p>".format(", ".join(_value(concern_label(c)) for c in intake.concerns))
    shown = intake.crisis_protocol_shown_at
    return _INTAKE.format(
        outcome=_value(intake.get_outcome_display()),
        submitted=escape(written(intake.submitted_at, "j M Y")),
        reason=f": {_value(intake.decline_reason_label)}" if intake.decline_reason else "",
        reentry=reentry,
        residence=residence,
        wants=f"<p>In their words: \u201c{_value(intake.wants)}\u201d</p>" if intake.wants else "",
        concerns=concerns,
        crisis=f"<p>The crisis protocol was shown on {escape(written(shown, 'j M Y, H:i'))}.</p>"
        if shown
        else "",
    )
