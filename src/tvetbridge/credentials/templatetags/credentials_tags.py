"""Template tags other apps' pages use to show recognition facts (the registry's programme page)."""

from __future__ import annotations

from django import template

from .. import queries
from ..models import ProgrammeProfile

register = template.Library()


@register.inclusion_tag("credentials/_placement.html", takes_context=True)
def programme_placement(context, programme):
    """The programme's place on the frameworks, with the links the reader may follow."""
    user = context["request"].user
    profile = queries.placement(programme)
    target = profile or ProgrammeProfile(programme=programme)
    return {"programme": programme, "profile": profile,
            "can_edit": user.has_perm("credentials.change_programmeprofile", target),
            "can_compare": user.has_perm("credentials.use_credit_transfer")}
