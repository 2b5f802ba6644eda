"""The wage behind a proposal's cost and income gain: the orders' offered wage, else graduates'
recorded incomes in the gap's region, else in its country, else none — each with its source named
on the page, and never a made-up figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from tvetbridge.demand.models import SkillDemand
from tvetbridge.matching import queries, services
from tvetbridge.outcomes.models import Enrolment, IncomeObservation, Trainee


def welder_gap(w):
    return queries.find_gap(f"R{w['almaty'].pk}~O{w['welder'].pk}", queries.GapParams())


def graduates(w, region, incomes, *, currency="KZT", period=None):
    """One graduate per income: enrolment completed last year, an income the month after."""
    period = period or dt.date(w["today"].year, 1, 1)
    for i, amount in enumerate(incomes):
        key = f"g-{region.code}-{period:%Y%m}-{i}"
        t = Trainee.objects.create(external_key=key, home_region=region)
        Enrolment.objects.create(external_key=f"{key}-E", trainee=t, project=w["project"],
                                 status="completed", start_date=period - dt.timedelta(days=400),
                                 end_date=period - dt.timedelta(days=30))
        IncomeObservation.objects.create(trainee=t, period=period, amount=Decimal(amount), currency=currency,
                                         source="survey")
        # an income from before training is no graduate's wage
        IncomeObservation.objects.create(trainee=t, period=period - dt.timedelta(days=500), amount=Decimal(1),
                                         currency=currency, source="survey")


def test_offered_wage_comes_first(gap_world):
    basis = queries.wage_basis(welder_gap(gap_world))
    assert (basis.kind, basis.amount, basis.currency, basis.n) == ("offered", 350000, "KZT", 1)
    assert "1 open orders" in basis.source() or "1 open order" in basis.source()


def test_region_then_country_then_none(gap_world):
    w = gap_world
    SkillDemand.objects.update(offered_wage=None, wage_currency="")
    gap = welder_gap(w)
    none = services.proposals_for(gap)
    assert none.wage_basis.kind == "none" and none.wage is None
    assert none.cost_per_trainee == 0 and none.gain_per_trainee == 0
    assert none.proposals  # still ranked, on the other components
    # four graduates in Astana are too few to speak for anyone; with a fifth the country has a median
    graduates(w, w["astana"], [200000, 210000, 220000, 230000])
    assert queries.wage_basis(gap).kind == "none"
    graduates(w, w["xj"], [900000] * 5)  # another country's graduates never count
    graduates(w, w["astana"], [240000], period=dt.date(w["today"].year, 2, 1))
    country = queries.wage_basis(gap)
    # Astana's five medians to 220 000; the Almaty gap has no graduates of its own yet
    assert (country.kind, country.amount, country.n, country.place) == ("country", 220000, 5, "Kazakhstan")
    graduates(w, w["almaty"], [300000, 310000, 320000, 330000, 340000, 350000])
    region = queries.wage_basis(gap)
    assert (region.kind, region.amount, region.n) == ("region", 325000, 6)
    ps = services.proposals_for(gap)
    assert ps.cost_per_trainee == pytest.approx(3 * 325000)
    assert ps.gain_per_trainee == pytest.approx(12 * 0.3 * 325000)
    with translation.override("ru"):
        assert "6" in region.source() and "Almaty" in region.source() and "graduates" not in region.source()


def test_proposals_page_names_the_wage_source(gap_world):
    w = gap_world
    client = Client()
    client.force_login(w["users"]["coordinator"])
    url = f"/matching/gaps/R{w['almaty'].pk}~O{w['welder'].pk}/proposals/"
    html = client.get(url).content.decode()
    assert 'id="wage-basis"' in html and "350" in html and "1 open order behind" in html
    SkillDemand.objects.update(offered_wage=None, wage_currency="")
    html = client.get(url).content.decode()
    assert "Cost and income gain are not estimated" in html and "cost 0" not in html
    with translation.override("kk"):
        kk = Client()
        kk.force_login(w["users"]["coordinator"])
        page = kk.get("/kk" + url).content.decode()
        assert "Cost and income gain" not in page


def test_accepted_proposal_keeps_the_wage_facts(gap_world):
    w = gap_world
    proposal = services.accept_proposal(w["users"]["coordinator"], f"R{w['almaty'].pk}~O{w['welder'].pk}",
                                        w["other_institution"].pk, w["tianjin"].pk)
    assert proposal.snapshot["wage"] == {"kind": "offered", "amount": 350000, "n": 1, "first_year": None,
                                         "last_year": None}
