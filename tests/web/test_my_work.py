"""Role home pages, the trainee's own record (consent, downloads, interest in vacancies), the public
risk summary and the platform's own error pages."""

import csv
import io
import json

import pytest
from django.test import override_settings
from django.urls import reverse

from tvetbridge.matching import queries as matching_queries
from tvetbridge.matching.models import CandidateList, VacancyInterest


def test_login_lands_on_my_work(journey_world, client):
    response = client.post(reverse("login"), {"username": "coordinator-user", "password": "pw-coordinator-123!"})
    assert response.status_code == 302 and response["Location"] == reverse("my_work")


@pytest.mark.parametrize(("role", "expect"), [
    ("coordinator", ["Proposed workshop", "Employment short of target", "awaiting approval"]),
    ("institution", ["ALT University", "Luban Workshop (ALT)", "Smart logistics", "With employment record"]),
    ("enterprise", ["JD", "Welder in Almaty", "Projects we co-fund"]),
    ("trainee", ["Welder level 3", "Final practical", "240,000 KZT", "Welder in Almaty", "My consent"]),
])
def test_each_role_sees_its_work(journey_world, client, role, expect):
    client.force_login(journey_world["users"][role])
    html = client.get(reverse("my_work")).content.decode()
    for text in expect:
        assert text.replace("240,000", "240000") in html.replace("240,000", "240000"), text


def test_institution_completeness_counts_due_graduates(journey_world, client):
    from tvetbridge.web import queries

    rows = {r["project_id"]: r for r in queries.completeness([journey_world["project"].pk],
                                                              journey_world["enrolment"].end_date.replace(year=2100))}
    row = rows[journey_world["project"].pk]
    assert (row["enrolled"], row["due"], row["with_job"], row["with_income"]) == (1, 1, 1, 1)
    assert row["job_rate"] == 100


def test_trainee_page_shows_no_one_else(journey_world, client):
    client.force_login(journey_world["users"]["trainee"])
    html = client.get(reverse("my_work")).content.decode()
    assert "777777" not in html and "syn-peer-1" not in html
    assert "a" * 64 not in html  # not even their own keyed hash


def test_download_own_data_json_and_csv(journey_world, client):
    client.force_login(journey_world["users"]["trainee"])
    data = json.loads(client.get(reverse("my_data_json")).content)
    assert data["trainee"]["external_key"] == "syn-grad-1"
    assert "identity_hash" not in data["trainee"]
    assert [c["name"] for c in data["credentials"]] == ["Welder level 3"]
    assert sorted(i["amount"] for i in data["incomes"]) == ["240000.00", "250000.00", "90000.00"]
    assert data["assessments"][0]["passed"] is True
    response = client.get(reverse("my_data_csv"))
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["credentials", "1", "name", "Welder level 3"] in rows
    assert not any("777777" in cell for row in rows for cell in row)


@pytest.mark.parametrize("role", ["public", "coordinator", "institution", "enterprise"])
def test_own_record_pages_are_the_trainees_only(journey_world, client, role):
    if role != "public":
        client.force_login(journey_world["users"][role])
    for name in ("my_data_json", "my_data_csv"):
        response = client.get(reverse(name))
        assert response.status_code == (302 if role == "public" else 403)
    response = client.post(reverse("my_consent"), {"consent_matching": ""})
    assert response.status_code == (302 if role == "public" else 403)


def test_withdrawing_matching_consent_is_audited_and_leaves_the_lists(journey_world, client):
    grad, vacancy = journey_world["grad"], journey_world["vacancy"]
    assert grad.pk in CandidateList.objects.get(kind="vacancy", subject_id=vacancy.pk).candidate_ids
    client.force_login(journey_world["users"]["trainee"])
    client.post(reverse("matching_interest", args=[vacancy.pk]))
    assert VacancyInterest.objects.filter(trainee=grad, vacancy=vacancy).exists()
    response = client.post(reverse("my_consent"), {"consent_follow_up": "on", "version": grad.version})
    assert response.status_code == 302
    grad.refresh_from_db()
    assert (grad.consent_matching, grad.consent_follow_up) == (False, True)
    entry = grad.history.order_by("-history_date").first()
    assert entry.history_change_reason == "consent changed"
    assert entry.history_user == journey_world["users"]["trainee"]
    # The update job ran (eager in tests): the trainee is no longer on the vacancy's list.
    assert grad.pk not in CandidateList.objects.get(kind="vacancy", subject_id=vacancy.pk).candidate_ids
    assert not VacancyInterest.objects.filter(trainee=grad).exists()
    html = client.get(reverse("my_work")).content.decode()
    assert 'id="matching-off"' in html


