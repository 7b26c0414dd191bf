from django import forms

from . import services

PASSPHRASE_HELP = (
    "At least 12 characters, and not easy to guess. A few unrelated words with spaces make a "
    "passphrase that is easy to remember and hard to guess."
)


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class NewCoachForm(forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        help_text=PASSPHRASE_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passphrase_again = forms.CharField(
        max_length=1024,
        strip=False,
        label="Passphrase, again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("passphrase") and data.get("passphrase") != data.get("passphrase_again"):
            self.add_error("passphrase_again", "The two passphrases are not the same.")
        return data


class InvitedCoachForm(NewCoachForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]


class NewPassphraseForm(forms.Form):
    """A new passphrase typed twice; the fields every passphrase-setting form shares."""

    new_passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        help_text=PASSPHRASE_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_passphrase_again = forms.CharField(
        max_length=1024,
        strip=False,
        label="New passphrase, again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_passphrase") and data.get("new_passphrase") != data.get("new_passphrase_again"):
            self.add_error("new_passphrase_again", "The two new passphrases are not the same.")
        return data


class PassphraseChangeForm(NewPassphraseForm):
    current_passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_passphrase", "new_passphrase", "new_passphrase_again"]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.vault = None
        super().__init__(*args, **kwargs)

    def clean_current_passphrase(self):
        value = self.cleaned_data["current_passphrase"]
        # Within the sign-in lockout and audited, like every passphrase asked behind a session.
        # A portal client's passphrase wraps their own key: the check opens it for the re-wrap.
        self.vault = services.reauthenticate(
            user=self.user, passphrase=value, purpose=services.Reauth.PASSPHRASE_CHANGE
        )
        return value


class ConfirmPassphraseForm(forms.Form):
    """Ask a signed-in person for their passphrase again before a step that needs it.

    The check is `services.reauthenticate` (lockout, audit); a new prompt passes its purpose.
    """

    passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        label="Your passphrase",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, purpose: services.Reauth, **kwargs):
        self.user = user
        self.purpose = purpose
        self.vault = None
        super().__init__(*args, **kwargs)

    def clean_passphrase(self):
        value = self.cleaned_data["passphrase"]
        self.vault = services.reauthenticate(user=self.user, passphrase=value, purpose=self.purpose)
        return value


class TotpEnableForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code from your app",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class UnlockForm(forms.Form):
    passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        label="Your passphrase",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RecoveryConfirmForm(forms.Form):
    def __init__(self, *args, positions: tuple[int, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for position in positions:
            self.fields[f"group_{position}"] = forms.CharField(
                max_length=12,
                label=f"Group {position} of your recovery key",
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )

    def typed(self) -> dict[int, str]:
        return {int(name.split("_")[1]): value for name, value in self.cleaned_data.items()}


class RecoverForm(NewPassphraseForm):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    recovery_key = forms.CharField(
        max_length=200,
        label="Recovery key",
        help_text=(
            "The 14 groups of 4 characters from your printed recovery kit. Dashes and spaces are optional."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["email", "recovery_key", "new_passphrase", "new_passphrase_again"]
