"""Trainee records, identity hashing, money conversion, targets and the demo generator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tvetbridge.demo import outcomes as demo_outcomes
from tvetbridge.outcomes import services
from tvetbridge.outcomes.identity import identity_hash
from tvetbridge.outcomes.models import Employment, Enrolment, IncomeObservation, ProjectTarget, Trainee
from tvetbridge.outcomes.money import Basis, PriceTables
from tvetbridge.outcomes.queries import elapsed_share, target_progress
from tvetbridge.outcomes.services import project_impact

TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def trainee(world, users):
    return services.register_trainee(users["institution"], {
        "external_key": "T-1", "gender": "female", "birth_year": 2002, "home_region": world["almaty"],
        "baseline_income": Decimal("120000"), "baseline_currency": "KZT", "consent_follow_up": True,
        "consent_date": dt.date(2024, 9, 1)}, identity_number="850101 300 123")


def test_identity_is_stored_only_as_keyed_hash(trainee):
    stored = Trainee.objects.get(pk=trainee.pk)
    assert stored.identity_hash == identity_hash("850101300123")
    assert "850101300123" not in str(Trainee.objects.filter(pk=trainee.pk).values().first())
    assert len(stored.identity_hash) == 64
    # history rows never keep the hash either
    assert not hasattr(stored.history.first(), "identity_hash")


def test_same_identity_number_twice_is_a_clear_error(trainee, users):
    with pytest.raises(ValidationError) as exc:
        services.register_trainee(users["coordinator"], {"external_key": "T-2"}, identity_number="850101-300-123")
    assert "already registered" in str(exc.value) and "T-1" in str(exc.value)
    assert Trainee.objects.count() == 1


def test_institution_staff_register_for_their_own_institution(trainee, world):
    assert trainee.institution == world["alt"]


def test_enterprise_staff_cannot_register_trainees(users):
    with pytest.raises(PermissionDenied):
        services.register_trainee(users["enterprise"], {"external_key": "T-9"})


def test_employment_before_enrolment_start_is_rejected(trainee, world, users):
    services.record_enrolment(users["institution"], {
        "external_key": "E-1", "trainee": trainee, "project": world["project"], "status": "enrolled",
        "start_date": dt.date(2024, 9, 1)})
    with pytest.raises(ValidationError) as exc:
        services.record_employment(users["institution"], {
            "external_key": "J-1", "trainee": trainee, "country": world["kz"], "start_date": dt.date(2024, 5, 1),
            "occupation_code": "7233"})
    assert "start_date" in exc.value.message_dict
    assert "before the enrolment" in str(exc.value)
    assert Employment.objects.count() == 0


def test_income_in_unknown_currency_is_rejected(trainee, users):
    with pytest.raises(ValidationError) as exc:
        services.record_income(users["institution"], {"trainee": trainee, "period": dt.date(2025, 3, 1),
                                                      "amount": Decimal("100"), "currency": "XYZ",
                                                      "source": "payroll"})
    assert "currency" in exc.value.message_dict
    assert IncomeObservation.objects.count() == 0


def test_income_for_the_same_month_and_source_is_a_correction_that_keeps_the_old_value(trainee, users):
    data = {"trainee": trainee, "period": dt.date(2025, 3, 17), "currency": "KZT", "source": "payroll"}
    services.record_income(users["coordinator"], {**data, "amount": Decimal("100")})
    # issue 11: a correction without a reason used to overwrite the month silently
    with pytest.raises(ValidationError) as refused:
        services.record_income(users["coordinator"], {**data, "amount": Decimal("150")})
    assert "reason" in refused.value.message_dict
    services.record_income(users["coordinator"], {**data, "amount": Decimal("150"), "reason": "payroll re-sent"})
    obs = IncomeObservation.objects.get()
    assert obs.amount == Decimal("150") and obs.period == dt.date(2025, 3, 1)


def test_staff_cannot_enrol_into_a_project_of_another_institution(trainee, world, make_user):
    other = make_user("institution", institution=world["other_institution"], username="other-staff")
    with pytest.raises(ValidationError):
        services.record_enrolment(other, {"external_key": "E-2", "trainee": trainee, "project": world["project"],
                                          "status": "enrolled", "start_date": dt.date(2024, 9, 1)})


# --- money -------------------------------------------------------------------------------------------

def _tables():
    return PriceTables.from_rows(
        [("KZT", dt.date(2020, 7, 1), 400), ("KZT", dt.date(2024, 7, 1), 500), ("TMT", dt.date(2020, 7, 1), 3.5),
         ("CNY", dt.date(2024, 7, 1), 7.0)],
        [("KZ", 2021, 10), ("KZ", 2022, 10), ("KZ", 2023, 10), ("KZ", 2024, 10), ("US", 2021, 0), ("US", 2022, 0),
         ("US", 2023, 0), ("US", 2024, 2)])


def test_nominal_conversion_uses_the_year_of_the_amount():
    t = _tables()
    assert t.convert_one(4000, "KZT", 2020, Basis("USD", False, 2024)) == pytest.approx(10.0)
    assert t.convert_one(5000, "KZT", 2024, Basis("CNY", False, 2024)) == pytest.approx(70.0)


def test_real_conversion_deflates_locally_then_converts_at_base_year():
    t = _tables()
    # 2020 → 2024 prices: × 1.1^4; then 500 KZT per USD in 2024
    assert t.convert_one(5000, "KZT", 2020, Basis("USD", True, 2024)) == pytest.approx(5000 * 1.1 ** 4 / 500)


def test_currency_without_cpi_falls_back_to_us_prices_and_says_so():
    t = _tables()
    value = t.convert_one(35, "TMT", 2023, Basis("USD", True, 2024))
    assert value == pytest.approx(10 * 1.02)
    assert {"code": "no_cpi", "currency": "TMT"} in t.notes(Basis("USD", True, 2024), {"TMT"})


def test_vectorised_conversion_rejects_unknown_currency():
    from tvetbridge.outcomes.money import ConversionError

    with pytest.raises(ConversionError):
        _tables().convert(np.array([1.0]), np.array(["XYZ"]), np.array([2024]), Basis())


def test_shipped_tables_are_installed_with_sources(db):
    from tvetbridge.core.models import ExchangeRate
    from tvetbridge.outcomes.models import CpiIndex

    assert ExchangeRate.objects.filter(currency="KZT", date__year=2023).get().source.key == "tvetbridge-fx-annual"
    assert CpiIndex.objects.filter(country_code="KZ", year=2022).get().source.publisher.startswith("World Bank")
    assert not CpiIndex.objects.filter(country_code="TM").exists()


# --- targets and demo data ------------------------------------------------------------------------

def test_elapsed_share():
    assert elapsed_share(dt.date(2024, 1, 1), dt.date(2026, 1, 1), dt.date(2025, 1, 1)) == pytest.approx(0.5, 0.01)
    assert elapsed_share(dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(2027, 1, 1)) == 1.0


@pytest.fixture
def demo(world):
    totals = demo_outcomes.generate([world["project"]], seed=3, per_project=150, today=TODAY)
    return totals


def test_demo_generator_creates_labelled_synthetic_people_and_is_repeatable(world, demo):
    assert demo["trainees"] > 50 and demo["applicants"] > 50
    assert not Trainee.objects.filter(is_synthetic=False).exists()
    n = Trainee.objects.count()
    demo_outcomes.generate([world["project"]], seed=3, per_project=150, today=TODAY)
    assert Trainee.objects.count() == n
    assert Enrolment.objects.filter(status="applied").exists()


def test_demo_impact_recovers_a_positive_effect_and_beats_the_naive_bias(world, demo):
    result = project_impact(world["project"], basis=Basis("USD", True, TODAY.year - 1))
    assert not result["error"]
    aipw = result["headline"]
    naive = next(e for e in result["estimates"] if e["method"] == "difference")
    # true effect: between 0.6 and 1.4 × 90 USD for completers (half for drop-outs)
    assert 20 < aipw["estimate"] < 160
    assert aipw["ci_low"] > 0
    assert naive["estimate"] > aipw["estimate"]  # selection on observables inflates the naive gap
    assert aipw["max_smd_after"] < aipw["max_smd_before"]
    assert {e["method"] for e in result["did"]} == {"did:simple", "did:doubly_robust"}


def test_impact_is_cached_per_data_version(world, demo):
    from tvetbridge.outcomes.models import ImpactResult

    first = project_impact(world["project"])
    assert project_impact(world["project"]) == first
    assert ImpactResult.objects.count() == 1
    t = Trainee.objects.filter(enrolments__project=world["project"]).first()
    IncomeObservation.objects.create(trainee=t, period=dt.date(2020, 1, 1), amount=1, currency="KZT",
                                     source="survey")
    second = project_impact(world["project"])
    assert second["data_version"] != first["data_version"]


def test_target_status_follows_documented_thresholds(world, demo):
    project = world["project"]
    ProjectTarget.objects.filter(project=project).delete()
    n = Enrolment.objects.filter(project=project).exclude(status="applied").count()
    project.start_date, project.end_date = TODAY - dt.timedelta(days=365 * 3), TODAY + dt.timedelta(days=365)
    project.save()
    # 75% of the time elapsed: expected = 0.75 × target
    ProjectTarget.objects.create(project=project, indicator="trainees", value=round(n / 0.75))  # on track
    ProjectTarget.objects.create(project=project, region=world["almaty"], indicator="trainees",
                                 value=round(n / 0.75 / 0.8))  # 80% of expected → at risk
    ProjectTarget.objects.create(project=project, indicator="completion", value=100)
    rows = {(r["region_id"], r["indicator"]): r for r in target_progress(project, today=TODAY)}
    assert rows[(None, "trainees")]["status"] == "on_track"
    assert rows[(world["almaty"].pk, "trainees")]["status"] == "at_risk"
    completion = rows[(None, "completion")]
    assert completion["actual"] < 100
    expected = "on_track" if completion["actual"] >= 95 else "at_risk" if completion["actual"] >= 80 else "off_track"
    assert completion["status"] == expected


def test_demo_impact_carries_a_verdict_stored_as_facts(world, demo):
    result = project_impact(world["project"], basis=Basis("USD", True, TODAY.year - 1))
    rel = result["reliability"]
    assert rel["verdict"] in {"reliable", "fragile"} and result["headline"]["verdict"] == rel["verdict"]
    assert rel["facts"]["ess_control"] > 0 and rel["facts"]["e_value"] >= 1
    for reason in rel["reasons"]:  # codes and numbers only: the page renders them in its language
        assert all(isinstance(v, (int, float, str)) for v in reason.values())
        assert " " not in reason["code"]


def test_too_few_people_is_not_estimable(world):
    result = project_impact(world["project"])
    assert result["reliability"]["verdict"] == "not_estimable"
    assert result["reliability"]["reasons"][0]["code"] == "too_few"
