"""Answering a note's findings on the note page: not applicable, scope and boundary reviews, follow-ups."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.coaching import services
from ethos.coaching.models import BoundaryReview, FollowUp, NotApplicable, ScopeReview, StartCheck
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.standards.selectors import compliance_report
from tests.coaching.conftest import PAYLOAD, schedule, start
from tests.coaching.test_notes import DIAGNOSIS, SUICIDE, save

pytestmark = pytest.mark.django_db

CONTACT = "I gave her my personal number so she can text me at the weekend."
LOAN = "She lent me 200 pounds until payday."
ROMANCE = "I told her I have feelings for her and we kissed after the session."


@pytest.fixture
def started(coach, session):
    return start(coach, session)


def note_url(name, session, *args):
    return reverse(f"coaching:{name}", args=[session.pk, *args])


def open_items(note, clause):
    return OpenItem.objects.filter(subject_id=str(note.pk), clause=clause, resolved_at=None)


@pytest.mark.parametrize(("clause", "text"), [("P7", CONTACT), ("P9", LOAN), ("P8", ROMANCE)])
def test_p7_p8_p9_a_boundary_finding_opens_a_review_until_one_is_recorded(
    coach, coach_client, started, clause, text
):
    note = save(coach, started, worked_on=text).note
    assert open_items(note, clause).count() == 1
    page = coach_client.get(note_url("note", started)).content.decode()
    assert f"Boundary review for {clause}" in page and note_url("note_boundary_review", started) in page

    outcome = "ending" if clause == "P8" else "restated"
    response = coach_client.post(
        note_url("note_boundary_review", started),
        {"clause": clause, "what_happened": f"We talked about it. {PAYLOAD}", "outcome": outcome},
    )
    assert response.status_code == 302
    assert not open_items(note, clause).exists()
    review = BoundaryReview.objects.get(note=note)
    assert review.clause == clause and review.outcome == outcome and PAYLOAD in review.what_happened
    assert AuditEvent.objects.filter(action=Action.NOTE_BOUNDARY_REVIEWED, clauses__contains=clause).exists()
    page = coach_client.get(note_url("note", started)).content.decode()
    assert "Recorded from this note" in page and "<script>alert" not in page
    # Saving the same words again does not reopen what the review answered.
    save(coach, started, version=1, worked_on=text, focus="more")
    assert not open_items(note, clause).exists()


def test_p8_a_relationship_is_not_answered_by_restating_a_boundary(coach, coach_client, started):
    note = save(coach, started, worked_on=ROMANCE).note
    response = coach_client.post(
        note_url("note_boundary_review", started),
        {"clause": "P8", "what_happened": "I said it was fine.", "outcome": "restated"},
    )
    assert response.status_code == 400
    assert "coaching ends" in response.content.decode()
    assert open_items(note, "P8").count() == 1 and not BoundaryReview.objects.exists()


def test_a_finding_marked_not_applicable_is_kept_audited_and_counted(coach, coach_client, started, vault):
    save(coach, started, worked_on=f"We met. {DIAGNOSIS}")
    page = coach_client.get(note_url("note", started)).content.decode()
    assert "It does not apply here" in page
    response = coach_client.post(
        note_url("note_not_applicable", started),
        {"clause": "S7", "sentence": DIAGNOSIS, "reason": "Her words, quoted from her letter."},
    )
    assert response.status_code == 302
    row = NotApplicable.objects.get()
    assert row.clause == "S7" and row.reason == "Her words, quoted from her letter."
    assert AuditEvent.objects.filter(action=Action.NOTE_FINDING_NOT_APPLICABLE).count() == 1
    page = coach_client.get(note_url("note", started)).content.decode()
    assert "You marked it not applicable" in page
    assert "1 checker finding marked not applicable" in str(
        compliance_report(coach=coach, now=timezone.now())
    )


def test_a_reason_is_required_and_the_error_shows_in_its_row(coach, coach_client, started):
    save(coach, started, worked_on=DIAGNOSIS)
    response = coach_client.post(
        note_url("note_not_applicable", started), {"clause": "S7", "sentence": DIAGNOSIS, "reason": " "}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem to fix" in body and "This field is required" in body
    assert not NotApplicable.objects.exists()


def test_a_finding_that_is_not_in_the_note_cannot_be_marked(coach, coach_client, started):
    save(coach, started, worked_on=DIAGNOSIS)
    response = coach_client.post(
        note_url("note_not_applicable", started),
        {"clause": "S7", "sentence": "' OR 1=1 --", "reason": "because"},
    )
    assert response.status_code == 400
    assert "not in the note as it stands" in response.content.decode()
    assert not NotApplicable.objects.exists()


def test_s2_a_reason_never_closes_it_but_a_scope_review_lets_the_note_be_signed(coach, coach_client, started):
    note = save(coach, started, worked_on=SUICIDE).note
    coach_client.post(
        note_url("note_not_applicable", started),
        {"clause": "S2", "sentence": SUICIDE, "reason": "She was quoting a film."},
    )
    assert open_items(note, "S2").exists()
    assert coach_client.post(note_url("note_sign", started), {"version": 1}).status_code == 200
    note.refresh_from_db()
    assert not note.is_signed

    page = coach_client.get(note_url("note", started)).content.decode()
    assert "Scope review for S2" in page
    response = coach_client.post(
        note_url("note_scope_review", started),
        {
            "clause": "S2",
            "considered": "Crisis protocol followed; she agreed a safety plan.",
            "outcome": "refer",
        },
    )
    assert response.status_code == 302 and not open_items(note, "S2").exists()
    assert ScopeReview.objects.get(note=note).outcome == "refer"
    coach_client.post(note_url("note_sign", started), {"version": 1})
    note.refresh_from_db()
    assert note.is_signed


def test_a_review_for_a_clause_with_nothing_open_is_refused(coach, coach_client, started):
    save(coach, started, worked_on="We planned the week.")
    for name, data in (
        ("note_scope_review", {"clause": "S2", "considered": "x", "outcome": "continue"}),
        ("note_boundary_review", {"clause": "P9", "what_happened": "x", "outcome": "declined"}),
        ("note_boundary_review", {"clause": "S7", "what_happened": "x", "outcome": "declined"}),
    ):
        response = coach_client.post(note_url(name, started), data)
        assert response.status_code == 400, name
    assert not ScopeReview.objects.exists() and not BoundaryReview.objects.exists()


def test_s3_the_next_sessions_note_records_that_the_follow_up_was_talked_through(
    coach, coach_client, robin, vault
):
    first = schedule(coach, robin)
    with pytest.raises(ActionStopped):
        start(coach, first, presentation=StartCheck.Presentation.UNDER_INFLUENCE)
    services.session_cancel(coach=coach, session=first, cancelled_by="coach", reason="Moved kindly")
    follow_up = FollowUp.objects.get(client=robin)
    later = start(coach, schedule(coach, robin))
    save(coach, later, focus="Back to her goals.")
    page = coach_client.get(note_url("note", later)).content.decode()
    assert "Follow-ups waiting from earlier sessions" in page

    empty = coach_client.post(note_url("note_follow_up", later, follow_up.pk), {"how": ""})
    assert empty.status_code == 400
    follow_up.refresh_from_db()
    assert follow_up.is_open

    done = coach_client.post(
        note_url("note_follow_up", later, follow_up.pk), {"how": "She chose to come sober; we agreed a plan."}
    )
    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert not follow_up.is_open and follow_up.resolved_in == later
    page = coach_client.get(note_url("note", later)).content.decode()
    assert "follow-up talked through" in page and "Follow-ups waiting" not in page


def test_another_coach_gets_404_on_every_answering_page(coach, started, other_client):
    note = save(coach, started, worked_on=f"{CONTACT} {DIAGNOSIS}").note
    fake = "00000000-0000-0000-0000-000000000000"
    for url, data in (
        (note_url("note_not_applicable", started), {"clause": "S7", "sentence": DIAGNOSIS, "reason": "x"}),
        (
            note_url("note_boundary_review", started),
            {"clause": "P7", "what_happened": "x", "outcome": "restated"},
        ),
        (note_url("note_scope_review", started), {"clause": "S2", "considered": "x", "outcome": "continue"}),
        (note_url("note_follow_up", started, fake), {"how": "x"}),
    ):
        assert other_client.post(url, data).status_code == 404, url
        assert other_client.get(url).status_code in (404, 405), url
    assert open_items(note, "P7").count() == 1 and not NotApplicable.objects.exists()


@pytest.mark.parametrize("findings", [1, 12])
def test_the_note_page_with_findings_and_reviews_reads_in_bounded_queries(
    coach, coach_client, started, findings, django_assert_max_num_queries
):
    text = " ".join([CONTACT, LOAN, *[f"I think he has PTSD number {n}." for n in range(findings)]])
    save(coach, started, worked_on=text)
    with django_assert_max_num_queries(14):
        page = coach_client.get(note_url("note", started))
    assert page.content.decode().count("It does not apply here") >= findings
