"""The idle timeout, for the script that clears an idle page (static/ethos/idle.js)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def idle_seconds() -> int:
    """Seconds without activity after which the server signs a person out (ETHOS_IDLE_MINUTES)."""
    return max(1, round(settings.ETHOS_IDLE_MINUTES * 60))
