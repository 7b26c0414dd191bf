# The note search's blind index (ethos.coaching.note_search). Only schema: notes written before
# it get their tokens from the search page, with the vault open.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('coaching', '0004_merge_0002_session_notes_0003_reminder'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='NoteSearchToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.BinaryField(max_length=16)),
                ('coach', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='coaching.sessionnote')),
            ],
            options={
                'indexes': [models.Index(fields=['coach', 'token', 'note'], name='note_search_token')],
            },
        ),
    ]
