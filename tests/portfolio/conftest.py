"""Fixtures of the portfolio tests: two projects, one with every indicator measured and one with none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tvetbridge.core.models import ExchangeRate, Source
from tvetbridge.outcomes.io.price_tables import install_shipped_tables
from tvetbridge.outcomes.models import (
    CpiIndex,
    Credential,
    Employment,
    Enrolment,
    ImpactResult,
    ProjectTarget,
    QualityFlag,
    Trainee,
)
from tvetbridge.outcomes.money import Basis
from tvetbridge.registry.models import Alliance, CooperationProject, ProjectFunding
from tvetbridge.risk.models import CountryRiskScore

TODAY = dt.date.today()


def people(project, n, *, completed=0, dropped=0, certified=0, employed=0, prefix="t"):
    """``n`` enrolled people; of them ``completed`` finished 300 days ago (due for the 6-month
    follow-up), ``dropped`` dropped out; ``certified`` and ``employed`` among the completed."""
    start, end = TODAY - dt.timedelta(days=700), TODAY - dt.timedelta(days=300)
    for i in range(n):
        t = Trainee.objects.create(external_key=f"{prefix}-{project.pk}-{i}")
        status = "completed" if i < completed else "dropped" if i < completed + dropped else "enrolled"
        e = Enrolment.objects.create(external_key=f"e-{t.external_key}", trainee=t, project=project, status=status,
                                     start_date=start, end_date=end if status != "enrolled" else None)
        if i < certified:
            Credential.objects.create(trainee=t, enrolment=e, kind="skill", name="Welder", awarded=end)
        if i < employed:
            Employment.objects.create(external_key=f"j-{t.external_key}", trainee=t, enrolment=e,
                                      country=project.host_country, start_date=end + dt.timedelta(days=60))


@pytest.fixture
def portfolio_world(world):
    install_shipped_tables(ExchangeRate, CpiIndex, Source)
    alliance = Alliance.objects.create(external_key="all-1", name="China–Central Asia Alliance")
    p1 = world["project"]
    CooperationProject.objects.filter(pk=p1.pk).update(
        start_date=TODAY - dt.timedelta(days=730), end_date=TODAY + dt.timedelta(days=365), target_trainees=100,
        target_employment_rate=Decimal("70"), target_income_gain=Decimal("100"), target_currency="USD",
        alliance=alliance)
    p1.refresh_from_db()
    p1.fields.add(world["logistics"])
    people(p1, 10, completed=8, dropped=2, certified=4, employed=6)
    ProjectTarget.objects.create(project=p1, indicator="completion", value=Decimal("90"))
    for rule, status in (("unreported", "open"), ("dropout", "reviewing"), ("cost", "resolved")):
        QualityFlag.objects.create(project=p1, rule=rule, status=status)
    basis = Basis("USD", True, TODAY.year - 1)
    ImpactResult.objects.create(project=p1, key="k1", payload={
        "comparison": "applicants", "basis_key": basis.key, "reliability": {"verdict": "reliable"},
        "headline": {"estimate": 90.0, "ci_low": 40.0, "ci_high": 140.0}})
    ProjectFunding.objects.create(project=p1, kind="government", amount=Decimal("60000"), currency="USD")
    CountryRiskScore.objects.create(country=world["kz"], period="2026Q4", score=6.1, score_low=5.2, score_high=7.0,
                                    risk_class="High")
    # Someone else's project in Tajikistan, with nothing measured yet.
    p2 = CooperationProject.objects.create(external_key="proj-2", name="Dushanbe order class", kind="order_class",
                                           status="proposed", host_country=world["tj"],
                                           start_date=dt.date(2021, 3, 1))
    p2.partner_institutions.add(world["other_institution"])
    return {"p1": p1, "p2": p2, "alliance": alliance, "basis": basis}


@pytest.fixture
def add_people():
    return people
