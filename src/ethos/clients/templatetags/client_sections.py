"""Template tags for the goals and endings sections of a client's page (computed in bounded queries)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.safestring import SafeString

from ethos.clients import endings, goals
from ethos.clients.chart import progress_chart
from ethos.clients.models import Client, Ending, Goal, GoalProgress

register = template.Library()


@dataclass(frozen=True)
class GoalItem:
    goal: Goal
    latest: GoalProgress | None


@dataclass(frozen=True)
class GoalsSection:
    items: list[GoalItem]
    chart: SafeString
    rows: list[goals.ProgressRow]


@register.simple_tag
def goals_section(client: Client) -> GoalsSection:
    """Return the client's goals with progress, the chart and its table: two queries for any number."""
    found = goals.goals_for_client(client)
    chart = progress_chart(
        goals.chart_series(found),
        title=f"Progress on {client.display_name}'s goals",
        chart_id=f"goals-{client.pk}",
    )
    items = [GoalItem(goal=goal, latest=(list(goal.progress.all()) or [None])[-1]) for goal in found]
    return GoalsSection(items=items, chart=chart, rows=goals.progress_rows(found))


@register.simple_tag
def client_endings(client: Client) -> list[Ending]:
    """Return the client's endings and pauses, newest first (one query)."""
    return endings.endings_for_client(client)
