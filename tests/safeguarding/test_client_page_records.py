"""The client page reads the client's safeguarding records in one query, as the records themselves say.

`page_records_of` reads the few columns the client page shows of every task, consent, court order
and disclosure in one statement; these tests hold it to `records_of` (the records, read kind by
kind) and the section and timeline it writes to what they wrote from the records.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos.clients.pages import TimelineEntry, _sections
from ethos.memo import scope
from ethos.safeguarding import selectors, services
from ethos.safeguarding.contributions import entries_of, safeguarding_entries, safeguarding_html, section_of
from ethos.safeguarding.models import Consent, Disclosure
from tests.coaching.conftest import active_client
from tests.safeguarding.conftest import PAYLOAD, ask, consent, court_order, disclose, open_task, record_report

pytestmark = pytest.mark.django_db


def _old_section_context(client) -> dict:
    # safeguarding_section as it was: the same context, from the full records.
    return section_of(selectors.records_of(client))


def _old_entries(client) -> list[TimelineEntry]:
    # safeguarding_entries as it was: the same entries, from the full records.
    return entries_of(selectors.records_of(client))


def _section_html(client, context: dict) -> str:
    section = _sections["safeguarding"]
    return safeguarding_html(client=client, section=section, now=timezone.now(), **context)


def _everything(coach, client):
    """Every kind of record, hostile text in each sealed value the page shows, one of each state."""
    closed = open_task(coach, client, hours_ago=3)
    open_task(coach, client, hours_ago=1)
    typed = consent(
        coach, client, recipient=PAYLOAD, kinds=("attendance", "goals"), how=Consent.HowGiven.TYPED
    )
    consent(coach, client, recipient="<b>Dr Lee</b> & 'partners'", days=(-40, -2))
    withdrawn = consent(coach, client, recipient="Withdrawn GP")
    services.consent_revoke(coach=coach, consent=withdrawn, note="She changed her mind.")
    court_order(coach, client)
    disclose(coach, ask(client, basis=Disclosure.Basis.CONSENT, consent=typed, recipient=PAYLOAD))
    record_report(coach, closed)
    return typed


def _lines_equal_records(client) -> None:
    records, lines = selectors.records_of(client), selectors.page_records_of(client)
    assert [(t.pk, t.opened_at, t.closed_at, t.deadline, t.is_open) for t in records.tasks] == [
        (t.pk, t.opened_at, t.closed_at, t.deadline, t.is_open) for t in lines.tasks
    ]
    today = timezone.localdate()

    def consent_fields(c):
        return (
            c.pk,
            c.recipient,
            c.valid_from,
            c.valid_until,
            c.how_given,
            c.recorded_at,
            c.revoked_at,
            c.in_force(today),
        )

    assert [consent_fields(c) for c in records.consents] == [consent_fields(c) for c in lines.consents]
    assert [(o.pk, o.kind, o.kind_label, o.court, o.issued_on, o.recorded_at) for o in records.orders] == [
        (o.pk, o.kind, o.kind_label, o.court, o.issued_on, o.recorded_at) for o in lines.orders
    ]
    assert [(d.disclosed_at, d.basis, d.basis_label) for d in records.disclosures] == [
        (d.disclosed_at, d.basis, d.basis_label) for d in lines.disclosures
    ]


def test_c1_it_reads_every_kind_as_the_records_say(coach, vault):
    client = active_client(coach, name="Robin Ash")
    _everything(coach, client)
    lines = selectors.page_records_of(client)
    assert (len(lines.tasks), len(lines.consents), len(lines.orders), len(lines.disclosures)) == (2, 3, 1, 2)
    assert PAYLOAD in [c.recipient for c in lines.consents]
    assert [t.is_open for t in lines.tasks] == [True, False]
    _lines_equal_records(client)


def test_c1_it_reads_a_client_without_records_as_empty(coach, vault):
    client = active_client(coach, name="Robin Ash")
    lines = selectors.page_records_of(client)
    assert (lines.tasks, lines.consents, lines.orders, lines.disclosures) == ([], [], [], [])
    _lines_equal_records(client)


def test_c1_it_reads_only_the_accounting_period(coach, vault, monkeypatch):
    client = active_client(coach, name="Robin Ash")
    given = consent(coach, client)
    disclose(coach, ask(client, basis=Disclosure.Basis.CONSENT, consent=given))
    later = timezone.now() + datetime.timedelta(microseconds=1)
    disclose(coach, ask(client, basis=Disclosure.Basis.CONSENT, consent=given))
    monkeypatch.setattr(selectors, "accounting_since", lambda now=None: later)
    assert len(selectors.page_records_of(client).disclosures) == 1
    _lines_equal_records(client)


def test_c1_it_reads_one_clients_records_only(coach, vault):
    robin, sam = active_client(coach, name="Robin Ash"), active_client(coach, name="Sam Okafor")
    _everything(coach, sam)
    consent(coach, robin, recipient="Robin's GP")
    lines = selectors.page_records_of(robin)
    assert [c.recipient for c in lines.consents] == ["Robin's GP"]
    assert (lines.tasks, lines.orders, lines.disclosures) == ([], [], [])


def test_c1_it_reads_in_one_query(coach, vault):
    client = active_client(coach, name="Robin Ash")
    _everything(coach, client)
    with CaptureQueriesContext(connection) as captured:
        selectors.page_records_of(client)
    assert len(captured.captured_queries) == 1


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("name", ["Robin Ash", '<script>alert(1)</script> O\'Neill & "Co"', PAYLOAD])
@pytest.mark.parametrize("records", ["everything", "nothing", "consent only"])
def test_c1_the_section_and_timeline_are_what_the_records_wrote(coach, vault, settings, zone, name, records):
    settings.TIME_ZONE = zone
    timezone.activate(zone)
    try:
        client = active_client(coach, name=name)
        if records == "everything":
            _everything(coach, client)
        elif records == "consent only":
            consent(coach, client, recipient=name)
        new = _sections["safeguarding"].context(client)
        old = _old_section_context(client)
        assert new["disclosures"] == old["disclosures"]
        assert _section_html(client, {k: v for k, v in new.items() if k != "now"}) == _section_html(
            client, old
        )
        assert safeguarding_entries(client) == _old_entries(client)
    finally:
        timezone.deactivate()


def test_c1_the_page_reads_them_once_for_the_section_and_the_timeline(coach, vault):
    client = active_client(coach, name="Robin Ash")
    _everything(coach, client)
    with scope():
        _sections["safeguarding"].context(client)
        with CaptureQueriesContext(connection) as captured:
            safeguarding_entries(client)
    assert captured.captured_queries == []


def test_c1_another_coach_gets_no_page_of_the_client(coach, vault, coach_client, other_client):
    client = active_client(coach, name="Robin Ash")
    _everything(coach, client)
    address = reverse("clients:detail", args=[client.pk])
    page = coach_client.get(address)
    assert page.status_code == 200
    assert "Mandatory report recorded (C3)" in page.content.decode()
    assert other_client.get(address).status_code == 404
