"""Every URL belongs to one role; a person of any other role, or a stranger, gets nothing from it.

The walk covers every pattern Ethos serves, so a page added by a later app is covered the day it
is added: it must belong to a role (by its app's namespace, or `for_role` on the view) or be on
the short list of public pages below.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ethos.accounts.models import User
from ethos.web import CLIENT, COACH, ROLES, SIGNED_IN, STAFF, role_of_view
from tests.conftest import PASSPHRASE, make_coach, sign_in_browser

pytestmark = pytest.mark.django_db

# Open to anyone: the way in, and the way back in with a recovery kit or an invitation.
PUBLIC = {
    "home",
    "accounts:first_run",
    "accounts:sign_in",
    "accounts:sign_in_code",
    "accounts:invitation",
    "accounts:recover",
    # A client's one-time link to the portal (only its hash is stored; it works once, for 72 hours).
    "portal:join",
    # The coach's calendar feed: calendar apps cannot sign in, so the long random token in its
    # address is the credential (only its hash is stored; rotating it stops the old address).
    "coaching:calendar_feed",
    # Anyone may complain to the association about a coach, with no account (rate-limited).
    "cases:complaint_form",
    "cases:complaint_received",
    # The association's public side: anyone may check a coach's certification, fetch the signed
    # status lists and the association's public key (they show no personal data beyond the
    # coach's public name and number).
    "certification_public:verify",
    "certification_public:verify_json",
    "certification_public:status_list",
    "certification_public:jwks",
}
SAMPLE = {"uuid": uuid.UUID(int=7), "int": 1, "string": "x", "slug": "x", "path": "x"}


def patterns(resolver=None, namespaces=()):
    """Yield (url name, callback, namespaces) for every pattern Ethos serves."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join((*namespaces, entry.name)), entry, list(namespaces)


def url_for(name: str, entry: URLPattern) -> str:
    converters = entry.pattern.converters
    kwargs = {
        key: SAMPLE[type(conv).__name__.removesuffix("Converter").lower()] for key, conv in converters.items()
    }
    return reverse(name, kwargs=kwargs)


ALL = sorted((name, entry, namespaces) for name, entry, namespaces in patterns())
OWNED = [(name, entry, role_of_view(entry.callback, ns)) for name, entry, ns in ALL if name not in PUBLIC]


def person(role: str) -> User:
    if role == COACH:
        return make_coach()
    number = uuid.uuid4().hex[:8]
    return User.objects.create_user(f"{role}-{number}@example.org", PASSPHRASE, name=f"A {role}", role=role)


def browser_for(role: str) -> Client:
    user = person(role)
    return sign_in_browser(Client(), user) if role == COACH else _signed_in(user)


def _signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_every_page_belongs_to_a_role_or_is_named_public():
    unowned = [name for name, _, role in OWNED if role not in (*ROLES, SIGNED_IN)]
    assert unowned == []
    public_views = {name for name, entry, _ in ALL if not getattr(entry.callback, "login_required", True)}
    assert public_views == PUBLIC
    assert len(OWNED) > 40


@pytest.mark.parametrize("role", [CLIENT, STAFF, COACH])
def test_a_signed_in_person_of_another_role_gets_404_on_every_page(role):
    browser = browser_for(role)
    leaks = []
    for name, entry, owner in OWNED:
        if owner in (role, SIGNED_IN):
            continue
        url = url_for(name, entry)
        for method in (browser.get, browser.post):
            response = method(url)
            if response.status_code != 404:
                leaks.append(f"{method.__name__.upper()} {name} -> {response.status_code}")
    assert leaks == []


def test_a_stranger_is_sent_to_sign_in_from_every_page():
    browser = Client()
    sign_in = reverse("accounts:sign_in")
    leaks = []
    for name, entry, _ in OWNED:
        url = url_for(name, entry)
        for method in (browser.get, browser.post):
            response = method(url)
            if response.status_code != 302 or not response["Location"].startswith(sign_in):
                leaks.append(f"{method.__name__.upper()} {name} -> {response.status_code}")
    assert leaks == []


def test_the_coach_pages_are_the_coachs():
    owners = {name: owner for name, _, owner in OWNED}
    assert owners["clients:list"] == COACH
    assert owners["coaching:note_search"] == COACH
    assert owners["accounts:unlock"] == COACH
    assert owners["accounts:backup"] == COACH
    assert owners["accounts:account"] == SIGNED_IN
    assert owners["portal:home"] == CLIENT
    assert owners["portal:goal"] == CLIENT
    assert owners["portal_coach:home"] == COACH
    assert owners["portal_coach:reply"] == COACH


@pytest.mark.parametrize("role", [CLIENT, STAFF])
def test_a_client_or_staff_member_signs_in_to_no_vault_and_no_coach_menu(role):
    user = person(role)
    browser = Client()
    response = browser.post(reverse("accounts:sign_in"), {"email": user.email, "passphrase": PASSPHRASE})
    assert response.status_code == 302
    page = browser.get(reverse("home"))
    body = page.content.decode()
    assert page.status_code == 200 and "Clients" not in body and "Lock" not in body
    assert page.wsgi_request.vault is None
    assert browser.get(reverse("clients:list")).status_code == 404


@pytest.mark.parametrize("role", [CLIENT, STAFF])
def test_a_client_or_staff_member_changes_their_passphrase_without_any_vault(role):
    user = person(role)
    browser = _signed_in(user)
    account = browser.get(reverse("accounts:account")).content.decode()
    assert reverse("accounts:backup") not in account  # a coach's page, not theirs
    new = "a different long passphrase"
    response = browser.post(
        reverse("accounts:passphrase_change"),
        {"current_passphrase": PASSPHRASE, "new_passphrase": new, "new_passphrase_again": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
