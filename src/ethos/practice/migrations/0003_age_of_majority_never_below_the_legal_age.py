"""S9: raise any saved age of majority that is below the legal age of the profile's jurisdiction.

From now on the form and the service refuse such an age; this brings earlier profiles in line.
It reads the legal ages from ethos.practice.jurisdictions as they are when it runs.
"""

from django.db import migrations


def raise_to_the_legal_age(apps, schema_editor):
    from ethos.practice.jurisdictions import legal_age_of_majority

    PracticeProfile = apps.get_model("practice", "PracticeProfile")
    for profile in PracticeProfile.objects.only("pk", "country", "region", "age_of_majority"):
        legal = legal_age_of_majority(profile.country, profile.region)
        if profile.age_of_majority < legal:
            PracticeProfile.objects.filter(pk=profile.pk).update(age_of_majority=legal)


class Migration(migrations.Migration):
    dependencies = [("practice", "0002_country_checked_in_code_not_in_migrations")]

    operations = [migrations.RunPython(raise_to_the_legal_age, migrations.RunPython.noop)]
