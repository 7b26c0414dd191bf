import base64
import io
import time

import pyotp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ethos.vault import services as vault_services
from ethos.vault.context import VaultLocked

from . import services
from .forms import (
    CodeForm,
    ConfirmPassphraseForm,
    InvitedCoachForm,
    NewCoachForm,
    PassphraseChangeForm,
    SignInForm,
    TotpEnableForm,
)
from .models import User

PENDING_USER = "ethos_2fa_user"
PENDING_SINCE = "ethos_2fa_since"
PENDING_SECRET = "ethos_totp_pending"
# The second step must follow the first promptly; a half-signed-in session does not linger.
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"

SIGNED_OUT = "You are signed out."
PASSPHRASE_CHANGED = "Your passphrase is changed. Any other browser signed in as you has been signed out."
TOTP_ENABLED = "Two-step sign-in is on."
TOTP_DISABLED = "Two-step sign-in is off."
TOTP_CODE_WRONG = "That code did not match. Check the time on your phone and try the newest code."
SIGN_IN_AGAIN = "Please sign in again."


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


CHECK_CHECKPOINT = "ethos_check_checkpoint"


def signed_in(request: HttpRequest, user: User, *, method: str) -> None:
    """Record a completed sign-in and ask the browser to check the log against its checkpoint."""
    services.signed_in(user=user, method=method)
    request.session[CHECK_CHECKPOINT] = True


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_not_required
@require_http_methods(["GET", "POST"])
def first_run(request: HttpRequest) -> HttpResponse:
    if User.objects.exists():
        return redirect("accounts:sign_in")
    form = NewCoachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.first_coach_create(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                passphrase=form.cleaned_data["passphrase"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _welcome(request, new)
    return render(request, "accounts/first_run.html", {"form": form})


def _welcome(request: HttpRequest, new: services.NewCoach) -> HttpResponse:
    """Sign a brand-new coach in and show their recovery kit."""
    login(request, new.user, backend=BACKEND)
    vault_services.session_open(request, new.vault, recovery_key=new.recovery_key)
    signed_in(request, new.user, method="new account")
    return redirect("vault:recovery_kit")


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    if not User.objects.exists():
        return redirect("home")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.sign_in_check(
            email=form.cleaned_data["email"], passphrase=form.cleaned_data["passphrase"]
        )
        if result.error:
            form.add_error(None, result.error)
        elif result.needs_second_factor:
            request.session.cycle_key()
            request.session[PENDING_USER] = str(result.user.pk)
            request.session[PENDING_SINCE] = int(time.time())
            if result.vault is not None:
                vault_services.session_open(request, result.vault)
            return redirect(f"{reverse('accounts:sign_in_code')}?next={_safe_next(request)}")
        else:
            login(request, result.user, backend=BACKEND)
            if result.vault is not None:
                vault_services.session_open(request, result.vault)
            signed_in(request, result.user, method="passphrase")
            return redirect(_safe_next(request))
    return render(request, "accounts/sign_in.html", {"form": form, "next": _safe_next(request)})


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if not user_id or time.time() - since > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True, totp_enabled=True).first()


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, SIGN_IN_AGAIN)
        return redirect("accounts:sign_in")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        error = services.second_factor_check(user=user, code=form.cleaned_data["code"])
        if error:
            form.add_error("code", error)
        else:
            request.session.pop(PENDING_USER, None)
            request.session.pop(PENDING_SINCE, None)
            login(request, user, backend=BACKEND)
            signed_in(request, user, method="passphrase and second factor")
            return redirect(_safe_next(request))
    return render(request, "accounts/sign_in_code.html", {"form": form, "next": _safe_next(request)})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.signed_out(user=request.user)
    vault_services.session_close(request)
    logout(request)
    messages.info(request, SIGNED_OUT)
    return redirect("accounts:sign_in")


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"coach": request.user})


@require_http_methods(["GET", "POST"])
def passphrase_change(request: HttpRequest) -> HttpResponse:
    if request.vault is None:
        raise VaultLocked("Unlock your records before changing the passphrase that protects them.")
    form = PassphraseChangeForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.passphrase_change(
                user=request.user, vault=request.vault, new_passphrase=form.cleaned_data["new_passphrase"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, PASSPHRASE_CHANGED)
            return redirect("accounts:account")
    return render(request, "accounts/passphrase_change.html", {"form": form})


def _qr_data_uri(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if request.user.totp_enabled:
        return redirect("accounts:account")
    secret = request.session.get(PENDING_SECRET) or services.totp_new_secret()
    request.session[PENDING_SECRET] = secret
    form = TotpEnableForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_enable(user=request.user, secret=secret, code=form.cleaned_data["code"])
        if codes is None:
            form.add_error("code", TOTP_CODE_WRONG)
        else:
            request.session.pop(PENDING_SECRET, None)
            messages.success(request, TOTP_ENABLED)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    uri = pyotp.TOTP(secret).provisioning_uri(name=request.user.email, issuer_name="Ethos")
    context = {"form": form, "secret": secret, "qr": _qr_data_uri(uri)}
    return render(request, "accounts/two_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = ConfirmPassphraseForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.totp_disable(user=request.user)
        messages.success(request, TOTP_DISABLED)
        return redirect("accounts:account")
    return render(request, "accounts/two_factor_disable.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        context = {"message": services.INVITATION_UNUSABLE}
        return render(request, "accounts/invitation_unusable.html", context, status=404)
    form = InvitedCoachForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.invitation_accept(
                token=token, name=form.cleaned_data["name"], passphrase=form.cleaned_data["passphrase"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            logout(request)
            return _welcome(request, new)
    return render(request, "accounts/invitation.html", {"form": form, "invitation": invitation})
