from django import forms
from django.utils import timezone

from . import endings
from .models import Ending

NOT_A_DATE = "Enter the day as a date, for example 2025-03-14."


class EndingForm(forms.Form):
    """Both sets of fields on one page (no JavaScript); the labels say which set applies."""

    initiated_by = forms.ChoiceField(
        label="Who is ending or pausing coaching",
        choices=Ending.InitiatedBy.choices,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label="End or pause", choices=Ending.Kind.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(
        max_length=endings.TEXT_MAX,
        required=False,
        label="If you end or pause it: the explanation you gave the client",
        help_text="What you told them and why (P11). It goes into the letter to the client.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    explained_on = forms.DateField(
        required=False,
        label="If you end or pause it: the day you explained it",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": NOT_A_DATE},
    )
    explained_how = forms.ChoiceField(
        required=False,
        label="If you end or pause it: how you explained it",
        choices=[("", "Choose how"), *Ending.Channel.choices],
    )
    client_reason = forms.CharField(
        max_length=endings.TEXT_MAX,
        required=False,
        label="If the client is ending it: their reason, in their own words",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referral_resources = forms.MultipleChoiceField(
        required=False,
        label="Refer them to other coaching providers you have vetted",
        help_text=(
            "Needed when you end or pause coaching. When the client ends it, offer them too: "
            "the ending is complete once the referral is made or the client declines it (P11)."
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    referral_declined = forms.BooleanField(
        required=False,
        label="If the client is ending it: I offered the providers ticked above, and they declined",
    )
    referral_reason = forms.CharField(
        max_length=2000,
        required=False,
        label="Why these referrals, in a sentence (optional)",
    )

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.resources = {str(resource.pk): resource for resource in resources}
        self.fields["referral_resources"].choices = [
            (pk, f"{resource.name} ({resource.get_kind_display()})")
            for pk, resource in self.resources.items()
        ]

    def clean_explained_on(self):
        day = self.cleaned_data["explained_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(endings.EXPLAINED_IN_FUTURE)
        return day

    def clean(self):
        data = super().clean()
        if (
            data.get("initiated_by") == Ending.InitiatedBy.CLIENT
            and not (data.get("client_reason") or "").strip()
        ):
            self.add_error("client_reason", endings.CLIENT_REASON_NEEDED)
        return data

    def chosen_resources(self) -> list:
        return [self.resources[pk] for pk in self.cleaned_data.get("referral_resources", [])]
