import base64
import io
import shutil
import tempfile
import time
from pathlib import Path

import pyotp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ethos.audit.views import CHECK_CHECKPOINT
from ethos.vault import crypto
from ethos.vault import services as vault_services
from ethos.vault.context import VaultLocked
from ethos.web import COACH, apply_errors, for_role, safe_next

from . import codes as codes_doc
from . import kit, services
from .forms import (
    CodeForm,
    ConfirmPassphraseForm,
    InvitedCoachForm,
    NewCoachForm,
    PassphraseChangeForm,
    RecoverForm,
    RecoveryConfirmForm,
    SignInForm,
    TotpEnableForm,
    UnlockForm,
)
from .middleware import session_signed_in
from .models import User

PENDING_USER = "ethos_2fa_user"
PENDING_SINCE = "ethos_2fa_since"
PENDING_SECRET = "ethos_totp_pending"
CODES_SHOWN = "ethos_recovery_codes_shown"
# The second step must follow the first promptly; a half-signed-in session does not linger.
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"

SIGNED_OUT = "You are signed out."
PASSPHRASE_CHANGED = "Your passphrase is changed. Any other browser signed in as you has been signed out."
TOTP_ENABLED = "Two-step sign-in is on."
TOTP_DISABLED = "Two-step sign-in is off."
TOTP_CODE_WRONG = "That code did not match. Check the time on your phone and try the newest code."
SIGN_IN_AGAIN = "Please sign in again."
UNLOCKED = "Your records are unlocked."
LOCKED = "Your records are locked. Enter your passphrase to open them again."
KIT_CONFIRMED = "Your recovery kit is confirmed. Keep it somewhere safe."
KIT_GONE = (
    "The recovery kit can only be shown in the browser where the account was made, until it is "
    "confirmed. If you did not keep it, change your passphrase and keep it safe."
)
CODES_GONE = (
    "Recovery codes can be downloaded only from the page that shows them, for ten minutes after "
    "two-step sign-in is turned on. If you did not keep them, turn two-step sign-in off and on again "
    "to get new ones."
)
RECOVERED = "Welcome back. Your new passphrase is set and your records are unlocked."


def signed_in(request: HttpRequest, user: User, *, method: str) -> None:
    """Record a completed sign-in and ask the browser to check the log against its checkpoint."""
    services.signed_in(user=user, method=method)
    session_signed_in(request)
    request.session[CHECK_CHECKPOINT] = True


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
            apply_errors(form, error)
        else:
            return _welcome(request, new)
    return render(request, "accounts/first_run.html", {"form": form})


def _welcome(request: HttpRequest, new: services.NewCoach) -> HttpResponse:
    """Sign a brand-new coach in and show their recovery kit."""
    login(request, new.user, backend=BACKEND)
    vault_services.session_open(request, new.vault, recovery_key=new.recovery_key)
    signed_in(request, new.user, method="new account")
    return redirect("accounts:recovery_kit")


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    if not User.objects.exists():
        return redirect("home")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.sign_in_check(
            email=form.cleaned_data["email"],
            passphrase=form.cleaned_data["passphrase"],
            address=request.META.get("REMOTE_ADDR"),
        )
        if result.error:
            form.add_error(None, result.error)
        elif result.needs_second_factor:
            request.session.cycle_key()
            request.session[PENDING_USER] = str(result.user.pk)
            request.session[PENDING_SINCE] = int(time.time())
            if result.vault is not None:
                # Kept aside: the vault opens only once the second step is done.
                vault_services.session_open(request, result.vault, pending=True)
            return redirect(f"{reverse('accounts:sign_in_code')}?next={safe_next(request)}")
        else:
            login(request, result.user, backend=BACKEND)
            if result.vault is not None:
                vault_services.session_open(request, result.vault)
            signed_in(request, result.user, method="passphrase")
            return redirect(safe_next(request))
    return render(request, "accounts/sign_in.html", {"form": form, "next": safe_next(request)})


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
            vault_services.session_promote(request)
            signed_in(request, user, method="passphrase and second factor")
            return redirect(safe_next(request))
    return render(request, "accounts/sign_in_code.html", {"form": form, "next": safe_next(request)})


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
    # A coach's passphrase also wraps the key to their records, so the vault must be open.
    if request.user.role == User.Role.COACH and request.vault is None:
        raise VaultLocked("Unlock your records before changing the passphrase that protects them.")
    form = PassphraseChangeForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            # A coach's vault is the session's; a portal client's was opened by the passphrase check.
            vault = request.vault if request.user.role == User.Role.COACH else form.vault
            services.passphrase_change(
                user=request.user, vault=vault, new_passphrase=form.cleaned_data["new_passphrase"]
            )
        except ValidationError as error:
            apply_errors(form, error)
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


