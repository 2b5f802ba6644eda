"""The results report's trainee outcomes: the same figures as the results chain, counted per host
country from one read, flows dated in the period, and small cells withheld."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from tvetbridge.demo import outcomes as demo_outcomes
from tvetbridge.outcomes.models import Credential, Employment, Enrolment
from tvetbridge.outcomes.money import Basis
from tvetbridge.outcomes.queries import period_flows, results_chain, results_chain_by_host
from tvetbridge.registry.models import CooperationProject

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def trained(risk_world):
    """Synthetic trainees for the Kazakh and the Tajik project, with jobs, credentials and incomes."""
    kz, tj = CooperationProject.objects.get(external_key="proj-1"), risk_world["tj_project"]
    demo_outcomes.generate([kz, tj], seed=7, per_project=40, today=TODAY)
    return CooperationProject.objects.filter(pk__in=[kz.pk, tj.pk])


def _counts(chain: dict) -> dict:
    return {s["key"]: s["count"] for s in chain["steps"] if s["key"] != "demand"}


def _costs(chain: dict) -> dict:
    return {s["key"]: s["cost_per"] for s in chain["steps"] if s["key"] != "demand"}


def test_chains_by_host_equal_the_chain_of_each_host_and_of_all(trained):
    basis = Basis("USD", True, TODAY.year - 1)
    by_host = results_chain_by_host(trained, basis)
    assert set(by_host) == {"KZ", "TJ", None}
    for host, projects in (("KZ", trained.filter(host_country="KZ")), ("TJ", trained.filter(host_country="TJ")),
                           (None, trained)):
        alone = results_chain(projects, basis)
        assert _counts(by_host[host]) == _counts(alone)
        assert _costs(by_host[host]) == pytest.approx(_costs(alone))
        assert by_host[host]["median_gain"] == pytest.approx(alone["median_gain"])
        assert by_host[host]["n_income_observed"] == alone["n_income_observed"]
        assert by_host[host]["spending"] == pytest.approx(alone["spending"])
    enrolled = {h: _counts(c)["enrolled"] for h, c in by_host.items()}
    assert enrolled["KZ"] > 0 and enrolled["TJ"] > 0 and enrolled[None] == enrolled["KZ"] + enrolled["TJ"]


def test_period_flows_count_people_whose_step_is_dated_in_the_period(trained):
    start, end = dt.date(TODAY.year - 1, 1, 1), dt.date(TODAY.year - 1, 12, 31)
    flows = period_flows(trained, start, end)
    real = Enrolment.objects.exclude(status="applied")
    for host in ("KZ", "TJ"):
        mine = real.filter(project__host_country=host)
        assert flows["started"].get(host, 0) == mine.filter(start_date__range=(start, end)).values(
            "trainee").distinct().count()
        assert flows["completed"].get(host, 0) == mine.filter(status="completed", end_date__range=(start, end)).values(
            "trainee").distinct().count()
        assert flows["certified"].get(host, 0) == Credential.objects.filter(
            enrolment__in=mine, awarded__range=(start, end)).values("trainee").distinct().count()
    assert flows["started"][None] == sum(flows["started"].get(h, 0) for h in ("KZ", "TJ"))
    # Jobs in the trained occupation only: the demo writes some in other occupations.
    jobs = Employment.objects.filter(start_date__range=(start, end), enrolment__isnull=False)
    assert 0 < flows["employed"][None] <= jobs.values("trainee").distinct().count()


def test_results_report_prints_outcomes_and_withholds_small_cells(trained, risk_world):
    from tvetbridge.outcomes.models import Trainee
    from tvetbridge.reports.services import generate_report

    # A third project, in China, with three trainees: every count about them is withheld.
    small = CooperationProject.objects.create(external_key="proj-cn", name="Urumqi class", kind="order_class",
                                              status="active", host_country=risk_world["cn"])
    for i in range(3):
        t = Trainee.objects.create(external_key=f"small-{i}")
        Enrolment.objects.create(external_key=f"small-e{i}", trainee=t, project=small, status="enrolled",
                                 start_date=dt.date(TODAY.year, 1, 15))
    report, _ = generate_report("results", "region", str(TODAY.year), "en")
    section = next(s for s in report.data["sections"] if s["key"] == "outcomes")
    tables = {t["key"]: t for t in section["data"]["tables"]}
    assert set(tables) == {"outcomes_in_period", "outcomes_chain", "outcomes_income"}
    chain = {row[0]: row[1:] for row in tables["outcomes_chain"]["rows"]}
    assert list(chain)[-1] == "All host countries"
    assert chain["China"][0] == "fewer than 5"
    assert tables["outcomes_in_period"]["rows"][[r[0] for r in tables["outcomes_in_period"]["rows"]].index(
        "China")][1] == "fewer than 5"
    expected = results_chain(trained.filter(host_country="KZ"), Basis("USD", True, TODAY.year - 1), public=True)
    assert chain["Kazakhstan"][0] == next(s["count"] for s in expected["steps"] if s["key"] == "enrolled")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(report.pdf))).pages)
    assert "Results chain of the projects active in the period" in text and "All host countries" in text
    assert "Kazakhstan" in text and "fewer than 5" in text


def test_without_trainees_the_outcomes_section_says_so(risk_world):
    from tvetbridge.reports.services import generate_report

    report, _ = generate_report("results", "region", str(TODAY.year), "en")
    section = next(s for s in report.data["sections"] if s["key"] == "outcomes")
    assert all(not t["rows"] for t in section["data"]["tables"])
    outcomes_html = report.html.split('id="outcomes"')[1].split("</section>")[0]
    assert "Nothing recorded for this scope and period." in outcomes_html
