"""Real records for the schemathesis run of the finance router: a fund with its standard accounts,
a posted contribution, and a finished simulation run."""

import datetime as dt
from decimal import Decimal


def real_path_parameters(world, users) -> dict[str, dict]:
    from django.test import override_settings

    from tvetbridge.finance import services

    admin = users["admin"]
    fund = services.create_fund(admin, {"name": "Schemathesis fund", "currency": "CNY",
                                        "projects": [world["project"]]})
    services.open_standard_accounts(admin, fund)
    services.record_flow(admin, fund, "contribution", Decimal("1000"), date=dt.date(2026, 1, 5))
    spec = services.default_spec()
    spec["cohort"].update(cohort_size=20, horizon_months=24)
    spec["sponsors"]["loan"]["term_months"] = 36
    with override_settings(FINANCE_SIMULATION_INLINE=True):
        run = services.start_simulation(admin, spec, n_paths=200, seed=1, fund=fund, project=world["project"])
    fund_paths = ("/api/v1/finance/funds/{fund_id}", "/api/v1/finance/funds/{fund_id}/balances",
                  "/api/v1/finance/funds/{fund_id}/transactions", "/api/v1/finance/funds/{fund_id}/terms/{kind}")
    out = {path: {"fund_id": fund.pk} for path in fund_paths}
    out["/api/v1/finance/runs/{run_id}"] = {"run_id": run.pk}
    return out
