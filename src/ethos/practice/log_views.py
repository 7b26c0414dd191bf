"""Pages of the supervision log (S6) and the continuing-education log (P13): thin views."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos.standards.selectors import get_open_item_for_coach
from ethos.web import apply_errors

from . import education, supervision
from .forms import EducationForm, EducationTargetForm, SupervisionEntryForm, SupervisorForm

SUPERVISOR_ADDED = "The supervisor is added."
ENTRY_SAVED = "The supervision is logged."
ACTIVITY_SAVED = "The activity is logged."
TARGET_SAVED = "Your yearly target is saved."


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@require_GET
def supervision_log(request: HttpRequest) -> HttpResponse:
    coach = request.user
    context = {
        "entries": supervision.entries_for(coach),
        "supervisors": supervision.supervisors_for(coach),
        "totals": supervision.supervision_totals(coach),
    }
    return render(request, "practice/supervision.html", context)


@require_http_methods(["GET", "POST"])
def supervisor_add(request: HttpRequest) -> HttpResponse:
    form = SupervisorForm(_post(request))
    if form.is_valid():
        try:
            supervision.supervisor_add(coach=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, SUPERVISOR_ADDED)
            return redirect("practice:supervision")
    return render(request, "practice/supervisor_form.html", {"form": form})


def _item_from(request: HttpRequest):
    """The open item the page was opened from (`?item=`), if it is the coach's and may be supervised."""
    try:
        pk = uuid.UUID(request.GET.get("item", ""))
    except ValueError:
        return None
    item = get_open_item_for_coach(request.user, pk)
    return item if item.is_open and item.clause in supervision.SUPERVISABLE else None


@require_http_methods(["GET", "POST"])
def supervision_add(request: HttpRequest) -> HttpResponse:
    coach = request.user
    supervisors = supervision.supervisors_for(coach)
    items = supervision.supervisable_items(coach)
    item = _item_from(request)
    initial = {}
    if item is not None:
        initial = {"items": [str(item.pk)], "concerns": supervision.offered_summary(coach, [item])}
    form = SupervisionEntryForm(_post(request), supervisors=supervisors, items=items, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        chosen = {str(pk) for pk in data["items"]}
        try:
            entry = supervision.supervision_record(
                coach=coach,
                supervisor=next((s for s in supervisors if str(s.pk) == data["supervisor"]), None),
                held_on=data["held_on"],
                hours=data["hours"],
                concerns=data["concerns"],
                outcome=data["outcome"],
                actions=data["actions"],
                items=[i for i in items if str(i.pk) in chosen],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, ENTRY_SAVED)
            return redirect("practice:supervision_entry", pk=entry.pk)
    context = {"form": form, "supervisors": supervisors, "item": item}
    return render(request, "practice/supervision_form.html", context)


@require_GET
def supervision_entry(request: HttpRequest, pk) -> HttpResponse:
    entry = supervision.get_entry_for_coach(request.user, pk)
    return render(
        request, "practice/supervision_entry.html", {"entry": entry, "items": supervision.entry_links(entry)}
    )


@require_GET
def education_log(request: HttpRequest) -> HttpResponse:
    coach = request.user
    progress = education.progress_for(coach)
    target_form = EducationTargetForm(initial={"hours": progress.target})
    context = {
        "activities": education.activities_for(coach),
        "progress": progress,
        "target_form": target_form,
    }
    return render(request, "practice/education.html", context)


@require_http_methods(["GET", "POST"])
def education_add(request: HttpRequest) -> HttpResponse:
    form = EducationForm(_post(request), request.FILES if request.method == "POST" else None)
    if form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("evidence")
        evidence = {}
        if upload is not None:
            evidence = {
                "evidence": upload.read(education.EVIDENCE_MAX_BYTES + 1),
                "evidence_name": upload.name,
                "evidence_type": upload.content_type or "",
            }
        try:
            education.education_record(coach=request.user, **data, **evidence)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, ACTIVITY_SAVED)
            return redirect("practice:education")
    return render(request, "practice/education_form.html", {"form": form})


@require_POST
def education_target(request: HttpRequest) -> HttpResponse:
    form = EducationTargetForm(request.POST)
    if form.is_valid():
        try:
            education.education_target_set(coach=request.user, hours=form.cleaned_data["hours"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, TARGET_SAVED)
            return redirect("practice:education")
    coach = request.user
    context = {
        "activities": education.activities_for(coach),
        "progress": education.progress_for(coach),
        "target_form": form,
    }
    return render(request, "practice/education.html", context, status=400)


@require_GET
def education_evidence(request: HttpRequest, pk) -> HttpResponse:
    activity = education.get_activity_for_coach(request.user, pk)
    content, content_type, _name = education.evidence_read(coach=request.user, activity=activity)
    response = HttpResponse(content, content_type=content_type)
    extension = education.EVIDENCE_TYPES.get(content_type, "")
    # No title or file name the coach typed in the header: a fixed name with the right extension.
    response["Content-Disposition"] = f'attachment; filename="education-evidence{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
