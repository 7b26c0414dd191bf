"""What money puts on the client page: the balance and the next charge, shown before it is owed."""

from __future__ import annotations

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from ethos.clients.models import Client
from ethos.clients.pages import (
    TIMELINE_SHOWN,
    TimelineEntry,
    client_section,
    day,
    records_kept,
    timeline_source,
    written,
)
from ethos.links import link
from ethos.practice.currencies import money
from ethos.prepared import Columns, per_vendor
from ethos.web import escape

from .models import Charge, Payment
from .selectors import balance_of, currency_of

_PAYMENT_KINDS = dict(Payment.Kind.choices)


# The section as money/_client_money.html writes it (the ledger page still includes that template):
# a page's worth of template nodes for three lines. Every value is escaped, and
# tests/money/test_client_page_section.py renders the template and compares.
_SECTION = (
    '\n<section class="panel" aria-labelledby="money-heading">\n'
    '  <h2 id="money-heading">{title}</h2>\n'
    "  \n"
    '  <dl class="facts">\n'
    "    <dt>Balance</dt>\n"
    "    <dd>{balance}</dd>\n"
    "    <dt>Next charge</dt>\n"
    "    <dd>{next}</dd>\n"
    "    <dt>Agreement</dt>\n"
    "    <dd>{agreement}</dd>\n"
    "  </dl>\n"
    "  \n"
    '  <p><a href="{ledger}">Fees and payments of {name}</a></p>\n'
    "</section>\n"
)
_SESSION_ON = "j M Y, H:i"


def _money(amount, currency: str) -> str:
    """`{{ amount|money:currency }}`: the filter writes in the default currency when none is set."""
    return escape(money(amount, currency) if currency else money(amount))


def _next_charge(next_charge, currency: str) -> str:
    if not next_charge:
        return "No session booked"
    on = escape(written(next_charge.session.local_start, _SESSION_ON))
    if next_charge.from_package:
        return f"Session on {on}: from the prepaid package, nothing more to pay"
    if next_charge.amount is None:
        return f"Session on {on}: no fee agreed yet, so nothing will be charged"
    text = f"{_money(next_charge.amount, currency)} for the session on {on}"
    if next_charge.late_cancel_hours:
        text += (
            f"; cancelling less than {escape(next_charge.late_cancel_hours)} hours before costs "
            f"{_money(next_charge.late_fee, currency)}"
        )
    return text


def money_html(*, client: Client, section, ledger, currency: str, csrf_token=None) -> SafeString:
    """The money section of the client page, as its template wrote it, every value escaped."""
    balance = ledger.balance
    if balance > 0:
        owed = f"{_money(balance, currency)} owed by the client"
    elif balance < 0:
        owed = f"{_money(balance, currency)}: you owe the client this"
    else:
        owed = "Nothing owed either way"
    agreement = "None yet"
    if ledger.agreement:
        fee, agreed = _money(ledger.agreement.fee, currency), escape(day(ledger.agreement.agreed_on))
        agreement = f"{fee} a session, agreed {agreed}; no minimum, the client can stop at any time (P12)"
    html = _SECTION.format(
        title=escape(section.title),
        balance=owed,
        next=_next_charge(ledger.next_charge, currency),
        agreement=agreement,
        ledger=escape(link("money:ledger", [client.pk])),
        name=escape(client.display_name),
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped


@client_section("money", title="Fees (P2, P9, P12)", render=money_html, order=70)
def money_section(client: Client) -> dict:
    # The section shows the balance, the terms and the next charge: the ledger's lines are the
    # ledger page's, and reading them here cost the client page more than any other section.
    ledger = balance_of(client)
    # The currency is read with the balance; a coach without a practice profile yet gets one here.
    return {"ledger": ledger, "currency": ledger.currency or currency_of(client.coach)}


@timeline_source
def money_entries(client: Client, limit: int = TIMELINE_SHOWN) -> list[TimelineEntry]:
    """When payments, late cancellation charges and the agreement were recorded: the newest `limit`."""
    kept = records_kept(client)
    payments, charges = [], []
    if "payment" in kept or "charge" in kept:
        # Only late cancellations are told: the other charges are the sessions the timeline has.
        payments, charges = _newest_money_times(client, limit)
    entries = [
        TimelineEntry(when, "money", f"Payment recorded ({_PAYMENT_KINDS.get(kind, kind).lower()})")
        for when, kind in payments[:limit]
    ]
    entries += [
        TimelineEntry(when, "money", "Late cancellation charged under the agreement")
        for when in charges[:limit]
    ]
    agreement = balance_of(client).agreement
    if agreement is not None:
        entries.append(TimelineEntry(agreement.created_at, "money", "Fee agreement made"))
    return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]


# The newest payments (when, and of what kind) and late cancellation charges (when), by when they were
# recorded: plain columns, nothing sealed, each part in its own order and limit, in one statement.
_TIMES = Columns(None, Payment._meta.get_field("created_at"), Payment._meta.get_field("kind"))


@per_vendor
def _times_statement() -> str:
    q = connection.ops.quote_name
    # Table names from the models and a typed NULL only: every value is a parameter.
    payments = (
        f"SELECT 0 AS part, created_at, kind FROM {q(Payment._meta.db_table)} "  # noqa: S608  # nosec B608
        "WHERE client_id = %s ORDER BY created_at DESC, id DESC LIMIT %s"
    )
    charges = (
        f"SELECT 1 AS part, created_at, {_TIMES.null(2)} AS kind FROM {q(Charge._meta.db_table)} "  # noqa: S608  # nosec B608
        "WHERE client_id = %s AND kind = %s ORDER BY created_at DESC, id DESC LIMIT %s"
    )
    return f"SELECT * FROM ({payments}) AS payments UNION ALL SELECT * FROM ({charges}) AS charges"  # noqa: S608  # nosec B608


def _newest_money_times(client: Client, limit: int) -> tuple[list[tuple], list]:
    """The newest `limit` payments as (when, kind) and late cancellation charges as when: one query."""
    client_id = Client._meta.pk.get_db_prep_value(client.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _times_statement(), [client_id, limit, client_id, Charge.Kind.LATE_CANCEL.value, limit]
        )
        rows = _TIMES.read(cursor.fetchall())
    payments = [(when, kind) for part, when, kind in rows if part == 0]
    return payments, [when for part, when, _ in rows if part == 1]
