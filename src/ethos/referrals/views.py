"""Pages of the referral directory: thin views that parse the form and call one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import KindFilterForm, ResourceForm, VettingForm

RESOURCE_ADDED = "The service is in your directory. Vet it before you refer anyone to it."
RESOURCE_SAVED = "The service is saved."
RESOURCE_VETTED = "Your vetting is recorded."
RESOURCE_DEACTIVATED = "The service is taken out of use. Its record and vetting history stay."
RESOURCE_REACTIVATED = "The service is back in use."


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _rows(resources) -> list[tuple]:
    return [(resource, selectors.vetting_state(resource)) for resource in resources]


@require_GET
def resource_list(request: HttpRequest) -> HttpResponse:
    form = KindFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else None
    resources = selectors.resources_for(request.user, kind=kind or None, include_inactive=True)
    context = {
        "form": form,
        "rows": _rows(r for r in resources if r.is_active),
        "inactive": _rows(r for r in resources if not r.is_active),
        "filtered": bool(kind),
    }
    return render(request, "referrals/list.html", context)


@require_GET
def resource_detail(request: HttpRequest, pk) -> HttpResponse:
    resource = selectors.get_resource_for_coach(request.user, pk)
    context = {
        "resource": resource,
        "state": selectors.vetting_state(resource),
        "history": selectors.vetting_history(resource),
    }
    return render(request, "referrals/detail.html", context)


@require_http_methods(["GET", "POST"])
def resource_add(request: HttpRequest) -> HttpResponse:
    form = ResourceForm(_posted(request))
    if form.is_valid():
        try:
            resource = services.resource_create(coach=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, RESOURCE_ADDED)
            return redirect("referrals:detail", pk=resource.pk)
    return render(request, "referrals/resource_form.html", {"form": form, "resource": None})


@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, pk) -> HttpResponse:
    resource = selectors.get_resource_for_coach(request.user, pk)
    initial = {name: getattr(resource, name) for name in services.RESOURCE_FIELDS}
    form = ResourceForm(_posted(request), initial=initial)
    if form.is_valid():
        try:
            services.resource_update(coach=request.user, resource=resource, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, RESOURCE_SAVED)
            return redirect("referrals:detail", pk=resource.pk)
    return render(request, "referrals/resource_form.html", {"form": form, "resource": resource})


@require_http_methods(["GET", "POST"])
def resource_vet(request: HttpRequest, pk) -> HttpResponse:
    resource = selectors.get_resource_for_coach(request.user, pk)
    form = VettingForm(_posted(request), initial={"vetted_on": timezone.localdate()})
    if form.is_valid():
        # The form asked the coach to confirm they checked it themselves; the record is always theirs.
        data = form.cleaned_data
        try:
            services.vetting_record(
                coach=request.user,
                resource=resource,
                vetted_on=data["vetted_on"],
                method=data["method"],
                learnt=data["learnt"],
                review_by=data["review_by"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, RESOURCE_VETTED)
            return redirect("referrals:detail", pk=resource.pk)
    return render(request, "referrals/vet_form.html", {"form": form, "resource": resource})


@require_POST
def resource_deactivate(request: HttpRequest, pk) -> HttpResponse:
    return _set_active(request, pk, services.resource_deactivate, RESOURCE_DEACTIVATED)


@require_POST
def resource_reactivate(request: HttpRequest, pk) -> HttpResponse:
    return _set_active(request, pk, services.resource_reactivate, RESOURCE_REACTIVATED)


def _set_active(request: HttpRequest, pk, service, done: str) -> HttpResponse:
    resource = selectors.get_resource_for_coach(request.user, pk)
    try:
        service(coach=request.user, resource=resource)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("referrals:detail", pk=resource.pk)
