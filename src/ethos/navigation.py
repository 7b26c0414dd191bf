"""The main navigation: one list, so every page shows the same sections in the same order."""

from django.urls import NoReverseMatch, reverse

SECTIONS = [
    ("Dashboard", "home"),
    ("Clients", "clients:list"),
    ("Sessions", "coaching:list"),
    ("Safeguarding", "safeguarding:home"),
    ("Practice", "practice:home"),
    ("Compliance", "standards:compliance"),
]


def navigation(request):
    """Give templates the sections, with a URL for those that exist in this version."""
    items = []
    for label, name in SECTIONS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = None
        current = url is not None and (request.path == url if url == "/" else request.path.startswith(url))
        items.append({"label": label, "url": url, "current": current})
    return {"nav_sections": items}
