from django import forms

from .actions import Action


class ActivityFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label="What happened")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = sorted(Action, key=lambda action: action.label)
        self.fields["action"].choices = [("", "Everything"), *[(a.value, a.label) for a in actions]]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data


class CheckpointForm(forms.Form):
    checkpoint = forms.CharField(max_length=4096, strip=False)
