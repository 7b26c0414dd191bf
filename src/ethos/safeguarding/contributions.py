"""What safeguarding puts on the client page and its timeline (through the clients registry)."""

from __future__ import annotations

from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import TimelineEntry, client_section, crisis_section, timeline_source

from .models import Disclosure
from .selectors import records_of


@client_section(
    "safeguarding", title="Safeguarding and sharing", template="safeguarding/_client.html", order=70
)
def safeguarding_section(client: Client) -> dict | None:
    """Reports owed, consents, court orders and the accounting: four queries for any number."""
    records = records_of(client)
    today = timezone.localdate()
    return {
        "open_tasks": [t for t in records.tasks if t.is_open],
        "consents": [(c, c.in_force(today)) for c in records.consents],
        "orders": records.orders,
        "disclosures": len(records.disclosures),
        "now": timezone.now(),
    }


@timeline_source
def safeguarding_entries(client: Client) -> list[TimelineEntry]:
    records = records_of(client)
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
