"""The menu follows the coach's work, and a new practice's dashboard shows the way to set up."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ethos.certification.views import NOT_LINKED
from ethos.navigation import SECTIONS, STAFF_SECTIONS
from ethos.practice import services as practice
from ethos.practice.areas import COMPETENCE_AREAS
from ethos.vault.context import unlocked
from ethos.views import setup_steps
from tests.clients.conftest import intake, vetted_resource
from tests.conftest import open_vault

pytestmark = pytest.mark.django_db


def nav(page: str) -> str:
    return re.search(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', page, re.S).group(1)


def test_it_lists_the_sections_in_the_order_of_the_coachs_work():
    labels = [label for label, _ in SECTIONS]
    assert labels == [
        "Dashboard",
        "Clients",
        "Portal",
        "Sessions",
        "Safeguarding",
        "Money",
        "Directory",
        "Practice",
        "Compliance",
    ]


def test_the_menu_has_the_directory_and_marks_the_current_page(coach_client):
    menu = nav(coach_client.get(reverse("referrals:list")).content.decode())
    assert f'<a href="{reverse("referrals:list")}" aria-current="page">Directory</a>' in menu
    for name in ["clients:list", "practice:home", "standards:compliance", "home"]:
        assert f'href="{reverse(name)}"' in menu


def test_the_menu_greys_nothing_out_it_cannot_explain(coach_client):
    # Sections whose app is not in this version yet are left out, not shown as dead words.
    menu = nav(coach_client.get(reverse("home")).content.decode())
    assert "site-nav__soon" not in menu and "<span" not in menu
    assert menu.count("<li>") == menu.count("<a href=")


def test_the_dashboard_shows_the_set_up_path_with_a_link_to_each_step(coach_client):
    page = coach_client.get(reverse("home")).content.decode()
    assert "Set up your practice" in page
    for name in ["practice:competence", "practice:profile", "referrals:list", "clients:intake"]:
        assert f'href="{reverse(name)}"' in page
    assert "(done)" not in page


def test_the_set_up_path_ticks_each_step_as_it_is_done(coach, coach_client, django_assert_max_num_queries):
    assert [step.done for step in setup_steps(coach)] == [False, False, False, False]
    practice.competence_update(coach=coach, areas=[COMPETENCE_AREAS[0][0]])
    assert [step.done for step in setup_steps(coach)] == [True, False, False, False]
    practice.profile_update(
        coach=coach,
        country="GB",
        region="",
        age_of_majority=18,
        crisis_line="116 123",
        emergency_number="999",
    )
    assert [step.done for step in setup_steps(coach)] == [True, True, False, False]
    with unlocked(open_vault(coach)):
        vetted_resource(coach)
    page = coach_client.get(reverse("home")).content.decode()
    assert page.count("(done)") == 3
    with unlocked(open_vault(coach)):
        intake(coach)
    with django_assert_max_num_queries(1):
        assert [step.done for step in setup_steps(coach)] == [True, True, True, True]
    # Once every step is done the path steps aside.
    assert "Set up your practice" not in coach_client.get(reverse("home")).content.decode()


def test_a_lapsed_vetting_does_not_tick_the_directory_step(coach):
    with unlocked(open_vault(coach)):
        vetted_resource(coach, vetted_days_ago=400)
    assert setup_steps(coach)[2].done is False


# -- the association's staff, and the coach's way to the association --------------------------


@pytest.fixture
def staff_browser(client, db):
    from tests.certification.conftest import make_staff

    client.force_login(make_staff())
    return client


def test_staff_have_their_own_sections_and_none_of_the_coachs(staff_browser):
    assert [label for label, _ in STAFF_SECTIONS] == ["Overview", "Registry", "Cases"]
    page = staff_browser.get(reverse("cases:list")).content.decode()
    menu = nav(page)
    assert f'<a href="{reverse("cases:list")}" aria-current="page">Cases</a>' in menu
    assert f'href="{reverse("certification:registry")}"' in menu
    for name in ["clients:list", "practice:home", "standards:compliance"]:
        assert f'href="{reverse(name)}"' not in menu
    # The Activity page is the practice's log: staff have none and are not sent to a 404.
    assert f'href="{reverse("audit:activity")}"' not in page


def test_the_coachs_menu_keeps_activity_and_no_staff_section(coach_client):
    page = coach_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("audit:activity")}"' in page
    for name in ["certification:registry", "cases:list"]:
        assert f'href="{reverse(name)}"' not in nav(page)


def test_a_staff_members_home_shows_complaints_to_screen_and_open_cases(staff_browser):
    from tests.certification.cases.conftest import submit

    complaint = submit(today=timezone.localdate())
    page = staff_browser.get(reverse("home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The association's work" in text and "not open in this version" not in text
    assert f'href="{reverse("cases:complaint", args=[complaint.pk])}"' in text
    assert f"Complaint {complaint.number}" in text and "No case is open." in text
    assert f'href="{reverse("certification:registry")}"' in text
    # Numbers only: the complainant's words stay sealed until staff open the complaint (logged).
    assert "Jamie Complainant" not in text


def test_the_practice_page_links_to_the_certificate_and_association_matters(coach_client):
    page = coach_client.get(reverse("practice:home")).content.decode()
    assert f'href="{reverse("certification_coach:mine")}">My certificate</a>' in page
    assert f'href="{reverse("cases_coach:list")}">Association matters</a>' in page
    # Calmly, under Practice: not in the top bar.
    assert "certificate" not in nav(page).lower()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title == "Your practice · Ethos"


def test_a_coach_with_no_linked_certification_is_told_so_not_shown_a_404(coach_client):
    page = coach_client.get(reverse("certification_coach:mine"))
    assert page.status_code == 200
    assert escape(NOT_LINKED) in page.content.decode()


def test_the_sign_in_page_links_to_verification_and_the_complaint_form(client, coach):
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert f'href="{reverse("certification_public:verify")}">Check a coach' in page
    assert f'href="{reverse("cases:complaint_form")}">Make a complaint' in page
