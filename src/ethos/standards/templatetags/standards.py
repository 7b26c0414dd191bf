from django import template

from ethos.standards.selectors import open_items_for
from ethos.standards.subjects import describe

register = template.Library()


@register.inclusion_tag("standards/open_items.html", takes_context=True)
def open_items_panel(context):
    """Render the signed-in coach's open items (for the dashboard), each with whom it is about."""
    user = context["request"].user
    items = open_items_for(user) if user.is_authenticated else []
    # One batch per kind of subject, however many items: names are decrypted here, never stored.
    described = describe(user, items) if items else {}
    rows = [(item, described.get((item.subject_type, item.subject_id))) for item in items]
    return {"open_items": rows}
