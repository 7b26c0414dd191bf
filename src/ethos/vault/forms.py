from django import forms

from ethos.accounts.forms import NewPassphraseForm


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
