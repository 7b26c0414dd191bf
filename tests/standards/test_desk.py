"""The ethics desk runs the workflows' rules: same facts, same findings, nothing stored about clients."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.audit.models import AuditEvent
from ethos.standards.engine import ActionStopped, consult, evaluate
from ethos.standards.forms import DeskForm
from ethos.standards.models import OpenItem, Tally
from ethos.standards.points import Point
from ethos.standards.views import DESK_CLEAN

pytestmark = pytest.mark.django_db

SCENARIOS = [
    (Point.INTAKE_SUBMIT, {"client_age": "16", "signals": ["suicide_risk"], "concern": "outside"}),
    (Point.SESSION_START, {"signals": ["under_influence", "coach_unfit"], "relationship": "romantic"}),
    (Point.SESSION_CLOSE, {"signals": ["unsafe_to_leave"], "abuse_disclosed": ["elder"]}),
    (Point.NOTE_SAVE, {"note_wording": ["S7", "S8"], "abuse_disclosed": ["minor"]}),
    (Point.REFERRAL_MAKE, {"referral_vetting": "lapsed"}),
    (Point.CLIENT_RELEASE, {"ending": ["no_explanation", "no_referral"]}),
    (Point.PAYMENT_RECORD, {"transaction": "loan", "other": ["fee_after_my_cancellation"]}),
    (Point.PACKAGE_CREATE, {"package": ["minimum_term", "no_refund"]}),
    (Point.DISCLOSURE_REQUEST, {"disclosure_basis": "none"}),
    (Point.INTAKE_DECLINE, {"decline_reason": "unlisted"}),
    (Point.GOAL_ACTIVATE, {"other": ["goal_unconfirmed"]}),
    (Point.CLIENT_ACTIVATE, {"concern": "credential"}),
]


def desk_facts(data: dict):
    form = DeskForm(data)
    assert form.is_valid(), form.errors
    return form.facts()


@pytest.mark.parametrize(("point", "data"), SCENARIOS)
def test_it_gives_the_same_findings_on_the_desk_as_in_the_workflow(
    coach, coach_client, test_action, point, data
):
    facts = desk_facts(data)
    try:
        workflow = test_action(coach=coach, point=point, facts=facts, new_name="Changed")
    except ActionStopped as stopped:
        workflow = stopped.verdict
    assert workflow.findings

    response = coach_client.post(reverse("standards:ask"), data)
    desk = {verdict.point: verdict for verdict in response.context["verdicts"]}
    assert desk[point].findings == workflow.findings
    body = response.content.decode()
    for finding in workflow.findings:
        assert finding.clause in body


def test_it_records_nothing_about_clients_when_the_desk_is_consulted(coach, coach_client):
    coach_client.post(reverse("standards:ask"), {"client_age": "15", "signals": ["self_harm"]})
    [event] = AuditEvent.objects.filter(coach=coach, action__startswith="standards.")
    assert (event.action, event.details, event.target_id, event.clauses) == (
        "standards.desk_consulted",
        {},
        "",
        "",
    )
    assert not OpenItem.objects.exists() and not Tally.objects.exists()


def test_it_says_so_when_nothing_stands_in_the_way(coach_client):
    response = coach_client.post(reverse("standards:ask"), {"client_age": "30", "concern": "within"})
    assert response.context["verdicts"] == ()
    assert DESK_CLEAN in response.content.decode().replace("&#x27;", "'")
    assert "stands in the way" not in response.content.decode()


def test_it_shows_the_empty_form_with_a_label_for_every_input(coach_client):
    body = coach_client.get(reverse("standards:ask")).content.decode()
    assert body.count("<label") >= body.count("<input") - body.count('type="hidden"') - 0
    assert "style=" not in body and "<script>" not in body


answers = st.fixed_dictionaries(
    {},
    optional={
        "client_age": st.integers(0, 130).map(str),
        "signals": st.lists(st.sampled_from([c for c, _ in DeskForm.base_fields["signals"].choices])),
        "concern": st.sampled_from([c for c, _ in DeskForm.base_fields["concern"].choices]),
        "relationship": st.sampled_from([c for c, _ in DeskForm.base_fields["relationship"].choices]),
        "transaction": st.sampled_from([c for c, _ in DeskForm.base_fields["transaction"].choices]),
        "other": st.lists(st.sampled_from([c for c, _ in DeskForm.base_fields["other"].choices])),
        "decline_reason": st.sampled_from([c for c, _ in DeskForm.base_fields["decline_reason"].choices]),
    },
)


@settings(max_examples=60, deadline=None)
@given(data=answers)
def test_it_consults_exactly_the_points_whose_rules_fire(data):
    facts = desk_facts(data)
    expected = [evaluate(point, facts) for point in Point if not evaluate(point, facts).clean]
    assert list(consult(facts)) == expected
