from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ethos.portal"
    label = "portal"

    def ready(self) -> None:
        # Register the Portal section of the client page (what was shared, what came back).
        from . import contributions  # noqa: F401
