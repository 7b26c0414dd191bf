"""What clients itself puts on the client page and timeline, through the same registry as any app."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ethos.memo import once

from . import endings, goals
from .chart import progress_chart
from .models import Client, ContactVersion, Ending, Goal, GoalProgress, Referral, SafetyCheck, SupervisionPlan
from .pages import TimelineEntry, client_records, client_section, day, records_kept, timeline_source

# Every record of a client is sealed under the client's one data key, which the vault unwraps
# once per request; the reads here do not join it to each row.


@dataclass(frozen=True)
class GoalItem:
    goal: Goal
    latest: GoalProgress | None

    # The section's days, written as the page writes every day (pages.day), not by a filter each.
    @property
    def confirmed_on(self) -> str:
        return day(self.goal.confirmed_at)

    @property
    def latest_on(self) -> str:
        return day(self.latest.recorded_on) if self.latest else ""


# A row of the table that gives the chart's data to those who cannot see it, as _goals.html wrote
# it for each: dozens of rows of four values cost the template engine more than the rest of the
# section, so they are written here, every value escaped.
_PROGRESS_ROW = "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"


@dataclass(frozen=True)
class GoalsSection:
    items: list[GoalItem]
    chart: SafeString
    rows: list[goals.ProgressRow]

    @property
    def table_rows(self) -> SafeString:
        return mark_safe(  # noqa: S308  # nosec B308 B703 - every value is escaped
            "\n".join(
                _PROGRESS_ROW.format(escape(row.goal), escape(row.day), escape(row.score), escape(row.note))
                for row in self.rows
            )
        )


@client_records("safety_check")
def safety_check_rows(client_id):
    return SafetyCheck.objects.filter(client_id=client_id)


@client_records("ending")
def ending_rows(client_id):
    return Ending.objects.filter(client_id=client_id)


@client_records("referral")
def referral_rows(client_id):
    return Referral.objects.filter(client_id=client_id)


@client_records("supervision_plan")
def supervision_plan_rows(client_id):
    return SupervisionPlan.objects.filter(client_id=client_id)


@client_records("contact_version")
def contact_version_rows(client_id):
    return ContactVersion.objects.filter(client_id=client_id)


@once
def safety_checks_of(client: Client) -> list:
    """The client's safety checks, newest first: read once for the section and the timeline."""
    if "safety_check" not in records_kept(client):
        return []
    return list(client.safety_checks.order_by("-checked_on"))


@once
def endings_of(client: Client) -> list[Ending]:
    """The client's endings and pauses, read once for the section and the timeline."""
    return endings.endings_for_client(client) if "ending" in records_kept(client) else []


@client_section("safety_checks", title="Safety checks (S2)", template="clients/_safety_checks.html", order=10)
def safety_checks_section(client: Client) -> dict | None:
    checks = safety_checks_of(client)
    return {"checks": checks} if checks else None


@client_section("goals", title="Goals, in the client's own words", template="clients/_goals.html", order=20)
def goals_section(client: Client) -> dict:
    """The client's goals with progress, the chart and its table: two queries for any number."""
    found = goals.goals_for_client(client)
    chart = progress_chart(
        goals.chart_series(found),
        title=f"Progress on {client.display_name}'s goals",
        chart_id=f"goals-{client.pk}",
    )
    items = [GoalItem(goal=goal, latest=(list(goal.progress.all()) or [None])[-1]) for goal in found]
    return {"goals": GoalsSection(items=items, chart=chart, rows=goals.progress_rows(found))}


@client_section("endings", title="Ending or pausing coaching", template="clients/_endings.html", order=90)
def endings_section(client: Client) -> dict | None:
    found = endings_of(client)
    if not found and client.status not in endings.OPEN_STATUSES:
        return None
    return {"ending_list": found}


@timeline_source
def intake_entries(client: Client) -> list[TimelineEntry]:
    intake = getattr(client, "intake", None)
    if intake is None:
        return []
    outcome = "accepted" if intake.outcome == intake.Outcome.ACCEPTED else "declined"
    entries = [TimelineEntry(intake.submitted_at, "intake", f"Intake {outcome}")]
    if intake.reentry_of_id:
        entries.append(
            TimelineEntry(
                intake.submitted_at, "intake", "Taken on after an earlier decline, with your reason"
            )
        )
    if intake.crisis_protocol_shown_at:
        entries.append(
            TimelineEntry(intake.crisis_protocol_shown_at, "crisis", "Crisis protocol gone through (S2)")
        )
    return entries


@timeline_source
def goal_entries(client: Client) -> list[TimelineEntry]:
    entries = []
    for goal in goals.goals_for_client(client):
        entries.append(TimelineEntry(goal.created_at, "goal", f"Goal written: “{goal.words}”"))
        if goal.confirmed_at:
            entries.append(
                TimelineEntry(goal.confirmed_at, "goal", f"Goal confirmed by the client: “{goal.words}”")
            )
    return entries


@timeline_source
def referral_entries(client: Client) -> list[TimelineEntry]:
    if "referral" not in records_kept(client):
        return []
    return [
        TimelineEntry(referral.made_at, "referral", f"Referred to {referral.resource.name}")
        for referral in client.referrals.select_related("resource").all()
    ]


@timeline_source
def supervision_entries(client: Client) -> list[TimelineEntry]:
    if "supervision_plan" not in records_kept(client):
        return []
    return [
        TimelineEntry(plan.created_at, "supervision", f"Supervision planned for {plan.concern_area}")
        for plan in client.supervision_plans.all()
    ]


@timeline_source
def safety_check_entries(client: Client) -> list[TimelineEntry]:
    return [
        TimelineEntry(check.created_at, "safety", f"Safety check; follow-up on {check.follow_up_on:%d %b %Y}")
        for check in safety_checks_of(client)
    ]


@timeline_source
def contact_entries(client: Client) -> list[TimelineEntry]:
    if "contact_version" not in records_kept(client):
        return []
    return [
        TimelineEntry(version.replaced_at, "contact", "Contact details changed")
        for version in client.contact_versions.all()
    ]


@timeline_source
def ending_entries(client: Client) -> list[TimelineEntry]:
    return [
        TimelineEntry(ending.created_at, "ending", f"{ending.get_kind_display()} recorded")
        for ending in endings_of(client)
    ]
