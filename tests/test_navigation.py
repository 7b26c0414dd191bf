"""The menu follows the coach's work, and a new practice's dashboard shows the way to set up."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ethos.navigation import SECTIONS
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
    with django_assert_max_num_queries(4):
        assert [step.done for step in setup_steps(coach)] == [True, True, True, True]
    # Once every step is done the path steps aside.
    assert "Set up your practice" not in coach_client.get(reverse("home")).content.decode()


def test_a_lapsed_vetting_does_not_tick_the_directory_step(coach):
    with unlocked(open_vault(coach)):
        vetted_resource(coach, vetted_days_ago=400)
    assert setup_steps(coach)[2].done is False
