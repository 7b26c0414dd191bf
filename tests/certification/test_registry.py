"""The association's registry: entries, standing changes and the association's own log (E1)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import verify_log
from ethos.certification.log import association_account
from ethos.certification.models import Certification
from ethos.certification.services import certification_register, certification_set_status

ISSUED = datetime.date(2026, 1, 15)
RENEWS = datetime.date(2028, 1, 15)


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.create_user(
        "staff@association.test", "x", name="Staff One", role=User.Role.ASSOCIATION_STAFF
    )


def test_e1_a_registered_certification_is_active_and_logged_in_the_associations_log(staff, coach):
    certification = certification_register(
        staff=staff,
        number="TRC-000001",
        public_name="Ada Coach",
        issued_on=ISSUED,
        renews_on=RENEWS,
        coach=coach,
    )
    assert certification.may_practise
    event = AuditEvent.objects.for_coach(association_account()).get()
    assert event.action == Action.CERTIFICATION_REGISTERED
    assert event.actor == f"staff:{staff.pk}"[:20]
    assert event.clause_list == ["E1"]


def test_e1_a_revocation_changes_the_standing_and_keeps_the_reason_in_a_log_that_verifies(staff, coach):
    certification = certification_register(
        staff=staff,
        number="TRC-000002",
        public_name="Ada Coach",
        issued_on=ISSUED,
        renews_on=RENEWS,
        coach=coach,
    )
    certification_set_status(
        staff=staff, certification=certification, status="revoked", reason="Panel decision"
    )
    certification.refresh_from_db()
    assert certification.status == Certification.Status.REVOKED
    assert not certification.may_practise
    account = association_account()
    events = list(AuditEvent.objects.for_coach(account).order_by("seq"))
    assert [e.action for e in events] == [
        Action.CERTIFICATION_REGISTERED,
        Action.CERTIFICATION_STATUS_CHANGED,
    ]
    assert events[1].details == {"number": "TRC-000002", "from": "active", "to": "revoked"}
    assert verify_log(account).ok


def test_the_association_account_cannot_sign_in(db):
    account = association_account()
    assert not account.is_active
    assert not account.has_usable_password()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"issued_on": RENEWS, "renews_on": ISSUED}, "renewal date"),
        ({"number": "TRC-000003"}, "already in the registry"),
    ],
)
def test_bad_registry_input_is_refused_and_changes_nothing(staff, kwargs, message):
    certification_register(
        staff=staff, number="TRC-000003", public_name="A", issued_on=ISSUED, renews_on=RENEWS
    )
    before = Certification.objects.count()
    arguments = {
        "number": "TRC-000004",
        "public_name": "B",
        "issued_on": ISSUED,
        "renews_on": RENEWS,
    } | kwargs
    with pytest.raises(ValidationError, match=message):
        certification_register(staff=staff, **arguments)
    assert Certification.objects.count() == before


def test_a_status_change_needs_a_reason_and_a_real_change(staff):
    certification = certification_register(
        staff=staff, number="TRC-000005", public_name="A", issued_on=ISSUED, renews_on=RENEWS
    )
    with pytest.raises(ValidationError, match="Say why"):
        certification_set_status(staff=staff, certification=certification, status="suspended", reason=" ")
    with pytest.raises(ValidationError, match="already active"):
        certification_set_status(staff=staff, certification=certification, status="active", reason="no")


def test_e1_staff_set_conditions_with_a_reason_and_the_change_is_logged(staff):
    from ethos.certification.services import certification_set_conditions

    certification = certification_register(
        staff=staff, number="TRC-000006", public_name="A", issued_on=ISSUED, renews_on=RENEWS
    )
    with pytest.raises(ValidationError, match="Say why"):
        certification_set_conditions(staff=staff, certification=certification, conditions="x", reason="")
    certification_set_conditions(
        staff=staff, certification=certification, conditions="Monthly supervision <script>", reason="Panel"
    )
    certification.refresh_from_db()
    assert certification.conditions == "Monthly supervision <script>"
    with pytest.raises(ValidationError, match="already as written"):
        certification_set_conditions(
            staff=staff,
            certification=certification,
            conditions="Monthly supervision <script>",
            reason="again",
        )
    last = AuditEvent.objects.for_coach(association_account()).order_by("-seq").first()
    assert last.action == Action.CERTIFICATION_CONDITIONS_CHANGED


def test_e1_the_conditions_form_on_the_registry_page_saves_and_shows_them_escaped(staff, client):
    from django.urls import reverse

    certification = certification_register(
        staff=staff, number="TRC-000007", public_name="A", issued_on=ISSUED, renews_on=RENEWS
    )
    client.force_login(staff)
    url = reverse("certification:conditions", args=[certification.pk])
    response = client.post(
        url, {"conditions-conditions": "<script>alert(1)</script>", "conditions-reason": ""}
    )
    certification.refresh_from_db()
    assert certification.conditions == ""  # no reason: nothing saved
    client.post(url, {"conditions-conditions": "<script>alert(1)</script>", "conditions-reason": "Panel"})
    certification.refresh_from_db()
    assert certification.conditions == "<script>alert(1)</script>"
    page = client.get(reverse("certification:detail", args=[certification.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert response.status_code == 302
