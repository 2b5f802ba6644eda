"""Open-data fixtures: the world's project published by ALT University, with funding, a ledger,
targets and synthetic trainee outcomes (so results have actual figures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def published(world, users):
    from tvetbridge.demo import outcomes as demo_outcomes
    from tvetbridge.finance import services as finance
    from tvetbridge.opendata import services
    from tvetbridge.outcomes import services as outcomes
    from tvetbridge.registry.models import CooperationProject, ProjectFunding

    coordinator = users["coordinator"]
    project = world["project"]
    CooperationProject.objects.filter(pk=project.pk).update(
        start_date=dt.date(2023, 9, 1), end_date=dt.date(2027, 6, 30), name_en="Luban Workshop (ALT)",
        name_zh_hans="鲁班工坊（阿拉木图）", name_ru="Мастерская Лу Баня (ALT)", name_kk="Лу Бань шеберханасы (ALT)",
        description_en="Logistics training with JD.", description_ru="Подготовка по логистике вместе с JD.")
    project.refresh_from_db()
    ProjectFunding.objects.create(project=project, kind="government", funder="Ministry of Education of China",
                                  amount=Decimal("2000000"), currency="CNY")
    ProjectFunding.objects.create(project=project, kind="enterprise", funder="JD", amount=Decimal("500000"),
                                  currency="CNY")
    fund = finance.create_fund(coordinator, {"name": "Almaty Skills Fund", "currency": "CNY", "projects": [project]})
    finance.open_standard_accounts(coordinator, fund)
    contribution = finance.record_flow(coordinator, fund, "contribution", Decimal("300000"),
                                       date=dt.date(2023, 10, 2), project=project)
    cost = finance.record_flow(coordinator, fund, "training_cost", Decimal("120000.50"),
                               date=dt.date(2024, 3, 15), project=project)
    for indicator, value in [("trainees", 150), ("employment_6m", 70), ("income_gain", 800)]:
        outcomes.set_target(coordinator, {"project": project, "indicator": indicator, "value": Decimal(value),
                                          "currency": "CNY" if indicator == "income_gain" else "",
                                          "base_year": 2024 if indicator == "income_gain" else None})
    demo_outcomes.generate([project], seed=3, per_project=150, today=TODAY)
    alt = services.register_publisher(coordinator, institution=world["alt"], identifier="KZ-BIN-990140000483")
    urumqi = services.register_publisher(coordinator, institution=world["urumqi"],
                                         identifier="CN-USC-12650000458600789X")
    pub = services.publish_project(coordinator, project=project, publisher=alt, activity_id="LW-ALT-2023")
    return {"project": project, "publication": pub, "alt": alt, "urumqi": urumqi, "fund": fund,
            "contribution": contribution, "cost": cost, "coordinator": coordinator}
