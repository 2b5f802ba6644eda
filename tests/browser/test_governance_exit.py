"""An institution applies to run a workshop abroad with its exit plan; a coordinator approves it; a
risk event on the host country raises an alert, the country's risk page names the agreement clauses
protecting the project, and the coordinator opens the exit plan from there."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pycountry
import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("GOVERNANCE_SHOTS", "")) if os.environ.get("GOVERNANCE_SHOTS") else None


@pytest.fixture
def scene(world, make_user, settings):
    from tvetbridge.core.models import Country
    from tvetbridge.core.reference import FOCUS_COUNTRIES
    from tvetbridge.core.services import system_user
    from tvetbridge.governance import services as governance
    from tvetbridge.risk import services

    settings.RISK_MONTE_CARLO_DRAWS = 200
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    have = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create([Country(code=c.alpha_2, iso3=c.alpha_3, numeric=int(c.numeric), name=c.name)
                                 for c in pycountry.countries if c.alpha_2 not in have])
    for code, (en, zh, ru, kk, *_rest) in FOCUS_COUNTRIES.items():
        Country.objects.filter(code=code).update(name=en, name_en=en, name_zh_hans=zh, name_ru=ru, name_kk=kk,
                                                 is_focus=True)
    services.load_inform()
    services.recompute_risk(services.current_period())
    today = dt.date.today()
    agreement = governance.create_agreement(system_user(), {
        "title": "Kazakhstan–China framework on vocational cooperation", "level": "intergovernmental",
        "kind": "framework", "status": "signed", "signed_on": today - dt.timedelta(days=300),
        "institutions": [world["urumqi"], world["alt"]], "projects": [world["project"]]})
    governance.add_clause(system_user(), agreement, {
        "kind": "student_transfer", "reference": "Art. 9",
        "text": "Enrolled students finish their programme at ALT University."})
    make_user("coordinator", username="coord")
    make_user("institution", institution=world["urumqi"], username="urumqi")
    return world


def _login(browser, base, username, password):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page, name):
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_apply_approve_alert_and_exit(scene, live_server, browser):
    from tvetbridge.governance.models import ExitPlan, OverseasOperation

    base = live_server.url
    operator = _login(browser, base, "urumqi", "pw-institution-123!")
    operator.goto(base + reverse("governance_home"))
    operator.click("text=Apply to operate abroad")
    operator.select_option("#id_project", str(scene["project"].pk))
    operator.select_option("#id_kind", "luban_workshop")
    operator.fill("#id_site", "ALT University, Almaty")
    operator.fill("#id_qualifications", "Accredited higher vocational institution; workshops abroad since 2019.")
    operator.fill("#id_teachers_dispatched", "4")
    operator.fill("#id_students_planned", "60")
    operator.click("form.record-form button[type=submit]")
    operator.wait_for_url("**/exit-plan/")
    operator.fill("#id_students", "Students finish the year; the rest transfer to ALT University.")
    operator.fill("#id_teachers", "Teachers return to Urumqi within 60 days.")
    operator.fill("#id_assets", "Equipment is donated to ALT University.")
    operator.click("form.record-form button[type=submit]")
    operator.click("#op-actions button[value=submit]")
    assert operator.inner_text("#op-status") == "submitted"
    _shot(operator, "operation-submitted-en")
    op = OverseasOperation.objects.get()

    coordinator = _login(browser, base, "coord", "pw-coordinator-123!")
    coordinator.goto(base + reverse("governance_operation", args=[op.pk]))
    coordinator.click("#op-actions button[value=approve]")
    assert coordinator.inner_text("#op-status") == "approved"

    coordinator.goto(base + reverse("risk_country_event_create", args=["KZ"]))
    coordinator.fill("#id_date", dt.date.today().isoformat())
    coordinator.select_option("#id_kind", "regime_change")
    coordinator.fill("#id_severity", "5")
    coordinator.fill("#id_title_en", "Government dissolved; cooperation agreements under review")
    coordinator.fill("#id_source", "Official gazette")
    coordinator.click("form.record-form button[type=submit]")
    coordinator.wait_for_url("**/risk/countries/KZ/")
    assert "Luban Workshop (ALT)" in coordinator.inner_text("#risk-alerts")
    panel = coordinator.inner_text("#governance-protection")
    assert "transfer of students" in panel and "Art. 9" in panel and "finish their programme at ALT" in panel
    _shot(coordinator, "risk-country-kz-en")
    coordinator.goto(base + "/ru" + reverse("risk_country", args=["KZ"]))
    assert "Art. 9" in coordinator.inner_text("#governance-protection")
    _shot(coordinator, "risk-country-kz-ru")
    coordinator.goto(base + reverse("risk_country", args=["KZ"]))
    coordinator.click("#governance-protection button.exit-trigger")
    coordinator.wait_for_url(f"**/governance/operations/{op.pk}/")
    assert coordinator.inner_text("#exit-status") == "triggered"
    assert coordinator.inner_text("#op-status") == "exit under way"
    plan = ExitPlan.objects.get(operation=op)
    assert plan.trigger_alert is not None and plan.trigger_alert.country_id == "KZ"
    _shot(coordinator, "operation-exiting-en")
    coordinator.goto(base + "/zh-hans" + reverse("governance_operation", args=[op.pk]))
    _shot(coordinator, "operation-exiting-zh")
    coordinator.goto(base + "/ru" + reverse("governance_home"))
    _shot(coordinator, "governance-home-ru")
    coordinator.goto(base + reverse("governance_home"))
    _shot(coordinator, "governance-home-en")
