"""The main navigation: one list per role, so every page shows the same sections in the same order."""

from django.urls import NoReverseMatch

from .links import link
from .web import COACH, STAFF, role_of

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

# The association's staff: what needs action first, then the registry. Staff have no practice,
# so none of the coach's sections (or the coach's Activity page) appear for them.
STAFF_SECTIONS = [
    ("Overview", "home"),
    ("Registry", "certification:registry"),
    ("Cases", "cases:list"),
]

SECTIONS_OF_ROLE = {COACH: SECTIONS, STAFF: STAFF_SECTIONS}


def navigation(request):
    """Give a page its role's sections that exist in this version, the current one marked."""
    role = role_of(getattr(request, "user", None))
    sections = SECTIONS_OF_ROLE.get(role)
    if sections is None:
        return {"nav_sections": [], "nav_activity": False}
    items = []
    for label, name in sections:
        try:
            url = link(name, [])
        except NoReverseMatch:
            continue
        current = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    # The Activity page is the practice's own log: a coach's, never staff's.
    return {"nav_sections": items, "nav_activity": role == COACH}


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
