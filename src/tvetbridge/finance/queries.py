"""Read paths of the finance app: visible funds, balances at a date, trial balance, statements.

Balances are aggregated in SQL (one GROUP BY over entries); account names are joined afterwards from
Account objects so they come out in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .engine import ConcessionalLoan
from .models import Account, Entry, Fund, FundDesign, Party, SimulationRun, SponsorCommitment
from .rules import projects_of_institution

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=20, decimal_places=2)


def _visible(qs: QuerySet, user, project_path: str) -> QuerySet:
    """Managers see everything; institution staff what serves their projects; others nothing."""
    if user.has_perm("finance.use_designer"):  # coordinators and admins
        return qs
    institution_id = getattr(getattr(user, "profile", None), "institution_id", None)
    if not user.has_perm("finance.view_finance") or institution_id is None:
        return qs.none()
    own = projects_of_institution(institution_id).values("pk")
    cond = Q(**{f"{project_path}__in": own})
    return qs.filter(cond).distinct()


def visible_funds(user) -> QuerySet[Fund]:
    return _visible(Fund.objects.all(), user, "projects")


def visible_designs(user) -> QuerySet[FundDesign]:
    qs = FundDesign.objects.select_related("project", "fund", "run")
    if user.has_perm("finance.use_designer"):
        return qs
    if not user.has_perm("finance.view_finance"):
        return qs.none()
    institution_id = getattr(getattr(user, "profile", None), "institution_id", None)
    own = projects_of_institution(institution_id).values("pk")
    return qs.filter(Q(project__in=own) | Q(fund__projects__in=own)).distinct()


def _entries(*, fund=None, project=None, party=None, as_of: dt.date | None = None,
             start: dt.date | None = None) -> QuerySet[Entry]:
    qs = Entry.objects.all()
    if fund is not None:
        qs = qs.filter(transaction__fund=fund)
    if project is not None:
        qs = qs.filter(transaction__project=project)
    if party is not None:
        qs = qs.filter(account__party=party)
    if as_of is not None:
        qs = qs.filter(transaction__date__lte=as_of)
    if start is not None:
        qs = qs.filter(transaction__date__gte=start)
    return qs


def _sums(qs: QuerySet[Entry]) -> QuerySet:
    return qs.values("account_id", "currency").annotate(
        debit=Coalesce(Sum(Case(When(amount__gt=0, then=F("amount")), default=Value(ZERO), output_field=_MONEY)),
                       Value(ZERO), output_field=_MONEY),
        credit=Coalesce(Sum(Case(When(amount__lt=0, then=-F("amount")), default=Value(ZERO), output_field=_MONEY)),
                        Value(ZERO), output_field=_MONEY),
        net=Sum("amount"),
    ).order_by("account_id", "currency")


def _cents(value) -> Decimal:
    """SQLite keeps decimals as floating point and sums them so (1e-11 errors); PostgreSQL is exact.
    Amounts are whole cents, so rounding every aggregate to cents restores the exact figure on both."""
    return ZERO if value is None else Decimal(value).quantize(ZERO)


def _balance(account: Account, net: Decimal) -> Decimal:
    """Shown in the account's natural sign: assets and expenses debit-positive, the rest credit-positive."""
    return net if account.kind in Account.DEBIT_NORMAL else -net


def balances(*, fund: Fund | None = None, project=None, party: Party | None = None,
             as_of: dt.date | None = None) -> list[dict]:
    """One row per account with debits, credits and balance up to ``as_of`` (inclusive)."""
    rows = [{**r, "debit": _cents(r["debit"]), "credit": _cents(r["credit"]), "net": _cents(r["net"])}
            for r in _sums(_entries(fund=fund, project=project, party=party, as_of=as_of))]
    accounts = Account.objects.in_bulk({r["account_id"] for r in rows})
    out = []
    for r in rows:
        acc = accounts[r["account_id"]]
        out.append({"account": acc, "code": acc.code, "name": acc.name, "kind": acc.kind,
                    "kind_label": acc.get_kind_display(), "party": acc.party, "currency": r["currency"],
                    "debit": r["debit"], "credit": r["credit"], "net": r["net"],
                    "balance": _balance(acc, r["net"])})
    out.sort(key=lambda r: (list(Account.Kind.values).index(r["kind"]), r["code"]))
    return out


def trial_balance(fund: Fund | None = None, *, as_of: dt.date | None = None) -> dict[str, Decimal]:
    """Sum of all entries per currency: zero in a sound ledger."""
    qs = _entries(fund=fund, as_of=as_of).values("currency").annotate(total=Sum("amount")).order_by("currency")
    return {r["currency"]: _cents(r["total"]) for r in qs}


