"""`ethos demo`: a fictional practice built through the services, and how to sign in to it."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import services as accounts
from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.clients.models import Client, Ending, Goal, Referral
from ethos.coaching.models import Session, SessionNote
from ethos.demo import services as demo
from ethos.money.models import Charge, Invoice
from ethos.portal.models import ClientAccount, Invitation
from ethos.safeguarding.models import ReportTask
from ethos.standards.models import OpenItem
from tests.conftest import make_coach, sign_in_browser

pytestmark = pytest.mark.django_db

PASSPHRASE = "quiet harbour lantern seventy orchard"


def run_demo(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def printed(output: str, label: str) -> list[str]:
    return re.findall(rf"^  {label} +(.+)$", output, flags=re.MULTILINE)


def rows() -> dict[str, int]:
    """How many rows the demo's kinds of records have: a refusal must leave every count as it was."""
    models = (User, AuditEvent, Client, Session, SessionNote, ReportTask, Invoice, Ending, Invitation)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def built():
    out, err = run_demo("--passphrase", PASSPHRASE)
    return User.objects.get(email=demo.COACH_EMAIL), out, err


def test_it_builds_clients_in_every_state(built):
    coach, _, _ = built
    statuses = sorted(Client.objects.filter(coach=coach).values_list("status", flat=True))
    assert statuses == ["active", "active", "declined", "ended", "paused"]
    # The declined 16-year-old (S9) still needs a referral to a youth service: an open item says so.
    declined = Client.objects.get(coach=coach, status=Client.Status.DECLINED)
    assert OpenItem.objects.open().filter(coach=coach, clause="S9", subject_id=str(declined.pk)).exists()
    kinds = sorted(Ending.objects.filter(coach=coach).values_list("kind", "initiated_by"))
    assert kinds == [("end", "coach"), ("pause", "client")]
    # The coach's ending refers the client to another coach they vetted (P10, P11).
    ended = Ending.objects.get(coach=coach, kind=Ending.Kind.END)
    assert Referral.objects.filter(client_id=ended.client_id).count() == 1
    assert AuditEvent.objects.filter(coach=coach, action=Action.CLIENT_LETTER_PRINTED).count() == 1


def test_it_holds_sessions_notes_findings_a_report_task_and_an_invoice(built):
    coach, _, _ = built
    sessions = sorted(Session.objects.filter(coach=coach).values_list("status", flat=True))
    assert sessions == ["cancelled", "closed", "scheduled", "scheduled", "started"]
    signed = SessionNote.objects.get(coach=coach, signed_at__isnull=False)
    draft = SessionNote.objects.get(coach=coach, signed_at__isnull=True)
    # The checker's findings, as the coach sees them on each note: a diagnosis in the coach's voice
    # (S7, a warning the signed note keeps) and a child being hurt (C3, which waits on the report).
    assert signed.flagged == "S7"
    assert draft.flagged == "C3"
    assert OpenItem.objects.open().filter(coach=coach, clause="C3", subject_id=str(draft.pk)).exists()
    task = ReportTask.objects.get(coach=coach)
    assert task.note_id == draft.pk and task.origin == ReportTask.Origin.CHECKER
    invoice = Invoice.objects.get(coach=coach, series=Invoice.Series.INVOICE)
    # The fee of today's held session and half of it for the session cancelled three hours ahead (P2).
    lines = sorted(Charge.objects.filter(invoice=invoice).values_list("kind", "amount"))
    assert lines == [("late_cancel", Decimal("40.00")), ("session", Decimal("80.00"))]
    assert invoice.total == Decimal("120.00")
    assert (
        Goal.objects.filter(coach=coach, status=Goal.Status.ACTIVE, confirmed_at__isnull=False).count() == 1
    )
    assert ClientAccount.objects.filter(coach=coach).count() == 1
    # Rowan joined through her invitation; Sam's is still waiting.
    assert Invitation.objects.filter(coach=coach, used_at__isnull=False).count() == 1
    assert Invitation.objects.filter(coach=coach, used_at__isnull=True).count() == 1


