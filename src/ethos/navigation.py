"""The main navigation: one list per role, so every page shows the same sections in the same order."""

from django import template
from django.urls import NoReverseMatch
from django.utils.safestring import SafeString, mark_safe

from .links import app_of, link
from .web import COACH, STAFF, csrf_input, escape, role_of

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


# The signed-in part of the site header (the menu, the account link, Lock and Sign out), as
# base.html's template wrote it: on every page, its forty-odd template nodes cost more than the
# rest of a short page's layout, so it is written here, every value escaped. A test renders the
# template it replaced and compares the two, signed in or not, with and without a vault.
register = template.Library()

_MENU = (
    '\n      <nav class="site-nav" aria-label="Main">\n        <ul>\n          {}'
    "\n        </ul>\n      </nav>\n      "
)
_MENU_ITEM = '\n          <li><a href="{}"{}>{}</a></li>\n          '
_CURRENT = ' aria-current="page"'
_ACTIVITY = '<a href="{}">Activity</a>'
_FORM = (
    '\n        <form method="post" action="{}" class="inline-form">\n          {}\n'
    '          <button type="submit" class="button button--quiet">{}</button>\n        </form>'
)
_ACCOUNT = (
    '\n      {menu}\n      <div class="site-account">\n        {activity}\n'
    '        <a href="{account}">{name}</a>\n        {lock}{sign_out}\n      </div>\n      '
)


def _link(context, view_name: str) -> str:
    return escape(link(view_name, [], app_of(context.get("request"))))


@register.simple_tag(takes_context=True)
def site_account(context) -> SafeString:
    """The signed-in person's menu and account links: nothing for a visitor who is not signed in."""
    user = context.get("user")
    if not getattr(user, "is_authenticated", False):
        return mark_safe("")  # nosec B308 B703 - empty
    sections = context.get("nav_sections")
    menu = ""
    if sections:
        menu = _MENU.format(
            "".join(
                _MENU_ITEM.format(
                    escape(section["url"]), _CURRENT if section["current"] else "", escape(section["label"])
                )
                for section in sections
            )
        )
    token = csrf_input(context.get("csrf_token"))
    request = context.get("request")
    html = _ACCOUNT.format(
        menu=menu,
        activity=_ACTIVITY.format(_link(context, "audit:activity")) if context.get("nav_activity") else "",
        account=_link(context, "accounts:account"),
        name=escape(user.name or user.email),
        lock=_FORM.format(_link(context, "accounts:lock"), token, "Lock") + "\n        "
        if getattr(request, "vault", None)
        else "",
        sign_out=_FORM.format(_link(context, "accounts:sign_out"), token, "Sign out"),
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped
