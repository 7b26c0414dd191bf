"""The main navigation: one list, so every page shows the same sections in the same order."""

from django.urls import NoReverseMatch, reverse

from .web import COACH, role_of

# The coach's work, in the order they meet it. A section whose app is not in this version has no
# URL to reverse and is left out of the menu: a coach never meets a greyed-out word nobody explains,
# and the section appears in its place on the day its app is installed.
SECTIONS = [
    ("Dashboard", "home"),
    ("Clients", "clients:list"),
    # What clients sent through their portal, and invitations to it.
    ("Portal", "portal_coach:home"),
    ("Sessions", "coaching:list"),
    ("Safeguarding", "safeguarding:home"),
    ("Money", "money:home"),
    ("Directory", "referrals:list"),
    ("Practice", "practice:home"),
    ("Compliance", "standards:compliance"),
]


def navigation(request):
    """Give a coach's pages the sections that exist in this version, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or role_of(user) != COACH:
        return {"nav_sections": []}
    items = []
    for label, name in SECTIONS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return {"nav_sections": items}


def audit_watch(request):
    """After sign-in (and on the Activity page), give checkpoint.js what it needs."""
    user = getattr(request, "user", None)
    if role_of(user) != COACH:
        return {}
    from ethos.audit.selectors import request_chain_head
    from ethos.audit.views import CHECK_CHECKPOINT

    if not (request.session.get(CHECK_CHECKPOINT) or request.path.startswith("/activity/")):
        return {}
    head = request_chain_head(request)
    return {"audit_watch": {"coach": str(user.pk), "checkpoint": head.checkpoint}}