def _pending_secret(request: HttpRequest) -> str:
    """The secret being enrolled, kept sealed in the session (which the database stores)."""
    kept = request.session.get(PENDING_SECRET)
    secret = kept and services.totp_open(user_id=request.user.pk, sealed=base64.b64decode(kept))
    if not secret:
        secret = services.totp_new_secret()
        sealed = services.totp_seal(user_id=request.user.pk, secret=secret)
        request.session[PENDING_SECRET] = base64.b64encode(sealed).decode()
    return secret


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if request.user.totp_enabled:
        return redirect("accounts:account")
    secret = _pending_secret(request)
    form = TotpEnableForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_enable(user=request.user, secret=secret, code=form.cleaned_data["code"])
        if codes is None:
            form.add_error("code", TOTP_CODE_WRONG)
        else:
            request.session.pop(PENDING_SECRET, None)
            sealed = services.recovery_codes_seal(user_id=request.user.pk, codes=codes, now=int(time.time()))
            request.session[CODES_SHOWN] = base64.b64encode(sealed).decode()
            messages.success(request, TOTP_ENABLED)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    uri = pyotp.TOTP(secret).provisioning_uri(name=request.user.email, issuer_name="Ethos")
    context = {"form": form, "secret": secret, "qr": _qr_data_uri(uri)}
    return render(request, "accounts/two_factor_setup.html", context)


def _shown_codes(request: HttpRequest) -> list[str] | None:
    kept = request.session.get(CODES_SHOWN)
    if not kept:
        return None
    return services.recovery_codes_open(
        user_id=request.user.pk, sealed=base64.b64decode(kept), now=int(time.time())
    )


def recovery_codes_download(request: HttpRequest, kind: str) -> HttpResponse:
    """The recovery codes just shown, as text or a PDF to print; only while they are shown."""
    codes = _shown_codes(request)
    if codes is None or kind not in {"txt", "pdf"}:
        request.session.pop(CODES_SHOWN, None)
        return render(request, "accounts/recovery_codes_gone.html", {"message": CODES_GONE}, status=404)
    if kind == "pdf":
        body, content_type = codes_doc.codes_pdf(email=request.user.email, codes=codes), "application/pdf"
    else:
        body = codes_doc.codes_text(email=request.user.email, codes=codes).encode()
        content_type = "text/plain; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ethos-recovery-codes.{kind}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def recovery_codes_kept(request: HttpRequest) -> HttpResponse:
    """The person has kept their codes: forget the copy kept for downloading."""
    request.session.pop(CODES_SHOWN, None)
    return redirect("accounts:account")


@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = ConfirmPassphraseForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        purpose=services.Reauth.TWO_STEP_OFF,
    )
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
            apply_errors(form, error)
        else:
            logout(request)
            return _welcome(request, new)
    return render(request, "accounts/invitation.html", {"form": form, "invitation": invitation})


# -- the vault: unlock, lock, the recovery kit, recovery and backup ------------------------------


