"""Documents look like a practice's documents: the letter's letterhead and help numbers, the
compliance report's dates, plurals and counts (issue 11, item 8)."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from ethos.accounts.evidence import confidentiality_evidence
from ethos.clients import endings
from ethos.clients.goals import goal_create
from ethos.clients.models import Ending
from ethos.practice.services import profile_update
from ethos.standards.evidence import count, times
from ethos.standards.export import report_data, when
from ethos.standards.selectors import compliance_report
from ethos.vault.context import unlocked
from tests.clients.conftest import intake, vetted_resource
from tests.conftest import make_coach, open_vault, sign_in_browser
from tests.test_pdf import pdf_text

pytestmark = pytest.mark.django_db

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T")
# "1 goals", "1 intakes": a count of one with a plural noun after it ("1 pass" is singular).
ONE_WITH_A_PLURAL = re.compile(r"(?<![\d.,])1 [a-z]*[a-rt-z]s\b")


def test_it_counts_with_the_right_plural():
    assert [count(n, "goal") for n in (0, 1, 2)] == ["0 goals", "1 goal", "2 goals"]
    assert count(1, "safety check") == "1 safety check"
    assert count(3, "person", "people") == "3 people"
    assert [times(n) for n in (0, 1, 2)] == ["0 times", "once", "2 times"]


def test_it_writes_a_moment_as_a_date():
    moment = timezone.make_aware(timezone.datetime(2026, 12, 2, 6, 10, 51))
    assert when(moment) == "2 December 2026, 06:10"
    assert when(moment, time=False) == "2 December 2026"


def test_the_compliance_pdf_shows_dates_as_dates_and_counts_in_good_english():
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        client = intake(coach, name="Robin Ash").client
        goal_create(coach=coach, client=client, words="To sleep through the night")
    browser = sign_in_browser(Browser(), coach)

    text = pdf_text(browser.get(reverse("standards:compliance_export", args=["pdf"])).content)

    flowing = " ".join(text.split())
    assert not ISO_TIMESTAMP.search(flowing)
    assert not ONE_WITH_A_PLURAL.search(flowing), ONE_WITH_A_PLURAL.findall(flowing)
    assert "1 goal in clients' own words" in flowing
    assert "1 intake checked for age" in flowing
    assert f"Generated: {timezone.localtime().day} {timezone.localtime():%B %Y}" in flowing


def test_c2_counts_the_clients_whose_key_is_in_use_not_every_key():
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        for name in ("Robin Ash", "Kim Lee", "Sam Park", "Jo Day"):
            intake(coach, name=name)
        # The referral directory holds a key of its own: it is not a client's.
        vetted_resource(coach, name="Harbour Coaching")

    lines = [line.text for line in confidentiality_evidence(coach)]

    assert "4 clients with their own key in use, 0 client keys destroyed at the end of retention." in lines


def test_the_compliance_json_and_html_share_the_evidence_wording():
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        intake(coach, name="Robin Ash")
    data = report_data(compliance_report(coach=coach))
    evidence = [text for clause in data["clauses"] for text in clause["evidence"]]
    assert "1 intake checked for age, 0 declined as under age." in evidence
    browser = sign_in_browser(Browser(), coach)
    page = browser.get(reverse("standards:compliance")).content.decode()
    assert "1 intake checked for age" in page


def test_the_ending_letter_carries_the_practice_its_contact_details_and_the_crisis_line():
    coach = make_coach(name="Alex Rivera", email="alex@rivera-coaching.example")
    profile_update(
        coach=coach,
        country="GB",
        region="",
        age_of_majority=18,
        crisis_line="Samaritans 116 123",
        emergency_number="999",
    )
    with unlocked(open_vault(coach)):
        client = intake(coach, name="Robin Ash").client
        harbour = vetted_resource(coach, name="Harbour Coaching")
        ending = endings.client_release(
            coach=coach,
            client=client,
            kind=Ending.Kind.END,
            initiated_by=Ending.InitiatedBy.COACH,
            referral_resources=[harbour],
            explanation="I am moving abroad.",
            explained_on=timezone.localdate(),
            explained_how="in_session",
        )
        text = pdf_text(endings.ending_letter(coach=coach, ending=ending))

    flowing = " ".join(text.split())
    assert flowing.startswith("Alex Rivera")  # the letterhead
    assert "Email: alex@rivera-coaching.example" in flowing
    assert "Crisis line: Samaritans 116 123" in flowing
    assert "Emergency services: 999" in flowing


def test_the_letterhead_names_the_practice_when_the_profile_has_a_name(coach):
    head = endings.Letterhead(
        coach_name="Alex Rivera", practice_name="Still Water Coaching", contact=("Phone: 0100 000 000",)
    )
    blocks = endings._letterhead_blocks(head)
    assert blocks[0] == ("heading", "Still Water Coaching")
    assert "Alex Rivera" in blocks[1][1] and "Phone: 0100 000 000" in blocks[1][1]


def test_the_letter_carries_the_practice_details_set_on_the_profile_page(coach, coach_client, vault):
    from ethos.clients import endings
    from ethos.practice.selectors import profile_for
    from tests.clients.conftest import intake, vetted_resource
    from tests.test_pdf import pdf_text

    response = coach_client.post(
        reverse("practice:profile"),
        {
            "country": "GB",
            "region": "",
            "age_of_majority": "18",
            "crisis_line": "116 123",
            "emergency_number": "999",
            "practice_name": "Harbour Light Coaching",
            "phone": "0100 200 300",
            "email": "hello@harbourlight.example",
            "website": "https://harbourlight.example",
        },
    )
    assert response.status_code == 302
    assert profile_for(coach).practice_name == "Harbour Light Coaching"
    client = intake(coach).client
    ending = endings.client_release(
        coach=coach,
        client=client,
        kind="end",
        initiated_by="coach",
        explanation="We agreed our work is done.",
        explained_on=timezone.localdate(),
        explained_how="in_session",
        referral_resources=[vetted_resource(coach)],
    )
    text = pdf_text(endings.ending_letter(coach=coach, ending=ending))
    for expected in (
        "Harbour Light Coaching",
        "0100 200 300",
        "hello@harbourlight.example",
        "116 123",
        "999",
    ):
        assert expected in text
