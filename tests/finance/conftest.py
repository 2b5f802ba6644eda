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
