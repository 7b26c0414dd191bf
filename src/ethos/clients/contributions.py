"""What clients itself puts on the client page and timeline, through the same registry as any app."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from ethos.links import link
from ethos.memo import once
from ethos.prepared import prepared
from ethos.web import escape

from . import endings, goals
from .chart import Series, progress_chart
from .models import Client, ContactVersion, Ending, Goal, Referral, SafetyCheck, SupervisionPlan
from .pages import TimelineEntry, client_records, client_section, day, records_kept, timeline_source

# Every record of a client is sealed under the client's one data key, which the vault unwraps
# once per request; the reads here do not join it to each row.


# The goals section's list and the table of the chart's data, as _goals.html wrote them for each
# goal and each progress entry: the template engine cost more for these rows than the rest of the
# section, so they are written here, every value from a person escaped.
_GOAL_ITEM = (
    '<li class="goal goal--{status}">\n<p class="goal__words">\u201c{words}\u201d</p>\n'
    '<p class="goal__meta"><span class="badge badge--goal-{status}">{label}</span>{meta}</p>\n'
    '<p class="goal__actions"><a href="{url}">Open<span class="visually-hidden"> this goal</span></a>'
    "{actions}</p>\n</li>"
)
_GOAL_CONFIRMED = ' <span class="muted">Confirmed {day}, {how}</span>'
_GOAL_LATEST = ' <span class="muted">Latest: {score} out of 10 on {day}</span>'
_GOAL_AWAITING = ' <span class="muted">Waiting for the client to confirm it in their portal</span>'
_GOAL_PROGRESS = ' <a href="{url}">Record progress</a>'
_PROGRESS_ROW = "<tr><td>{}</td><td>{}</td><td>{}</td></tr>"
_GOAL_STATUSES = dict(Goal.Status.choices)
_CONFIRMED_HOW = dict(Goal.Confirmation.choices)


@dataclass(frozen=True)
class GoalsSection:
    """The goals as list items, the chart and the rows of its table of data, written once."""

    items: SafeString
    chart: SafeString
    table_rows: SafeString


def _goal_item(client: Client, goal: Goal, latest: tuple | None) -> str:
    status = escape(goal.status)
    meta = ""
    if goal.confirmed_at:
        how = _CONFIRMED_HOW.get(goal.confirmed_how, goal.confirmed_how).lower()
        meta += _GOAL_CONFIRMED.format(day=escape(day(goal.confirmed_at)), how=escape(how))
    if latest is not None:
        meta += _GOAL_LATEST.format(score=escape(latest[1]), day=escape(day(latest[0])))
    actions = ""
    if client.status == Client.Status.ACTIVE:
        if goal.status == Goal.Status.AWAITING:
            actions = _GOAL_AWAITING
        elif goal.status == Goal.Status.ACTIVE:
            actions = _GOAL_PROGRESS.format(url=link("clients:goal_progress", [client.pk, goal.pk]))
    return _GOAL_ITEM.format(
        status=status,
        words=escape(goal.words),
        label=escape(_GOAL_STATUSES.get(goal.status, goal.status)),
        meta=meta,
        url=link("clients:goal_detail", [client.pk, goal.pk]),
        actions=actions,
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


# The rest of the goals section, as _goals.html wrote it around the rows above: the template engine
# spent more on the section's dozen tags than on writing it (a test compares the two).
_GOALS_HEAD = (
    '<section class="panel goals-section" aria-labelledby="goals-heading">\n  <div class="section-head">\n'
    '    <h2 id="goals-heading">{title}</h2>\n    {new}\n  </div>\n  {read_only}\n  '
)
_GOALS_NEW = '<a class="button button--secondary" href="{}">Write a goal</a>'
_GOALS_READ_ONLY = '<p class="muted">Coaching is {}: these goals are kept as they were, read-only.</p>'
_GOALS_LIST = (
    '\n  <ul class="goals">\n    {items}\n  </ul>\n  <figure class="chart-figure">\n    {chart}\n    {table}'
    "\n  </figure>\n  "
)
_GOALS_TABLE = (
    '\n    <table class="visually-hidden">\n      <caption>Progress on each goal, the same data as the chart'
    " (what the client said with each score is on the goal's page)</caption>\n"
    '      <thead><tr><th scope="col">Goal</th><th scope="col">Day</th><th scope="col">Score out of 10</th>'
    "</tr></thead>\n      <tbody>\n        {}\n      </tbody>\n    </table>\n    "
)
_GOALS_NONE = (
    '\n  <p class="muted">No goals yet. Write them down as the client says them; each becomes active once'
    " the client confirms it (P5).</p>\n  "
)


def goals_html(*, client: Client, section, csrf_token=None, goals: GoalsSection | None = None) -> SafeString:
    """The goals section of the client page, as its template wrote it, every value escaped."""
    status = client.status
    body = _GOALS_NONE
    if goals:
        body = _GOALS_LIST.format(
            items=goals.items,
            chart=goals.chart,
            table=_GOALS_TABLE.format(goals.table_rows) if goals.table_rows else "",
        )
    html = (
        _GOALS_HEAD.format(
            title=escape(section.title),
            new=_GOALS_NEW.format(escape(link("clients:goal_new", [client.pk])))
            if status == Client.Status.ACTIVE
            else "",
            read_only=_GOALS_READ_ONLY.format(escape(client.get_status_display().lower()))
            if status in (Client.Status.PAUSED, Client.Status.ENDED)
            else "",
        )
        + body
        + "\n</section>\n"
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped; the parts are


@client_section("goals", title="Goals, in the client's own words", render=goals_html, order=20)
def goals_section(client: Client) -> dict:
    """The client's goals with their latest scores, the chart and its table: two queries for any number.

    Each score is read once for the chart, the table and the latest; the words the client gave
    with each score are on the goal's own page, so the notes stay sealed here.
    """
    found = goals.goals_for_client(client)
    progress = goals.progress_for_client(client)
    series, items, rows = [], [], []
    days: dict = {}  # progress is often recorded on the same days for every goal: each written once
    for goal in found:
        points = progress[goal.pk]
        series.append(Series(label=goal.words, points=points))
        items.append(_goal_item(client, goal, points[-1] if points else None))
        words = escape(goal.words)
        for when, score in points:
            if when not in days:
                days[when] = escape(day(when))
            rows.append(_PROGRESS_ROW.format(words, days[when], score))
    chart = progress_chart(
        series, title=f"Progress on {client.display_name}'s goals", chart_id=f"goals-{client.pk}"
    )
    return {
        "goals": GoalsSection(
            items=mark_safe("\n".join(items)),  # noqa: S308  # nosec B308 B703 - every value is escaped
            chart=chart,
            table_rows=mark_safe("\n".join(rows)),  # noqa: S308  # nosec B308 B703 - every value is escaped
        )
        if found
        else None
    }


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
        TimelineEntry(made_at, "referral", f"Referred to {name}") for made_at, name in _referrals_of(client)
    ]


@prepared
def _referrals_of(client: Client):
    # When and to whom (the directory's names are not sealed): two columns, SQL built once per process.
    return Referral.objects.filter(client=client).values_list("made_at", "resource__name")


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
