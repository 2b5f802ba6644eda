"""A coordinator sees Tajikistan's risk and drivers, records an event that crosses the alert level and
sees the alert, then downloads the quarterly region report as PDF in Russian and in Chinese."""

from __future__ import annotations

import io

import pycountry
import pytest
from django.urls import reverse
from pypdf import PdfReader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def scene(world, make_user, settings):
    from tvetbridge.core.models import Country
    from tvetbridge.core.reference import FOCUS_COUNTRIES
    from tvetbridge.registry.models import CooperationProject
    from tvetbridge.risk import services

    settings.RISK_MONTE_CARLO_DRAWS = 200
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    have = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create([Country(code=c.alpha_2, iso3=c.alpha_3, numeric=int(c.numeric), name=c.name)
                                 for c in pycountry.countries if c.alpha_2 not in have])
    for code, (en, zh, ru, kk, *_rest) in FOCUS_COUNTRIES.items():
        Country.objects.filter(code=code).update(name=en, name_en=en, name_zh_hans=zh, name_ru=ru, name_kk=kk,
                                                 is_focus=True)
    CooperationProject.objects.create(external_key="proj-tj", name="Dushanbe Luban Workshop", kind="luban_workshop",
                                      status="active", host_country=world["tj"])
    services.load_inform()
    services.recompute_risk(services.current_period())
    make_user("coordinator", username="coord")
    return {"period": str(services.current_period())}


def _login(page, base):
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", "coord")
    page.fill("input[name=password]", "pw-coordinator-123!")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def _download_report(page, base, period, language) -> str:
    page.goto(base + reverse("reports"))
    page.select_option("#id_kind", "risk")
    page.select_option("#id_scope", "region")
    page.fill("#id_period", period)
    page.select_option("#id_language", language)
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#job-links:not([hidden])", timeout=120_000)
    with page.expect_download() as info:
        page.click("#link-pdf")
    data = open(info.value.path(), "rb").read()
    # Table cells wrap: compare with whitespace collapsed.
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def test_coordinator_risk_alert_and_reports(scene, live_server, browser):
    page = browser.new_page(accept_downloads=True)
    base = live_server.url
    _login(page, base)

    page.goto(base + reverse("risk_country", args=["TJ"]))
    assert page.inner_text("#risk-class") == "Medium"
    assert page.inner_text("#main-driver") == "Hazard & exposure"
    assert "Earthquake" in page.inner_text("#risk-drivers")

    page.click("#add-event")
    page.fill("#id_date", __import__("tvetbridge.risk.services", fromlist=["today"]).today().isoformat())
    page.select_option("#id_kind", "security_incident")
    page.fill("#id_severity", "5")
    page.fill("#id_title_en", "Border clashes near Isfara")
    page.fill("#id_source", "Reuters, 20 November 2026")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url("**/risk/countries/TJ/")
    assert page.inner_text("#risk-class") == "High"
    alerts = page.inner_text("#risk-alerts")
    assert "reached the alert level" in alerts and "Dushanbe Luban Workshop" in alerts

    ru = _download_report(page, base, scene["period"], "ru")
    assert "Таджикистан" in ru and "Border clashes near Isfara" in ru
    zh = _download_report(page, base, scene["period"], "zh-hans")
    assert "塔吉克斯坦" in zh and "哈萨克斯坦" in zh