def position(fund: Fund, *, as_of: dt.date | None = None) -> dict[str, dict[str, Decimal]]:
    """Totals by account kind and currency, in natural sign (assets, liabilities, equity, income, expense)."""
    qs = (_entries(fund=fund, as_of=as_of).values("account__kind", "currency")
          .annotate(net=Sum("amount")).order_by())
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(Account.Kind.values, ZERO))
    for r in qs:
        kind, net = r["account__kind"], _cents(r["net"])
        out[r["currency"]][kind] = net if kind in Account.DEBIT_NORMAL else -net
    return dict(out)


def party_balances(fund: Fund, *, as_of: dt.date | None = None) -> list[dict]:
    """Per party and currency: what the fund owes the party (credit-positive) across its sub-accounts."""
    qs = (_entries(fund=fund, as_of=as_of).exclude(account__party=None)
          .values("account__party", "currency").annotate(net=Sum("amount")).order_by("account__party", "currency"))
    rows = list(qs)
    parties = Party.objects.in_bulk({r["account__party"] for r in rows})
    return [{"party": parties[r["account__party"]], "currency": r["currency"], "net": _cents(r["net"])} for r in rows]


def project_balances(fund: Fund, *, as_of: dt.date | None = None) -> list[dict]:
    """Per project: cash in and out of the fund for transactions tagged with the project."""
    qs = (_entries(fund=fund, as_of=as_of).exclude(transaction__project=None).filter(account__code="cash")
          .values("transaction__project", "transaction__project__name", "currency")
          .annotate(net=Sum("amount")).order_by("transaction__project__name"))
    return [{"project_id": r["transaction__project"], "project": r["transaction__project__name"],
             "currency": r["currency"], "net": _cents(r["net"])} for r in qs]


def statement(fund: Fund, *, start: dt.date, end: dt.date, party: Party | None = None) -> dict:
    """Opening balances at ``start``, every entry in [start, end], closing balances at ``end``."""
    opening = {(r["account"].pk, r["currency"]): r for r in
               balances(fund=fund, party=party, as_of=start - dt.timedelta(days=1))}
    closing = balances(fund=fund, party=party, as_of=end)
    entries = (_entries(fund=fund, party=party, as_of=end, start=start)
               .select_related("transaction", "account", "transaction__project")
               .order_by("transaction__date", "transaction_id", "pk"))
    lines = [{"date": e.transaction.date, "transaction": e.transaction_id, "kind": e.transaction.get_kind_display(),
              "description": e.transaction.description, "project": e.transaction.project,
              "account": e.account, "currency": e.currency,
              "debit": e.amount if e.amount > 0 else None, "credit": -e.amount if e.amount < 0 else None}
             for e in entries]
    rows = []
    for r in closing:
        o = opening.get((r["account"].pk, r["currency"]))
        rows.append({**r, "opening": o["balance"] if o else ZERO,
                     "period_debit": r["debit"] - (o["debit"] if o else ZERO),
                     "period_credit": r["credit"] - (o["credit"] if o else ZERO)})
    return {"fund": fund, "party": party, "start": start, "end": end, "accounts": rows, "lines": lines,
            "trial_balance": trial_balance(fund, as_of=end)}


def loan_terms(commitment: SponsorCommitment) -> ConcessionalLoan:
    """The engine's terms of a concessional loan; a commitment of another kind has no schedule."""
    if commitment.kind != SponsorCommitment.Kind.LOAN:
        raise ValidationError({"kind": _("Only a concessional loan has a repayment schedule.")})
    return commitment.engine_terms()


def loan_schedule(commitment: SponsorCommitment) -> list[dict]:
    """The engine's payment schedule with each payment split into interest and principal (cents)."""
    terms = loan_terms(commitment)
    cent = Decimal("0.01")
    rate = Decimal(str(terms.annual_rate)) / 12
    balance = Decimal(str(terms.principal)).quantize(cent)
    rows = []
    payments = terms.schedule()
    for n, pay in enumerate(payments, start=1):
        interest = (balance * rate).quantize(cent)
        payment = Decimal(str(pay)).quantize(cent)
        principal = payment - interest
        if n == len(payments):  # the last payment clears what rounding left over
            principal = balance
            payment = principal + interest
        balance -= principal
        due = None
        if commitment.start_date is not None:
            y, m = divmod(commitment.start_date.month - 1 + n, 12)
            due = commitment.start_date.replace(year=commitment.start_date.year + y, month=m + 1, day=1)
        rows.append({"month": n, "due": due, "payment": payment, "interest": interest,
                     "principal": principal, "balance": balance})
    return rows


def runs_for(user) -> QuerySet[SimulationRun]:
    qs = SimulationRun.objects.all()
    return qs if user.has_perm("finance.use_designer") else qs.none()
