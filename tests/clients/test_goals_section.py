"""The client page's goals section, written in Python, is what its template wrote."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.template import Context, Template
from django.utils import timezone

from ethos.clients.contributions import GoalsSection, goals_html, goals_section
from ethos.clients.models import Client, Goal
from ethos.clients.pages import _sections
from ethos.memo import scope

HOSTILE = '<script>alert(1)</script> O\'Neill & "Co"; DROP TABLE clients_goal; --'

# clients/_goals.html as it was when the section was rendered by the template engine.
OLD_SECTION = """<section class="panel goals-section" aria-labelledby="goals-heading">
  <div class="section-head">
    <h2 id="goals-heading">{{ section.title }}</h2>
    {% if client.status == "active" %}<a class="button button--secondary" href="{% url 'clients:goal_new' client.pk %}">Write a goal</a>{% endif %}
  </div>
  {% if client.status == "paused" or client.status == "ended" %}<p class="muted">Coaching is {{ client.get_status_display|lower }}: these goals are kept as they were, read-only.</p>{% endif %}
  {% if goals %}
  <ul class="goals">
    {{ goals.items }}
  </ul>
  <figure class="chart-figure">
    {{ goals.chart }}
    {% if goals.table_rows %}
    <table class="visually-hidden">
      <caption>Progress on each goal, the same data as the chart (what the client said with each score is on the goal's page)</caption>
      <thead><tr><th scope="col">Goal</th><th scope="col">Day</th><th scope="col">Score out of 10</th></tr></thead>
      <tbody>
        {{ goals.table_rows }}
      </tbody>
    </table>
    {% endif %}
  </figure>
  {% else %}
  <p class="muted">No goals yet. Write them down as the client says them; each becomes active once the client confirms it (P5).</p>
  {% endif %}
</section>
"""  # noqa: E501

DAY = datetime.date(2026, 11, 30)


def _written(client: Client, goal_list: list[Goal], progress: dict) -> GoalsSection | None:
    # The section's own code makes the rows, the chart and the table from the goals it is given.
    with scope():
        from ethos.clients import goals as goals_module

        goals_module.goals_for_client.remember(client, answer=goal_list)
        goals_module.progress_for_client.remember(client, answer=progress)
        return goals_section(client)["goals"]


@pytest.mark.parametrize("status", [s.value for s in Client.Status])
@pytest.mark.parametrize("how_many", [0, 1, 3])
@pytest.mark.parametrize("with_progress", [True, False])
def test_it_writes_the_section_as_its_template_did(status, how_many, with_progress):
    client = Client(pk=uuid.uuid4(), name=HOSTILE, preferred_name=HOSTILE, status=status)
    goal_list = [
        Goal(
            pk=uuid.uuid4(),
            client=client,
            words=f"{HOSTILE} {n}",
            status=[Goal.Status.ACTIVE, Goal.Status.AWAITING, Goal.Status.REACHED][n % 3],
            confirmed_at=timezone.now() if n % 2 == 0 else None,
            confirmed_how=Goal.Confirmation.PORTAL,
        )
        for n in range(how_many)
    ]
    progress = {
        goal.pk: ((DAY, 3), (DAY + datetime.timedelta(days=2), 7)) if with_progress else ()
        for goal in goal_list
    }
    values = {
        "client": client,
        "section": _sections["goals"],
        "goals": _written(client, goal_list, progress),
    }
    old = Template(OLD_SECTION).render(Context(values))
    new = goals_html(**values)
    assert new == old
    assert "<script>" not in new
    if how_many:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Neill &amp; &quot;Co&quot;" in new
    else:
        assert "No goals yet." in new


def test_a_section_with_its_title_and_table_empty_is_still_the_templates():
    client = Client(pk=uuid.uuid4(), name="Robin", status=Client.Status.ACTIVE)
    empty = GoalsSection(items="", chart="", table_rows="")
    for goals in (None, empty):
        values = {"client": client, "section": _sections["goals"], "goals": goals}
        assert goals_html(**values) == Template(OLD_SECTION).render(Context(values))
