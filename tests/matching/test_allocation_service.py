"""Allocation by min-cost flow through the service, on the conftest world.

Cells: welders Almaty 10, drivers Almaty 8, welders Astana 5 (the 400-day order is not yet due, but it is
open: it counts too, making Almaty welders 17). Welders fit only the welding programme (8 seats);
drivers fit both. Serving the most people: 8 welding seats go to Almaty welders (0 km rather than
970 km), drivers fill 8 logistics seats; unmet = 9 Almaty welders + 5 Astana welders."""

import pytest
from django.core.exceptions import PermissionDenied

from tvetbridge.matching import services
from tvetbridge.matching.models import AllocationRun


def test_allocation_hand_computed(gap_world):
    w = gap_world
    run = services.run_allocation(w["users"]["coordinator"])
    assert (run.total_demand, run.served, run.unmet) == (30, 16, 14)
    cells = {(c["where"].split(",")[0], c["occupation"]): c for c in run.summary["cells"]}
    assert cells[("Almaty", "7212.3")]["served"] == 8 and cells[("Almaty", "7212.3")]["unmet"] == 9
    assert cells[("Astana", "7212.3")]["unmet"] == 5
    assert cells[("Almaty", w["driver"].code)]["served"] == 8
    flows = {(f["occupation"], f["programme_name"]): f["people"] for f in run.summary["flows"]}
    assert flows == {("7212.3", "Welding"): 8, (w["driver"].code, "Smart logistics"): 8}
    assert run.summary["by_country"] == [{"key": "KZ", "label": "KZ", "demand": 30, "served": 16, "unmet": 14}]
    assert run.summary["assignment_cost"] == 0  # every flow is 0 km with no language requirement


def test_radius_limits_the_arcs(gap_world):
    w = gap_world
    w["rows"]["welders"].delete()
    w["rows"]["late"].delete()
    near = services.run_allocation(w["users"]["admin"], services.AllocationParams(max_km=500))
    far = services.run_allocation(w["users"]["admin"], services.AllocationParams(max_km=1500))
    assert near.unmet == 5 and far.unmet == 0  # Astana welders reach Almaty's welding seats at 970 km


def test_only_managers_run_it(gap_world):
    for role in ("institution", "enterprise"):
        with pytest.raises(PermissionDenied):
            services.run_allocation(gap_world["users"][role])
    assert not AllocationRun.objects.exists()
