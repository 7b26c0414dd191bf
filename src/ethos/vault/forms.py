from django import forms

from ethos.accounts.forms import PASSPHRASE_HELP


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


class RecoverForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    recovery_key = forms.CharField(
        max_length=200,
        label="Recovery key",
        help_text=(
            "The 14 groups of 4 characters from your printed recovery kit. Dashes and spaces are optional."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
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
