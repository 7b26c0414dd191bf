"""Goal pages: write a goal in the client's words, confirm it with them, record progress (P1, P5)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ethos.standards.engine import ActionStopped

from . import goals, selectors
from .goal_forms import GoalConfirmForm, GoalForm, GoalProgressForm, GoalStatusForm

GOAL_SAVED = "Goal recorded in the client's words. It becomes active once they confirm it."
GOAL_CONFIRMED = "The client's confirmation is recorded and the goal is active."
GOAL_ACTIVE = "The goal is active."
PROGRESS_SAVED = "Progress recorded."
STATUS_SAVED = "Goal status changed."


def _goal(request: HttpRequest, pk, goal_pk):
    client = selectors.get_client_for_coach(request.user, pk)
    return client, goals.get_goal_for_coach(request.user, client, goal_pk)


def _goal_page(request: HttpRequest, client, goal, **extra) -> HttpResponse:
    context = {"client": client, "goal": goal, "progress": list(goal.progress.all()), **extra}
    return render(request, "clients/goal_detail.html", context)


@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = goals.goal_create(coach=request.user, client=client, words=form.cleaned_data["words"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, GOAL_SAVED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_new.html", {"client": client, "form": form})


def goal_detail(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    return _goal_page(request, client, goal)


@require_http_methods(["GET", "POST"])
def goal_confirm(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    form = GoalConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            goals.goal_confirm(coach=request.user, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, GOAL_CONFIRMED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_confirm.html", {"client": client, "goal": goal, "form": form})


@require_POST
def goal_activate(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    try:
        goals.goal_activate(coach=request.user, goal=goal)
    except ActionStopped as stopped:
        return _goal_page(request, client, goal, verdict=stopped.verdict)
    messages.success(request, GOAL_ACTIVE)
    return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)


@require_http_methods(["GET", "POST"])
def goal_progress(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    form = GoalProgressForm(request.POST if request.method == "POST" else None, goal=goal)
    if request.method == "POST" and form.is_valid():
        try:
            goals.goal_progress_add(coach=request.user, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, PROGRESS_SAVED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_progress.html", {"client": client, "goal": goal, "form": form})


@require_http_methods(["GET", "POST"])
def goal_status(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    form = GoalStatusForm(request.POST if request.method == "POST" else None, goal=goal)
    if request.method == "POST" and form.is_valid():
        try:
            goals.goal_set_status(coach=request.user, goal=goal, status=form.cleaned_data["status"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, STATUS_SAVED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_status.html", {"client": client, "goal": goal, "form": form})
