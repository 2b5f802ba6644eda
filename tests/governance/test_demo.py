"""The demo's governance examples load on the real seed projects, marked synthetic, and only once."""

from __future__ import annotations

import pytest

from tvetbridge.demo import governance as governance_demo
from tvetbridge.demo.loader import load_demo
from tvetbridge.governance import queries
from tvetbridge.governance.models import Agreement, OverseasOperation


@pytest.mark.django_db
def test_demo_examples_are_synthetic_and_idempotent():
    load_demo()
    assert governance_demo.build()[0].startswith("governance examples: 4 agreements")
    assert governance_demo.build() == ["governance examples already present"]
    assert Agreement.objects.filter(is_synthetic=False).count() == 0
    assert set(OverseasOperation.objects.values_list("status", flat=True)) == {"approved", "submitted"}
    op = OverseasOperation.objects.get(status="approved")
    assert op.exit_plan.status == "prepared" and op.assets.count() == 1
    import datetime as dt
    today = dt.date.today()
    assert queries.renewals_due(today).count() == 2
    assert [a.title for a in queries.without_clauses(today)] == [
        "Urumqi Vocational University – ALT University framework agreement (example)"]