@for_role(COACH)
@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    if request.vault is not None:
        return redirect(safe_next(request))
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vault_unlock(request, coach=request.user, passphrase=form.cleaned_data["passphrase"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, UNLOCKED)
            return redirect(safe_next(request))
    return render(request, "accounts/unlock.html", {"form": form, "next": safe_next(request)})


@for_role(COACH)
@require_POST
def lock(request: HttpRequest) -> HttpResponse:
    services.vault_lock(request, coach=request.user)
    messages.info(request, LOCKED)
    return redirect("accounts:unlock")


@for_role(COACH)
@require_http_methods(["GET", "POST"])
def recovery_kit(request: HttpRequest) -> HttpResponse:
    recovery_key = vault_services.session_recovery_key(request, request.user)
    if recovery_key is None:
        return render(request, "accounts/recovery_kit_gone.html", {"message": KIT_GONE}, status=404)
    positions = vault_services.recovery_confirm_positions(recovery_key)
    form = RecoveryConfirmForm(request.POST if request.method == "POST" else None, positions=positions)
    if request.method == "POST" and form.is_valid():
        if services.recovery_kit_confirm(
            request, coach=request.user, recovery_key=recovery_key, typed=form.typed()
        ):
            messages.success(request, KIT_CONFIRMED)
            return redirect("home")
        form.add_error(None, vault_services.RECOVERY_CONFIRM_MISMATCH)
    context = {
        "form": form,
        "groups": crypto.format_recovery_key(recovery_key).split("-"),
        "intro": kit.INTRO,
    }
    return render(request, "accounts/recovery_kit.html", context)


@for_role(COACH)
@require_POST
def recovery_kit_new(request: HttpRequest) -> HttpResponse:
    """Replace the recovery key (the old one stops working) and show the new kit."""
    if request.vault is None:
        raise VaultLocked("Unlock your records before making a new recovery kit.")
    services.recovery_key_replace(request, coach=request.user, vault=request.vault)
    return redirect("accounts:recovery_kit")


@for_role(COACH)
def recovery_kit_download(request: HttpRequest, kind: str) -> HttpResponse:
    recovery_key = vault_services.session_recovery_key(request, request.user)
    if recovery_key is None or kind not in {"txt", "pdf"}:
        return render(request, "accounts/recovery_kit_gone.html", {"message": KIT_GONE}, status=404)
    if kind == "pdf":
        body, content_type = (
            kit.kit_pdf(email=request.user.email, recovery_key=recovery_key),
            "application/pdf",
        )
    else:
        body = kit.kit_text(email=request.user.email, recovery_key=recovery_key).encode()
        content_type = "text/plain; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ethos-recovery-kit.{kind}"'
    response["Cache-Control"] = "no-store"
    return response


RECOVER_USER = "ethos_recover_user"
RECOVER_SINCE = "ethos_recover_since"
RECOVER_PASSPHRASE = "ethos_recover_passphrase"
RECOVER_AGAIN = (
    "Please start the recovery again: the code step must follow the recovery key within five minutes."
)


def _recovered(request: HttpRequest, user: User, vault) -> HttpResponse:
    _recovery_forget(request)
    login(request, user, backend=BACKEND)
    vault_services.session_open(request, vault)
    signed_in(request, user, method="recovery key")
    messages.success(request, RECOVERED)
    return redirect("home")


def _browser_key(value: str | None) -> bytes | None:
    """The key the vault cookie carries (the browser's half), decoded."""
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) if value else None
    except ValueError:
        return None
    return key if key is not None and len(key) == crypto.KEY_LEN else None


def _passphrase_aad(user_id) -> bytes:
    return f"ethos/accounts/recover-passphrase|user={user_id}".encode()


@login_not_required
@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    # The code step is served at the same address, so recovery adds no public page.
    if RECOVER_USER in request.session:
        if "again" in request.GET:
            _recovery_forget(request)
        else:
            return _recover_code(request)
    form = RecoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        new_passphrase = form.cleaned_data["new_passphrase"]
        try:
            user, vault = services.recovery_key_check(
                email=form.cleaned_data["email"],
                recovery_text=form.cleaned_data["recovery_key"],
                new_passphrase=new_passphrase,
            )
            if not user.totp_enabled:
                services.recover_complete(user=user, vault=vault, new_passphrase=new_passphrase)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if not user.totp_enabled:
                return _recovered(request, user, vault)
            _recovery_keep(request, user, vault, new_passphrase)
            return redirect("accounts:recover")
    return render(request, "accounts/recover.html", {"form": form})


