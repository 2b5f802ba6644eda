"""An order-based training commitment is tied to a SkillDemand: same enterprise, same currency as
the demand's stated payment, no more hires than the demand asks for; and the migration that replaced
the free-text reference links old commitments where the reference matches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tvetbridge.finance import services
from tvetbridge.finance.models import OrderCommitment

D = Decimal


def order(users, fund, **data):
    return services.create_instrument(users["coordinator"], fund, "order", data)


def test_enterprise_currency_and_price_default_to_the_demands(fund, users, world, demands):
    o = order(users, fund, demand=demands["jd_order"], committed_hires=10)
    assert (o.enterprise, o.currency, o.price_per_hire) == (world["jd"], "CNY", D("1500"))
    # explicit terms win over the demand's where they agree with it
    o2 = order(users, fund, demand=demands["jd_order"], price_per_hire=D("1800"), upfront_share=D("25"))
    assert o2.price_per_hire == D("1800")


@pytest.mark.parametrize("data, field, message", [
    ({"enterprise_key": "other_enterprise"}, "demand",
     "This skill demand (Logistics technicians) was posted by JD, not by the committing enterprise."),
    ({"currency": "KZT", "price_per_hire": D("200000")}, "currency",
     "The skill demand states its payment per graduate in CNY; record the commitment in CNY too."),
    ({"committed_hires": 31}, "committed_hires",
     "The skill demand asks for 30 people; the enterprise cannot commit to hire more (31)."),
])
def test_a_commitment_that_does_not_answer_its_demand_is_refused(fund, users, world, demands, data, field,
                                                                    message):
    data = dict(data)
    if key := data.pop("enterprise_key", None):
        data["enterprise"] = world[key]
    with pytest.raises(ValidationError) as exc:
        order(users, fund, demand=demands["jd_order"], **data)
    assert exc.value.message_dict[field] == [message]
    assert OrderCommitment.objects.count() == 0 and OrderCommitment.history.count() == 0


def test_bad_terms_and_an_incoherent_demand_are_reported_together(fund, users, demands):
    with pytest.raises(ValidationError) as exc:
        order(users, fund, demand=demands["jd_order"], upfront_share=D("120"), committed_hires=99)
    assert set(exc.value.message_dict) == {"upfront_share", "committed_hires"}


def test_a_cancelled_demand_cannot_be_answered(fund, users, demands):
    demand = demands["jd_order"]
    demand.status = "cancelled"
    demand.save()
    with pytest.raises(ValidationError) as exc:
        order(users, fund, demand=demand)
    assert exc.value.message_dict["demand"] == ["This skill demand (Logistics technicians) was cancelled."]


def test_a_demand_without_stated_payment_needs_a_price(fund, users, world, demands):
    with pytest.raises(ValidationError) as exc:
        order(users, fund, demand=demands["other_vacancy"])
    assert "price_per_hire" in exc.value.message_dict
    o = order(users, fund, demand=demands["other_vacancy"], price_per_hire=D("90000"), currency="KZT",
              committed_hires=5)
    assert o.enterprise == world["other_enterprise"]


def test_the_instrument_page_offers_open_demands_and_links_one(client, users, fund, world, demands):
    client.force_login(users["coordinator"])
    page = client.get(f"/finance/funds/{fund.pk}/terms/order/new/").content.decode()
    assert "Logistics technicians · JD · SD-2025-017" in page
    res = client.post(f"/finance/funds/{fund.pk}/terms/order/new/", {
        "demand": demands["jd_order"].pk, "enterprise": world["jd"].pk, "currency": "CNY",
        "price_per_hire": "1500", "upfront_share": "20", "committed_hires": "12", "hire_probability": "50",
        "value_per_hire": "0"})
    assert res.status_code == 302, res.content.decode()[:3000]
    assert OrderCommitment.objects.get().demand == demands["jd_order"]
    assert "answers “Logistics technicians”" in client.get(f"/finance/funds/{fund.pk}/").content.decode()


# ---------------------------------------------------------------------------------------------
# the migration's data step


@pytest.mark.django_db(transaction=True)
def test_migration_links_matching_references_and_keeps_the_rest_in_notes(world, occupation):
    import datetime as dt

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("finance", "0002_ledger_guards")], [("finance", "0003_link_order_commitments_to_skill_demand")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        demand_leaf = [n for n in executor.loader.graph.leaf_nodes() if n[0] == "demand"]
        old = executor.loader.project_state(before + demand_leaf).apps
        Fund = old.get_model("finance", "Fund")
        Order = old.get_model("finance", "OrderCommitment")
        Demand = old.get_model("demand", "SkillDemand")
        fund = Fund.objects.create(name="F", currency="CNY")
        common = {"country_id": world["kz"].pk, "occupation_id": occupation.pk, "count": 10,
                  "deadline": dt.date(2030, 1, 1), "title": "Order"}
        jd_demand = Demand.objects.create(external_key="SD-1", enterprise_id=world["jd"].pk, **common)
        Demand.objects.create(external_key="SD-OTHER", enterprise_id=world["other_enterprise"].pk, **common)
        terms = {"fund_id": fund.pk, "currency": "CNY", "price_per_hire": D("1"), "enterprise_id": world["jd"].pk}
        linked = Order.objects.create(demand_reference=" sd-1 ", **terms)
        foreign = Order.objects.create(demand_reference="SD-OTHER", notes="call first", **terms)
        unknown = Order.objects.create(demand_reference="order of 3 May", **terms)
        empty = Order.objects.create(demand_reference="", **terms)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("finance", "OrderCommitment")
        assert new.objects.get(pk=linked.pk).demand_id == jd_demand.pk
        f = new.objects.get(pk=foreign.pk)
        assert f.demand_id is None
        assert f.notes == ("call first\nSkill demand reference before demands were linked (no matching demand): "
                           "SD-OTHER")
        assert new.objects.get(pk=unknown.pk).notes.endswith("(no matching demand): order of 3 May")
        assert new.objects.get(pk=empty.pk).demand_id is None and new.objects.get(pk=empty.pk).notes == ""

        executor = MigrationExecutor(connection)
        executor.migrate(before)  # and back: the references come back from the links and the notes
        back = executor.loader.project_state(before + demand_leaf).apps.get_model("finance", "OrderCommitment")
        assert back.objects.get(pk=linked.pk).demand_reference == "SD-1"
        assert back.objects.get(pk=foreign.pk).demand_reference == "SD-OTHER"
        assert back.objects.get(pk=foreign.pk).notes == "call first"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
