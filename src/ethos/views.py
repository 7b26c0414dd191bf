from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ethos.accounts.models import User
from ethos.accounts.views import first_run

CSRF_FAILED = (
    "This form had expired or came from somewhere else, so nothing was saved. "
    "Please go back, reload the page and try again."
)


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the coach's dashboard; before the first coach exists, the first-run page."""
    if not request.user.is_authenticated:
        if not User.objects.exists():
            return first_run(request)
        return redirect(f"{reverse('accounts:sign_in')}?next=/")
    if request.user.role != User.Role.COACH:
        # Clients and association staff have no pages of their own in this version yet.
        return render(request, "home_signed_in.html", {"person": request.user})
    return render(request, "dashboard.html", {"coach": request.user})


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"message": CSRF_FAILED}, status=403)
