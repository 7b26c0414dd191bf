"""The client page and timeline take contributions from any app, through clients.pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from ethos.clients import pages
from ethos.clients.pages import TimelineEntry, client_section, timeline_source
from ethos.web import csrf_input

from .conftest import intake

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> '; DROP TABLE clients_client; --"


@pytest.fixture
def section_template(settings, tmp_path):
    folder = tmp_path / "later_app"
    folder.mkdir()
    (folder / "_section.html").write_text(
        '<section class="panel" aria-labelledby="later-heading">'
        '<h2 id="later-heading">{{ section.title }}</h2><p>{{ note }}</p></section>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    return "later_app/_section.html"


@pytest.fixture
def later_app(section_template):
    """A workflow added after clients, registering itself the way a new app's ready() would."""
    shown = {}

    @client_section("later", title="Sessions from a later app", template=section_template, order=50)
    def later_section(client):
        return {"note": shown[client.pk]} if client.pk in shown else None

    @timeline_source
    def later_entries(client):
        if client.pk not in shown:
            return []
        return [
            TimelineEntry(
                timezone.now() + datetime.timedelta(minutes=5), "later", f"Later: {shown[client.pk]}"
            )
        ]

    yield shown
    pages.unregister("later")
    pages.unregister(later_entries)


def test_a_later_app_adds_a_section_and_timeline_entries_without_clients_importing_it(
    coach, vault, coach_client, later_app
):
    robin = intake(coach).client
    url = reverse("clients:detail", args=[robin.pk])
    assert "Sessions from a later app" not in coach_client.get(url).content.decode()

    later_app[robin.pk] = HOSTILE
    page = coach_client.get(url).content.decode()
    assert "Sessions from a later app" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    timeline = page[page.index('id="timeline-heading"') :]
    # Newest first: the later app's entry comes before the intake.
    assert timeline.index("Later: ") < timeline.index("Intake accepted")


def test_sections_come_in_their_order_and_the_built_in_ones_use_the_registry(
    coach, vault, coach_client, later_app
):
    robin = intake(coach).client
    later_app[robin.pk] = "between goals and endings"
    keys = [section.key for section in pages.sections_for(robin)]
    assert keys.index("goals") < keys.index("later") < keys.index("endings")


def test_it_refuses_two_sections_with_one_name(later_app):
    with pytest.raises(ImproperlyConfigured, match="already registered"):

        @client_section("goals", title="Another goals section", template="x.html", order=1)
        def rival(client):
            return {}


def test_a_section_written_in_python_is_shown_in_its_order_with_what_its_function_read(
    coach, vault, coach_client
):
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    def render(*, client, section, note, csrf_token):
        return mark_safe(f"<section><h2>{escape(section.title)}</h2><p>{escape(note)}</p></section>")  # noqa: S308

    @client_section("written", title="Written in Python", render=render, order=50)
    def written_section(client):
        return {"note": f"{HOSTILE} about {client.name}"}

    try:
        robin = intake(coach).client
        page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
        keys = [section.key for section in pages.sections_for(robin)]
    finally:
        pages.unregister("written")
    assert "<h2>Written in Python</h2>" in page and escape(f"{HOSTILE} about Robin Ash") in page
    assert "<script>alert" not in page
    assert keys.index("goals") < keys.index("written") < keys.index("endings")


@pytest.mark.parametrize("how", [{}, {"template": "x.html", "render": lambda **values: ""}])
def test_a_section_takes_a_template_or_a_render_function_and_not_both(how):
    with pytest.raises(ImproperlyConfigured, match="a template or a render function"):
        client_section("either", title="Either", order=1, **how)


def test_a_section_written_in_python_gets_the_pages_csrf_token_when_rendered_with_the_request(
    coach, vault, rf
):
    from django.middleware.csrf import _unmask_cipher_token, get_token
    from django.utils.safestring import mark_safe

    def render(*, client, section, csrf_token):
        return mark_safe(f"<form>{csrf_input(csrf_token)}</form>")  # noqa: S308

    @client_section("form", title="A form", render=render, order=50)
    def form_section(client):
        return {}

    request = rf.get("/")
    try:
        robin = intake(coach).client
        [html] = [s.html for s in pages.sections_for(robin, request=request) if s.key == "form"]
    finally:
        pages.unregister("form")
    [token] = re.findall(
        r'^<form><input type="hidden" name="csrfmiddlewaretoken" value="(\w+)"></form>$', html
    )
    # Masked afresh each time it is written: the same secret as the request's own token.
    assert _unmask_cipher_token(token) == _unmask_cipher_token(get_token(request))
