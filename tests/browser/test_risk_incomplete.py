"""A country whose INFORM data lacks a whole dimension: the public risk page shows its score flagged
"incomplete" and names the missing dimension, in the reader's language (issue #19 part 4)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["RISK_SHOTS"]) if os.environ.get("RISK_SHOTS") else None


def test_incomplete_score_is_flagged_on_the_country_page(risk_world, live_server, page):
    from tvetbridge.risk import services
    from tvetbridge.risk.engine.inform import INFORM_2021
    from tvetbridge.risk.models import Observation

    def under(name):
        try:
            return [leaf for child in INFORM_2021.node(name).children for leaf in under(child)]
        except ValueError:
            return [name]

    vulnerability = under("VULNERABILITY")
    Observation.objects.filter(country_id="TJ", indicator__inform_name__in=vulnerability).delete()
    services.recompute_risk(services.current_period())

    with translation.override("ru"):
        url = reverse("risk_country", args=["TJ"])  # language-prefixed: /ru/...
    page.goto(live_server.url + url)
    flag = page.locator("#risk-incomplete")
    assert flag.is_visible()
    assert "Неполный" in flag.inner_text() and "Уязвимость" in flag.inner_text()
    assert "нет данных" in page.inner_text("#risk-score")
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "risk-incomplete-ru.png"), full_page=True)
