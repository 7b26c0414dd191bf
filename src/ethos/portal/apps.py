from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ethos.portal"
    label = "portal"

    def ready(self) -> None:
        # Register the Portal section of the client page, and what an ending does to a wish to end.
        from . import contributions, hooks  # noqa: F401
