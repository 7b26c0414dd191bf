"""Ending pages: end or pause coaching with a client (P11), the letter, closing the practice."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ethos.referrals.models import Resource
from ethos.referrals.selectors import usable_resources
from ethos.standards.engine import ActionStopped

from . import endings, selectors
from .ending_forms import EndingForm
from .models import Ending

ENDED = "Coaching with {name} has ended. The letter to them is ready to print."
PAUSED = "Coaching with {name} is paused. The letter to them is ready to print."
PRACTICE_CLOSED = "Your practice is closed. Every client's coaching ended with care."


@require_http_methods(["GET", "POST"])
def client_end(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    resources = usable_resources(request.user, kinds=[Resource.Kind.COACHING])
    form = EndingForm(request.POST if request.method == "POST" else None, resources=resources)
    verdict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ending = endings.client_release(
                coach=request.user,
                client=client,
                kind=data["kind"],
                initiated_by=data["initiated_by"],
                explanation=data["explanation"],
                explained_on=data["explained_on"],
                explained_how=data["explained_how"],
                client_reason=data["client_reason"],
                referral_resources=form.chosen_resources(),
                referral_reason=data["referral_reason"],
                referral_declined=data["referral_declined"],
            )
        except ActionStopped as stopped:
            verdict = stopped.verdict
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            message = ENDED if ending.kind == Ending.Kind.END else PAUSED
            messages.success(request, message.format(name=client.display_name))
            return redirect("clients:detail", pk=client.pk)
    context = {
        "client": client,
        "form": form,
        "verdict": verdict,
        "has_resources": bool(resources),
        "open": client.status in endings.OPEN_STATUSES,
    }
    return render(request, "clients/ending_form.html", context)


def ending_letter(request: HttpRequest, pk, ending_pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    ending = endings.get_ending_for_coach(request.user, client, ending_pk)
    response = HttpResponse(
        endings.ending_letter(coach=request.user, ending=ending), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{endings.letter_filename(ending)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def closure(request: HttpRequest) -> HttpResponse:
    verdict = None
    if request.method == "POST":
        try:
            endings.practice_close(coach=request.user)
        except ActionStopped as stopped:
            verdict = stopped.verdict
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("clients:closure")
        else:
            messages.success(request, PRACTICE_CLOSED)
            return redirect("clients:closure")
    context = {
        "rows": endings.closure_rows(request.user),
        "closed": endings.practice_closure_for(request.user),
        "verdict": verdict,
    }
    return render(request, "clients/closure.html", context)
