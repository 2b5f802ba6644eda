"""Fixtures of the risk tests: every INFORM country in the country table, INFORM loaded, scores computed."""

from __future__ import annotations

import pycountry
import pytest


@pytest.fixture
def all_countries(world):
    """The conftest world plus every ISO 3166-1 country (INFORM covers 191 of them)."""
    from tvetbridge.core.models import Country

    have = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create([
        Country(code=c.alpha_2, iso3=c.alpha_3, numeric=int(c.numeric), name=getattr(c, "common_name", c.name),
                is_focus=c.alpha_2 in {"UZ", "KG", "TM", "RU"})
        for c in pycountry.countries if c.alpha_2 not in have])
    from tvetbridge.core.reference import FOCUS_COUNTRIES

    # Country names in every language, as the reference loader gives them, so reports can be checked.
    for code, (en, zh, ru, kk, *_rest) in FOCUS_COUNTRIES.items():
        Country.objects.filter(code=code).update(name=en, name_en=en, name_zh_hans=zh, name_ru=ru, name_kk=kk,
                                                 is_focus=True)
    return world


@pytest.fixture
def risk_world(all_countries, settings):
    """INFORM loaded and the current quarter scored; a live project in Tajikistan."""
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.risk import services

    settings.RISK_MONTE_CARLO_DRAWS = 200
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tj_project = CooperationProject.objects.create(
        external_key="proj-tj", name="Dushanbe Luban Workshop", kind="luban_workshop", status="active",
        host_country=all_countries["tj"])
    services.load_inform()
    services.recompute_risk(services.current_period())
    return {**all_countries, "tj_project": tj_project}
