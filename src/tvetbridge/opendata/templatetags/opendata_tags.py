"""The enterprise's public-listing box, shown on its "My work" page and its registry page."""

from django import template

from tvetbridge.opendata import queries

register = template.Library()


@register.inclusion_tag("opendata/_listing_box.html", takes_context=True)
def enterprise_listing_box(context, enterprise):
    state = queries.enterprise_listing_state(context["request"].user, enterprise) if enterprise else None
    return {"state": state}
