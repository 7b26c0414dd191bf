"""The client page's portal section, written in Python, is what its template wrote."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe

from ethos.clients.models import Client, Ending, Goal
from ethos.clients.pages import _sections
from ethos.portal.contributions import portal_html
from ethos.portal.models import ClientAccount, Upload
from ethos.portal.services import UploadSeen

HOSTILE = '<script>alert(1)</script> O\'Neill & "Co" and a goal long enough to be cut short'
TOKEN = "a-csrf-token-for-the-page"

# portal/_client_section.html as it was when the section was rendered by the template engine.
OLD_SECTION = """<section class="panel" aria-labelledby="portal-heading">
  <div class="section-head">
    <h2 id="portal-heading">{{ section.title }}</h2>
    {% if not account %}<a class="button button--secondary" href="{% url 'portal_coach:invite_client' client.pk %}">Invite to the portal</a>{% endif %}
  </div>
  {% if account %}
  <p>Signs in as {{ account.user.email }} since {{ account.created_at|date:"j M Y" }}.{% if account.keys_reset_at %} New key since {{ account.keys_reset_at|date:"j M Y" }}: share again what they should still see.{% endif %}</p>
  {% if client.status == "active" %}
  <p class="goal__actions"><a href="{% url 'portal_coach:consent_ask' client.pk %}">Ask for a consent to share</a> <a href="{% url 'portal_coach:boundary_ask' client.pk %}">Ask to sign a boundary agreement</a> <a href="{% url 'portal_coach:messages' account.pk %}">Messages</a></p>
  {% if awaiting %}
  <h3>Goals waiting for the client's confirmation</h3>
  <ul>
    {% for goal in awaiting %}
    <li>“{{ goal.words }}”
      <form method="post" action="{% url 'portal_coach:goal_share' goal.pk %}" class="inline-form">{% csrf_token %}<button type="submit" class="button button--quiet">Share in the portal<span class="visually-hidden">: {{ goal.words|truncatechars:40 }}</span></button></form>
    </li>
    {% endfor %}
  </ul>
  {% endif %}
  {% endif %}
  <form method="post" action="{% url 'portal_coach:appointments_share' client.pk %}" class="inline-form">{% csrf_token %}<button type="submit" class="button button--quiet">Share their coming sessions</button></form>
  <form method="post" action="{% url 'portal_coach:accounting_share' client.pk %}" class="inline-form">{% csrf_token %}<button type="submit" class="button button--quiet">Share their accounting of disclosures</button></form>
  {% for ending in endings %}
  <form method="post" action="{% url 'portal_coach:letter_share' client.pk ending.pk %}" class="inline-form">{% csrf_token %}<button type="submit" class="button button--quiet">Share the letter about the {{ ending.get_kind_display|lower }} of {{ ending.created_at|date:"j M Y" }}</button></form>
  {% endfor %}
  {% if replies %}<p><a href="{% url 'portal_coach:home' %}">{{ replies }} answer{{ replies|pluralize }} from the client waiting for you</a></p>{% endif %}
  {% if uploads %}
  <h3>Files the client sent</h3>
  <ul>
    {% for item in uploads %}<li><a href="{% url 'portal_coach:upload_download' item.upload.pk %}">{{ item.name }}</a> ({{ item.upload.content_type }}, {{ item.upload.size|filesizeformat }}), {{ item.upload.sent_at|date:"j M Y" }}</li>{% endfor %}
  </ul>
  {% endif %}
  {% if shares %}
  <h3>Shared</h3>
  <ul>
    {{ shares }}
  </ul>
  {% endif %}
  {% else %}
  <p>Not in the portal yet. Invite them to confirm goals and sign consents themselves.</p>
  {% endif %}
</section>
"""  # noqa: E501


def _values(name: str, status: str, *, account: bool, everything: bool, replies: int) -> dict:
    """What portal_section reads for a client, in memory (nothing is read or stored)."""
    now = timezone.now()
    client = Client(pk=uuid.uuid4(), name=name, preferred_name=None, status=status)
    if not account:
        return {"client": client, "account": None}
    # The account's id is its user's.
    user = get_user_model()(pk=uuid.uuid4(), email="robin+<b>@example.org")
    found = {
        "client": client,
        "account": ClientAccount(
            user=user,
            created_at=now - datetime.timedelta(days=40),
            keys_reset_at=now if everything else None,
        ),
        "shares": mark_safe("<li>A message, version 1, 3 Dec 2026: waiting</li>") if everything else "",
        "replies": replies,
        "awaiting": [Goal(pk=uuid.uuid4(), words=words) for words in (name, "Short")] if everything else [],
    }
    if everything:
        found["uploads"] = [
            UploadSeen(
                upload=Upload(pk=uuid.uuid4(), content_type="application/pdf", size=size, sent_at=now),
                name=name,
            )
            for size in (912, 2_400_000)
        ]
        found["endings"] = [
            Ending(pk=uuid.uuid4(), kind=kind, created_at=now)
            for kind in (Ending.Kind.PAUSE, Ending.Kind.END)
        ]
    return found


@pytest.mark.parametrize("token", [TOKEN, "NOTPROVIDED", None])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("replies", [0, 1, 4])
@pytest.mark.parametrize("name", [HOSTILE, "Robin Ash"])
@pytest.mark.parametrize("status", ["active", "paused", "ended"])
@pytest.mark.parametrize(("account", "everything"), [(False, False), (True, False), (True, True)])
def test_it_writes_the_section_as_its_template_did(token, zone, replies, name, status, account, everything):
    values = {
        "section": _sections["portal"],
        **_values(name, status, account=account, everything=everything, replies=replies),
    }
    with timezone.override(zone):
        old = Template(OLD_SECTION).render(Context({**values, "csrf_token": token}))
        new = portal_html(**values, csrf_token=token)
    assert new == old
    assert "<script>" not in new and "<b>" not in new
    if everything and status == "active" and name == HOSTILE:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neill &amp; &quot;Co&quot;" in new
        assert new.count('name="csrfmiddlewaretoken"') == (6 if token == TOKEN else 0)
