"""Hooks for apps above risk. Risk cannot import them (the apps are layered), so a country's risk
page asks who has something to add: each receiver returns a panel (``{"template": ..., ...}``) or None."""

from django.dispatch import Signal

# Sent with ``request`` and ``country``; receivers return a dict with a ``template`` name and context.
country_page = Signal()


def country_panels(request, country) -> list[dict]:
    return [panel for _receiver, panel in country_page.send(sender=None, request=request, country=country) if panel]
