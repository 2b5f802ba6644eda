"""Results targets (ProjectTarget) set and edited from the project page and the API by those
allowed, with versions: a project's own institution and coordinators, nobody else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from tvetbridge.outcomes.models import ProjectTarget


def _page(user):
    client = Client()
    client.force_login(user)
    return client


def test_institution_adds_and_edits_a_target_from_the_project_page(world, users):
    project = world["project"]
    client = _page(users["institution"])
    results = client.get(f"/outcomes/projects/{project.pk}/").content.decode()
    assert f"/outcomes/projects/{project.pk}/targets/new/" in results
    form = client.get(f"/outcomes/projects/{project.pk}/targets/new/").content.decode()
    # only the host country's regions are offered
    assert "Almaty" in form and "Xinjiang" not in form
    ok = client.post(f"/outcomes/projects/{project.pk}/targets/new/",
                     {"region": world["almaty"].pk, "indicator": "trainees", "value": "40"})
    assert ok.status_code == 302
    target = ProjectTarget.objects.get(project=project)
    assert (target.region, target.value, target.version) == (world["almaty"], Decimal(40), 1)
    edit_url = f"/outcomes/projects/{project.pk}/targets/{target.pk}/"
    assert edit_url in client.get(f"/outcomes/projects/{project.pk}/").content.decode()
    assert client.post(edit_url, {"region": world["almaty"].pk, "indicator": "trainees", "value": "45",
                                  "version": 1}).status_code == 302
    # a second person still holding version 1 gets a conflict, not a silent overwrite
    stale = client.post(edit_url, {"region": world["almaty"].pk, "indicator": "trainees", "value": "50",
                                   "version": 1})
    assert stale.status_code == 200 and 'class="conflict"' in stale.content.decode()
    target.refresh_from_db()
    assert target.value == Decimal(45) and target.version == 2


def test_bad_target_is_refused_on_its_field_and_nothing_written(world, users):
    project = world["project"]
    client = _page(users["coordinator"])
    url = f"/outcomes/projects/{project.pk}/targets/new/"
    over = client.post(url, {"indicator": "completion", "value": "120"})
    assert over.status_code == 200 and "cannot exceed 100%" in over.content.decode()
    no_currency = client.post(url, {"indicator": "income_gain", "value": "80"})
    assert "Give the currency" in no_currency.content.decode()
    assert client.post(url, {"indicator": "trainees", "value": "30"}).status_code == 302
    # a second whole-project target for the same indicator (the database lets blank regions repeat)
    twin = client.post(url, {"indicator": "trainees", "value": "31"})
    assert twin.status_code == 200 and "already has a target" in twin.content.decode()
    assert ProjectTarget.objects.filter(project=project).count() == 1


@pytest.mark.parametrize("role", ["enterprise", "public"])
def test_others_are_not_offered_the_target_forms(world, users, role):
    project = world["project"]
    client = Client()
    if role != "public":
        client.force_login(users[role])
    html = client.get(f"/outcomes/projects/{project.pk}/").content.decode()
    assert "/targets/new/" not in html
    response = client.post(f"/outcomes/projects/{project.pk}/targets/new/", {"indicator": "trainees", "value": "9"})
    assert response.status_code in (302, 403) and not ProjectTarget.objects.exists()


def test_staff_of_another_institution_may_not_set_targets(world, make_user):
    other = make_user("institution", institution=world["other_institution"], username="other-staff")
    response = _page(other).post(f"/outcomes/projects/{world['project'].pk}/targets/new/",
                                 {"indicator": "trainees", "value": "9"})
    assert response.status_code == 403 and not ProjectTarget.objects.exists()


def test_api_sets_changes_and_deletes_a_target_with_versions(world, api_as):
    project = world["project"]
    api = api_as("institution")
    created = api.post(f"/outcomes/projects/{project.pk}/targets",
                       {"region": "KZ-75", "indicator": "employment_6m", "value": "70"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["region"] == "KZ-75" and created["ETag"] == 'W/"1"'
    path = f"/outcomes/targets/{body['id']}"
    assert api.patch(path, {"value": "75"}).status_code == 428  # no version named
    changed = api.patch(path, {"value": "75"}, headers={"If-Match": 'W/"1"'})
    assert changed.status_code == 200 and changed.json()["value"] in ("75", "75.00", 75)
    assert api.patch(path, {"value": "80"}, headers={"If-Match": 'W/"1"'}).status_code == 412
    assert api.patch(path, {"value": "180"}, headers={"If-Match": 'W/"2"'}).status_code == 422
    wrong_region = api.post(f"/outcomes/projects/{project.pk}/targets",
                            {"region": "CN-XJ", "indicator": "trainees", "value": "10"})
    assert wrong_region.status_code == 422 and "region" in wrong_region.json()["errors"]
    # deleting is the coordinators' decision
    assert api.delete(path, headers={"If-Match": 'W/"2"'}).status_code == 403
    assert api_as("coordinator").delete(path, headers={"If-Match": 'W/"2"'}).status_code == 204
    assert not ProjectTarget.objects.exists()


@pytest.mark.parametrize("role", ["enterprise", "public"])
def test_api_refuses_targets_to_others(world, api_as, role):
    response = api_as(role).post(f"/outcomes/projects/{world['project'].pk}/targets",
                                 {"indicator": "trainees", "value": "10"})
    assert response.status_code in (401, 403) and not ProjectTarget.objects.exists()


def test_results_page_without_exchange_rates_says_so_instead_of_failing(world, users):
    from tvetbridge.core.models import ExchangeRate
    from tvetbridge.outcomes.models import Enrolment, IncomeObservation, Trainee

    t = Trainee.objects.create(external_key="fx-1", baseline_income=Decimal(90000), baseline_currency="KZT")
    Enrolment.objects.create(external_key="fx-1-E", trainee=t, project=world["project"], status="completed",
                             start_date=dt.date(2023, 9, 1), end_date=dt.date(2024, 6, 30))
    IncomeObservation.objects.create(trainee=t, period=dt.date(2024, 10, 1), amount=Decimal(250000), currency="KZT",
                                     source="survey")
    ExchangeRate.objects.filter(currency="KZT").delete()
    response = _page(users["coordinator"]).get(f"/outcomes/projects/{world['project'].pk}/")
    assert response.status_code == 503
    assert 'id="money-missing"' in response.content.decode() and "KZT" in response.content.decode()
