import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from ethos.accounts.models import User
from ethos.accounts.views import first_run
from ethos.certification.cases import selectors as cases
from ethos.clients.models import Intake
from ethos.coaching.contributions import coach_day
from ethos.portal.models import ClientAccount
from ethos.practice.education import progress_for
from ethos.practice.models import CompetenceArea, PracticeProfile
from ethos.prepared import prepared
from ethos.referrals.models import Resource
from ethos.vault.models import AccountKey

CSRF_FAILED = (
    "This form had expired or came from somewhere else, so nothing was saved. "
    "Please go back, reload the page and try again."
)


@dataclass(frozen=True)
class SetupStep:
    """One step of a new practice's set-up path, ticked once Ethos holds what it asks for."""

    title: str
    text: str
    url_name: str
    done: bool

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@prepared
def _setup_row(coach, today: datetime.date) -> list[tuple]:
    """The set-up path's four facts and the recovery kit's confirmation: one query on the coach.

    Each step is an EXISTS over its own table; the confirmation comes along, so the dashboard
    does not load the account key for one date. Its SQL is built once (ethos.prepared): through
    the ORM these five subqueries cost more to build than the five small queries they replace.
    """
    profile_complete = (
        PracticeProfile.objects.filter(coach=coach)
        .exclude(country="")
        .exclude(crisis_line="")
        .exclude(emergency_number="")
    )
    return list(
        User.objects.filter(pk=coach.pk)
        .annotate(
            has_competence=Exists(CompetenceArea.objects.filter(profile__coach=coach)),
            has_profile=Exists(profile_complete),
            has_vetted=Exists(Resource.objects.for_coach(coach).currently_vetted(on=today)),
            has_intake=Exists(Intake.objects.filter(coach=coach)),
            recovery_confirmed=Exists(
                AccountKey.objects.filter(coach=coach, recovery_confirmed_at__isnull=False)
            ),
        )
        .values_list("has_competence", "has_profile", "has_vetted", "has_intake", "recovery_confirmed")
    )


SETUP_FACTS = ("has_competence", "has_profile", "has_vetted", "has_intake", "recovery_confirmed")


def _setup_facts(coach) -> dict[str, bool]:
    [row] = _setup_row(coach, timezone.localdate())
    return {name: bool(value) for name, value in zip(SETUP_FACTS, row, strict=True)}


def setup_steps(coach, facts: dict | None = None) -> list[SetupStep]:
    """Return the set-up path in order, each step ticked from what is stored (one query)."""
    facts = facts if facts is not None else _setup_facts(coach)
    return [
        SetupStep(
            "Describe your practice",
            "The areas you are trained to work with, so Ethos can tell when a concern needs a referral (S5).",
            "practice:competence",
            facts["has_competence"],
        ),
        SetupStep(
            "Set your jurisdiction and crisis numbers",
            "Where you practise, its age of majority, and the crisis line and emergency number Ethos shows "
            "when someone is at risk.",
            "practice:profile",
            facts["has_profile"],
        ),
        SetupStep(
            "Add the services you have vetted",
            "Referrals go only to services you have checked yourself (P10): at least one crisis line, and "
            "the services you send people to.",
            "referrals:list",
            facts["has_vetted"],
        ),
        SetupStep(
            "Take your first intake",
            "Every client starts with an intake; Ethos checks it against the Code as you go.",
            "clients:intake",
            facts["has_intake"],
        ),
    ]


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the coach's dashboard; before the first coach exists, the first-run page."""
    if not request.user.is_authenticated:
        if not User.objects.exists():
            return first_run(request)
        return redirect(f"{reverse('accounts:sign_in')}?next=/")
    if request.user.role == User.Role.CLIENT and ClientAccount.objects.filter(user=request.user).exists():
        return redirect("portal:home")
    if request.user.role == User.Role.ASSOCIATION_STAFF:
        return staff_home(request)
    if request.user.role != User.Role.COACH:
        # A client without a portal account has no pages of their own.
        return render(request, "home_signed_in.html", {"person": request.user})
    facts = _setup_facts(request.user)
    steps = setup_steps(request.user, facts)
    context = {
        "coach": request.user,
        "recovery_confirmed": facts["recovery_confirmed"],
        "setup_steps": steps,
        "setup_done": all(step.done for step in steps),
        # The project top may read the apps directly (tests/test_layers.py); two queries.
        "day": coach_day(request.user),
        # P13: this year's continuing education against the coach's target (two queries).
        "progress": progress_for(request.user),
        # E1: an open ethics case about the coach, and whether their written response is due.
        "association_matters": cases.open_cases_for_coach(request.user),
    }
    return render(request, "dashboard.html", context)


def staff_home(request: HttpRequest) -> HttpResponse:
    """Show a member of staff what needs them: complaints to screen, then open cases by deadline."""
    open_cases, _closed = cases.case_list()
    today = timezone.localdate()
    context = {
        "complaints": cases.complaints_to_screen(),
        "open_cases": open_cases,
        "overdue": [case for case in open_cases if case.stage_deadline and case.stage_deadline < today],
        "today": today,
    }
    return render(request, "cases/staff_home.html", context)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"message": CSRF_FAILED}, status=403)
