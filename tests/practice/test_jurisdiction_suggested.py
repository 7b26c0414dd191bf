"""Choosing a jurisdiction fills the age of majority and emergency numbers at once (issue 11, item 4)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ethos.practice.selectors import profile_for

pytestmark = pytest.mark.django_db

URL = "practice:profile_suggested"


def value_of(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def test_s9_the_fragment_fills_the_legal_age_and_the_numbers(coach_client):
    response = coach_client.get(reverse(URL), {"country": "US", "region": "Alabama"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'name="country"' not in page
    assert value_of(page, "age_of_majority") == "19"
    assert value_of(page, "emergency_number") == "911"
    assert "988" in value_of(page, "crisis_line")
    assert "Suggested for United States, Alabama: 19." in page


def test_s9_a_region_with_a_higher_age_fills_it(coach_client):
    page = coach_client.get(reverse(URL), {"country": "US", "region": "Mississippi"}).content.decode()
    assert value_of(page, "age_of_majority") == "21"


def test_an_unknown_country_keeps_the_numbers_the_coach_typed(coach_client):
    page = coach_client.get(
        reverse(URL), {"country": "ZZ", "crisis_line": "My local line", "emergency_number": "123"}
    ).content.decode()
    assert value_of(page, "age_of_majority") == "18"
    assert value_of(page, "crisis_line") == "My local line"
    assert value_of(page, "emergency_number") == "123"


def test_the_fragment_saves_nothing(coach_client, coach):
    before = profile_for(coach).age_of_majority
    coach_client.get(reverse(URL), {"country": "US", "region": "Mississippi"})
    assert profile_for(coach).age_of_majority == before


def test_the_profile_form_asks_for_the_fragment_when_the_place_changes(coach_client):
    page = coach_client.get(reverse("practice:profile")).content.decode()
    select = re.search(r'<select name="country"[^>]*>', page).group(0)
    assert f'hx-get="{reverse(URL)}"' in select and 'hx-target="#jurisdiction-suggested"' in select
    assert 'id="jurisdiction-suggested"' in page
    assert page.count('name="age_of_majority"') == 1


def test_s9_without_javascript_the_post_still_validates(coach_client):
    response = coach_client.post(
        reverse("practice:profile"),
        {
            "country": "US",
            "region": "Mississippi",
            "age_of_majority": "18",
            "crisis_line": "",
            "emergency_number": "",
        },
    )
    assert response.status_code == 200
    assert 'href="#id_age_of_majority"' in response.content.decode()


def test_the_fragment_needs_sign_in(client):
    response = client.get(reverse(URL), {"country": "US"})
    assert response.status_code == 302
