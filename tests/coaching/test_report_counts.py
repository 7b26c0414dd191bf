"""The compliance report's session counts read from indexes agree with counting every record.

The report counts late signatures from a flag kept by signing and closing (C2), and counts the
close checks of a session once however many it had (P6, S4), without reading every check. These
tests set up the awkward cases and compare the report with a plain count over the records.
"""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.db.models import F

from ethos.coaching import notes, services
from ethos.coaching.models import CloseCheck, Session, SessionNote
from ethos.standards.engine import ActionStopped
from ethos.standards.selectors import compliance_report
from tests.coaching.conftest import REFLECTED, active_client, schedule, start

pytestmark = pytest.mark.django_db


def evidence(coach, clause) -> list[str]:
    row = {row.clause.id: row for row in compliance_report(coach=coach).rows}[clause]
    return [line.text for line in row.evidence]


def reflection(*, safety: bool, choice: bool, collaboration: bool) -> services.Reflection:
    return services.Reflection(
        safety_offered=safety, choice_offered=choice, collaboration_offered=collaboration
    )


def held_open(coach, session, how: services.Reflection) -> None:
    with pytest.raises(ActionStopped):
        services.session_close(coach=coach, session=session, leaving="unsafe", reflection=how)


def counted_by_hand(coach) -> dict[str, int]:
    checks = list(CloseCheck.objects.filter(coach=coach))

    def sessions(keep) -> int:
        return len({c.session_id for c in checks if keep(c)})

    return {
        "sessions": sessions(lambda c: True),
        "unsafe": sessions(lambda c: c.leaving == "unsafe"),
        "safety": sessions(lambda c: c.safety_offered),
        "choice": sessions(lambda c: c.choice_offered),
        "collaboration": sessions(lambda c: c.collaboration_offered),
    }


def move_back(session: Session, days: float) -> None:
    back = datetime.timedelta(days=days)
    Session.objects.filter(pk=session.pk).update(
        starts_at=F("starts_at") - back, ends_at=F("ends_at") - back, closed_at=F("closed_at") - back
    )
    session.refresh_from_db()


def test_s4_p6_a_session_with_several_close_checks_counts_once_for_each_thing_offered(coach, vault):
    robin = active_client(coach, name="Robin Ash")

    # Each session is held now, then moved into the past so that the next can be booked.
    def held(close) -> None:
        session = start(coach, schedule(coach, robin))
        close(session)
        move_back(session, 1 + Session.objects.count())

    def planned(session) -> None:  # held open twice, then closed by the safety plan: no closing check
        held_open(coach, session, reflection(safety=True, choice=False, collaboration=False))
        held_open(coach, session, reflection(safety=False, choice=True, collaboration=False))
        services.safety_plan_record(
            coach=coach,
            session=session,
            steps=["slow_breath"],
            what_was_done="Breathed.",
            risk_to_life=False,
            outcome="safe",
        )

    def reopened(session) -> None:  # held open offering choice, then closed offering safety only
        held_open(coach, session, reflection(safety=False, choice=True, collaboration=False))
        services.session_close(
            coach=coach,
            session=session,
            leaving="settled",
            reflection=reflection(safety=True, choice=False, collaboration=False),
        )

    def twice_everything(session) -> None:
        held_open(coach, session, REFLECTED)
        services.session_close(coach=coach, session=session, leaving="somewhat", reflection=REFLECTED)

    def at_once(session) -> None:
        services.session_close(
            coach=coach,
            session=session,
            leaving="settled",
            reflection=reflection(safety=False, choice=False, collaboration=True),
        )

    for close in (planned, reopened, twice_everything, at_once):
        held(close)

    expected = counted_by_hand(coach)
    assert expected == {"sessions": 4, "unsafe": 3, "safety": 3, "choice": 3, "collaboration": 2}
    assert (
        f"{expected['sessions']} sessions reflected on at close: safety in {expected['safety']}, "
        f"choice in {expected['choice']}, collaboration in {expected['collaboration']}."
    ) in evidence(coach, "S4")
    assert any(
        f"{expected['sessions']} sessions closed with a check" in line
        and f"{expected['unsafe']} kept open until the client was safe" in line
        for line in evidence(coach, "P6")
    )


def test_c2_a_note_signed_before_its_session_closed_is_not_late_however_long_the_session_ran(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    session = start(coach, schedule(coach, robin))
    move_back(session, 3)  # booked to end three days ago, still open
    saved = notes.note_save(coach=coach, session=session, sections={"focus": "Her own words."}, version=0)
    notes.note_sign(coach=coach, note=saved.note, version=1)
    assert SessionNote.objects.get(session=session).signed_late  # late against the booked end
    assert any("1 note signed later than that" in line for line in evidence(coach, "C2"))

    services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    # Closed after the signature: the session ended after the note was signed.
    assert not SessionNote.objects.get(session=session).signed_late
    assert not any("signed later than that" in line for line in evidence(coach, "C2"))


def test_c2_the_migration_marks_notes_signed_late_before_the_flag_existed(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    signed = []
    for days in (3, 0.5):
        session = start(coach, schedule(coach, robin))
        services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
        saved = notes.note_save(coach=coach, session=session, sections={"focus": "Words."}, version=0)
        notes.note_sign(coach=coach, note=saved.note, version=1)
        move_back(session, days)  # as if held that long before it was signed
        signed.append(session)
    late, timely = signed
    SessionNote.objects.update(signed_late=False)  # as every note was before the field existed

    migration = importlib.import_module("ethos.coaching.migrations.0010_report_counts")
    migration.mark_late_signatures(apps, None)

    assert SessionNote.objects.get(session=late).signed_late
    assert not SessionNote.objects.get(session=timely).signed_late
