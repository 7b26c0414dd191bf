"""The client page's About and Intake panels, written in Python, are what clients/detail.html wrote."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethos.clients.about import about_html
from ethos.clients.models import Client, Intake
from ethos.standards.facts import DECLINE_REASONS

HOSTILE = "<script>alert(1)</script> O'Neill & \"Co\" Robert'); DROP TABLE clients_client;--"

# The panels as clients/detail.html wrote them, before they were written in Python.
OLD = """{% load referral_fit %}<div class="columns">
  <section class="panel" aria-labelledby="about-heading">
    <h2 id="about-heading">About</h2>
    <dl class="facts">
      <dt>Full name</dt><dd>{{ client.name }}</dd>
      {% if client.pronouns %}<dt>Pronouns</dt><dd>{{ client.pronouns }}</dd>{% endif %}
      <dt>Date of birth</dt><dd>{{ client.date_of_birth|date:"j F Y" }}</dd>
      {% if client.contact.email %}<dt>Email</dt><dd>{{ client.contact.email }}</dd>{% endif %}
      {% if client.contact.phone %}<dt>Phone</dt><dd>{{ client.contact.phone }}</dd>{% endif %}
      {% if client.emergency_contact %}<dt>Emergency contact</dt><dd>{{ client.emergency_contact.name }} {{ client.emergency_contact.phone }}</dd>{% endif %}
    </dl>
    {% if client.status != "paused" and client.status != "ended" %}<p><a class="button button--secondary" href="{% url 'clients:contact' client.pk %}">Edit contact details</a></p>{% endif %}
  </section>
  {% if intake %}
  <section class="panel" aria-labelledby="intake-heading">
    <h2 id="intake-heading">Intake</h2>
    <p>{{ intake.get_outcome_display }} on {{ intake.submitted_at|date:"j M Y" }}{% if intake.decline_reason %}: {{ intake.decline_reason_label }}{% endif %}.</p>
    {% if intake.reentry_of %}<p>This person was declined at an earlier intake on {{ intake.reentry_of.submitted_at|date:"j M Y" }} under <strong>{{ intake.reentry_of.decline_reason }}</strong>. Why the answers are different now: “{{ intake.reentry_explanation }}”</p>{% endif %}
    {% if intake.residence %}<p>Where they live: {{ intake.residence.country }}{% if intake.residence.region %}, {{ intake.residence.region }}{% endif %}. The age of majority applied at intake was {{ intake.residence.age_of_majority }} (S9).</p>{% endif %}
    {% if intake.wants %}<p>In their words: “{{ intake.wants }}”</p>{% endif %}
    {% if intake.concerns %}<p>Concerns: {% for concern in intake.concerns %}{{ concern|concern_label }}{% if not forloop.last %}, {% endif %}{% endfor %}</p>{% endif %}
    {% if intake.crisis_protocol_shown_at %}<p>The crisis protocol was shown on {{ intake.crisis_protocol_shown_at|date:"j M Y, H:i" }}.</p>{% endif %}
  </section>
  {% endif %}
</div>"""  # noqa: E501
TEXTS = st.sampled_from(["Robin Ash", HOSTILE, "Zoë Ünal", "", "  "])
MAYBE = st.one_of(st.none(), TEXTS)
SEALED_DICT = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["email", "phone", "name", "other"]),
        st.one_of(st.none(), TEXTS, st.integers(0, 3)),
        max_size=4,
    ),
)
RESIDENCE = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["country", "region", "age_of_majority"]),
        st.one_of(st.none(), TEXTS, st.integers(16, 21)),
        max_size=3,
    ),
)
CONCERNS = st.lists(
    st.one_of(
        st.fixed_dictionaries({"area": st.sampled_from(["grief", "work", "unknown-area", ""])}),
        st.fixed_dictionaries({"area": st.just("grief"), "words": TEXTS}),
        st.just("not a concern"),
    ),
    max_size=3,
)
WHEN = st.datetimes(
    min_value=datetime.datetime(2020, 1, 1),
    max_value=datetime.datetime(2030, 1, 1),
    timezones=st.just(datetime.UTC),
)


def _old(client, intake) -> str:
    return engines["django"].from_string(OLD).render({"client": client, "intake": intake})


def _client(**values) -> Client:
    client = Client(pk=uuid.uuid4(), status=values.pop("status", Client.Status.ACTIVE))
    for name, value in values.items():
        setattr(client, name, value)  # sealed fields hold plaintext until saved: nothing is read
    return client


def _intake(**values) -> Intake:
    intake = Intake(pk=uuid.uuid4())
    for name, value in values.items():
        setattr(intake, name, value)
    return intake


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=TEXTS,
    pronouns=MAYBE,
    born=st.one_of(st.none(), st.dates(min_value=datetime.date(1930, 1, 1))),
    contact=SEALED_DICT,
    emergency=SEALED_DICT,
    status=st.sampled_from(Client.Status.values),
    with_intake=st.booleans(),
    outcome=st.sampled_from(Intake.Outcome.values),
    reason=st.sampled_from(["", *DECLINE_REASONS, "not-a-reason"]),
    earlier=st.one_of(st.none(), st.tuples(WHEN, st.sampled_from(["", *DECLINE_REASONS]))),
    explanation=MAYBE,
    residence=RESIDENCE,
    wants=MAYBE,
    concerns=CONCERNS,
    submitted=WHEN,
    crisis=st.one_of(st.none(), WHEN),
    zone=st.sampled_from(["UTC", "Pacific/Auckland", "America/St_Johns"]),
)
def test_it_writes_the_panels_as_the_template_did(
    name,
    pronouns,
    born,
    contact,
    emergency,
    status,
    with_intake,
    outcome,
    reason,
    earlier,
    explanation,
    residence,
    wants,
    concerns,
    submitted,
    crisis,
    zone,
):
    client = _client(
        name=name,
        pronouns=pronouns,
        date_of_birth=born,
        contact=contact,
        emergency_contact=emergency,
        status=status,
    )
    intake = None
    if with_intake:
        intake = _intake(
            outcome=outcome,
            decline_reason=reason,
            reentry_explanation=explanation,
            residence=residence,
            wants=wants,
            concerns=concerns,
            submitted_at=submitted,
            crisis_protocol_shown_at=crisis,
        )
        intake.reentry_of = None
        if earlier is not None:
            intake.reentry_of = _intake(submitted_at=earlier[0], decline_reason=earlier[1])
    with timezone.override(zone):
        assert about_html(client, intake) == _old(client, intake)


@pytest.mark.django_db
def test_the_page_shows_the_panels_to_the_coach_only(coach, vault, coach_client, other_client):
    from tests.clients.conftest import intake

    client = intake(coach, name=HOSTILE).client
    page = coach_client.get(reverse("clients:detail", args=[client.pk]))
    html = page.content.decode()
    assert str(about_html(client, client.intake)) in html
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert other_client.get(reverse("clients:detail", args=[client.pk])).status_code == 404
