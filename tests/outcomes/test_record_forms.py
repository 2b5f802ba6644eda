"""Adding and correcting a trainee's results chain from the trainee page: each form validates as the
API does, writes nothing on bad input, and only the right people may use it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from tvetbridge.core.services import system_user
from tvetbridge.outcomes import services
from tvetbridge.outcomes.models import (
    Assessment,
    Credential,
    Employment,
    Enrolment,
    IncomeObservation,
    LearningProgress,
)


@pytest.fixture
def trainee(world, users):
    t = services.register_trainee(users["institution"], {"external_key": "R-1", "consent_matching": True,
                                                          "consent_date": dt.date(2024, 1, 1)})
    services.record_enrolment(users["institution"], {"external_key": "R-1-E1", "trainee": t,
                                                     "project": world["project"], "status": "enrolled",
                                                     "start_date": dt.date(2024, 9, 1)})
    return t


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def _new(t, kind):
    return f"/outcomes/trainees/{t.pk}/{kind}/new/"


def test_detail_page_offers_every_form_to_the_institution(trainee, users):
    html = _as(users["institution"]).get(f"/outcomes/trainees/{trainee.pk}/").content.decode()
    for kind in ("enrolment", "progress", "assessment", "credential", "employment", "income"):
        assert _new(trainee, kind) in html, kind


def test_enrolment_form_suggests_key_and_checks_dates(trainee, users, world):
    client = _as(users["institution"])
    assert 'value="R-1-E2"' in client.get(_new(trainee, "enrolment")).content.decode()
    bad = client.post(_new(trainee, "enrolment"), {"external_key": "R-1-E2", "project": world["project"].pk,
                                                   "status": "completed", "start_date": "2024-09-01"})
    assert bad.status_code == 200 and "needs its end date" in bad.content.decode()
    assert Enrolment.objects.filter(trainee=trainee).count() == 1
    ok = client.post(_new(trainee, "enrolment"), {"external_key": "R-1-E2", "project": world["project"].pk,
                                                  "status": "completed", "start_date": "2024-09-01",
                                                  "end_date": "2025-06-30"})
    assert ok.status_code == 302 and Enrolment.objects.get(external_key="R-1-E2").trainee == trainee


def test_employment_before_enrolment_is_refused_and_writes_nothing(trainee, users, world):
    client = _as(users["institution"])
    data = {"external_key": "R-1-J1", "employer_name": "Atyrau Refinery", "country": "KZ",
            "start_date": "2024-05-01", "formal": "on"}
    bad = client.post(_new(trainee, "employment"), data)
    assert bad.status_code == 200 and "before the enrolment" in bad.content.decode()
    assert not Employment.objects.exists()
    ok = client.post(_new(trainee, "employment"), {**data, "start_date": "2025-08-01"})
    assert ok.status_code == 302
    job = Employment.objects.get()
    edit = client.post(f"/outcomes/trainees/{trainee.pk}/employment/{job.pk}/edit/", {**data, "start_date": "2024-01-01"})
    assert "before the enrolment" in edit.content.decode()
    job.refresh_from_db()
    assert job.start_date == dt.date(2025, 8, 1)


def test_income_in_unknown_currency_is_refused(trainee, users):
    client = _as(users["institution"])
    bad = client.post(_new(trainee, "income"), {"period": "2025-09", "amount": "250000", "currency": "ABC",
                                                "source": "payroll"})
    assert bad.status_code == 200 and not IncomeObservation.objects.exists()
    assert "ABC" in bad.content.decode()
    ok = client.post(_new(trainee, "income"), {"period": "2025-09", "amount": "250000", "currency": "KZT",
                                               "source": "payroll", "verified": "on"})
    assert ok.status_code == 302
    income = IncomeObservation.objects.get()
    assert income.period == dt.date(2025, 9, 1) and income.amount == Decimal("250000") and income.verified
    # a second one for the same month and source replaces it, as in the API
    client.post(_new(trainee, "income"), {"period": "2025-09", "amount": "260000", "currency": "KZT",
                                          "source": "payroll"})
    assert IncomeObservation.objects.get().amount == Decimal("260000")


def test_editing_an_income_onto_a_taken_month_is_an_error(trainee, users):
    for month in (9, 10):
        services.record_income(system_user(), {"trainee": trainee, "period": dt.date(2025, month, 1),
                                      "amount": Decimal(1000 * month), "currency": "KZT", "source": "survey"})
    october = IncomeObservation.objects.get(period=dt.date(2025, 10, 1))
    response = _as(users["coordinator"]).post(f"/outcomes/trainees/{trainee.pk}/income/{october.pk}/edit/", {
        "period": "2025-09", "amount": "5", "currency": "KZT", "source": "survey"})
    assert "already an income for this month" in response.content.decode()
    assert sorted(IncomeObservation.objects.values_list("amount", flat=True)) == [Decimal(9000), Decimal(10000)]


def test_progress_assessment_and_credential(trainee, users):
    client = _as(users["institution"])
    enrolment = trainee.enrolments.get()
    assert client.post(_new(trainee, "progress"), {"enrolment": enrolment.pk, "as_of": "2025-01-31",
                                                   "hours": "120", "modules_completed": "3",
                                                   "modules_total": "8"}).status_code == 302
    bad = client.post(_new(trainee, "assessment"), {"enrolment": enrolment.pk, "name": "Forklift practical",
                                                    "date": "2025-02-10", "score": "120", "max_score": "100"})
    assert "above the maximum" in bad.content.decode() and not Assessment.objects.exists()
    assert client.post(_new(trainee, "assessment"), {"enrolment": enrolment.pk, "name": "Forklift practical",
                                                     "date": "2025-02-10", "score": "88", "max_score": "100",
                                                     "passed": "on"}).status_code == 302
    assert client.post(_new(trainee, "credential"), {"enrolment": enrolment.pk, "kind": "language",
                                                     "name": "HSK", "level": "HSK 4",
                                                     "awarded": "2025-06-01"}).status_code == 302
    assert LearningProgress.objects.get().hours == Decimal("120")
    assert Assessment.objects.get().passed and Credential.objects.get().level == "HSK 4"
    credential = Credential.objects.get()
    client.post(f"/outcomes/trainees/{trainee.pk}/credential/{credential.pk}/edit/", {
        "enrolment": enrolment.pk, "kind": "language", "name": "HSK", "level": "HSK 5", "awarded": "2025-06-01"})
    credential.refresh_from_db()
    assert credential.level == "HSK 5" and credential.history.first().history_user == users["institution"]
    page = client.get(f"/outcomes/trainees/{trainee.pk}/").content.decode()
    assert "Forklift practical" in page and "120.0 hours" in page


def test_enrolment_of_another_trainee_cannot_be_chosen(trainee, users, world):
    other = services.register_trainee(system_user(), {"external_key": "R-2", "institution": world["alt"]})
    foreign = services.record_enrolment(system_user(), {"external_key": "R-2-E1", "trainee": other,
                                               "project": world["project"], "status": "enrolled",
                                               "start_date": dt.date(2024, 9, 1)})
    response = _as(users["coordinator"]).post(_new(trainee, "progress"), {
        "enrolment": foreign.pk, "as_of": "2025-01-31", "hours": "10", "modules_completed": "1"})
    assert response.status_code == 200 and not LearningProgress.objects.exists()


@pytest.mark.parametrize("role", ["enterprise", "public"])
def test_who_may_not_write(trainee, users, role, make_user, world):
    client = _as(users[role]) if role != "public" else Client()
    for kind in ("enrolment", "income"):
        response = client.get(_new(trainee, kind))
        assert response.status_code in (302, 403), (role, kind)
    page = client.get(f"/outcomes/trainees/{trainee.pk}/").content.decode()
    assert _new(trainee, "income") not in page


def test_other_institution_may_not_write_and_records_are_scoped(trainee, users, make_user, world):
    other = make_user("institution", institution=world["other_institution"], username="other-inst")
    assert _as(other).post(_new(trainee, "credential"), {"kind": "skill", "name": "x",
                                                         "awarded": "2025-01-01"}).status_code == 403
    assert not Credential.objects.exists()
    enrolment = trainee.enrolments.get()
    stranger = services.register_trainee(system_user(), {"external_key": "R-3"})
    # a record is only reachable under its own trainee
    url = f"/outcomes/trainees/{stranger.pk}/enrolment/{enrolment.pk}/edit/"
    assert _as(users["coordinator"]).get(url).status_code == 404
    assert _as(users["coordinator"]).get(f"/outcomes/trainees/{trainee.pk}/nonsense/new/").status_code == 404


def test_trainee_accounts_see_aggregates_as_the_public_does(make_user):
    from tvetbridge.outcomes.queries import is_public

    assert is_public(make_user("public")) and is_public(make_user("trainee"))
    assert not is_public(make_user("coordinator"))
