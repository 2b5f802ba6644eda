"""No database constraint name ever reaches a user (issue 12, part 10): a rule the database enforces is
refused on the field it concerns, in the reader's language, through a form, the API and an import; a
region of another country is refused everywhere too."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint
from django.test import Client
from django.utils import translation

from tvetbridge.core.constraints import MESSAGES, from_integrity_error

from .test_api_records import PROGRAMME

LEAKS = re.compile(r"uniq_|_check\b|constraint failed|Constraint “|violates|IntegrityError|"
                   + "|".join(re.escape(name) for name in MESSAGES))


def _no_leak(text: str) -> None:
    assert not LEAKS.search(text), LEAKS.search(text).group(0)


def _page(user):
    client = Client()
    client.force_login(user)
    return client


def test_every_check_constraint_of_the_project_has_its_sentence():
    missing = [f"{model._meta.label}.{c.name}" for model in apps.get_models()
               if model.__module__.startswith("tvetbridge.")
               for c in model._meta.constraints if isinstance(c, CheckConstraint) and c.name not in MESSAGES]
    assert missing == []


def test_check_constraint_through_the_form_is_a_field_error_in_the_readers_language(world, users):
    client = _page(users["coordinator"])
    data = {**PROGRAMME, "external_key": "prog-over", "institution": world["alt"].pk, "field": world["logistics"].pk,
            "languages": [], "intake_capacity": 10, "expected_graduates": 20}
    html = client.post("/ru/programmes/new/", data).content.decode()
    _no_leak(html)
    assert 'class="error-summary"' in html and 'href="#id_expected_graduates"' in html
    with translation.override("ru"):
        from django.utils.translation import gettext
        assert gettext(str(MESSAGES["graduates_within_capacity"][1])) in html


def test_check_constraint_through_the_api_names_the_field(world, api_as):
    response = api_as("coordinator").post("/programmes", {**PROGRAMME, "institution": world["alt"].pk,
                                                          "intake_capacity": 10, "expected_graduates": 20})
    assert response.status_code == 422
    _no_leak(response.content.decode())
    assert "expected_graduates" in response.json()["errors"]


def test_project_dates_through_form_and_api(world, users, api_as):
    response = api_as("coordinator").patch(f"/projects/{world['project'].pk}",
                                           {"start_date": "2026-09-01", "end_date": "2025-01-01"}, current=True)
    assert response.status_code == 422 and "end_date" in response.json()["errors"]
    _no_leak(response.content.decode())
    html = _page(users["coordinator"]).post(f"/projects/{world['project'].pk}/edit/", {
        "name_en": "Luban Workshop (ALT)", "kind": "luban_workshop", "status": "active", "host_country": "KZ",
        "start_date": "2026-09-01", "end_date": "2025-01-01", "version": 1}).content.decode()
    _no_leak(html)
    assert 'href="#id_end_date"' in html


def test_unique_target_through_form_and_api(world, users, api_as):
    project = world["project"]
    api = api_as("coordinator")
    first = {"region": "KZ-75", "indicator": "trainees", "value": "10"}
    assert api.post(f"/outcomes/projects/{project.pk}/targets", first).status_code == 201
    again = api.post(f"/outcomes/projects/{project.pk}/targets", first)
    assert again.status_code in (409, 422)
    _no_leak(again.content.decode())
    html = _page(users["coordinator"]).post(f"/outcomes/projects/{project.pk}/targets/new/", {
        "region": world["almaty"].pk, "indicator": "trainees", "value": "12"}).content.decode()
    _no_leak(html)
    assert 'class="error-summary"' in html


def test_a_refusal_only_the_database_saw_is_explained(world):
    """Two requests racing past validation: the database's own words never reach the user."""
    from tvetbridge.core.models import ExchangeRate

    rate = ExchangeRate.objects.order_by("pk").first() or ExchangeRate.objects.create(
        currency="KZT", date="2024-01-01", per_usd=450)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        ExchangeRate.objects.create(currency=rate.currency, date=rate.date, per_usd=1)
    error = from_integrity_error(caught.value)
    text = " ".join(m for ms in error.message_dict.values() for m in ms)
    _no_leak(text)
    assert "date" in error.message_dict or "currency" in error.message_dict
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        world["programme"].__class__.objects.filter(pk=world["programme"].pk).update(expected_graduates=999)
    error = from_integrity_error(caught.value)
    assert "expected_graduates" in error.message_dict
    _no_leak(str(error.message_dict))


def test_region_of_another_country_is_refused_by_form_and_api(world, users, api_as):
    response = api_as("coordinator").post("/institutions", {
        "external_key": "inst-x", "name_en": "X College", "kind": "college", "country": "kz", "region": "CN-XJ"})
    assert response.status_code == 422 and "region" in response.json()["errors"]
    html = _page(users["coordinator"]).post("/institutions/new/", {
        "name_en": "X College", "kind": "college", "country": "KZ", "region": world["xj"].pk}).content.decode()
    assert 'href="#id_region"' in html
    form = _page(users["coordinator"]).get("/institutions/new/").content.decode()
    # the region list names each region's country, for the page's script to follow the country choice
    assert 'data-follows="id_country"' in form and 'data-country="CN"' in form


def test_institution_staff_are_offered_only_their_own_programmes(world, users):
    from tvetbridge.outcomes.models import Trainee
    from tvetbridge.registry.models import Programme

    Programme.objects.create(external_key="prog-other", institution=world["other_institution"], name="Not mine",
                             field=world["logistics"], isced_level=5, duration_months=12, intake_capacity=10,
                             expected_graduates=5)
    trainee = Trainee.objects.create(external_key="t-own", institution=world["alt"])
    html = _page(users["institution"]).get(f"/outcomes/trainees/{trainee.pk}/enrolment/new/").content.decode()
    assert "Smart logistics · ALT University" in html and "Not mine" not in html
