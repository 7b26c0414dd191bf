"""What money puts on the client page: the balance and the next charge, shown before it is owed."""

from __future__ import annotations

from ethos.clients.models import Client
from ethos.clients.pages import TIMELINE_SHOWN, TimelineEntry, client_section, timeline_source

from .models import Charge
from .selectors import currency_of, ledger_of


@client_section("money", title="Fees (P2, P9, P12)", template="money/_client_money.html", order=70)
def money_section(client: Client) -> dict:
    return {"ledger": ledger_of(client), "currency": currency_of(client.coach)}


@timeline_source
def money_entries(client: Client) -> list[TimelineEntry]:
    ledger = ledger_of(client)
    entries = [
        TimelineEntry(p.created_at, "money", f"Payment recorded ({p.get_kind_display().lower()})")
        for p in ledger.payments
    ]
    entries += [
        TimelineEntry(c.created_at, "money", "Late cancellation charged under the agreement")
        for c in ledger.charges
        if c.kind == Charge.Kind.LATE_CANCEL
    ]
    if ledger.agreement is not None:
        entries.append(TimelineEntry(ledger.agreement.created_at, "money", "Fee agreement made"))
    return sorted(entries, key=lambda e: e.when, reverse=True)[:TIMELINE_SHOWN]
