"""``{% load risk_tags %}``: ``{% risk_badge country %}`` for country and project pages, and a filter
that words an alert in the active language."""

from __future__ import annotations

from django import template

from .. import queries, services
from ..labels import class_label, inform_label

register = template.Library()


@register.inclusion_tag("risk/badge.html")
def risk_badge(country):
    """Class, score and open alerts of a country (a Country or an ISO code), linking to its risk page."""
    return {"summary": queries.country_risk_summary(country) if country else None}


@register.filter
def alert_summary(alert) -> str:
    return services.alert_summary(alert)


@register.filter
def risk_class_label(name: str) -> str:
    return class_label(name)


@register.filter
def inform_name(name: str) -> str:
    return inform_label(name)


@register.filter
def percent_of(value, scale=10):
    """Position on a 0-scale axis as a CSS percentage."""
    try:
        return f"{max(0.0, min(100.0, 100.0 * float(value) / float(scale))):.1f}"
    except (TypeError, ValueError):
        return "0"
