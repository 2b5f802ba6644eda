"""The project results page and the flag review page as a coordinator sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tvetbridge.demo import outcomes as demo_outcomes
from tvetbridge.outcomes import flags
from tvetbridge.outcomes.models import QualityFlag


@pytest.fixture
def page_data(world):
    demo_outcomes.generate([world["project"]], seed=5, per_project=120, today=dt.date.today())
    flags.evaluate_project(world["project"])
    return world["project"]


def _as(user):
    c = Client()
    c.force_login(user)
    return c


def test_coordinator_sees_funnel_targets_impact_and_flags(page_data, users):
    html = _as(users["coordinator"]).get(f"/outcomes/projects/{page_data.pk}/").content.decode()
    for text in ("Results chain", "<svg", "Targets by county and region", "Almaty", "Impact on income",
                 "doubly robust (AIPW)", "95% interval", "SMD before", "Assumptions", "Quality flags"):
        assert text in html, text
    assert "USD at" in html  # the money basis is stated


def test_basis_switch_and_public_view(page_data, users):
    html = _as(users["coordinator"]).get(f"/outcomes/projects/{page_data.pk}/?currency=KZT&prices=nominal").content
    assert b"KZT, nominal" in html
    public = Client().get(f"/outcomes/projects/{page_data.pk}/").content.decode()
    assert "Impact on income" not in public and "Quality flags" not in public and "Results chain" in public


def test_flag_review_form(page_data, users):
    flag = QualityFlag.objects.filter(project=page_data).first()
    if flag is None:
        flag = QualityFlag.objects.create(project=page_data, rule="unreported", evidence={"a": 1})
    url = f"/outcomes/flags/{flag.pk}/"
    assert _as(users["enterprise"]).get(url).status_code == 403
    response = _as(users["coordinator"]).post(url, {"status": "resolved", "comment": "Checked with the college."})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "resolved"


def test_country_alliance_money_and_import_pages(page_data, users):
    c = _as(users["coordinator"])
    assert c.get("/outcomes/countries/KZ/").status_code == 200
    assert c.get("/outcomes/money/").status_code == 200
    response = c.post("/outcomes/import/", {"kind": "incomes", "file": _upload("trainee,period,amount,currency,"
                                                                                "source\nX,2025-01,1,ABC,tax\n")})
    assert b"nothing was imported" in response.content and b"ABC" in response.content


def _upload(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("i.csv", text.encode(), content_type="text/csv")


@pytest.mark.parametrize("lang,words", [
    ("en", ("Reliable", "Fragile", "Not estimable")),
    ("zh-hans", ("可靠", "不稳健", "无法估计")),
    ("ru", ("Надёжная", "Ненадёжная", "Оценить нельзя")),
    ("kk", ("Сенімді", "Тұрақсыз", "Бағалау мүмкін емес")),
])
def test_results_page_states_the_impact_verdict_in_four_languages(page_data, users, lang, words):
    from tvetbridge.outcomes.services import project_impact

    verdict = project_impact(page_data)["reliability"]["verdict"]
    prefix = "" if lang == "en" else f"/{lang}"
    html = _as(users["coordinator"]).get(f"{prefix}/outcomes/projects/{page_data.pk}/").content.decode()
    assert f'data-verdict="{verdict}"' in html
    title = dict(zip(("reliable", "fragile", "not_estimable"), words, strict=True))[verdict]
    assert title in html
    assert "%(" not in html  # every placeholder was filled
