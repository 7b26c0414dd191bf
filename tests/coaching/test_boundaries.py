"""Boundaries (P7, P8): the agreement, the contact log and its reviews, declared relationships."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ethos.clients.endings import client_release
from ethos.clients.models import Client
from ethos.coaching import boundaries
from ethos.coaching.models import BoundaryReview, ContactLog, RelationshipDeclaration, Session
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.standards.selectors import compliance_report
from tests.clients.conftest import vetted_resource
from tests.coaching.conftest import CANARY, PAYLOAD, schedule, start

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def contact(coach, client, *, about="personal", summary="They asked to meet for coffee."):
    return boundaries.contact_log(
        coach=coach,
        client=client,
        happened_on=TODAY,
        started_by="client",
        channel="message",
        about=about,
        summary=summary,
    )


def test_p7_contact_not_about_coaching_opens_a_boundary_review_that_the_review_closes(coach, robin):
    logged = contact(coach, robin)
    item = OpenItem.objects.get(
        coach=coach, clause="P7", subject_type="contactlog", subject_id=str(logged.pk)
    )
    assert item.record_type_list == ["boundary_review"]
    review = boundaries.contact_review(
        coach=coach, contact=logged, what_happened="I restated our agreement kindly.", outcome="restated"
    )
    item.refresh_from_db()
    assert item.resolved_record_id == str(review.pk)
    assert boundaries.boundaries_of(robin).reviews == [review]


def test_p7_contact_about_coaching_is_logged_and_opens_nothing(coach, robin):
    contact(coach, robin, about="arrangements", summary="Moved Thursday's session.")
    assert not OpenItem.objects.filter(clause="P7").exists()
    assert ContactLog.objects.count() == 1


def test_p7_the_report_counts_contacts_and_reviews_without_identity(coach, robin):
    boundaries.boundary_agreement_sign(
        coach=coach,
        client=robin,
        contact_between="Messages only to arrange sessions.",
        out_of_bounds="Friendship, social media.",
        signed_name=CANARY,
        signed_on=TODAY,
    )
    contact(coach, robin)
    row = {r.clause.id: r for r in compliance_report(coach=coach).rows}["P7"]
    text = " ".join(e.text for e in row.evidence)
    assert "1 client with a signed boundary agreement" in text and "1 of them not about coaching" in text
    assert CANARY not in text


def test_p8_a_declared_relationship_ends_coaching_and_blocks_new_sessions(coach, robin):
    session = schedule(coach, robin)
    boundaries.relationship_declare(
        coach=coach, client=robin, kind="romantic", what="We have started dating."
    )
    ending_item = boundaries.ending_item(coach, robin)
    assert ending_item is not None and boundaries.supervision_item(coach, robin) is not None
    with pytest.raises(ActionStopped) as stopped:
        start(coach, session)
    assert [(f.clause, f.strength.value) for f in stopped.value.verdict.findings] == [("P8", "block")]
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED and session.no_fee
    # Coaching ends through the ending workflow, with a vetted coaching referral (P11).
    client_release(
        coach=coach,
        client=robin,
        kind="end",
        initiated_by="coach",
        explanation="Our relationship means I can no longer be your coach.",
        explained_on=TODAY,
        explained_how="in_session",
        referral_resources=[vetted_resource(coach)],
    )
    robin.refresh_from_db()
    ending_item.refresh_from_db()
    assert robin.status == Client.Status.ENDED and not ending_item.is_open
    row = {r.clause.id: r for r in compliance_report(coach=coach).rows}["P8"]
    text = " ".join(e.text for e in row.evidence)
    assert "1 relationship declared that ended coaching, 1 of them ended with a referral" in text
    assert CANARY not in text


def test_p8_a_friendship_is_a_p7_warning_and_does_not_block_sessions(coach, robin):
    session = schedule(coach, robin)
    boundaries.relationship_declare(
        coach=coach, client=robin, kind="friendship", what="We share a climbing club."
    )
    assert boundaries.ending_item(coach, robin) is None
    assert start(coach, session).status == Session.Status.STARTED


def test_p8_the_declaration_page_leads_to_the_ending_workflow(coach, robin, coach_client):
    response = coach_client.post(
        reverse("coaching:relationship_declare", args=[robin.pk]), {"kind": "attraction", "what": PAYLOAD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clients:end", args=[robin.pk]) + "?item=")
    page = coach_client.get(reverse("coaching:boundaries", args=[robin.pk])).content.decode()
    assert "P8" in page and "<script>alert" not in page


def test_a_contact_page_posting_non_coaching_contact_goes_to_its_review(coach, robin, coach_client):
    response = coach_client.post(
        reverse("coaching:contact_log", args=[robin.pk]),
        {
            "happened_on": TODAY.isoformat(),
            "started_by": "client",
            "channel": "social",
            "about": "social",
            "summary": PAYLOAD,
        },
    )
    logged = ContactLog.objects.get()
    assert response["Location"] == reverse("coaching:contact_review", args=[robin.pk, logged.pk])
    response = coach_client.post(response["Location"], {"what_happened": PAYLOAD, "outcome": "declined"})
    assert response.status_code == 302 and BoundaryReview.objects.get().contact_id == logged.pk


@pytest.mark.parametrize(
    "data",
    [
        {
            "happened_on": "2999-01-01",
            "started_by": "client",
            "channel": "phone",
            "about": "personal",
            "summary": "x",
        },
        {
            "happened_on": "not a date",
            "started_by": "client",
            "channel": "phone",
            "about": "personal",
            "summary": "x",
        },
        {
            "happened_on": "2024-01-01",
            "started_by": "' OR 1=1 --",
            "channel": "phone",
            "about": "x",
            "summary": "",
        },
    ],
)
def test_bad_contact_input_gives_a_message_and_changes_nothing(coach, robin, coach_client, data):
    response = coach_client.post(reverse("coaching:contact_log", args=[robin.pk]), data)
    assert response.status_code == 200 and "problem" in response.content.decode()
    assert not ContactLog.objects.exists() and not OpenItem.objects.filter(clause="P7").exists()


def test_the_service_refuses_a_future_contact(coach, robin):
    with pytest.raises(ValidationError):
        boundaries.contact_log(
            coach=coach,
            client=robin,
            happened_on=TODAY + datetime.timedelta(days=1),
            started_by="client",
            channel="phone",
            about="personal",
            summary="x",
        )


def test_another_coach_gets_404_on_every_boundary_page(coach, robin, other_client):
    logged = contact(coach, robin)
    for url in (
        reverse("coaching:boundaries", args=[robin.pk]),
        reverse("coaching:boundary_agreement", args=[robin.pk]),
        reverse("coaching:contact_log", args=[robin.pk]),
        reverse("coaching:contact_review", args=[robin.pk, logged.pk]),
        reverse("coaching:relationship_declare", args=[robin.pk]),
    ):
        assert other_client.get(url).status_code == 404
        assert other_client.post(url, {"kind": "romantic", "what": "x"}).status_code in (404, 405)
    assert not RelationshipDeclaration.objects.exists()


def test_the_client_page_shows_the_boundaries_section(coach, robin, coach_client):
    contact(coach, robin)
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Boundaries (P7, P8)" in page and "Review waiting" in page


def test_the_boundaries_page_reads_in_the_same_number_of_queries_for_1_or_many_contacts(
    coach, robin, coach_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("coaching:boundaries", args=[robin.pk])
    contact(coach, robin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coach_client.get(url).status_code == 200
        return len(captured)

    queries()  # the first request of a session does its one-time work
    one = queries()
    for _ in range(5):
        contact(coach, robin)
    assert queries() == one
