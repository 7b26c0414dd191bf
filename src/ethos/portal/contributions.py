"""What the portal adds to the client page: the client's account, shares and answers waiting."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from ethos.clients.goals import goals_for_client
from ethos.clients.models import Client, Ending, Goal
from ethos.clients.pages import client_records, client_section, day, records_kept
from ethos.links import link
from ethos.prepared import prepared
from ethos.web import csrf_input, escape

from .models import ClientAccount, Share, Upload
from .selectors import client_page_account, uploads_for_client
from .services import uploads_for_coach

# How many of the newest things shared the section lists.
SHARES_SHOWN = 20
_SHARE_KINDS = {kind: escape(label) for kind, label in Share.Kind.choices}
# One line of the "Shared" list, as the section's template wrote it for each share: a client in
# the portal for long has a full list, so the lines are written here, every value escaped.
_SHARE_LINE = "<li>{}, version {}, {}: {}</li>"


@client_records("portal_account")
def portal_account_rows(client_id):
    return ClientAccount.objects.filter(client_id=client_id)


@client_records("portal_upload")
def portal_upload_rows(client_id):
    return Upload.objects.filter(account__client_id=client_id)


# The section as portal/_client_section.html wrote it: on the page of a client in the portal, its
# nodes (five forms, each with its token) cost more than the section's reads. Every value is escaped;
# tests/portal/test_client_section.py renders the old template and compares.
_SECTION = (
    '<section class="panel" aria-labelledby="portal-heading">\n'
    '  <div class="section-head">\n'
    '    <h2 id="portal-heading">{title}</h2>\n'
    "    {invite}\n"
    "  </div>\n"
    "  {body}\n"
    "</section>\n"
)
_INVITE = '<a class="button button--secondary" href="{}">Invite to the portal</a>'
_NOT_YET = "\n  <p>Not in the portal yet. Invite them to confirm goals and sign consents themselves.</p>\n  "
_ACCOUNT = (
    "\n  <p>Signs in as {email} since {since}.{reset}</p>\n"
    "  {active}\n"
    '  <form method="post" action="{appointments}" class="inline-form">{csrf}'
    '<button type="submit" class="button button--quiet">Share their coming sessions</button></form>\n'
    '  <form method="post" action="{accounting}" class="inline-form">{csrf}'
    '<button type="submit" class="button button--quiet">Share their accounting of disclosures'
    "</button></form>\n"
    "  {letters}\n"
    "  {replies}\n"
    "  {uploads}\n"
    "  {shares}\n"
    "  "
)
_RESET = " New key since {}: share again what they should still see."
_ACTIVE = (
    '\n  <p class="goal__actions"><a href="{consent}">Ask for a consent to share</a> '
    '<a href="{boundary}">Ask to sign a boundary agreement</a> <a href="{messages}">Messages</a></p>\n'
    "  {awaiting}\n"
    "  "
)
_AWAITING = "\n  <h3>Goals waiting for the client's confirmation</h3>\n  <ul>\n    {}\n  </ul>\n  "
_AWAITING_GOAL = (
    "\n    <li>\u201c{words}\u201d\n"
    '      <form method="post" action="{url}" class="inline-form">{csrf}'
    '<button type="submit" class="button button--quiet">Share in the portal'
    '<span class="visually-hidden">: {short}</span></button></form>\n'
    "    </li>\n    "
)
_LETTER = (
    '\n  <form method="post" action="{url}" class="inline-form">{csrf}'
    '<button type="submit" class="button button--quiet">Share the letter about the {kind} of {day}'
    "</button></form>\n  "
)
_REPLIES = '<p><a href="{url}">{count} answer{plural} from the client waiting for you</a></p>'
_UPLOADS = "\n  <h3>Files the client sent</h3>\n  <ul>\n    {}\n  </ul>\n  "
_UPLOAD = '<li><a href="{url}">{name}</a> ({kind}, {size}), {day}</li>'
_SHARES = "\n  <h3>Shared</h3>\n  <ul>\n    {}\n  </ul>\n  "


def _account_html(client: Client, csrf: str, values: dict) -> str:
    account, pk = values["account"], client.pk
    active = ""
    if client.status == "active":
        awaiting = values.get("awaiting")
        goals = ""
        if awaiting:
            goals = _AWAITING.format(
                "".join(
                    _AWAITING_GOAL.format(
                        words=escape(goal.words),
                        url=escape(link("portal_coach:goal_share", [goal.pk])),
                        csrf=csrf,
                        short=escape(Truncator(goal.words).chars(40)),
                    )
                    for goal in awaiting
                )
            )
        active = _ACTIVE.format(
            consent=escape(link("portal_coach:consent_ask", [pk])),
            boundary=escape(link("portal_coach:boundary_ask", [pk])),
            messages=escape(link("portal_coach:messages", [account.pk])),
            awaiting=goals,
        )
    letters = "".join(
        _LETTER.format(
            url=escape(link("portal_coach:letter_share", [pk, ending.pk])),
            csrf=csrf,
            kind=escape(ending.get_kind_display().lower()),
            day=escape(day(ending.created_at)),
        )
        for ending in values.get("endings") or ()
    )
    replies = values.get("replies")
    uploads = values.get("uploads")
    shares = values.get("shares")
    return _ACCOUNT.format(
        email=escape(account.user.email),
        since=escape(day(account.created_at)),
        reset=_RESET.format(escape(day(account.keys_reset_at))) if account.keys_reset_at else "",
        active=active,
        appointments=escape(link("portal_coach:appointments_share", [pk])),
        accounting=escape(link("portal_coach:accounting_share", [pk])),
        csrf=csrf,
        letters=letters,
        replies=_REPLIES.format(
            url=escape(link("portal_coach:home", [])),
            count=escape(replies),
            plural="" if replies == 1 else "s",
        )
        if replies
        else "",
        uploads=_UPLOADS.format(
            "".join(
                _UPLOAD.format(
                    url=escape(link("portal_coach:upload_download", [item.upload.pk])),
                    name=escape(item.name),
                    kind=escape(item.upload.content_type),
                    size=escape(filesizeformat(item.upload.size)),
                    day=escape(day(item.upload.sent_at)),
                )
                for item in uploads
            )
        )
        if uploads
        else "",
        # The lines of the "Shared" list are escaped already (_share_lines).
        shares=_SHARES.format(shares) if shares else "",
    )


def portal_html(*, client: Client, section, csrf_token=None, **values) -> SafeString:
    """The portal section of the client page, as its template wrote it, every value escaped."""
    account = values.get("account")
    html = _SECTION.format(
        title=escape(section.title),
        invite="" if account else _INVITE.format(escape(link("portal_coach:invite_client", [client.pk]))),
        body=_account_html(client, csrf_input(csrf_token), values) if account else _NOT_YET,
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped


@client_section("portal", title="Portal", render=portal_html, order=85)
def portal_section(client):
    # Most clients have no portal account: the page's one presence query says so, at no cost here.
    if "portal_account" not in records_kept(client):
        return {"account": None}
    accounts = client_page_account(client.coach_id, client)
    if not accounts:
        return {"account": None}
    account = accounts[0]
    found = {
        "account": account,
        "shares": _share_lines(_shares_of(account)),
        "replies": account.replies_waiting or 0,
    }
    # The goals section has read every goal of the client already (oldest first): no second read.
    found["awaiting"] = [g for g in goals_for_client(client) if g.status == Goal.Status.AWAITING]
    # The names of the files the client sent are sealed to the coach: opened here, vault open.
    if "portal_upload" in records_kept(client):
        found["uploads"] = uploads_for_coach(coach_id=client.coach_id, uploads=uploads_for_client(client))
    # The letter about an ending or a pause can be shared in the portal as well as printed.
    if "ending" in records_kept(client):
        found["endings"] = list(Ending.objects.filter(client=client).order_by("-created_at", "id"))
    return found


def _share_lines(rows: list[tuple]) -> SafeString:
    """The "Shared" list's items: what, which version, when shared, and answered, replaced or waiting."""
    days: dict = {}  # things are often shared and answered on the same day: each day written once

    def on(when) -> str:
        local = timezone.localtime(when).date()
        if local not in days:
            days[local] = escape(day(local))
        return days[local]

    lines = []
    for kind, version, shared_at, answered_at, withdrawn_at in rows:
        if answered_at is not None:
            state = f"answered {on(answered_at)}"
        elif withdrawn_at is not None:
            state = "replaced"
        else:
            state = "waiting"
        kind_label = _SHARE_KINDS.get(kind) or escape(kind)
        lines.append(_SHARE_LINE.format(kind_label, int(version), on(shared_at), state))
    return mark_safe("\n".join(lines))  # noqa: S308  # nosec B308 B703 - every value is escaped


# Read on every client page of a client in the portal (with the account, selectors.client_page_account):
# its SQL is built once per process, the shares as plain columns (the sealed boxes stay in the database).
@prepared
def _shares_of(account: ClientAccount):
    # Rows as the ORM makes them: times through the backend's converters.
    return (
        Share.objects.filter(account=account)
        .order_by("-shared_at")
        .values_list("kind", "version", "shared_at", "answered_at", "withdrawn_at")[:SHARES_SHOWN]
    )