def _recovery_keep(request: HttpRequest, user: User, vault, new_passphrase: str) -> None:
    """Keep a right recovery key's result for the code step, changing nothing yet.

    The vault is kept aside (no request can use it) and the new passphrase is sealed under the
    same key, which only this browser's cookie holds, as the first step of a sign-in does.
    """
    request.session.cycle_key()
    vault_services.session_open(request, vault, pending=True)
    sealed = crypto.encrypt(
        _browser_key(request.vault_cookie), new_passphrase.encode(), aad=_passphrase_aad(user.pk)
    )
    request.session[RECOVER_PASSPHRASE] = base64.b64encode(sealed).decode()
    request.session[RECOVER_USER] = str(user.pk)
    request.session[RECOVER_SINCE] = int(time.time())


def _recovery_pending(request: HttpRequest) -> tuple[User, object, str] | None:
    """The account, vault and new passphrase kept by the recovery key step; None if gone or stale."""
    user_id = request.session.get(RECOVER_USER)
    since = request.session.get(RECOVER_SINCE, 0)
    if not user_id or time.time() - since > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=user_id, is_active=True, totp_enabled=True).first()
    browser_key = _browser_key(request.COOKIES.get(vault_services.cookie_name()))
    sealed = request.session.get(RECOVER_PASSPHRASE)
    if user is None or browser_key is None or not sealed:
        return None
    try:
        opened = crypto.decrypt(browser_key, base64.b64decode(sealed), aad=_passphrase_aad(user.pk))
        passphrase = opened.decode()
    except (crypto.DecryptionError, ValueError):
        return None
    # Read the vault kept aside, and keep it aside: it opens for requests only once recovery ends.
    vault_services.session_promote(request)
    vault = vault_services.session_vault(request, user)
    kept = request.session.pop(vault_services.SESSION_HALF, None)
    if vault is None or kept is None:
        return None
    request.session[vault_services.SESSION_PENDING] = kept
    return user, vault, passphrase


def _recovery_forget(request: HttpRequest) -> None:
    for name in (RECOVER_USER, RECOVER_SINCE, RECOVER_PASSPHRASE, vault_services.SESSION_PENDING):
        request.session.pop(name, None)


def _recover_code(request: HttpRequest) -> HttpResponse:
    """The second step of a recovery when two-step sign-in is on: a code, then the change."""
    pending = _recovery_pending(request)
    if pending is None:
        _recovery_forget(request)
        messages.info(request, RECOVER_AGAIN)
        return redirect("accounts:recover")
    user, vault, new_passphrase = pending
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recover_complete(
                user=user, vault=vault, new_passphrase=new_passphrase, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _recovered(request, user, vault)
    return render(request, "accounts/recover_code.html", {"form": form})


BACKUP_PASSPHRASE = "Confirm with your passphrase to download a backup."


@for_role(COACH)
@require_http_methods(["GET", "POST"])
def backup_download(request: HttpRequest) -> HttpResponse:
    """Give the coach one file with their whole practice, still encrypted."""
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        folder = Path(tempfile.mkdtemp(prefix="ethos-backup-"))
        try:
            result = services.backup_for_download(
                coach=request.user,
                passphrase=form.cleaned_data["passphrase"],
                out=folder / "practice.ethos-backup",
            )
            # Opened before the folder goes: nothing of the backup is left on disk (POSIX).
            handle = result.path.open("rb")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            stamp = timezone.now().strftime("%Y-%m-%d")
            return FileResponse(handle, as_attachment=True, filename=f"ethos-backup-{stamp}.ethos-backup")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return render(request, "accounts/backup.html", {"form": form, "intro": BACKUP_PASSPHRASE})
