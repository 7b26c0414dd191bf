"""What money puts on the client page: the balance and the next charge, shown before it is owed."""

from __future__ import annotations

from ethos.clients.models import Client
from ethos.clients.pages import (
    TIMELINE_SHOWN,
    TimelineEntry,
    client_section,
    newest_rows,
    records_kept,
    timeline_source,
)

from .models import Charge, Payment
from .selectors import balance_of, currency_of

_PAYMENT_KINDS = dict(Payment.Kind.choices)


@client_section("money", title="Fees (P2, P9, P12)", template="money/_client_money.html", order=70)
def money_section(client: Client) -> dict:
    # The section shows the balance, the terms and the next charge: the ledger's lines are the
    # ledger page's, and reading them here cost the client page more than any other section.
    return {"ledger": balance_of(client), "currency": currency_of(client.coach)}


@timeline_source
def money_entries(client: Client, limit: int = TIMELINE_SHOWN) -> list[TimelineEntry]:
    """When payments, late cancellation charges and the agreement were recorded: the newest `limit`."""
    kept = records_kept(client)
    payments = charges = []
    if "payment" in kept:
        payments = _newest_payments(client, limit)
    if "charge" in kept:
        # Only late cancellations are told: the other charges are the sessions the timeline has.
        charges = _newest_late_cancels(client, limit)
    entries = [
        TimelineEntry(when, "money", f"Payment recorded ({_PAYMENT_KINDS.get(kind, kind).lower()})")
        for when, kind in payments[:limit]
    ]
    entries += [
        TimelineEntry(when, "money", "Late cancellation charged under the agreement")
        for (when,) in charges[:limit]
    ]
    agreement = balance_of(client).agreement
    if agreement is not None:
        entries.append(TimelineEntry(agreement.created_at, "money", "Fee agreement made"))
    return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]


# Two plain columns of the newest rows by when they were recorded (nothing sealed is read), the
# client page's few from SQL built once per process (`newest_rows`).
def _payment_time_rows(client: Client):
    return (
        Payment.objects.filter(client=client).order_by("-created_at", "-id").values_list("created_at", "kind")
    )


def _late_cancel_time_rows(client: Client):
    return (
        Charge.objects.filter(client=client, kind=Charge.Kind.LATE_CANCEL)
        .order_by("-created_at", "-id")
        .values_list("created_at")
    )


_newest_payments = newest_rows(_payment_time_rows)
_newest_late_cancels = newest_rows(_late_cancel_time_rows)