def test_stale_consent_form_is_a_conflict_not_a_lost_update(journey_world, client):
    grad = journey_world["grad"]
    client.force_login(journey_world["users"]["trainee"])
    response = client.post(reverse("my_consent"), {"consent_matching": "on", "version": grad.version - 1 or 99})
    assert response.status_code == 200
    grad.refresh_from_db()
    assert grad.consent_follow_up is True  # unchanged


def test_interest_is_seen_by_that_enterprise_only(journey_world, client):
    vacancy, other = journey_world["vacancy"], journey_world["other_vacancy"]
    users = journey_world["users"]
    client.force_login(users["trainee"])
    assert client.post(reverse("matching_interest", args=[vacancy.pk])).status_code == 302
    assert matching_queries.interested_vacancy_ids(journey_world["grad"].pk) == {vacancy.pk}
    client.force_login(users["enterprise"])
    html = client.get(reverse("matching_vacancy_candidates", args=[vacancy.pk])).content.decode()
    assert 'id="interests"' in html and f"T-{journey_world['grad'].pk}" in html
    assert "1</td></tr>" in client.get(reverse("my_work")).content.decode()  # interested count on home
    client.force_login(users["other_enterprise"])
    assert client.get(reverse("matching_vacancy_candidates", args=[vacancy.pk])).status_code == 403
    assert "T-" not in client.get(reverse("matching_vacancy_candidates", args=[other.pk])).content.decode() \
        .split('id="interested-heading"')[1]


def test_interest_needs_an_open_vacancy_and_the_trainees_own_account(journey_world, client):
    vacancy = journey_world["vacancy"]
    vacancy.status = "closed"
    vacancy.save()
    client.force_login(journey_world["users"]["trainee"])
    client.post(reverse("matching_interest", args=[vacancy.pk]))
    assert not VacancyInterest.objects.exists()
    client.force_login(journey_world["users"]["enterprise"])
    assert client.post(reverse("matching_interest", args=[vacancy.pk])).status_code == 403


def test_vacancy_change_schedules_a_candidate_update(journey_world, django_capture_on_commit_callbacks):
    from tvetbridge.core.models import Job

    vacancy = journey_world["vacancy"]
    with django_capture_on_commit_callbacks(execute=True):
        vacancy.title = "Senior welder"
        vacancy.save()
    assert Job.objects.filter(kind="matching.update_candidates", params__vacancy_ids=[vacancy.pk]).exists()


def test_public_reaches_the_risk_summary_not_alerts(journey_world, client):
    html = client.get(reverse("risk_overview")).content.decode()
    assert 'id="risk-ranking"' in html and 'id="risk-public-note"' in html
    assert "Open alerts" not in html
    response = client.get(reverse("risk_country", args=["TJ"]))
    assert response.status_code == 200
    assert 'id="risk-value"' in response.content.decode()
    assert "Dushanbe Luban Workshop" not in response.content.decode()  # projects exposed: members only


def test_flag_list_for_institution_staff(journey_world, client):
    client.force_login(journey_world["users"]["institution"])
    response = client.get(reverse("outcomes_flags"))
    assert response.status_code == 200
    assert journey_world["project"].name in response.content.decode()


def test_error_pages_are_the_platforms_own_in_the_users_language(journey_world, client):
    assert "Страница не найдена" in client.get("/ru/no-such-page/").content.decode()
    assert "页面未找到" in client.get("/zh-hans/no-such-page/").content.decode()
    client.force_login(journey_world["users"]["trainee"])
    response = client.get("/kk/audit/")
    assert response.status_code == 403 and 'id="error-403"' in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_page(journey_world, rf):
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("ru"):
        html = server_error(rf.get("/")).content.decode()
    assert 'id="error-500"' in html and "TVET Bridge" not in html.split("<title>")[0]
