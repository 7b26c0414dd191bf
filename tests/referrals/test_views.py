"""Every directory page: sign-in required, another coach gets 404, hostile text stays text."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.referrals import views
from ethos.referrals.forms import NOT_PERSONALLY
from ethos.referrals.models import Resource, VettingRecord, latest_review
from ethos.referrals.services import REVIEW_TOO_LATE, VETTED_IN_FUTURE

from .conftest import make_resource, vet

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert(1)</script>'; DROP TABLE referrals_resource; --"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#x27;; DROP TABLE referrals_resource; --"
LIST_QUERY_BOUND = 10


def resource_form(**changes) -> dict:
    data = {
        "name": "Harbour Counselling",
        "kind": "therapist",
        "phone": "+44 20 7946 0000",
        "email": "hello@harbour.example",
        "website": "https://harbour.example",
        "address": "1 Quay Street",
        "jurisdiction": "London",
        "notes": "",
    }
    return data | changes


def vetting_form(**changes) -> dict:
    data = {"vetted_on": timezone.localdate().isoformat(), "method": "visited", "personally": "on"}
    return data | changes


def urls_for(pk) -> list[str]:
    return [
        reverse("referrals:detail", args=[pk]),
        reverse("referrals:edit", args=[pk]),
        reverse("referrals:vet", args=[pk]),
    ]


def post_urls_for(pk) -> list[str]:
    return [reverse("referrals:deactivate", args=[pk]), reverse("referrals:reactivate", args=[pk])]


def test_it_requires_sign_in_on_every_page(client, coach, vault):
    resource = make_resource(coach=coach)
    for url in [reverse("referrals:list"), reverse("referrals:add"), *urls_for(resource.pk)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    for url in [reverse("referrals:add"), *urls_for(resource.pk)[1:], *post_urls_for(resource.pk)]:
        assert client.post(url, resource_form()).status_code == 302, url
    assert Resource.objects.count() == 1
    assert not VettingRecord.objects.exists()


def test_it_answers_another_coach_with_404_and_changes_nothing(coach, vault, other_client):
    resource = make_resource(coach=coach, notes="private")
    for url in urls_for(resource.pk):
        assert other_client.get(url).status_code == 404, url
    assert (
        other_client.post(reverse("referrals:edit", args=[resource.pk]), resource_form(name="X")).status_code
        == 404
    )
    assert other_client.post(reverse("referrals:vet", args=[resource.pk]), vetting_form()).status_code == 404
    for url in post_urls_for(resource.pk):
        assert other_client.post(url).status_code == 404, url
    assert "Harbour Counselling" not in other_client.get(reverse("referrals:list")).content.decode()
    resource.refresh_from_db()
    assert (resource.name, resource.is_active) == ("Harbour Counselling", True)
    assert not VettingRecord.objects.exists()


def test_it_answers_an_unknown_resource_with_404(coach_client):
    assert coach_client.get("/directory/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert coach_client.get("/directory/%3Cscript%3E/").status_code == 404


def test_p10_a_resource_added_on_the_page_is_never_vetted_until_the_coach_vets_it(coach_client, coach):
    response = coach_client.post(reverse("referrals:add"), resource_form(notes="Ask for Dana"), follow=True)
    page = response.content.decode()
    assert views.RESOURCE_ADDED in page
    assert "never vetted" in page and "Ask for Dana" in page
    resource = Resource.objects.get(coach=coach)
    response = coach_client.post(
        reverse("referrals:vet", args=[resource.pk]), vetting_form(learnt="Short wait")
    )
    assert response.status_code == 302
    page = coach_client.get(reverse("referrals:detail", args=[resource.pk])).content.decode()
    until = latest_review(timezone.localdate())
    assert f'vetted until <time datetime="{until.isoformat()}">' in page
    assert "Visited, by Alex Rivera" in page and "Short wait" in page


def test_p10_the_list_shows_each_vetting_state(coach_client, coach, vault):
    vet(coach=coach, resource=make_resource(coach=coach, name="Current one"))
    vet(coach=coach, resource=make_resource(coach=coach, name="Lapsed one"), days_ago=400)
    make_resource(coach=coach, name="New one")
    page = coach_client.get(reverse("referrals:list")).content.decode()
    assert page.count("status--good") == 1
    assert page.count("vetting due since") == 1
    assert page.count("never vetted") == 1


def test_it_filters_the_list_by_kind(coach_client, coach, vault):
    make_resource(coach=coach, name="Line One", kind=Resource.Kind.CRISIS_LINE)
    make_resource(coach=coach, name="Lawyer Two", kind=Resource.Kind.LEGAL)
    page = coach_client.get(reverse("referrals:list"), {"kind": "crisis_line"}).content.decode()
    assert "Line One" in page and "Lawyer Two" not in page


def test_it_answers_an_unknown_kind_filter_with_a_form_error(coach_client, coach, vault):
    make_resource(coach=coach, name="Line One", kind=Resource.Kind.CRISIS_LINE)
    response = coach_client.get(reverse("referrals:list"), {"kind": "'; DROP TABLE x; --"})
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert "Line One" in response.content.decode()


def test_it_edits_deactivates_and_reactivates_a_resource(coach_client, coach, vault):
    resource = make_resource(coach=coach)
    edit = reverse("referrals:edit", args=[resource.pk])
    assert 'value="Harbour Counselling"' in coach_client.get(edit).content.decode()
    coach_client.post(edit, resource_form(name="Harbour Counselling Centre", kind="coaching"))
    resource.refresh_from_db()
    assert (resource.name, resource.kind) == ("Harbour Counselling Centre", "coaching")
    assert coach_client.get(reverse("referrals:deactivate", args=[resource.pk])).status_code == 405
    response = coach_client.post(reverse("referrals:deactivate", args=[resource.pk]), follow=True)
    assert views.RESOURCE_DEACTIVATED in response.content.decode()
    assert "Taken out of use" in coach_client.get(reverse("referrals:list")).content.decode()
    response = coach_client.post(reverse("referrals:deactivate", args=[resource.pk]), follow=True)
    assert response.status_code == 200
    coach_client.post(reverse("referrals:reactivate", args=[resource.pk]))
    resource.refresh_from_db()
    assert resource.is_active


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "wizard"}, "kind"),
        ({"email": "not an email"}, "email"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_it_refuses_bad_resource_input_with_a_form_error_and_adds_nothing(coach_client, changes, field):
    response = coach_client.post(reverse("referrals:add"), resource_form(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="field__errors"' in response.content.decode()
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vetted_on": "FUTURE"}, "vetted_on"),
        ({"vetted_on": "yesterday-ish"}, "vetted_on"),
        ({"method": "guessed"}, "method"),
        ({"review_by": "2000-01-01"}, "review_by"),
        ({"method": "other"}, "method"),
    ],
)
def test_p10_it_refuses_bad_vetting_input_with_a_form_error(coach_client, coach, vault, changes, field):
    resource = make_resource(coach=coach)
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    changes = {name: future if value == "FUTURE" else value for name, value in changes.items()}
    response = coach_client.post(reverse("referrals:vet", args=[resource.pk]), vetting_form(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if changes.get("vetted_on") == future:
        assert VETTED_IN_FUTURE in errors["vetted_on"]
    assert not VettingRecord.objects.exists()


def test_p10_a_review_date_more_than_twelve_months_out_is_a_form_error_and_nothing_is_saved(
    coach_client, coach, vault
):
    resource = make_resource(coach=coach)
    today = timezone.localdate()
    late = latest_review(today) + datetime.timedelta(days=1)
    response = coach_client.post(
        reverse("referrals:vet", args=[resource.pk]), vetting_form(review_by=late.isoformat())
    )
    assert response.status_code == 200
    assert response.context["form"].errors["review_by"] == [REVIEW_TOO_LATE]
    assert REVIEW_TOO_LATE in response.content.decode()
    assert not VettingRecord.objects.exists()
    # Twelve months to the day is the furthest it may go.
    response = coach_client.post(
        reverse("referrals:vet", args=[resource.pk]),
        vetting_form(review_by=latest_review(today).isoformat()),
    )
    assert response.status_code == 302
    assert VettingRecord.objects.get().review_by == latest_review(today)


def test_p10_the_vetting_is_the_coachs_own_check_and_names_no_one_else(coach_client, coach, vault):
    resource = make_resource(coach=coach)
    page = coach_client.get(reverse("referrals:vet", args=[resource.pk])).content.decode()
    assert 'name="vetted_by"' not in page and 'name="personally"' in page
    response = coach_client.post(
        reverse("referrals:vet", args=[resource.pk]), vetting_form(personally="", vetted_by="A colleague")
    )
    assert response.context["form"].errors["personally"] == [NOT_PERSONALLY]
    assert not VettingRecord.objects.exists()
    coach_client.post(reverse("referrals:vet", args=[resource.pk]), vetting_form(vetted_by="A colleague"))
    assert VettingRecord.objects.get().vetted_by == "Alex Rivera"


def test_it_stores_hostile_text_and_shows_it_escaped(coach_client, coach):
    coach_client.post(
        reverse("referrals:add"),
        resource_form(name=HOSTILE, address=HOSTILE, jurisdiction=HOSTILE, notes=HOSTILE, phone=HOSTILE[:40]),
    )
    resource = Resource.objects.get()
    assert resource.name == HOSTILE
    coach_client.post(reverse("referrals:vet", args=[resource.pk]), vetting_form(learnt=HOSTILE))
    for url in (reverse("referrals:list"), reverse("referrals:detail", args=[resource.pk])):
        page = coach_client.get(url).content.decode()
        assert ESCAPED in page, url
        assert "<script>alert(1)" not in page, url


@pytest.mark.parametrize("count", [1, 30])
def test_it_lists_resources_in_bounded_queries(
    coach_client, coach, vault, count, django_assert_max_num_queries
):
    for number in range(count):
        resource = make_resource(coach=coach, name=f"Service {number:02}")
        vet(coach=coach, resource=resource, days_ago=number * 20)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = coach_client.get(reverse("referrals:list"))
    assert response.content.decode().count('<th scope="row">') == count
