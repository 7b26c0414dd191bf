from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "ethos.coaching"
    label = "coaching"

    def ready(self) -> None:
        # Register the Sessions section and timeline of the client page, the evidence of P2, P6,
        # P14, S3 and S4, how open items name a session, and what ending coaching does to sessions.
        # Boundaries (P7, P8) on the client page, open items and report; situations for supervision.
        from . import boundary_pages, contributions, evidence, situations, subjects  # noqa: F401  # noqa: F401
