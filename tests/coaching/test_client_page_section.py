"""The client page's sessions section, written in Python, is what its template wrote."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.template import Context, Template
from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import _sections
from ethos.coaching.contributions import sessions_html
from ethos.coaching.models import FollowUp, Session

HOSTILE = '<script>alert(1)</script> O\'Neill & "Co"'

# coaching/_client_sessions.html as it was when the section was rendered by the template engine.
OLD_SECTION = """<section class="panel" aria-labelledby="sessions-heading">
  <h2 id="sessions-heading">{{ section.title }}</h2>
  {% if follow_ups %}
  <div class="notice">
    <p><strong>On the next session's agenda:</strong></p>
    <ul>{% for item in follow_ups %}<li>{{ item.get_kind_display }}: {{ item.text }}</li>{% endfor %}</ul>
  </div>
  {% endif %}
  {% if upcoming %}
  <ul>
    {% for session in upcoming %}
    <li><a href="{% url 'coaching:detail' session.pk %}">{{ session.local_start|date:"D j M Y, H:i" }}</a>, {{ session.get_modality_display|lower }}{% if session.no_fee %} <span class="badge">No fee</span>{% endif %}</li>
    {% endfor %}
  </ul>
  {% if more_upcoming %}<p class="muted">And {{ more_upcoming }} more in <a href="{% url 'coaching:list' %}">the agenda</a>.</p>{% endif %}
  {% else %}
  <p>No session scheduled.</p>
  {% endif %}
  <p class="muted">{{ held }} held, {{ cancelled }} cancelled.</p>
  {% if can_schedule %}<p><a class="button button--secondary" href="{% url 'coaching:schedule' %}?client={{ client.pk }}">Schedule a session</a></p>{% endif %}
</section>
"""  # noqa: E501


def _sessions() -> list[Session]:
    start = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    return [
        Session(
            pk=uuid.uuid4(), starts_at=start + datetime.timedelta(days=n), modality=modality, no_fee=no_fee
        )
        for n, (modality, no_fee) in enumerate([("video", False), ("in_person", True), ("phone", False)])
    ]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("follow_ups", [0, 2])
@pytest.mark.parametrize("upcoming", [0, 3])
@pytest.mark.parametrize("more_upcoming", [0, 4])
@pytest.mark.parametrize("can_schedule", [True, False])
def test_it_writes_the_section_as_its_template_did(zone, follow_ups, upcoming, more_upcoming, can_schedule):
    values = {
        "client": Client(pk=uuid.uuid4(), name=HOSTILE, preferred_name=None),
        "section": _sections["sessions"],
        "upcoming": _sessions()[:upcoming],
        "more_upcoming": more_upcoming,
        "held": 42,
        "cancelled": 1,
        "follow_ups": [FollowUp(pk=uuid.uuid4(), kind="influence", text=HOSTILE) for _ in range(follow_ups)],
        "can_schedule": can_schedule,
    }
    with timezone.override(zone):
        old = Template(OLD_SECTION).render(Context(values))
        new = sessions_html(**values)
    assert new == old
    assert "<script>" not in new
    if follow_ups:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neill &amp; &quot;Co&quot;" in new
