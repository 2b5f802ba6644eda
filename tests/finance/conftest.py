"""Finance fixtures: a fund serving the world's project, with its standard accounts and two parties."""

from __future__ import annotations

import pytest


@pytest.fixture
def fund(world, users):
    from tvetbridge.finance import services

    coordinator = users["coordinator"]
    fund = services.create_fund(coordinator, {"name": "Almaty Skills Fund", "currency": "CNY",
                                              "projects": [world["project"]]})
    services.open_standard_accounts(coordinator, fund)
    return fund


@pytest.fixture
def parties(world, users):
    from tvetbridge.finance import services

    coordinator = users["coordinator"]
    return {
        "ministry": services.create_party(coordinator, {"name": "Ministry of Education", "kind": "government"}),
        "bank": services.create_party(coordinator, {"name": "Policy Bank", "kind": "policy_bank"}),
        "jd": services.create_party(coordinator, {"name": "JD", "kind": "enterprise", "enterprise": world["jd"]}),
        "investor": services.create_party(coordinator, {"name": "Silk Road Investor", "kind": "investor"}),
    }


@pytest.fixture
def inline_runs(settings):
    """Simulation runs execute in the caller's thread, so tests see the finished result."""
    settings.FINANCE_SIMULATION_INLINE = True


@pytest.fixture
def occupation(db):
    from tvetbridge.core.models import Source
    from tvetbridge.taxonomy.models import IscoGroup, Occupation

    source = Source.objects.create(key="test-esco", title="ESCO (test extract)")
    group = IscoGroup.objects.create(code="7212", label="Welders and flame cutters", source=source)
    return Occupation.objects.create(code="7212.1", esco_id="welder-test", label="welder", isco_group=group,
                                     source=source)


@pytest.fixture
def demands(world, occupation):
    """JD's training order (pays 1,500 CNY per hired graduate, 30 people) and another firm's vacancy."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from tvetbridge.demand.models import SkillDemand

    deadline = timezone.localdate() + dt.timedelta(days=90)
    common = {"country": world["kz"], "region": world["almaty"], "occupation": occupation, "deadline": deadline}
    return {
        "jd_order": SkillDemand.objects.create(
            external_key="SD-2025-017", enterprise=world["jd"], kind="order", title="Logistics technicians",
            count=30, order_commitment=True, commitment_amount=Decimal("1500"), commitment_currency="CNY",
            **common),
        "other_vacancy": SkillDemand.objects.create(
            external_key="SD-2025-018", enterprise=world["other_enterprise"], kind="vacancy", title="Welders",
            count=5, **common),
    }
