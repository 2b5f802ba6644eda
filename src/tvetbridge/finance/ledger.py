"""The fund ledger's one write path: ``post`` a balanced transaction, all or nothing.

Why not a library. django-hordak (the well-kept Django double-entry ledger) enforces balance with
PostgreSQL/MySQL triggers and does not run on SQLite, the platform's embedded default; its last
release (2.0, 2024-11) is tested on Django 4.2/5.0, and it brings django-mptt, django-money and
py-moneyed for what is three small tables here. django-ledger is a whole accounting product (entities,
chart of accounts, invoices, bills) with its own opinions and UI. So the ledger stays small and
strictly tested (tests/finance/test_ledger.py, including property-based tests).

How balance is enforced.
* Here, always: every line is validated (account of this fund, currency of the account, a non-zero
  amount with at most two decimals) and the sum of the lines must be zero in each currency — before
  anything is written; then the transaction and its entries are written in one atomic block.
* ``Transaction.save``/``Entry.save``/``Entry.objects.bulk_create`` refuse to run outside ``post``,
  entries cannot be updated or deleted through the ORM, transactions cannot be deleted: corrections
  are reversing transactions.
* PostgreSQL: a deferred constraint trigger (migration 0002) re-checks, at commit, that every
  transaction touched sums to zero per currency and that each entry's currency is its account's —
  so raw SQL cannot leave the books unbalanced either.
* SQLite has no deferred triggers (a row trigger would see a half-posted transaction), so there the
  guarantee is this module's; a trigger still forbids rewriting an entry's amount, currency, account
  or transaction in place.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from .models import Account, Entry, Fund, Transaction, posting

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    account: Account
    amount: Decimal  # > 0 debit, < 0 credit


def _as_amount(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return amount if amount.is_finite() else None


def validate_lines(fund: Fund, lines: Iterable[Mapping | Line | tuple]) -> list[Line]:
    """Check the lines of one transaction; ValidationError({"lines": [...]}) names each bad line."""
    raw = list(lines)
    errors: list[str] = []
    if len(raw) < 2:
        errors.append(_("A transaction needs at least two lines."))
    accounts = {a.pk: a for a in fund.accounts.all()} if fund.pk else {}
    out: list[Line] = []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for n, line in enumerate(raw, start=1):
        if isinstance(line, Line):
            account, value = line.account, line.amount
        elif isinstance(line, tuple):
            account, value = line
        else:
            account, value = line.get("account"), line.get("amount")
        account_id = getattr(account, "pk", account)
        acc = accounts.get(account_id) if isinstance(account_id, int) else None
        if acc is None:
            errors.append(_("Line %(n)s: the account is not one of this fund's accounts.") % {"n": n})
            continue
        amount = _as_amount(value)
        if amount is None:
            errors.append(_("Line %(n)s: the amount is not a number.") % {"n": n})
            continue
        if amount != amount.quantize(CENT):
            errors.append(_("Line %(n)s: amounts have at most two decimals.") % {"n": n})
            continue
        if amount == 0:
            errors.append(_("Line %(n)s: the amount must not be zero.") % {"n": n})
            continue
        if abs(amount) >= Decimal(10) ** 16:
            errors.append(_("Line %(n)s: the amount is too large.") % {"n": n})
            continue
        totals[acc.currency] += amount
        out.append(Line(acc, amount.quantize(CENT)))
    if not errors:
        for currency, total in sorted(totals.items()):
            if total != 0:
                errors.append(_("Debits and credits in %(currency)s differ by %(total)s.")
                              % {"currency": currency, "total": total})
    if errors:
        raise ValidationError({"lines": errors})
    return out


def post(*, fund: Fund, date: dt.date, description: str, kind: str, lines, created_by,
         project=None, reverses: Transaction | None = None) -> Transaction:
    """Write one balanced transaction and its entries, or nothing."""
    checked = validate_lines(fund, lines)
    txn = Transaction(fund=fund, date=date, description=description, kind=kind, project=project,
                      reverses=reverses, created_by=created_by)
    txn.full_clean(exclude=["created_by"])
    if project is not None and fund.pk and not fund.projects.filter(pk=project.pk).exists():
        raise ValidationError({"project": _("The project is not attached to this fund.")})
    with posting(), db_transaction.atomic():
        txn.save()
        Entry.objects.bulk_create(
            [Entry(transaction=txn, account=line.account, amount=line.amount, currency=line.account.currency)
             for line in checked])
    return txn


def reverse(original: Transaction, *, date: dt.date, created_by, description: str = "") -> Transaction:
    """Cancel a transaction by posting its mirror image (the books never forget)."""
    if hasattr(original, "reversed_by"):
        raise ValidationError(_("This transaction has already been reversed."))
    if original.kind == Transaction.Kind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new transaction."))
    lines = [Line(e.account, -e.amount) for e in original.entries.select_related("account")]
    return post(fund=original.fund, date=date, kind=Transaction.Kind.REVERSAL, lines=lines,
                description=description or _("Reversal of: %(description)s") % {"description": original.description},
                created_by=created_by, project=original.project, reverses=original)
