"""The client page's safeguarding section, written in Python, is what its template wrote."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.template import Context, Template
from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import _sections
from ethos.safeguarding.contributions import safeguarding_html
from ethos.safeguarding.models import Consent, CourtOrder, ReportTask

HOSTILE = '<script>alert(1)</script> O\'Neill & "Co"'

# safeguarding/_client.html as it was when the section was rendered by the template engine (the
# tasks list is still the template the safeguarding home page includes).
OLD_SECTION = """<section class="panel{% if open_tasks %} panel--attention{% endif %}" aria-labelledby="safeguarding-heading">
  <h2 id="safeguarding-heading">{{ section.title }}</h2>
  {% if open_tasks %}
  <p><strong>A mandatory report is owed:</strong></p>
  {% include "safeguarding/_tasks.html" with tasks=open_tasks %}
  {% endif %}
  <p><a class="button button--secondary" href="{% url 'safeguarding:task_new' %}?client={{ client.pk }}">A disclosure of abuse was made</a></p>
  <h3>Consents to share</h3>
  {% if consents %}
  <ul>
    {% for consent, in_force in consents %}
    <li><a href="{% url 'safeguarding:consent' client.pk consent.pk %}">To {{ consent.recipient }}</a>, {{ consent.valid_from|date:"j M Y" }} to {{ consent.valid_until|date:"j M Y" }}: {% if consent.is_revoked %}revoked{% elif in_force %}in force{% else %}not in force today{% endif %}{% if consent.how_given == "typed" %} <span class="badge">Typed name: interim</span>{% endif %}</li>
    {% endfor %}
  </ul>
  {% else %}<p>No consent on file: nothing about {{ client.display_name }} may be shared without one, a court order or a mandatory report.</p>{% endif %}
  {% if orders %}
  <h3>Subpoenas and court orders</h3>
  <ul>{% for order in orders %}<li><a href="{% url 'safeguarding:order' client.pk order.pk %}">{{ order.kind_label }} of {{ order.issued_on|date:"j M Y" }}</a>, {{ order.court }}</li>{% endfor %}</ul>
  {% endif %}
  <p>{{ disclosures }} disclosure{{ disclosures|pluralize }} in the last six years. <a href="{% url 'safeguarding:accounting' client.pk %}">Accounting of disclosures</a></p>
  <p class="actions">
    <a class="button button--quiet" href="{% url 'safeguarding:consent_new' client.pk %}">Record a consent</a>
    <a class="button button--quiet" href="{% url 'safeguarding:order_new' client.pk %}">Record a subpoena or court order</a>
    <a class="button button--quiet" href="{% url 'safeguarding:disclosure_new' client.pk %}">Share records</a>
  </p>
</section>
"""  # noqa: E501


def _records(now: datetime.datetime, name: str):
    """A client with every kind of record the section lists, in memory (nothing is read or stored)."""
    today = timezone.localdate(now)
    client = Client(pk=uuid.uuid4(), name=name, preferred_name=None)
    overdue = ReportTask(pk=uuid.uuid4(), deadline=now - datetime.timedelta(hours=5, minutes=3, seconds=30))
    due = ReportTask(pk=uuid.uuid4(), deadline=now + datetime.timedelta(days=1, hours=2, seconds=30))
    for task in (overdue, due):
        task.client = client
    consents = [
        Consent(
            pk=uuid.uuid4(),
            recipient=name,
            valid_from=today,
            valid_until=today + datetime.timedelta(days=365),
            how_given=how,
            revoked_at=revoked,
        )
        for how, revoked in (("typed", None), ("document", now), ("portal", None))
    ]
    in_force = [(consents[0], True), (consents[1], False), (consents[2], False)]
    orders = [
        CourtOrder(pk=uuid.uuid4(), kind=kind, issued_on=today, court=name) for kind in ("order", "subpoena")
    ]
    return client, [overdue, due], in_force, orders


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("disclosures", [0, 1, 3])
@pytest.mark.parametrize("name", [HOSTILE, "Robin Ash"])
@pytest.mark.parametrize("shown", ["everything", "nothing", "tasks only", "consents and orders"])
def test_it_writes_the_section_as_its_template_did(zone, disclosures, name, shown):
    section = _sections["safeguarding"]
    now = timezone.now()
    client, tasks, consents, orders = _records(now, name)
    if shown == "nothing":
        tasks, consents, orders = [], [], []
    elif shown == "tasks only":
        consents, orders = [], []
    elif shown == "consents and orders":
        tasks = []
    values = {
        "client": client,
        "section": section,
        "open_tasks": tasks,
        "consents": consents,
        "orders": orders,
        "disclosures": disclosures,
        "now": now,
    }
    with timezone.override(zone):
        old = Template(OLD_SECTION).render(Context(values))
        new = safeguarding_html(**values)
    assert new == old
    assert "<script>" not in new
    if name == HOSTILE:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neill &amp; &quot;Co&quot;" in new
