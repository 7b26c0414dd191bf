"""Safeguarding test helpers: clients, notes and records through the product's own services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ethos.coaching import notes
from ethos.safeguarding import reports, services
from ethos.safeguarding.models import AtRisk, Consent, CourtOrder
from tests.coaching.conftest import active_client, schedule, start
from tests.conftest import PASSPHRASE

C3_SENTENCE = "She told me her father hits her little sister every night."
PDF = b"%PDF-1.4\n% a signed consent\n"
PAYLOAD = "<script>alert('x')</script> Robert'); DROP TABLE safeguarding_disclosure;--"


def note_with(coach, client, text: str = C3_SENTENCE, *, minutes_ago: int = 5, minutes: int = 60):
    """A started session whose note says `text` (a C3 sentence by default): returns the note."""
    starts_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    session = start(coach, schedule(coach, client, starts_at=starts_at, minutes=minutes))
    return notes.note_save(coach=coach, session=session, sections={"worked_on": text}, version=0).note


def open_task(
    coach,
    client,
    *,
    note=None,
    details="Her sister, aged 7, is hit every night by their father.",
    hours_ago=1,
):
    return reports.report_task_open(
        coach=coach,
        client=client,
        at_risk=AtRisk.CHILD,
        details=details,
        learned_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        note=note,
    )


def record_report(coach, task, *, reported_at=None, agency="Children's Services", passphrase=PASSPHRASE):
    return reports.mandatory_report_record(
        coach=coach,
        passphrase=passphrase,
        task=task,
        agency=agency,
        how="phone",
        reported_at=reported_at or timezone.now(),
        reference="CS-2026-0412",
        told_client="I told her I had to make the report, and why.",
    )


def upload(content: bytes = PDF, name: str = "consent.pdf") -> services.Upload:
    return services.Upload(content=content, name=name, content_type="application/pdf")


def consent(
    coach, client, *, recipient="Dr Lee, GP", kinds=("attendance",), days=(-1, 30), how="document", **extra
):
    today = timezone.localdate()
    return services.consent_record(
        coach=coach,
        client=client,
        recipient=recipient,
        purpose="Coordinating care",
        record_kinds=kinds,
        valid_from=today + datetime.timedelta(days=days[0]),
        valid_until=today + datetime.timedelta(days=days[1]),
        how_given=how,
        signed_on=today,
        signed_name="Robin Ash" if how == Consent.HowGiven.TYPED else "",
        document=upload() if how == Consent.HowGiven.DOCUMENT else None,
        **extra,
    )


def court_order(coach, client, *, recipient="County Court", kinds=("attendance",)):
    return services.court_order_record(
        coach=coach,
        client=client,
        kind=CourtOrder.Kind.SUBPOENA,
        court="County Court of Example",
        case_reference="CV-2026-118",
        issued_on=timezone.localdate(),
        recipient=recipient,
        record_kinds=kinds,
        asks_for="Dates of sessions attended",
        may_tell_client=True,
        document=upload(name="order.pdf"),
    )


def ask(client, *, basis, recipient="Dr Lee, GP", kinds=("attendance",), consent=None, order=None):
    return services.Request(
        client=client,
        recipient=recipient,
        record_kinds=tuple(kinds),
        purpose="Coordinating care",
        basis=basis,
        consent=consent,
        order=order,
    )


def disclose(coach, request, passphrase=PASSPHRASE):
    return services.disclosure_request(coach=coach, passphrase=passphrase, request=request)


@pytest.fixture
def robin(coach, vault):
    return active_client(coach, name="Robin Ash")