def test_c2_the_demos_audit_log_verifies(built):
    coach, _, _ = built
    out = io.StringIO()
    call_command("audit", "verify", "--coach", coach.email, stdout=out, stderr=io.StringIO())
    assert f"OK   {coach.email}: " in out.getvalue()
    assert "FAIL" not in out.getvalue()


def test_it_prints_how_to_sign_in_and_that_it_is_made_up(built, client):
    coach, out, err = built
    assert printed(out, "email") == [demo.COACH_EMAIL, demo.CLIENT_EMAIL]
    coach_passphrase, client_passphrase = printed(out, "passphrase")
    assert coach_passphrase == PASSPHRASE
    assert printed(out, "address") == ["http://127.0.0.1:8000/sign-in/"]
    assert "made up" in out
    # One line per step on stderr, so a slow machine shows where it is.
    assert f"[1/{len(demo.STEPS)}] the coach's account" in err
    assert f"[{len(demo.STEPS)}/{len(demo.STEPS)}]" in err
    # The printed sign-in works through the real form, and the dashboard names the report owed.
    response = client.post(
        reverse("accounts:sign_in"), {"email": coach.email, "passphrase": coach_passphrase}
    )
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "Sam Okoro" in page
    client.post(reverse("accounts:sign_out"))
    response = client.post(
        reverse("accounts:sign_in"), {"email": demo.CLIENT_EMAIL, "passphrase": client_passphrase}
    )
    assert response.status_code == 302


def test_it_makes_up_a_passphrase_when_none_is_given():
    out, _ = run_demo()
    passphrase = printed(out, "passphrase")[0]
    assert passphrase != PASSPHRASE
    result = accounts.sign_in_check(email=demo.COACH_EMAIL, passphrase=passphrase, address=None)
    assert not result.error and result.vault is not None


def test_a_second_run_refuses_and_changes_nothing(built):
    before = rows()
    with pytest.raises(CommandError) as refused:
        run_demo("--passphrase", PASSPHRASE)
    assert str(refused.value) == demo.DEMO_EMAIL_TAKEN
    assert rows() == before


def test_it_refuses_a_database_with_a_coach_unless_told_to_go_alongside():
    make_coach()
    before = rows()
    with pytest.raises(CommandError) as refused:
        run_demo("--passphrase", PASSPHRASE)
    assert str(refused.value) == demo.COACH_EXISTS
    assert rows() == before
    run_demo("--passphrase", PASSPHRASE, "--alongside")
    assert User.objects.coaches().count() == 2


def test_it_refuses_a_weak_passphrase_before_writing_anything():
    with pytest.raises(CommandError, match="--passphrase"):
        run_demo("--passphrase", "short")
    assert not User.objects.exists()


def test_the_coachs_pages_show_the_demo(built, client):
    coach, _, _ = built
    sign_in_browser(client, coach, PASSPHRASE)
    held = Session.objects.get(coach=coach, status=Session.Status.CLOSED)
    now = Session.objects.get(coach=coach, status=Session.Status.STARTED)
    task = ReportTask.objects.get(coach=coach)
    pages = {
        reverse("clients:list"): "Theo Brandt",
        reverse("coaching:note", args=[held.pk]): "clearly depressed",
        reverse("coaching:note", args=[now.pk]): "hits his little boy",
        reverse("safeguarding:task", args=[task.pk]): "Sam Okoro",
        reverse("money:documents"): "120.00",
    }
    for address, words in pages.items():
        response = client.get(address)
        assert response.status_code == 200, address
        assert words in response.content.decode(), address


def test_it_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run_demo("--passphrase", PASSPHRASE)
    assert not User.objects.exists()


def test_it_refuses_in_the_last_minutes_of_a_day_and_changes_nothing(monkeypatch):
    late = timezone.localtime().replace(hour=23, minute=55)
    monkeypatch.setattr(demo.timezone, "localtime", lambda *args, **kwargs: late)
    before = rows()
    with pytest.raises(CommandError, match="after midnight"):
        run_demo("--passphrase", PASSPHRASE)
    assert rows() == before
