import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ethos.accounts import kit
from ethos.accounts import services as account_services
from ethos.accounts.views import BACKEND, _apply_errors, _safe_next, signed_in
from ethos.audit.actions import Action
from ethos.audit.services import audit_append

from . import backup, services
from .context import VaultLocked
from .forms import RecoverForm, RecoveryConfirmForm, UnlockForm

UNLOCKED = "Your records are unlocked."
LOCKED = "Your records are locked. Enter your passphrase to open them again."
KIT_CONFIRMED = "Your recovery kit is confirmed. Keep it somewhere safe."
KIT_GONE = (
    "The recovery kit can only be shown in the browser where the account was made, until it is "
    "confirmed. If you did not keep it, change your passphrase and keep it safe."
)
RECOVERED = "Welcome back. Your new passphrase is set and your records are unlocked."


@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    if request.vault is not None:
        return redirect(_safe_next(request))
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        coach = request.user
        if coach.is_locked():
            form.add_error(None, account_services._lock_message(coach))
        else:
            vault = services.unlock_with_passphrase(coach=coach, passphrase=form.cleaned_data["passphrase"])
            if vault is None:
                form.add_error(
                    None, account_services.record_failed_sign_in(coach, message=services.WRONG_PASSPHRASE)
                )
            else:
                services.session_open(request, vault)
                audit_append(coach=coach, action=Action.VAULT_UNLOCKED)
                messages.success(request, UNLOCKED)
                return redirect(_safe_next(request))
    return render(request, "vault/unlock.html", {"form": form, "next": _safe_next(request)})


@require_POST
def lock(request: HttpRequest) -> HttpResponse:
    services.session_close(request)
    audit_append(coach=request.user, action=Action.VAULT_LOCKED)
    messages.info(request, LOCKED)
    return redirect("vault:unlock")


@require_http_methods(["GET", "POST"])
def recovery_kit(request: HttpRequest) -> HttpResponse:
    recovery_key = services.session_recovery_key(request, request.user)
    if recovery_key is None:
        return render(request, "vault/recovery_kit_gone.html", {"message": KIT_GONE}, status=404)
    positions = services.recovery_confirm_positions(recovery_key)
    form = RecoveryConfirmForm(request.POST if request.method == "POST" else None, positions=positions)
    if request.method == "POST" and form.is_valid():
        if services.recovery_confirm(coach=request.user, recovery_key=recovery_key, typed=form.typed()):
            request.session.pop(services.SESSION_RECOVERY, None)
            audit_append(coach=request.user, action=Action.VAULT_RECOVERY_KIT_CONFIRMED)
            messages.success(request, KIT_CONFIRMED)
            return redirect("home")
        form.add_error(None, services.RECOVERY_CONFIRM_MISMATCH)
    context = {
        "form": form,
        "groups": kit.crypto.format_recovery_key(recovery_key).split("-"),
        "intro": kit.INTRO,
    }
    return render(request, "vault/recovery_kit.html", context)


@require_POST
def recovery_kit_new(request: HttpRequest) -> HttpResponse:
    """Replace the recovery key (the old one stops working) and show the new kit."""
    if request.vault is None:
        raise VaultLocked("Unlock your records before making a new recovery kit.")
    services.recovery_key_replace(request, request.vault)
    audit_append(coach=request.user, action=Action.VAULT_RECOVERY_KEY_REPLACED)
    return redirect("vault:recovery_kit")


def recovery_kit_download(request: HttpRequest, kind: str) -> HttpResponse:
    recovery_key = services.session_recovery_key(request, request.user)
    if recovery_key is None or kind not in {"txt", "pdf"}:
        return render(request, "vault/recovery_kit_gone.html", {"message": KIT_GONE}, status=404)
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


@login_not_required
@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    form = RecoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user, vault = account_services.recover_with_key(
                email=form.cleaned_data["email"],
                recovery_text=form.cleaned_data["recovery_key"],
                new_passphrase=form.cleaned_data["new_passphrase"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            login(request, user, backend=BACKEND)
            services.session_open(request, vault)
            signed_in(request, user, method="recovery key")
            messages.success(request, RECOVERED)
            return redirect("home")
    return render(request, "vault/recover.html", {"form": form})


BACKUP_PASSPHRASE = "Confirm with your passphrase to download a backup."


@require_http_methods(["GET", "POST"])
def backup_download(request: HttpRequest) -> HttpResponse:
    """Give the coach one file with their whole practice, still encrypted."""
    form = UnlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.unlock_with_passphrase(coach=request.user, passphrase=form.cleaned_data["passphrase"]):
            folder = Path(tempfile.mkdtemp(prefix="ethos-backup-"))
            result = backup.backup_write(out=folder / "practice.ethos-backup", coach=request.user)
            audit_append(
                coach=request.user, action=Action.VAULT_BACKUP_DOWNLOADED, details={"sha256": result.sha256}
            )
            handle = result.path.open("rb")
            # The file is already open; unlinking now leaves nothing behind on disk (POSIX).
            result.path.unlink()
            folder.rmdir()
            stamp = timezone.now().strftime("%Y-%m-%d")
            return FileResponse(handle, as_attachment=True, filename=f"ethos-backup-{stamp}.ethos-backup")
        form.add_error("passphrase", services.WRONG_PASSPHRASE)
    return render(request, "vault/backup.html", {"form": form, "intro": BACKUP_PASSPHRASE})
