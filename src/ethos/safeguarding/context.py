"""The reports still owed, on every page of the coach's Ethos until they are recorded (C3)."""

from django.utils.functional import SimpleLazyObject

from ethos.web import COACH, role_of

from .selectors import reports_due as _reports_due


def reports_due(request):
    """Give base.html the coach's open report tasks; read only when a page shows the banner."""
    user = getattr(request, "user", None)
    if role_of(user) != COACH:
        return {}
    return {"reports_due": SimpleLazyObject(lambda: _reports_due(user))}
