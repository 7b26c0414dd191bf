"""Django app configuration for the note language checker."""

from django.apps import AppConfig


class LanguageConfig(AppConfig):
    """The note language checker: no models, a command and a library."""

    name = "ethos.language"
    label = "language"
    verbose_name = "Note language checker"
