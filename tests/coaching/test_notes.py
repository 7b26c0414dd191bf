"""Session notes by clause: C2 (versions, signing, addenda), S2/C3 (signing waits), the checker."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.coaching import notes, services
from ethos.coaching.models import FollowUp, NoteAppendOnlyError, NoteVersion, SessionNote
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.standards.selectors import compliance_report
from tests.coaching.conftest import PAYLOAD, schedule, start

pytestmark = pytest.mark.django_db

SUICIDE = "She said she has no reason to go on and has thought about how she would end her life."
ABUSE = "She told me her father hits her little sister every night."
DIAGNOSIS = "I think he has PTSD."
CALM = "We talked about her garden and what she wants from the spring."


def sections(**text) -> dict[str, str]:
    return {key: text.get(key, "") for key in notes.NOTE_SECTIONS}


@pytest.fixture
def started(coach, session):
    return start(coach, session)


def save(coach, session, version=0, **text):
    return notes.note_save(coach=coach, session=session, sections=sections(**text), version=version)


def test_it_needs_a_started_session(coach, session):
    with pytest.raises(ValidationError, match="started"):
        save(coach, session, focus=CALM)


def test_c2_every_save_is_kept_as_an_immutable_version(coach, started):
    first = save(coach, started, focus="one")
    second = save(coach, started, version=1, focus="two")
    assert second.note.version == 2
    versions = {v.number: v.sections["focus"] for v in NoteVersion.objects.filter(note=second.note)}
    assert versions == {1: "one", 2: "two"}
    kept = NoteVersion.objects.get(note=first.note, number=1)
    kept.sections = {"focus": "rewritten"}
    with pytest.raises(NoteAppendOnlyError):
        kept.save()
    with pytest.raises(NoteAppendOnlyError):
        kept.delete()
    with pytest.raises(NoteAppendOnlyError):
        NoteVersion.objects.filter(note=first.note).update(number=9)
    with pytest.raises(NoteAppendOnlyError):
        NoteVersion.objects.filter(note=first.note).delete()
    assert NoteVersion.objects.get(note=first.note, number=1).sections["focus"] == "one"


def test_c2_a_signed_note_cannot_change_and_addenda_keep_every_version(coach, started):
    saved = save(coach, started, focus=CALM)
    note = notes.note_sign(coach=coach, note=saved.note, version=1)
    assert note.is_signed
    with pytest.raises(ValidationError, match="signed"):
        save(coach, started, version=1, focus="changed")
    first = notes.note_addendum_add(
        coach=coach, note=note, reason="Remembered later", text="She also said thanks."
    )
    second = notes.note_addendum_add(
        coach=coach, note=note, reason="A date", text="The next session is fixed."
    )
    note.refresh_from_db()
    assert note.sections["focus"] == CALM and note.version == 1
    assert [a.text for a in note.addenda.order_by("written_at")] == [first.text, second.text]
    with pytest.raises(NoteAppendOnlyError):
        first.delete()
    with pytest.raises(ValidationError):
        notes.note_addendum_add(coach=coach, note=note, reason="", text="x")


def test_it_refuses_a_stale_save_and_hands_its_text_back(coach, started):
    save(coach, started, focus="first tab")
    save(coach, started, version=1, focus="first tab, later")
    with pytest.raises(notes.StaleNote) as stale:
        save(coach, started, version=1, focus="second tab text")
    assert stale.value.sections["focus"] == "second tab text"
    assert "changed in another tab or window" in stale.value.messages[0]
    note = SessionNote.objects.get(session=started)
    assert note.sections["focus"] == "first tab, later" and note.version == 2
    assert NoteVersion.objects.filter(note=note).count() == 2


def test_it_refuses_a_second_first_save(coach, started):
    save(coach, started, focus="tab one")
    with pytest.raises(notes.StaleNote) as stale:
        save(coach, started, focus="tab two")
    assert stale.value.sections["focus"] == "tab two"


def test_it_marks_a_note_first_written_a_day_after_the_session_late(coach, robin):
    session = schedule(coach, robin)
    start(coach, session)
    type(session).objects.filter(pk=session.pk).update(
        ends_at=timezone.now() - datetime.timedelta(hours=25),
        starts_at=timezone.now() - datetime.timedelta(hours=26),
    )
    session.refresh_from_db()
    assert save(coach, session, focus=CALM).note.late


def test_the_checker_finds_each_sentence_in_its_section(coach, started):
    saved = save(coach, started, focus=CALM, worked_on=f"{CALM} {DIAGNOSIS}")
    [finding] = saved.findings
    assert (finding.section, finding.clause, finding.sentence) == ("worked_on", "S7", DIAGNOSIS)
    assert "Rephrase" in finding.guidance.todo


def test_s2_signing_with_an_unanswered_finding_is_refused(coach, started):
    saved = save(coach, started, worked_on=SUICIDE)
    item = OpenItem.objects.get(coach=coach, clause="S2", subject_id=str(saved.note.pk))
    assert item.is_open
    with pytest.raises(ValidationError, match="S2"):
        notes.note_sign(coach=coach, note=saved.note, version=1)
    notes.note_scope_review(
        coach=coach, note=saved.note, clause="S2", considered="Crisis protocol followed.", outcome="refer"
    )
    item.refresh_from_db()
    assert not item.is_open and item.resolved_record_type == "scope_review"
    # A later save with the same sentence does not reopen the answered item.
    save(coach, started, version=1, worked_on=SUICIDE + " " + CALM)
    assert not OpenItem.objects.filter(coach=coach, clause="S2", resolved_at=None).exists()
    assert notes.note_sign(coach=coach, note=saved.note, version=2).is_signed


def test_c3_signing_with_an_unanswered_finding_is_refused_even_after_not_applicable(coach, started):
    saved = save(coach, started, worked_on=ABUSE)
    item = OpenItem.objects.get(coach=coach, clause="C3", subject_id=str(saved.note.pk))
    notes.note_finding_not_applicable(
        coach=coach, note=saved.note, clause="C3", sentence=ABUSE, reason="It happened years ago."
    )
    item.refresh_from_db()
    assert item.is_open
    with pytest.raises(ValidationError, match="C3"):
        notes.note_sign(coach=coach, note=saved.note, version=1)
    # Deleting the sentence does not answer the item either.
    save(coach, started, version=1, worked_on=CALM)
    with pytest.raises(ValidationError, match="C3"):
        notes.note_sign(coach=coach, note=saved.note, version=2)


def test_s2_not_applicable_is_recorded_and_audited_but_never_closes_it(coach, started):
    saved = save(coach, started, worked_on=SUICIDE)
    row = notes.note_finding_not_applicable(
        coach=coach, note=saved.note, clause="S2", sentence=SUICIDE, reason="Quoting a film."
    )
    assert row.reason == "Quoting a film."
    assert OpenItem.objects.get(clause="S2", subject_id=str(saved.note.pk)).is_open
    event = AuditEvent.objects.filter(coach=coach, action=Action.NOTE_FINDING_NOT_APPLICABLE).get()
    assert event.details == {"closes_item": False, "stays_open": True}
    again = save(coach, started, version=1, worked_on=SUICIDE + " ")
    [finding] = again.findings
    assert finding.not_applicable is not None and finding.stays_open


def test_it_counts_not_applicable_findings_in_the_report(coach, started):
    saved = save(coach, started, worked_on=DIAGNOSIS)
    notes.note_finding_not_applicable(
        coach=coach, note=saved.note, clause="S7", sentence=DIAGNOSIS, reason="The client's own words."
    )
    report = compliance_report(coach=coach, now=timezone.now())
    text = str(report)
    assert "1 checker finding marked not applicable" in text


def test_it_refuses_not_applicable_without_a_reason_or_for_a_sentence_not_in_the_note(coach, started):
    saved = save(coach, started, worked_on=DIAGNOSIS)
    with pytest.raises(ValidationError):
        notes.note_finding_not_applicable(
            coach=coach, note=saved.note, clause="S7", sentence=DIAGNOSIS, reason=" "
        )
    with pytest.raises(ValidationError):
        notes.note_finding_not_applicable(
            coach=coach, note=saved.note, clause="S7", sentence="Other.", reason="x"
        )


def test_s3_a_note_records_that_a_follow_up_was_talked_through(coach, robin):
    first = schedule(coach, robin)
    with pytest.raises(ActionStopped):
        start(coach, first, presentation="influence")
    services.session_cancel(coach=coach, session=first, cancelled_by="coach", reason="Moved")
    later = schedule(coach, robin)
    start(coach, later)
    saved = save(coach, later, focus=CALM)
    [follow_up] = notes.open_follow_ups_for(later)
    notes.note_follow_up_talked_through(coach=coach, note=saved.note, follow_up=follow_up, how="We talked.")
    assert not FollowUp.objects.get(pk=follow_up.pk).is_open
    assert notes.note_page(saved.note).follow_ups_resolved == [follow_up]


def test_hostile_text_is_kept_as_written(coach, started):
    saved = save(coach, started, focus=PAYLOAD, next_steps=PAYLOAD)
    note = SessionNote.objects.get(pk=saved.note.pk)
    assert note.sections["focus"] == PAYLOAD and note.sections["next_steps"] == PAYLOAD
