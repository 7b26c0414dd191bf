"""The site header's account part, written in Python, is byte for byte what base.html's template wrote."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from ethos.navigation import navigation

pytestmark = pytest.mark.django_db

# base.html's block, as it was before `{% site_account %}` took its place.
OLD_BLOCK = """{% if user.is_authenticated %}
      {% if nav_sections %}
      <nav class="site-nav" aria-label="Main">
        <ul>
          {% for section in nav_sections %}
          <li><a href="{{ section.url }}"{% if section.current %} aria-current="page"{% endif %}>{{ section.label }}</a></li>
          {% endfor %}
        </ul>
      </nav>
      {% endif %}
      <div class="site-account">
        {% if nav_activity %}<a href="{% url 'audit:activity' %}">Activity</a>{% endif %}
        <a href="{% url 'accounts:account' %}">{{ user.name|default:user.email }}</a>
        {% if request.vault %}
        <form method="post" action="{% url 'accounts:lock' %}" class="inline-form">
          {% csrf_token %}
          <button type="submit" class="button button--quiet">Lock</button>
        </form>
        {% endif %}
        <form method="post" action="{% url 'accounts:sign_out' %}" class="inline-form">
          {% csrf_token %}
          <button type="submit" class="button button--quiet">Sign out</button>
        </form>
      </div>
      {% endif %}"""  # noqa: E501
NASTY = "<script>alert('x')</script>\" OR 1=1; DROP TABLE clients_client; --"


def _both(values: dict) -> tuple[str, str]:
    old, new = Template(OLD_BLOCK), Template("{% site_account %}")
    return old.render(Context(values)), new.render(Context(values))


USERS = [
    AnonymousUser(),
    SimpleNamespace(is_authenticated=True, name="Alex Rivera", email="alex@example.org"),
    SimpleNamespace(is_authenticated=True, name="", email="no-name@example.org"),
    SimpleNamespace(is_authenticated=True, name=None, email=NASTY),
    SimpleNamespace(is_authenticated=True, name=NASTY, email="x@example.org"),
    SimpleNamespace(is_authenticated=False, name="Not signed in", email="n@example.org"),
]
MENUS = [
    None,
    [],
    [
        {"label": "Clients", "url": "/clients/", "current": True},
        {"label": "Money", "url": "/money/", "current": False},
    ],
    [{"label": NASTY, "url": "/x/?a=1&b=" + NASTY, "current": True}],
]
TOKENS = [None, "", "NOTPROVIDED", "tok3n", NASTY]


@pytest.mark.parametrize("user", USERS)
def test_it_writes_the_header_as_the_template_did(user):
    factory = RequestFactory()
    for menu, activity, vault, token in itertools.product(MENUS, (True, False), (None, object()), TOKENS):
        request = factory.get("/")
        request.vault = vault
        values = {"user": user, "request": request, "nav_activity": activity, "csrf_token": token}
        if menu is not None:
            values["nav_sections"] = menu
        old, new = _both(values)
        assert new == old, (menu, activity, vault, token)
        if getattr(user, "is_authenticated", False) and (user.name or user.email) == NASTY:
            assert "<script>" not in new and "&lt;script&gt;" in new


def test_it_writes_nothing_without_a_person_or_a_request():
    assert _both({}) == ("", "")
    old, new = _both({"user": SimpleNamespace(is_authenticated=True, name="A", email="a@example.org")})
    assert new == old and "Lock" not in new and "Sign out" in new


def test_a_real_coachs_page_header_is_the_templates(coach, vault):
    request = RequestFactory().get(reverse("clients:list"))
    request.user, request.vault = coach, vault
    # What the context processors give a page, made once (each RequestContext masks a new token).
    values = {"user": coach, "request": request, "csrf_token": get_token(request), **navigation(request)}
    old, new = _both(values)
    assert new == old
    assert 'aria-current="page">Clients</a>' in new and "Lock</button>" in new


def test_the_page_shows_the_menu_and_the_account_links(coach_client, coach):
    page = coach_client.get(reverse("clients:list")).content.decode()
    assert f'<a href="{reverse("clients:list")}" aria-current="page">Clients</a>' in page
    assert f'<a href="{reverse("accounts:account")}">' in page
    assert f'action="{reverse("accounts:sign_out")}"' in page
