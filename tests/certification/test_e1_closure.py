"""E1 and P11: a revocation opens the closing of the practice; the coach keeps their records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.clients import endings
from ethos.clients.models import Ending
from ethos.practice.models import PracticeClosure
from ethos.standards.rules import P11_PRACTICE
from ethos.standards.selectors import open_items_for
from tests.certification.conftest import register, set_status
from tests.clients.conftest import intake, vetted_resource
from tests.clients.test_endings import explained

pytestmark = pytest.mark.django_db


def test_e1_a_revocation_opens_the_practice_closure_for_the_coach_to_complete(staff_member, coach, vault):
    robin = intake(coach, name="Robin Ash").client
    kim = intake(coach, name="Kim Lowe").client
    certification = register(staff_member, coach=coach)

    set_status(staff_member, certification, "revoked")

    [item] = open_items_for(coach, subject=endings.practice_subject(coach))
    assert (item.clause, item.message, item.record_type_list) == ("P11", P11_PRACTICE, ["client_release"])
    opened = AuditEvent.objects.get(coach=coach, action=Action.PRACTICE_CLOSURE_OPENED)
    assert opened.clause_list == ["P11", "E1"] and opened.details["clients"] == 2
    assert opened.actor == "association"
    assert not PracticeClosure.objects.exists()  # the coach closes it, once every client is handled

    # The coach gives each client an explanation and a vetted referral, then closes.
    harbour = vetted_resource(coach)
    for client in (robin, kim):
        endings.client_release(
            coach=coach,
            client=client,
            kind=Ending.Kind.END,
            initiated_by=Ending.InitiatedBy.COACH,
            referral_resources=[harbour],
            **explained(),
        )
    assert open_items_for(coach, subject=endings.practice_subject(coach)) == []
    endings.practice_close(coach=coach)
    assert PracticeClosure.objects.filter(coach=coach).exists()


def test_e1_a_revoked_coach_with_no_clients_has_the_practice_closed_at_once(staff_member, coach):
    set_status(staff_member, register(staff_member, coach=coach), "revoked")
    assert PracticeClosure.objects.filter(coach=coach).exists()


def test_e1_a_suspension_does_not_open_the_closure(staff_member, coach, vault):
    intake(coach)
    set_status(staff_member, register(staff_member, coach=coach), "suspended")
    assert open_items_for(coach) == [] or all(i.clause != "P11" for i in open_items_for(coach))
    assert not AuditEvent.objects.filter(coach=coach, action=Action.PRACTICE_CLOSURE_OPENED).exists()


def test_e1_a_revoked_coach_keeps_read_access_and_their_duties(staff_member, coach, coach_client, vault):
    robin = intake(coach, name="Robin Ash").client
    set_status(staff_member, register(staff_member, coach=coach), "revoked")
    page = coach_client.get(reverse("clients:detail", args=[robin.pk]))
    assert page.status_code == 200 and "Robin Ash" in page.content.decode()
    # Duties continue: the accounting of disclosures and the closure page stay open to the coach.
    assert coach_client.get(reverse("safeguarding:accounting", args=[robin.pk])).status_code == 200
    closure = coach_client.get(reverse("clients:closure"))
    assert closure.status_code == 200 and "Robin Ash" in closure.content.decode()
