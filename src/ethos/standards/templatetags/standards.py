from django import template

from ethos.standards.selectors import open_items_for

register = template.Library()


@register.inclusion_tag("standards/open_items.html", takes_context=True)
def open_items_panel(context):
    """Render the signed-in coach's open items (for the dashboard)."""
    user = context["request"].user
    return {"open_items": open_items_for(user) if user.is_authenticated else []}
