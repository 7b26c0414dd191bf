"""Agreements, packages and charges from sessions (P12, P2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.coaching.models import Session
from ethos.money import selectors, services
from ethos.money.models import Agreement, Charge, Package
from ethos.standards import rules
from ethos.standards.engine import ActionStopped
from ethos.standards.models import Tally

from .conftest import agree, booked, cancel, held, pay

pytestmark = pytest.mark.django_db


def _stopped_by(stopped: ActionStopped) -> set[tuple[str, str]]:
    return {(f.clause, f.message) for f in stopped.verdict.findings if f.stops}


# -- P12 ---------------------------------------------------------------------------------------


def test_p12_an_agreement_cannot_hold_a_minimum_length_or_frequency(coach, robin):
    with pytest.raises(ActionStopped) as stopped:
        agree(coach, robin, minimum="12 sessions, weekly")
    assert ("P12", rules.P12_MINIMUM) in _stopped_by(stopped.value)
    assert not Agreement.objects.exists()
    assert Tally.objects.get(coach=coach, clause="P12", point="package.create").blocked == 1
    assert AuditEvent.objects.filter(coach=coach, action=Action.STANDARDS_FINDING).exists()


def test_p12_the_agreement_model_has_no_place_for_a_minimum_or_an_expiry():
    names = {f.name for model in (Agreement, Package) for f in model._meta.get_fields()}
    for word in ("minimum", "commitment", "frequency", "expir", "lock", "length"):
        assert not any(word in name for name in names), word
    assert "term" not in names and "min_term" not in names


def test_p12_a_package_that_expires_or_keeps_unused_sessions_is_refused(coach, robin):
    today = timezone.localdate()
    with pytest.raises(ActionStopped) as stopped:
        services.package_sell(
            coach=coach, client=robin, sessions=5, price=Decimal("400"), bought_on=today, expires_on=today
        )
    assert ("P12", rules.P12_REFUND) in _stopped_by(stopped.value)
    with pytest.raises(ActionStopped):
        services.package_sell(
            coach=coach, client=robin, sessions=5, price=Decimal("400"), bought_on=today, refunds_unused=False
        )
    assert not Package.objects.exists() and not Charge.objects.exists()


def test_p12_the_refund_of_unused_sessions_is_computed_pro_rata(coach, robin, settings_on_time):
    package = services.package_sell(
        coach=coach, client=robin, sessions=3, price=Decimal("250.00"), bought_on=timezone.localdate()
    )
    held(coach, robin)
    services.charges_bring_up_to_date(coach=coach, client=robin)
    due = services.refund_due(package)
    assert (due.used, due.unused, due.amount) == (1, 2, Decimal("166.67"))
    line = services.package_close(coach=coach, package=package)
    assert line.kind == Charge.Kind.REFUND_DUE and line.amount == Decimal("-166.67")
    ledger = selectors.ledger_of(robin)
    assert ledger.balance == Decimal("83.33")  # 250 package less the refund owed back
    assert isinstance(ledger.balance, Decimal)


def test_p12_a_refund_cannot_be_refused_or_lowered(coach, robin):
    package = services.package_sell(
        coach=coach, client=robin, sessions=4, price=Decimal("320"), bought_on=timezone.localdate()
    )
    for smaller in (Decimal("0"), Decimal("100")):
        with pytest.raises(ActionStopped) as stopped:
            services.package_close(coach=coach, package=package, refund=smaller)
        assert ("P12", rules.P12_REFUND) in _stopped_by(stopped.value)
    package.refresh_from_db()
    assert package.status == Package.Status.OPEN
    assert not Charge.objects.filter(kind=Charge.Kind.REFUND_DUE).exists()
    assert Tally.objects.get(coach=coach, clause="P12", point="payment.record").blocked == 2
    services.package_close(coach=coach, package=package)
    assert Charge.objects.get(kind=Charge.Kind.REFUND_DUE).amount == Decimal("-320.00")


def test_it_uses_a_package_before_the_fee_and_then_the_agreement(coach, robin, settings_on_time):
    agree(coach, robin, fee="90")
    services.package_sell(
        coach=coach, client=robin, sessions=1, price=Decimal("70"), bought_on=timezone.localdate()
    )
    held(coach, robin, days_ago=2)
    held(coach, robin, days_ago=1)
    lines = services.charges_bring_up_to_date(coach=coach, client=robin)
    assert [(c.kind, c.amount) for c in lines] == [
        (Charge.Kind.FROM_PACKAGE, Decimal("0.00")),
        (Charge.Kind.SESSION, Decimal("90.00")),
    ]
    assert services.charges_bring_up_to_date(coach=coach, client=robin) == []


# -- P2 ----------------------------------------------------------------------------------------


def test_p2_a_coach_cancellation_is_never_charged(coach, robin):
    agree(coach, robin, fee="80", hours=48, percent=100)
    session = cancel(coach, booked(coach, robin, in_hours=2), by=Session.CancelledBy.COACH)
    [line] = services.charges_bring_up_to_date(coach=coach, client=robin)
    assert line.kind == Charge.Kind.NO_FEE and line.amount == 0 and line.session == session
    assert "Cancelled by the coach (P2)" in line.description
    assert selectors.ledger_of(robin).balance == 0


@pytest.mark.parametrize(("minutes_late", "cut_short"), [(40, False), (0, True)])
def test_p2_a_late_start_or_a_session_cut_short_by_the_coach_is_never_charged(
    coach, robin, settings, minutes_late, cut_short
):
    settings.ETHOS_LATE_START_MINUTES = 3 if minutes_late else 30
    settings.ETHOS_CUT_SHORT_MINUTES = 10 if cut_short else 120
    agree(coach, robin, fee="80")
    session = held(coach, robin)
    assert session.no_fee
    [line] = services.charges_bring_up_to_date(coach=coach, client=robin)
    assert line.amount == 0 and "(P2)" in line.description


def test_p2_a_held_session_is_charged_the_agreed_fee(coach, robin, settings_on_time):
    agree(coach, robin, fee="80.50")
    held(coach, robin)
    [line] = services.charges_bring_up_to_date(coach=coach, client=robin)
    assert (line.kind, line.amount) == (Charge.Kind.SESSION, Decimal("80.50"))


def test_p2_a_late_cancellation_by_the_client_is_charged_only_under_the_agreement_and_says_so(coach, robin):
    agree(coach, robin, fee="80", hours=24, percent=50)
    late = cancel(coach, booked(coach, robin, in_hours=5), by=Session.CancelledBy.CLIENT)
    in_time = cancel(coach, booked(coach, robin, in_hours=72), by=Session.CancelledBy.CLIENT)
    lines = {c.session_id: c for c in services.charges_bring_up_to_date(coach=coach, client=robin)}
    assert lines[late.pk].kind == Charge.Kind.LATE_CANCEL and lines[late.pk].amount == Decimal("40.00")
    assert "Your agreement" in lines[late.pk].description and "50%" in lines[late.pk].description
    assert "24 hours" in lines[late.pk].description
    assert lines[in_time.pk].amount == 0


def test_p2_without_a_late_term_a_clients_cancellation_costs_nothing(coach, robin):
    agree(coach, robin, fee="80")
    cancel(coach, booked(coach, robin, in_hours=1), by=Session.CancelledBy.CLIENT)
    [line] = services.charges_bring_up_to_date(coach=coach, client=robin)
    assert line.amount == 0


def test_it_charges_nothing_without_an_agreement(coach, robin, settings_on_time):
    held(coach, robin)
    assert services.charges_bring_up_to_date(coach=coach, client=robin) == []


def test_the_next_charge_is_shown_before_it_is_owed(coach, robin):
    agree(coach, robin, fee="75", hours=24, percent=100)
    session = booked(coach, robin, in_hours=30)
    next_charge = selectors.ledger_of(robin).next_charge
    assert next_charge.session == session and next_charge.amount == Decimal("75.00")
    assert next_charge.late_fee == Decimal("75.00") and next_charge.late_cancel_hours == 24


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fee", ["-1", "abc", "1.234", "NaN", "1e40"])
def test_it_refuses_a_fee_that_is_not_an_amount(coach, robin, fee):
    with pytest.raises(ValidationError):
        agree(coach, robin, fee=fee) if fee[0].isdigit() or fee[0] == "-" else services.agreement_make(
            coach=coach, client=robin, fee=fee, agreed_on=timezone.localdate()
        )
    assert not Agreement.objects.exists()


def test_it_never_takes_a_float(coach, robin):
    with pytest.raises(TypeError):
        services.agreement_make(coach=coach, client=robin, fee=80.1, agreed_on=timezone.localdate())


def test_a_late_term_needs_hours_and_a_share(coach, robin):
    with pytest.raises(ValidationError):
        agree(coach, robin, hours=24, percent=0)


def test_it_refuses_another_coachs_client(coach, robin, other_coach):
    with pytest.raises(PermissionError):
        agree(other_coach, robin)
    with pytest.raises(PermissionError):
        pay(other_coach, robin)


def test_p12_ending_coaching_owes_back_every_unused_prepaid_session(coach, robin, settings_on_time):
    from ethos.clients.endings import client_release
    from tests.clients.conftest import vetted_resource

    package = services.package_sell(
        coach=coach, client=robin, sessions=4, price=Decimal("320.00"), bought_on=timezone.localdate()
    )
    held(coach, robin)  # one used, not yet on the ledger when coaching ends
    client_release(
        coach=coach,
        client=robin,
        kind="end",
        initiated_by="client",
        client_reason="I feel ready to stop.",
        referral_resources=[vetted_resource(coach)],
    )
    package.refresh_from_db()
    assert package.status == Package.Status.CLOSED
    refund = Charge.objects.get(package=package, kind=Charge.Kind.REFUND_DUE)
    assert refund.amount == Decimal("-240.00")  # three of four sessions unused
    assert selectors.ledger_of(robin).balance == Decimal("80.00")
