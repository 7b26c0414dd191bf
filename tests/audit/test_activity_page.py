"""The Activity page reads as sentences to the coach; the technical detail waits behind a disclosure."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.selectors import SENTENCES
from ethos.audit.services import audit_append
from ethos.audit.views import PAGE_SIZE
from tests.clients.conftest import intake

pytestmark = pytest.mark.django_db

DISCLOSURE = re.compile(r"<details>.*?</details>", re.S)


def visible(body: str) -> str:
    """Return the page as a coach sees it before opening any disclosure (markup kept)."""
    return DISCLOSURE.sub("", body)


def words(html: str) -> str:
    """Return the text a coach reads, without the markup."""
    return re.sub(r"<[^>]+>", " ", html)


def test_it_has_a_sentence_for_every_action():
    assert set(SENTENCES) == set(Action)
    assert all(sentence[0].isupper() and not sentence.endswith(".") for sentence in SENTENCES.values())


def test_it_tells_events_in_sentences_and_hides_codes_and_dicts_by_default(coach_client, coach, vault):
    robin = intake(coach, name="Robin Ash").client
    audit_append(coach=coach, action=Action.AUTH_SIGNED_IN)
    audit_append(
        coach=coach,
        action=Action.CLIENT_VIEWED,
        target_type="client",
        target_id=str(robin.pk),
        details={"section": "goals"},
    )

    body = coach_client.get(reverse("audit:activity")).content.decode()

    shown = visible(body)
    text = words(shown)
    assert "You signed in." in text
    assert "You viewed a client&#x27;s record." in text
    assert reverse("clients:detail", args=[robin.pk]) in shown
    assert "client.viewed" not in text and "auth.signed_in" not in text
    assert "{&#x27;" not in text and str(robin.pk) not in text
    # The detail is one click away, per event.
    assert "<summary>Technical detail</summary>" in body
    assert "client.viewed" in body and "goals" in body


def test_it_shows_dates_as_dates(coach_client, coach):
    today = timezone.localdate()
    body = visible(coach_client.get(reverse("audit:activity")).content.decode())
    assert f"{today:%A} {today.day} {today:%B %Y}" in body
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", re.sub(r'datetime="[^"]*"', "", body))


def test_the_filter_offers_labels_grouped_by_area(coach_client):
    form = coach_client.get(reverse("audit:activity")).context["form"]
    groups = dict(form.fields["action"].choices[1:])
    assert "Signing in and security" in groups and "Goals" in groups
    labels = [label for options in groups.values() for _, label in options]
    assert Action.AUTH_SIGNED_IN.label in labels
    assert not any(
        "." in value and value.split(".")[0] == label
        for options in groups.values()
        for value, label in options
    )


def test_a_group_filter_shows_every_event_of_the_group_and_nothing_else(coach_client, coach):
    audit_append(coach=coach, action=Action.GOAL_CREATED, target_type="thing", target_id="g")
    audit_append(coach=coach, action=Action.VAULT_LOCKED)
    audit_append(coach=coach, action=Action.AUTH_SIGNED_IN)

    page = coach_client.get(reverse("audit:activity"), {"action": "group:signing-in"}).context["page"]

    actions = {event.action for event in page}
    assert Action.VAULT_LOCKED in actions and Action.AUTH_SIGNED_IN in actions
    assert Action.GOAL_CREATED not in actions


def test_a_date_range_filters_events(coach_client, coach):
    today = timezone.localdate()
    page = coach_client.get(
        reverse("audit:activity"), {"since": today.isoformat(), "until": today.isoformat()}
    ).context["page"]
    assert len(page) > 0
    page = coach_client.get(reverse("audit:activity"), {"until": "2000-01-01"}).context["page"]
    assert len(page) == 0


@pytest.mark.parametrize("count", [1, 50])
def test_the_page_reads_in_a_bounded_number_of_queries(
    coach_client, coach, vault, count, django_assert_max_num_queries
):
    robin = intake(coach, name="Robin Ash").client
    for _ in range(count):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id=str(robin.pk))
    with django_assert_max_num_queries(12):
        body = coach_client.get(reverse("audit:activity")).content.decode()
    assert body.count("You viewed a client&#x27;s record.") == min(count, PAGE_SIZE)


def test_another_coachs_events_never_show(coach_client, other_coach):
    audit_append(coach=other_coach, action=Action.PRACTICE_CLOSED)
    assert "You closed your practice" not in coach_client.get(reverse("audit:activity")).content.decode()


def test_the_instructions_name_the_command_that_works(coach_client):
    body = coach_client.get(reverse("audit:activity")).content.decode()
    assert "ethos audit verify --checkpoint FILE" in body
