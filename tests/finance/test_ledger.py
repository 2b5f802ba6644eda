"""The fund ledger: every transaction balances per currency, nothing unbalanced is ever written,
balances at a date add up, statements export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvetbridge.finance import queries, services, statements
from tvetbridge.finance.models import Account, Entry, Transaction

D = Decimal
JAN, FEB, MAR = dt.date(2025, 1, 15), dt.date(2025, 2, 15), dt.date(2025, 3, 15)


def acc(fund, code) -> Account:
    return fund.accounts.get(code=code)


def counts() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


@pytest.fixture
def kzt_cash(fund, users):
    return services.open_account(users["coordinator"], fund, {"code": "cash-kzt", "name": "Cash (KZT)",
                                                               "kind": "asset", "currency": "KZT"})


@pytest.fixture
def kzt_fees(fund, users):
    return services.open_account(users["coordinator"], fund, {"code": "fees-kzt", "name": "Fees (KZT)",
                                                               "kind": "income", "currency": "KZT"})


def post(users, fund, lines, *, date=JAN, kind="contribution", project=None):
    return services.post_transaction(users["coordinator"], fund=fund, date=date, description="test", kind=kind,
                                     lines=lines, project=project)


# ---------------------------------------------------------------------------------------------
# posting


def test_balanced_transaction_is_written_with_author_and_currency(fund, users):
    txn = post(users, fund, [(acc(fund, "cash"), D("1000.00")), (acc(fund, "capital"), D("-1000.00"))])
    assert txn.created_by == users["coordinator"]
    assert [(e.account.code, e.amount, e.currency) for e in txn.entries.all()] == [
        ("cash", D("1000.00"), "CNY"), ("capital", D("-1000.00"), "CNY")]
    assert queries.trial_balance(fund) == {"CNY": D("0.00")}


@pytest.mark.parametrize("lines, message", [
    ([("cash", "100"), ("capital", "-99.99")], "differ by 0.01"),
    ([("cash", "100")], "at least two lines"),
    ([("cash", "100.005"), ("capital", "-100.005")], "at most two decimals"),
    ([("cash", "0"), ("capital", "0")], "must not be zero"),
    ([("cash", "abc"), ("capital", "-1")], "not a number"),
    ([("cash", "NaN"), ("capital", "-1")], "not a number"),
])
def test_bad_lines_are_refused_and_nothing_is_written(fund, users, lines, message):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        post(users, fund, [(acc(fund, code), amount) for code, amount in lines])
    assert message in " ".join(exc.value.message_dict["lines"])
    assert counts() == before


def test_balance_is_per_currency_not_overall(fund, users, kzt_cash):
    before = counts()
    with pytest.raises(ValidationError) as exc:  # +100 CNY −100 KZT sums to zero only if you ignore currency
        post(users, fund, [(acc(fund, "cash"), D("100")), (kzt_cash, D("-100"))])
    messages = " ".join(exc.value.message_dict["lines"])
    assert "CNY" in messages and "KZT" in messages
    assert counts() == before


def test_multi_currency_transaction_balancing_in_each_currency(fund, users, kzt_cash, kzt_fees):
    post(users, fund, [(acc(fund, "cash"), D("10")), (acc(fund, "fee-income"), D("-10")),
                       (kzt_cash, D("700")), (kzt_fees, D("-700"))], kind="fee")
    assert queries.trial_balance(fund) == {"CNY": D("0.00"), "KZT": D("0.00")}


def test_account_of_another_fund_is_refused(fund, users, world):
    other = services.create_fund(users["coordinator"], {"name": "Other fund", "currency": "CNY"})
    services.open_standard_accounts(users["coordinator"], other)
    before = counts()
    with pytest.raises(ValidationError, match="not one of this fund"):
        post(users, fund, [(acc(fund, "cash"), D("5")), (acc(other, "capital"), D("-5"))])
    assert counts() == before


def test_project_must_be_attached_to_the_fund(fund, users, world):
    from tvetbridge.registry.models import CooperationProject

    stranger = CooperationProject.objects.create(external_key="p-x", name="Elsewhere", kind="exchange",
                                                 host_country=world["tj"])
    with pytest.raises(ValidationError) as exc:
        post(users, fund, [(acc(fund, "cash"), D("5")), (acc(fund, "capital"), D("-5"))], project=stranger)
    assert "project" in exc.value.message_dict
    assert counts() == (0, 0)


@pytest.mark.parametrize("role", ["institution", "enterprise", "public"])
def test_only_fund_managers_post(fund, users, role):
    with pytest.raises(PermissionDenied):
        services.post_transaction(users[role], fund=fund, date=JAN, description="x", kind="contribution",
                                  lines=[(acc(fund, "cash"), D("5")), (acc(fund, "capital"), D("-5"))])
    assert counts() == (0, 0)


def test_entries_cannot_be_written_changed_or_deleted_outside_posting(fund, users):
    txn = post(users, fund, [(acc(fund, "cash"), D("5")), (acc(fund, "capital"), D("-5"))])
    entry = txn.entries.first()
    with pytest.raises(ValidationError):
        Entry.objects.create(transaction=txn, account=acc(fund, "cash"), amount=D("1"), currency="CNY")
    with pytest.raises(ValidationError):
        Entry.objects.bulk_create([Entry(transaction=txn, account=acc(fund, "cash"), amount=D("1"), currency="CNY")])
    entry.amount = D("6")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        Entry.objects.filter(pk=entry.pk).update(amount=D("6"))
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        Entry.objects.all().delete()
    with pytest.raises(ValidationError):
        txn.delete()
    with pytest.raises(ValidationError):
        Transaction.objects.create(fund=fund, date=JAN, description="x", kind="fee", created_by=users["admin"])
    assert queries.trial_balance(fund) == {"CNY": D("0.00")}
    assert counts() == (1, 2)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite guard")
def test_sqlite_trigger_forbids_rewriting_an_entry(fund, users):
    txn = post(users, fund, [(acc(fund, "cash"), D("5")), (acc(fund, "capital"), D("-5"))])
    with pytest.raises((IntegrityError, OperationalError)), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE finance_entry SET amount = 6 WHERE transaction_id = %s", [txn.pk])
    assert queries.trial_balance(fund) == {"CNY": D("0.00")}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL constraint trigger")
@pytest.mark.parametrize("sql", [
    "INSERT INTO finance_entry (transaction_id, account_id, amount, currency) VALUES (%(txn)s, %(cash)s, 1, 'CNY')",
    "UPDATE finance_entry SET amount = amount + 1 WHERE transaction_id = %(txn)s AND amount > 0",
    "DELETE FROM finance_entry WHERE transaction_id = %(txn)s AND amount > 0",
    "UPDATE finance_entry SET currency = 'KZT' WHERE transaction_id = %(txn)s",
])
def test_postgresql_refuses_unbalanced_entries_at_commit(fund, users, sql):
    txn = post(users, fund, [(acc(fund, "cash"), D("5")), (acc(fund, "capital"), D("-5"))])
    with pytest.raises(IntegrityError, match="finance ledger"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, {"txn": txn.pk, "cash": acc(fund, "cash").pk})
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would do
    assert queries.trial_balance(fund) == {"CNY": D("0.00")}


def test_reversal_cancels_and_cannot_repeat(fund, users):
    txn = post(users, fund, [(acc(fund, "cash"), D("40")), (acc(fund, "capital"), D("-40"))])
    rev = services.reverse_transaction(users["coordinator"], txn, date=FEB)
    assert rev.reverses == txn
    assert {r["code"]: r["balance"] for r in queries.balances(fund=fund)} == {"cash": D("0.00"), "capital": D("0.00")}
    with pytest.raises(ValidationError):
        services.reverse_transaction(users["coordinator"], txn, date=FEB)


# ---------------------------------------------------------------------------------------------
# balances at a date, per fund, project and party


def test_balances_at_any_date_per_fund_project_and_party(fund, users, world, parties):
    c = users["coordinator"]
    services.record_flow(c, fund, "contribution", D("10000"), date=JAN, party=parties["ministry"])
    services.record_flow(c, fund, "training_cost", D("3000"), date=FEB, project=world["project"])
    services.record_flow(c, fund, "share_collected", D("250.50"), date=MAR, project=world["project"])
    services.record_flow(c, fund, "contribution", D("500"), date=MAR, party=parties["jd"], credit="grant-income")

    def at(day, **kw):
        return {r["code"]: r["balance"] for r in queries.balances(fund=fund, as_of=day, **kw)}

    assert at(JAN - dt.timedelta(days=1)) == {}
    assert at(JAN)["cash"] == D("10000.00")
    assert at(FEB)["cash"] == D("7000.00")
    assert at(MAR)["cash"] == D("7750.50")
    assert at(MAR)["training-costs"] == D("3000.00")
    assert at(MAR)[f"capital-p{parties['ministry'].pk}"] == D("10000.00")
    assert at(MAR, party=parties["jd"]) == {f"grant-income-p{parties['jd'].pk}": D("500.00")}
    assert at(MAR, project=world["project"]) == {"cash": D("-2749.50"), "training-costs": D("3000.00"),
                                                 "share-income": D("250.50")}
    assert queries.project_balances(fund, as_of=MAR) == [
        {"project_id": world["project"].pk, "project": "Luban Workshop (ALT)", "currency": "CNY",
         "net": D("-2749.50")}]
    parties_at = {(r["party"].name, r["currency"]): r["net"] for r in queries.party_balances(fund, as_of=MAR)}
    assert parties_at == {("Ministry of Education", "CNY"): D("-10000.00"), ("JD", "CNY"): D("-500.00")}
    pos = queries.position(fund, as_of=MAR)["CNY"]
    assert pos["asset"] + pos["expense"] == pos["liability"] + pos["equity"] + pos["income"]


def test_loan_drawdown_and_repayment_follow_the_engine_schedule(fund, users, parties):
    c = users["coordinator"]
    loan = services.create_instrument(c, fund, "sponsor", {
        "party": parties["bank"], "kind": "loan", "amount": D("120000"), "annual_rate": D("2"),
        "grace_months": 12, "term_months": 60, "start_date": JAN})
    rows = queries.loan_schedule(loan)
    engine_payments = loan.engine_terms().schedule()
    assert len(rows) == 60
    assert [float(r["payment"]) for r in rows[:-1]] == pytest.approx(engine_payments[:-1], abs=0.006)
    assert rows[0]["principal"] == D("0.00") and rows[0]["interest"] == D("200.00")
    assert rows[-1]["balance"] == D("0.00")
    assert sum(r["principal"] for r in rows) == D("120000.00")
    services.draw_loan(c, loan, date=JAN)
    for month in (1, 13):
        services.repay_loan(c, loan, month, date=FEB)
    bal = {r["code"]: r["balance"] for r in queries.balances(fund=fund)}
    assert bal[f"loan-payable-p{parties['bank'].pk}"] == D("120000.00") - rows[12]["principal"]
    assert queries.trial_balance(fund) == {"CNY": D("0.00")}


# ---------------------------------------------------------------------------------------------
# property-based: balanced sequences keep every trial balance at zero; unbalanced writes nothing

CURRENCY_ACCOUNTS = {"CNY": ("cash", "capital", "fee-income", "training-costs"), "KZT": ("cash-kzt", "fees-kzt")}
cents = st.integers(min_value=-10**9, max_value=10**9).filter(bool)


@st.composite
def balanced_postings(draw):
    lines = []
    for currency in draw(st.lists(st.sampled_from(sorted(CURRENCY_ACCOUNTS)), min_size=1, max_size=2, unique=True)):
        codes = CURRENCY_ACCOUNTS[currency]
        legs = draw(st.lists(st.tuples(st.sampled_from(codes), cents), min_size=1, max_size=4))
        total = sum(c for _, c in legs)
        if total:
            legs.append((draw(st.sampled_from(codes)), -total))
        if len(legs) < 2:
            continue
        lines += legs
    day = draw(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)))
    return day, lines


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(postings=st.lists(balanced_postings(), min_size=1, max_size=5),
       probe=st.dates(min_value=dt.date(2024, 12, 31), max_value=dt.date(2025, 12, 31)))
def test_balanced_postings_keep_every_trial_balance_at_zero(fund, users, kzt_cash, kzt_fees, postings, probe):
    # Examples share one database transaction, so compare against what was there before this one.
    model = {r["code"]: r["net"] for r in queries.balances(fund=fund, as_of=probe)}
    for day, legs in postings:
        if len(legs) < 2:
            continue
        post(users, fund, [(acc(fund, code), D(c) / 100) for code, c in legs], date=day)
        for code, c in legs:
            if day <= probe:
                model[code] = model.get(code, D(0)) + D(c) / 100
    for as_of in (None, probe):
        tb = queries.trial_balance(fund, as_of=as_of)
        assert all(v == 0 for v in tb.values()), (tb, postings)
    got = {r["code"]: r["net"] for r in queries.balances(fund=fund, as_of=probe)}
    assert all(got.get(code, 0) == model.get(code, 0) for code in got.keys() | model.keys())
    for currency, pos in queries.position(fund).items():
        assert pos["asset"] + pos["expense"] == pos["liability"] + pos["equity"] + pos["income"], currency


@SETTINGS
@given(posting=balanced_postings(), where=st.integers(min_value=0), delta=cents)
def test_any_unbalanced_attempt_raises_and_writes_nothing(fund, users, kzt_cash, kzt_fees, posting, where, delta):
    day, legs = posting
    legs = list(legs)
    i = where % len(legs)
    code, c = legs[i]
    if c + delta == 0:
        delta += 1
    legs[i] = (code, c + delta)
    before = counts()
    with pytest.raises(ValidationError):
        post(users, fund, [(acc(fund, code), D(c) / 100) for code, c in legs], date=day)
    assert counts() == before


# ---------------------------------------------------------------------------------------------
# statements


@pytest.fixture
def booked(fund, users, world, parties):
    c = users["coordinator"]
    services.record_flow(c, fund, "contribution", D("10000"), date=JAN, party=parties["ministry"])
    services.record_flow(c, fund, "training_cost", D("3000"), date=FEB, project=world["project"])
    services.record_flow(c, fund, "share_collected", D("250.50"), date=MAR, project=world["project"],
                         description="Доля дохода · 收益分成")
    return fund


def test_statement_xlsx_opens_with_opening_period_and_closing(booked, parties):
    from openpyxl import load_workbook

    data = queries.statement(booked, start=FEB, end=MAR)
    wb = load_workbook(io.BytesIO(statements.statement_xlsx(data)))
    assert wb.sheetnames[:2] == ["Balances", "Entries"]
    cells = [c.value for row in wb["Balances"].iter_rows() for c in row]
    assert "Almaty Skills Fund" in " ".join(str(v) for v in cells if v)
    cash = next(row for row in wb["Balances"].iter_rows(values_only=True) if row[0] == "cash")
    assert list(cash[4:8]) == [10000, 250.5, 3000, 7250.5]  # opening, debits, credits, closing
    lines = list(wb["Entries"].iter_rows(values_only=True))
    assert any("Доля дохода · 收益分成" in str(v) for row in lines for v in row)


def test_statement_pdf_names_the_fund_and_party(booked, parties):
    from pypdf import PdfReader

    data = queries.statement(booked, start=JAN, end=MAR, party=parties["ministry"])
    pdf = statements.statement_pdf(data)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Almaty Skills Fund" in text
    assert "Ministry of Education" in text
