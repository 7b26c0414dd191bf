"""The supervision log (S6): supervisors, entries without client identity, items taken to supervision."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ethos.practice import supervision
from ethos.practice.models import SupervisionEntry, Supervisor
from ethos.standards.models import OpenItem
from ethos.standards.selectors import compliance_report
from tests.clients.conftest import intake, vetted_resource

pytestmark = pytest.mark.django_db

CANARY = "Quillon Marrowby"
PAYLOAD = "<script>alert('x')</script> Robert'); DROP TABLE practice_supervisor;--"
TODAY = timezone.localdate()


def make_supervisor(coach, *, name="Dr Ada Nwosu"):
    return supervision.supervisor_add(
        coach=coach,
        name=name,
        qualification="Registered clinical supervisor",
        verified_how=Supervisor.Verified.REGISTER,
        verified_on=TODAY - datetime.timedelta(days=30),
    )


def record(
    coach, supervisor, *, concerns="A client whose concern lies outside my training.", items=(), **extra
):
    return supervision.supervision_record(
        coach=coach,
        supervisor=supervisor,
        held_on=extra.pop("held_on", TODAY),
        hours=extra.pop("hours", Decimal("1.5")),
        concerns=concerns,
        outcome=extra.pop("outcome", "Refer for that concern; keep coaching on the rest."),
        actions=extra.pop("actions", ""),
        items=items,
    )


def outside_competence_client(coach):
    """A client who brings a concern outside the (empty) competence profile: an S5 item on the client."""
    client = intake(coach, name=CANARY, concerns=("grief-and-loss",)).client
    item = OpenItem.objects.get(coach=coach, clause="S5", subject_id=str(client.pk))
    return client, item


def test_s6_the_offered_summary_and_a_saved_entry_carry_no_client_identity(coach, vault):
    client, item = outside_competence_client(coach)
    summary = supervision.offered_summary(coach, [item])
    assert "Grief and loss" in summary and "adult client" in summary
    for identifier in ("Quillon", "Marrowby", "robin@example.org", client.date_of_birth.isoformat()):
        assert identifier not in summary
    entry = record(coach, make_supervisor(coach), concerns=summary, items=[item])
    with connection.cursor() as cursor:
        cursor.execute("SELECT concerns FROM practice_supervisionentry WHERE id = %s", [entry.pk.hex])
        stored = bytes(cursor.fetchone()[0])
    assert b"Grief" not in stored and b"Quillon" not in stored


@pytest.mark.parametrize("words", ["Quillon talked about", "marrowby again", "robin@example.org wrote"])
def test_s6_an_entry_naming_the_client_is_refused_and_nothing_is_written(coach, vault, words):
    _, item = outside_competence_client(coach)
    supervisor = make_supervisor(coach)
    with pytest.raises(ValidationError) as error:
        record(coach, supervisor, concerns=f"{words} a loss.", items=[item])
    assert "identify a client" in str(error.value)
    assert "Quillon" not in str(error.value)
    assert not SupervisionEntry.objects.exists()


def test_s6_an_entry_takes_up_an_s5_item_which_waits_for_its_referral(coach, vault):
    client, item = outside_competence_client(coach)
    entry = record(coach, make_supervisor(coach), items=[item])
    item.refresh_from_db()
    # Supervision goes alongside the referral, never in its place (S5): the item is still open.
    assert item.is_open
    assert supervision.supervision_totals(coach).items_taken == 1
    assert supervision.supervision_totals(coach).items_resolved == 0
    # The S5/S6 check ran at supervision.need and recorded that supervision went alongside.
    assert entry.links.get().item_id == item.pk
    from ethos.clients import services as client_services
    from ethos.standards.models import Tally

    assert Tally.objects.filter(coach=coach, clause="S6", point="supervision.need", recorded=1).exists()
    client_services.referral_make(
        coach=coach,
        client=client,
        resource=vetted_resource(coach, name="Grief Service", kind="therapist"),
        reason="Grief support",
        concern_area="grief-and-loss",
    )
    item.refresh_from_db()
    assert not item.is_open
    assert supervision.supervision_totals(coach).items_resolved == 1


def test_s6_an_item_that_asks_for_supervision_is_resolved_by_the_entry(coach, vault):
    from ethos.coaching.boundaries import relationship_declare, supervision_item

    client = intake(coach, name=CANARY).client
    relationship_declare(coach=coach, client=client, kind="attraction", what="Feelings on both sides.")
    item = supervision_item(coach, client)
    assert item is not None
    entry = record(coach, make_supervisor(coach), concerns="Attraction with a client.", items=[item])
    item.refresh_from_db()
    assert item.resolved_record_type == "supervision_entry" and item.resolved_record_id == str(entry.pk)


def test_s6_the_report_is_in_good_standing_only_with_entries(coach, vault):
    make_supervisor(coach)
    row = {r.clause.id: r for r in compliance_report(coach=coach).rows}["S6"]
    assert row.status.value != "good"
    record(coach, Supervisor.objects.get(), hours=Decimal("2.25"))
    row = {r.clause.id: r for r in compliance_report(coach=coach).rows}["S6"]
    assert row.status.value == "good"
    text = " ".join(e.text for e in row.evidence)
    assert "1 supervision logged, 2.25 hours" in text and CANARY not in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours", Decimal("0"), supervision.HOURS_RANGE),
        ("hours", Decimal("25"), supervision.HOURS_RANGE),
        ("held_on", TODAY + datetime.timedelta(days=1), supervision.IN_FUTURE),
        ("outcome", "  ", supervision.OUTCOME_NEEDED),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(coach, vault, field, value, message):
    with pytest.raises(ValidationError) as error:
        record(coach, make_supervisor(coach), **{field: value})
    assert message in str(error.value)
    assert not SupervisionEntry.objects.exists()


def test_it_refuses_another_coachs_supervisor(coach, other_coach, vault):
    with pytest.raises(ValidationError):
        record(coach, Supervisor(coach=other_coach, name="x"))


def test_the_pages_log_an_entry_from_an_item_with_the_summary_offered(coach, coach_client, vault):
    _, item = outside_competence_client(coach)
    make_supervisor(coach, name=PAYLOAD)
    page = coach_client.get(reverse("practice:supervision_add"), {"item": str(item.pk)}).content.decode()
    assert "Grief and loss" in page and CANARY not in page and "<script>alert" not in page
    response = coach_client.post(
        reverse("practice:supervision_add") + f"?item={item.pk}",
        {
            "supervisor": str(Supervisor.objects.get().pk),
            "held_on": TODAY.isoformat(),
            "hours": "1.5",
            "items": [str(item.pk)],
            "concerns": PAYLOAD,
            "outcome": "Refer on.",
        },
    )
    entry = SupervisionEntry.objects.get()
    assert response.status_code == 302
    detail = coach_client.get(reverse("practice:supervision_entry", args=[entry.pk])).content.decode()
    assert "&lt;script&gt;" in detail and "<script>alert" not in detail
    log = coach_client.get(reverse("practice:supervision")).content.decode()
    assert "1.50" in log or "1.5" in log


@pytest.mark.parametrize("hours", ["abc", "-1", "1e999", "NaN", "' OR 1=1 --"])
def test_bad_hours_on_the_page_give_a_message_not_a_500(coach, coach_client, vault, hours):
    make_supervisor(coach)
    response = coach_client.post(
        reverse("practice:supervision_add"),
        {
            "supervisor": str(Supervisor.objects.get().pk),
            "held_on": TODAY.isoformat(),
            "hours": hours,
            "concerns": "c",
            "outcome": "o",
        },
    )
    assert response.status_code == 200 and "problem" in response.content.decode()
    assert not SupervisionEntry.objects.exists()


def test_another_coach_gets_404_on_an_entry(coach, vault, other_client):
    entry = record(coach, make_supervisor(coach))
    assert other_client.get(reverse("practice:supervision_entry", args=[entry.pk])).status_code == 404


def _queries(browser, url) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_the_log_reads_in_the_same_number_of_queries_for_1_or_many_entries(coach, coach_client, vault):
    supervisor = make_supervisor(coach)
    record(coach, supervisor)
    url = reverse("practice:supervision")
    _queries(coach_client, url)  # the first request of a session does its one-time work
    one = _queries(coach_client, url)
    for _ in range(6):
        record(coach, supervisor)
    assert _queries(coach_client, url) == one


def test_s6_the_prepared_totals_add_hours_as_the_orm_does_this_year_and_in_all(coach, vault):
    from django.db.models import Sum

    supervisor = make_supervisor(coach)
    last_year = TODAY.replace(year=TODAY.year - 1, month=6, day=1)
    for hours, held_on in (("0.1", TODAY), ("0.1", TODAY), ("0.1", TODAY), ("2.25", last_year)):
        record(coach, supervisor, hours=Decimal(hours), held_on=held_on)

    totals = supervision.supervision_totals(coach)

    orm = SupervisionEntry.objects.filter(coach=coach).aggregate(total=Sum("hours"))["total"]
    assert totals.entries == 4
    assert totals.hours == orm == Decimal("2.55")  # three tenths add up exactly, not 0.30000000000000004
    assert totals.hours_this_year == Decimal("0.3")
    assert supervision.supervision_totals(coach, today=last_year).hours_this_year == Decimal("2.25")
