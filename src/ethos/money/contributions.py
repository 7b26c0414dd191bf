"""What money puts on the client page: the balance and the next charge, shown before it is owed."""

from __future__ import annotations

from ethos.clients.models import Client
from ethos.clients.pages import TIMELINE_SHOWN, TimelineEntry, client_section, timeline_source

from .models import Charge, Payment
from .selectors import balance_of, currency_of, ledger_events

_PAYMENT_KINDS = dict(Payment.Kind.choices)


@client_section("money", title="Fees (P2, P9, P12)", template="money/_client_money.html", order=70)
def money_section(client: Client) -> dict:
    # The section shows the balance, the terms and the next charge: the ledger's lines are the
    # ledger page's, and reading them here cost the client page more than any other section.
    return {"ledger": balance_of(client), "currency": currency_of(client.coach)}


@timeline_source
def money_entries(client: Client) -> list[TimelineEntry]:
    payments, charges = ledger_events(client)
    entries = [
        TimelineEntry(
            p.created_at, "money", f"Payment recorded ({_PAYMENT_KINDS.get(p.kind, p.kind).lower()})"
        )
        for p in payments
    ]
    entries += [
        TimelineEntry(c.created_at, "money", "Late cancellation charged under the agreement")
        for c in charges
        if c.kind == Charge.Kind.LATE_CANCEL
    ]
    agreement = balance_of(client).agreement
    if agreement is not None:
        entries.append(TimelineEntry(agreement.created_at, "money", "Fee agreement made"))
    return sorted(entries, key=lambda e: e.when, reverse=True)[:TIMELINE_SHOWN]
