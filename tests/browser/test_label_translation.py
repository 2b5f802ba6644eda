"""Issue #13, done when: a coordinator adds a Kazakh label for an occupation, approves it, and a Kazakh
trainee's matches page shows it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from .helpers import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["LABEL_SHOTS"]) if os.environ.get("LABEL_SHOTS") else None
LABEL = "Құбыр дәнекерлеушісі (НКЗ)"


def shot(page, name):
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_coordinator_adds_and_approves_a_kazakh_label_a_kazakh_trainee_sees_it(journey_world, live_server, page):
    occupation = journey_world["vacancy"].occupation
    base = live_server.url

    login(page, base, "coordinator-user", "pw-coordinator-123!")
    page.goto(base + reverse("taxonomy_occupation", args=[occupation.esco_id]))
    page.click('a.propose-label[href*="language=kk"]')
    page.fill("#id_label", LABEL)
    page.fill("#id_source", "НКЗ 2023, 7212")
    shot(page, "label-propose")
    page.click("#propose-label button[type=submit]")
    row = page.locator("#label-proposals tbody tr", has_text=LABEL)
    assert row.locator(".status-proposed").is_visible()
    shot(page, "label-list-proposed")
    row.locator('button[value="approve"]').click()
    row = page.locator("#label-proposals tbody tr", has_text=LABEL)
    assert row.locator(".status-approved").is_visible()
    shot(page, "label-list-approved")

    page.context.clear_cookies()
    login(page, base, "graduate", "pw-trainee-123!")
    with translation.override("kk"):
        url = reverse("matching_my_matches")
    page.goto(base + url)
    cell = page.locator("#matches tbody tr", has_text=journey_world["vacancy"].title).locator(".occupation")
    assert cell.inner_text().strip() == LABEL
    assert page.locator("html").get_attribute("lang") == "kk"
    shot(page, "label-trainee-matches-kk")
