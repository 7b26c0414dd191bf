"""The ethics desk starts from the practice profile and moves focus to its answer (issue 11, item 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ethos.practice import services as practice
from ethos.standards.rules import S9_MINOR

pytestmark = pytest.mark.django_db


def practise_in_mississippi(coach):
    practice.profile_update(
        coach=coach,
        country="US",
        region="Mississippi",
        age_of_majority=21,
        crisis_line="",
        emergency_number="",
    )


def test_s9_the_desk_defaults_to_the_profiles_age_of_majority(coach_client, coach):
    practise_in_mississippi(coach)
    page = coach_client.get(reverse("standards:ask")).content.decode()
    field = re.search(r'<input[^>]*name="age_of_majority"[^>]*>', page).group(0)
    assert 'value="21"' in field


def test_s9_a_blank_age_of_majority_uses_the_profiles(coach_client, coach):
    asked = {"client_age": "19", "age_of_majority": ""}
    assert S9_MINOR not in coach_client.post(reverse("standards:ask"), asked).content.decode()
    practise_in_mississippi(coach)
    assert S9_MINOR in coach_client.post(reverse("standards:ask"), asked).content.decode()


def test_s9_without_a_profile_the_desk_starts_from_18(coach_client):
    page = coach_client.get(reverse("standards:ask")).content.decode()
    field = re.search(r'<input[^>]*name="age_of_majority"[^>]*>', page).group(0)
    assert 'value="18"' in field


@pytest.mark.parametrize("htmx", [False, True])
def test_the_answer_takes_focus(coach_client, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    page = coach_client.post(reverse("standards:ask"), {"client_age": "15"}, **headers).content.decode()
    heading = re.search(r'<h2 id="desk-answer-title"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in heading and "autofocus" in heading


def test_no_answer_no_focus_on_the_first_visit(coach_client):
    page = coach_client.get(reverse("standards:ask")).content.decode()
    assert "autofocus" not in page


def test_the_blank_desk_is_rendered_once_per_default_and_as_the_form_renders_it(coach_client, coach):
    from django.template.loader import render_to_string

    from ethos.standards import views
    from ethos.standards.forms import DeskForm

    views._blank_desk_fields.cache_clear()
    first = coach_client.get(reverse("standards:ask")).content.decode()
    coach_client.get(reverse("standards:ask"))
    practise_in_mississippi(coach)
    at_21 = coach_client.get(reverse("standards:ask")).content.decode()

    info = views._blank_desk_fields.cache_info()
    assert (info.misses, info.hits) == (2, 1)  # one rendering for 18, one for 21
    fresh = render_to_string("standards/ask.html#fields", {"form": DeskForm(initial={"age_of_majority": 21})})
    assert fresh in at_21 and fresh not in first
    assert at_21.count('name="signals"') == first.count('name="signals"') > 1
