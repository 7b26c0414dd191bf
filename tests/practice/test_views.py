"""Every practice page: sign-in required, another coach gets 404, hostile text stays text."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.audit.models import AuditEvent
from ethos.practice import views
from ethos.practice.forms import DATE_IN_FUTURE, VERIFIED_BEFORE_AWARD
from ethos.practice.models import Credential
from ethos.practice.selectors import competence_for, profile_for
from ethos.practice.services import AGE_BELOW_LEGAL, REGION_NEEDED, REGION_UNKNOWN

from .conftest import make_credential

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert(1)</script>'; DROP TABLE practice_credential; --"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#x27;; DROP TABLE practice_credential; --"
LIST_QUERY_BOUND = 12


def credential_form(**changes) -> dict:
    data = {
        "title": "Certificate in grief support",
        "issuer": "Institute of Loss Studies",
        "awarded_on": "2021-03-01",
        "verified_on": "2021-04-01",
        "areas": ["grief-and-loss"],
    }
    return data | changes


def profile_form(**changes) -> dict:
    data = {
        "country": "US",
        "region": "Alabama",
        "age_of_majority": "19",
        "crisis_line": "988",
        "emergency_number": "911",
    }
    return data | changes


def page_urls(credential_pk) -> list[str]:
    return [
        reverse("practice:home"),
        reverse("practice:profile"),
        reverse("practice:competence"),
        reverse("practice:credentials"),
        reverse("practice:credential_add"),
        reverse("practice:credential_edit", args=[credential_pk]),
    ]


def test_it_requires_sign_in_on_every_page(client, coach):
    credential = make_credential(coach=coach)
    for url in page_urls(credential.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    for url in [*page_urls(credential.pk)[1:], reverse("practice:credential_delete", args=[credential.pk])]:
        assert client.post(url, {}).status_code == 302, url
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_it_answers_another_coach_with_404_and_changes_nothing(coach, other_client):
    credential = make_credential(coach=coach)
    edit = reverse("practice:credential_edit", args=[credential.pk])
    assert other_client.get(edit).status_code == 404
    assert other_client.post(edit, credential_form(title="Taken over")).status_code == 404
    delete = reverse("practice:credential_delete", args=[credential.pk])
    assert other_client.post(delete).status_code == 404
    assert Credential.objects.get(pk=credential.pk).title == credential.title
    assert credential.title not in other_client.get(reverse("practice:credentials")).content.decode()


def test_it_lights_up_the_practice_section_of_the_navigation(coach_client):
    page = coach_client.get(reverse("practice:home")).content.decode()
    assert f'<a href="{reverse("practice:home")}" aria-current="page">Practice</a>' in page


def test_it_saves_the_profile_and_shows_it_on_the_overview(coach_client, coach):
    response = coach_client.post(reverse("practice:profile"), profile_form(), follow=True)
    page = response.content.decode()
    assert views.PROFILE_SAVED in page
    assert "United States, Alabama" in page
    assert profile_for(coach).age_of_majority == 19


def test_s9_the_profile_page_suggests_the_age_of_majority_for_the_saved_jurisdiction(coach_client):
    coach_client.post(reverse("practice:profile"), profile_form(age_of_majority="19"))
    page = coach_client.get(reverse("practice:profile")).content.decode()
    assert "Suggested for United States, Alabama: 19." in page
    assert "Suggested for United States, Alabama: 911." in page


@pytest.mark.parametrize(
    "changes",
    [{"age_of_majority": "99"}, {"age_of_majority": "eighteen"}, {"country": "ZZ"}, {"region": "x" * 101}],
)
def test_it_refuses_a_bad_profile_with_a_form_error_and_changes_nothing(coach_client, coach, changes):
    response = coach_client.post(reverse("practice:profile"), profile_form(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="field__errors"' in response.content.decode()
    assert profile_for(coach).country == ""
    assert not AuditEvent.objects.filter(coach=coach, action="practice.profile_updated").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"age_of_majority": "18"},
            "age_of_majority",
            AGE_BELOW_LEGAL.format(place="United States, Alabama", legal=19),
        ),
        (
            {"country": "CA", "region": "BC", "age_of_majority": "18"},
            "age_of_majority",
            AGE_BELOW_LEGAL.format(place="Canada, BC", legal=19),
        ),
        ({"region": ""}, "region", REGION_NEEDED.format(country="United States")),
        ({"region": "Atlantis"}, "region", REGION_UNKNOWN.format(region="Atlantis", country="United States")),
    ],
)
def test_s9_the_profile_page_refuses_an_age_below_the_legal_age_of_the_jurisdiction(
    coach_client, coach, changes, field, message
):
    response = coach_client.post(reverse("practice:profile"), profile_form(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert profile_for(coach).country == "" and profile_for(coach).age_of_majority == 18
    assert not AuditEvent.objects.filter(coach=coach, action="practice.profile_updated").exists()


def test_s9_the_profile_page_accepts_a_higher_age_than_the_law_asks(coach_client, coach):
    response = coach_client.post(reverse("practice:profile"), profile_form(age_of_majority="21"))
    assert response.status_code == 302
    assert profile_for(coach).age_of_majority == 21


def test_it_shows_hostile_text_in_the_profile_escaped(coach_client, coach):
    coach_client.post(
        reverse("practice:profile"),
        profile_form(country="GB", region=HOSTILE[:100], age_of_majority="18", crisis_line=HOSTILE),
    )
    assert profile_for(coach).crisis_line == HOSTILE
    page = coach_client.get(reverse("practice:home")).content.decode()
    assert ESCAPED in page
    assert HOSTILE not in page


def test_s5_it_ticks_areas_and_adds_one_of_the_coachs_own(coach_client, coach):
    response = coach_client.post(
        reverse("practice:competence"),
        {"areas": ["grief-and-loss", "sexual-trauma"], "new_area": "Adoption and fostering"},
        follow=True,
    )
    assert views.COMPETENCE_SAVED in response.content.decode()
    assert competence_for(coach).areas == {"grief-and-loss", "sexual-trauma", "adoption-and-fostering"}
    page = coach_client.get(reverse("practice:home")).content.decode()
    assert "Adoption and fostering" in page and "Grief and loss" in page


def test_s5_unticking_everything_clears_the_areas(coach_client, coach):
    coach_client.post(reverse("practice:competence"), {"areas": ["grief-and-loss"]})
    coach_client.post(reverse("practice:competence"), {})
    assert competence_for(coach).areas == frozenset()


@pytest.mark.parametrize("data", [{"areas": ["<script>"]}, {"new_area": "<<< >>>"}, {"new_area": "x" * 101}])
def test_s5_it_refuses_bad_competence_input_with_a_form_error(coach_client, coach, data):
    coach_client.post(reverse("practice:competence"), {"areas": ["grief-and-loss"]})
    response = coach_client.post(reverse("practice:competence"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert competence_for(coach).areas == {"grief-and-loss"}


def test_s5_a_hostile_area_name_is_stored_and_shown_escaped(coach_client, coach):
    coach_client.post(reverse("practice:competence"), {"new_area": "<script>alert(1)</script> work"})
    assert competence_for(coach).areas == {"scriptalert1script-work"}
    for url in (reverse("practice:home"), reverse("practice:competence"), reverse("practice:credential_add")):
        page = coach_client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt; work" in page
        assert "<script>alert(1)" not in page


def test_s10_a_credential_added_on_the_page_widens_competence(coach_client, coach):
    response = coach_client.post(reverse("practice:credential_add"), credential_form(), follow=True)
    assert views.CREDENTIAL_ADDED in response.content.decode()
    assert "grief-and-loss" in competence_for(coach).all_areas
    page = coach_client.get(reverse("practice:home")).content.decode()
    assert "Grief and loss" in page and "through your credential" in page


def test_s10_it_edits_and_removes_a_credential(coach_client, coach):
    credential = make_credential(coach=coach, verified_on=None)
    edit = reverse("practice:credential_edit", args=[credential.pk])
    assert 'value="Certificate in grief support"' in coach_client.get(edit).content.decode()
    coach_client.post(edit, credential_form(title="Diploma in grief support"))
    assert Credential.objects.get(pk=credential.pk).title == "Diploma in grief support"
    assert coach_client.get(reverse("practice:credential_delete", args=[credential.pk])).status_code == 405
    response = coach_client.post(reverse("practice:credential_delete", args=[credential.pk]), follow=True)
    assert views.CREDENTIAL_REMOVED in response.content.decode()
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"awarded_on": "not a date"}, "awarded_on", None),
        ({"title": ""}, "title", None),
        ({"areas": ["not-an-area"]}, "areas", None),
        ({"verified_on": "2020-01-01"}, "verified_on", VERIFIED_BEFORE_AWARD),
        ({"awarded_on": "FUTURE", "verified_on": ""}, "awarded_on", DATE_IN_FUTURE),
    ],
)
def test_s10_it_refuses_a_bad_credential_with_a_form_error(coach_client, coach, changes, field, message):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    changes = {name: future if value == "FUTURE" else value for name, value in changes.items()}
    response = coach_client.post(reverse("practice:credential_add"), credential_form(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert not Credential.objects.exists()


def test_s10_hostile_credential_text_is_stored_and_shown_escaped(coach_client, coach):
    coach_client.post(reverse("practice:credential_add"), credential_form(title=HOSTILE, issuer=HOSTILE))
    assert Credential.objects.get().title == HOSTILE
    for url in (reverse("practice:credentials"), reverse("practice:home")):
        page = coach_client.get(url).content.decode()
        assert ESCAPED in page
        assert HOSTILE not in page


@pytest.mark.parametrize("count", [1, 30])
def test_it_lists_credentials_in_bounded_queries(coach_client, coach, count, django_assert_max_num_queries):
    for number in range(count):
        make_credential(coach=coach, title=f"Credential {number}")
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = coach_client.get(reverse("practice:credentials"))
    assert response.content.decode().count("Institute of Loss Studies") == count
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        coach_client.get(reverse("practice:home"))
