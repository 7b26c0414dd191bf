from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ethos.portal"
    label = "portal"

    def ready(self) -> None:
        # Register the Portal section of the client page, what an ending does to a wish to end, and
        # the client accounts that travel in their coach's backup.
        from . import contributions, hooks  # noqa: F401
