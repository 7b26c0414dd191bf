"""Pages: the public complaint form, the staff's complaints and cases, and the coach's notices."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos.web import apply_errors

from . import forms, selectors, services
from .models import Complaint

RECEIVED_KEY = "cases_complaint_number"
HONEYPOT_TRIPPED = "This form could not be sent. Please try again."
SCREENED = "Complaint {number} was closed and the complainant told why."
OPENED = "Ethics case {number} is open and the coach has been given notice."
DONE = "Done: the case's timeline shows it."
RESPONDED = "Your response was sent to the association."


# -- public ----------------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def complaint_form(request: HttpRequest) -> HttpResponse:
    form = forms.ComplaintForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            form.add_error(None, HONEYPOT_TRIPPED)
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "website"}
            try:
                complaint = services.complaint_submit(**data, address=request.META.get("REMOTE_ADDR"))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                request.session[RECEIVED_KEY] = complaint.number
                return redirect("cases:complaint_received")
    return render(request, "cases/complaint_form.html", {"form": form}, status=400 if form.errors else 200)


@login_not_required
@require_GET
def complaint_received(request: HttpRequest) -> HttpResponse:
    number = request.session.get(RECEIVED_KEY)
    if number is None:
        return redirect("cases:complaint_form")
    return render(request, "cases/complaint_received.html", {"number": number})


# -- staff -----------------------------------------------------------------------------------


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    open_cases, closed = selectors.case_list()
    context = {
        "complaints": selectors.complaints_to_screen(),
        "open_cases": open_cases,
        "closed_cases": closed,
        "today": timezone.localdate(),
    }
    return render(request, "cases/list.html", context)


def _complaint_page(request, complaint: Complaint, *, close_form=None, open_form=None, status=200):
    text = services.complaint_read(staff=request.user, complaint=complaint)
    case = getattr(complaint, "case", None) if complaint.state == Complaint.State.OPENED else None
    context = {
        "complaint": complaint,
        "text": text,
        "case": case,
        "response": services.response_text(case) if case else "",
        "matches": selectors.registry_matches(text.coach_named),
        "close_form": close_form or forms.CloseForm(),
        "open_form": open_form or forms.OpenCaseForm(initial={"clauses": complaint.clauses}),
    }
    return render(request, "cases/complaint.html", context, status=status)


@require_GET
def complaint_detail(request: HttpRequest, pk) -> HttpResponse:
    return _complaint_page(request, selectors.get_complaint_for_staff(pk))


@require_POST
def complaint_close(request: HttpRequest, pk) -> HttpResponse:
    complaint = selectors.get_complaint_for_staff(pk)
    form = forms.CloseForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_close(staff=request.user, complaint=complaint, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, SCREENED.format(number=complaint.number))
            return redirect("cases:list")
    return _complaint_page(request, complaint, close_form=form, status=400)


@require_POST
def case_open(request: HttpRequest, pk) -> HttpResponse:
    complaint = selectors.get_complaint_for_staff(pk)
    form = forms.OpenCaseForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_open(staff=request.user, complaint=complaint, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, OPENED.format(number=case.number))
            return redirect("cases:detail", pk=case.pk)
    return _complaint_page(request, complaint, open_form=form, status=400)


def _case_page(request, case, *, failed=None, status=200):
    context = {
        "case": case,
        "stage": selectors.stage_view(case),
        "timeline": selectors.case_timeline(complaint=case.complaint, case=case),
        "clauses": services.clause_lines(case.clauses),
        "panel_form": forms.PanelForm(staff_members=selectors.staff_members()),
        "vote_form": forms.VoteForm(),
        "appeal_form": forms.AppealForm(),
        "interim_form": forms.InterimForm(),
        "conflict_form": forms.ConflictForm(),
        "failed": failed,
    }
    return render(request, "cases/case.html", context, status=status)


@require_GET
def case_detail(request: HttpRequest, pk) -> HttpResponse:
    return _case_page(request, selectors.get_case_for_staff(pk))


def _case_action(request, pk, form_class, call, **form_kwargs) -> HttpResponse:
    """Bind the action's form, call its one service, and show the case with the outcome."""
    case = selectors.get_case_for_staff(pk)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            call(case, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, DONE)
            return redirect("cases:detail", pk=case.pk)
    return _case_page(request, case, failed=form, status=400)


@require_POST
def case_advance(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.AdvanceForm,
        lambda case, to: services.case_advance(staff=request.user, case=case, to=to),
    )


@require_POST
def case_panel(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.PanelForm,
        lambda case, members: services.panel_appoint(staff=request.user, case=case, members=list(members)),
        staff_members=selectors.staff_members(),
    )


@require_POST
def case_vote(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.VoteForm,
        lambda case, outcome: services.vote_record(staff=request.user, case=case, outcome=outcome),
    )


@require_POST
def case_decide(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request, pk, forms.forms.Form, lambda case: services.case_decide(staff=request.user, case=case)
    )


@require_POST
def case_appeal(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.AppealForm,
        lambda case, **data: services.appeal_lodge(staff=request.user, case=case, **data),
    )


@require_POST
def case_appeal_decide(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request, pk, forms.forms.Form, lambda case: services.appeal_decide(staff=request.user, case=case)
    )


@require_POST
def case_finalise(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request, pk, forms.forms.Form, lambda case: services.case_finalise(staff=request.user, case=case)
    )


@require_POST
def case_interim(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.InterimForm,
        lambda case, reason: services.interim_suspend(staff=request.user, case=case, reason=reason),
    )


@require_POST
def case_conflict(request: HttpRequest, pk) -> HttpResponse:
    return _case_action(
        request,
        pk,
        forms.ConflictForm,
        lambda case, party: services.conflict_declare(staff=request.user, case=case, party=party),
    )


# -- the coach's side ------------------------------------------------------------------------


@require_GET
def coach_cases(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/coach_list.html", {"cases": selectors.cases_for_coach(request.user)})


@require_http_methods(["GET", "POST"])
def coach_case(request: HttpRequest, pk) -> HttpResponse:
    case = selectors.get_case_for_coach(request.user, pk)
    form = forms.ResponseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_respond(coach=request.user, case=case, text=form.cleaned_data["text"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, RESPONDED)
            return redirect("cases_coach:case", pk=case.pk)
    context = {"case": case, "form": form, "clauses": services.clause_lines(case.clauses)}
    return render(request, "cases/coach_case.html", context, status=400 if form.errors else 200)
