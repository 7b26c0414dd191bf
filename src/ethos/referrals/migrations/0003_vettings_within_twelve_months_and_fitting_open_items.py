"""Bring what is already stored under the new rules.

1. P10: a vetting's review date is at most twelve months after it; a longer one is cut back, so
   the vetting lapses by itself on time.
2. Open items that any referral could close now name the referral that fits their clause
   (S1 safety, S2 crisis, S9 youth, S5 competence): a legal service never closes a crisis item,
   and a supervision plan never closes S5.
"""

import datetime

from django.db import migrations

# The generic "referral" an item named, and what it becomes for each clause.
FITTING = {
    "S1": "safety_referral",
    "S2": "crisis_referral",
    "S9": "youth_referral",
    "S5": "competence_referral",
}
S5_RESOLUTION = (
    "Do not coach on it until you have referred the client, for that concern, to a service you have "
    "vetted that works with it. Supervision can go alongside the referral; it never replaces it."
)


def latest_review(vetted_on: datetime.date) -> datetime.date:
    try:
        return vetted_on.replace(year=vetted_on.year + 1)
    except ValueError:  # 29 February
        return vetted_on.replace(year=vetted_on.year + 1, day=28)


def cut_back_review_dates(apps, schema_editor):
    VettingRecord = apps.get_model("referrals", "VettingRecord")
    for pk, vetted_on, review_by in VettingRecord.objects.values_list("pk", "vetted_on", "review_by"):
        latest = latest_review(vetted_on)
        if review_by > latest:
            VettingRecord.objects.filter(pk=pk).update(review_by=latest)


def name_fitting_referrals(apps, schema_editor):
    OpenItem = apps.get_model("standards", "OpenItem")
    for item in OpenItem.objects.filter(resolved_at__isnull=True, clause__in=list(FITTING)):
        names = [name for name in item.record_types.split(",") if name]
        if "referral" not in names:
            continue
        fitting = [FITTING[item.clause] if name == "referral" else name for name in names]
        if item.clause == "S5":
            fitting = [name for name in fitting if name != "supervision_entry"]
            item.resolution = S5_RESOLUTION
        item.record_types = ",".join(dict.fromkeys(fitting))
        item.save(update_fields=["record_types", "resolution"])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_kinds_that_fit_each_clause_and_personal_vetting"),
        ("standards", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(cut_back_review_dates, migrations.RunPython.noop),
        migrations.RunPython(name_fitting_referrals, migrations.RunPython.noop),
    ]
