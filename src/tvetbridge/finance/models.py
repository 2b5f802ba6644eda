# Over 500 lines: the app's models, in one module by Django's convention (a models package would scatter them).
"""Funds, their instruments, the fund ledger, saved designs and simulation runs.

Instrument terms are validated by constructing the engine's own dataclasses (``instruments.py``) in
``clean()``: one rule set for the designer, the pages, the API and imports. Percentages are stored as
0–100 (as people type them) and handed to the engine as fractions.

The ledger (Account, Transaction, Entry) is written only by ``ledger.post`` — see ``ledger.py`` for how
balance is enforced on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tvetbridge.core.models import CURRENCIES, Record
from tvetbridge.registry.models import CooperationProject, Enterprise, Institution

from . import engine
from . import rules as perms

# ---------------------------------------------------------------------------------------------
# engine validation → Django validation

_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"must not be negative"), lambda m: gettext("Must not be negative.")),
    (re.compile(r"must be positive"), lambda m: gettext("Must be greater than zero.")),
    (re.compile(r"must be between 0 and 1"), lambda m: gettext("Enter a value between 0 and 100%.")),
    (re.compile(r"must be at least (\d+)"),
     lambda m: gettext("Must be at least %(minimum)s.") % {"minimum": m.group(1)}),
    (re.compile(r"maturity \((-?\d+)\) must be after the start \((-?\d+)\)"),
     lambda m: gettext("The maturity (month %(maturity)s) must come after the start (month %(start)s).")
     % {"maturity": m.group(1), "start": m.group(2)}),
    (re.compile(r"maturity must fall within the simulation horizon"),
     lambda m: gettext("The maturity must fall within the simulation horizon.")),
    (re.compile(r"unknown currency"), lambda m: gettext("Unknown currency.")),
    (re.compile(r"grace period must be shorter than the term"),
     lambda m: gettext("The grace period must be shorter than the term.")),
    (re.compile(r"training must end before the horizon"),
     lambda m: gettext("Training must end before the simulation horizon.")),
    (re.compile(r"must be a whole number"), lambda m: gettext("Enter a whole number of months.")),
    (re.compile(r"must be 'call' or 'put'"), lambda m: gettext("Choose call or put.")),
    (re.compile(r"must be (a number|finite)"), lambda m: gettext("Enter a number.")),
]


def engine_message(text: str) -> str:
    """The engine's English message as a translated sentence (the engine itself has no gettext)."""
    for pattern, render in _PATTERNS:
        match = pattern.search(text)
        if match:
            return render(match)
    return text


# The ledger's write guard: ``Transaction``/``Entry`` rows are written only inside ``ledger.post``,
# which balances them first. It lives with the models it guards, so they need not import the ledger.
_posting: ContextVar[bool] = ContextVar("finance_ledger_posting", default=False)


def require_posting(obj) -> None:
    """Called by the ledger models' save paths: writes only happen inside ``ledger.post``."""
    if not _posting.get():
        raise ValidationError(gettext("Ledger records are written only by posting a balanced transaction."))


@contextmanager
def posting():
    """Open the write guard for one balanced posting (``ledger.post`` only)."""
    token = _posting.set(True)
    try:
        yield
    finally:
        _posting.reset(token)


def engine_error(exc: ValueError, field_map: Mapping[str, str] | None = None,
                 *, default: str | None = None) -> ValidationError:
    """``ValueError("field: message")`` → ``ValidationError({mapped field: message})``."""
    text = str(exc)
    name, sep, message = text.partition(": ")
    if not sep:
        return ValidationError({default or "__all__": engine_message(text)})
    field = (field_map or {}).get(name, name if default is None else default)
    return ValidationError({field: engine_message(message)})


@contextmanager
def engine_validation(field_map: Mapping[str, str] | None = None):
    try:
        yield
    except ValueError as exc:
        raise engine_error(exc, field_map) from exc


def _f(value) -> float:
    return float(value)


def _pct(value) -> float:
    return float(Decimal(value) / 100)


# ---------------------------------------------------------------------------------------------
# parties and funds


class Party(Record):
    """Someone money flows to or from: a sponsor, an enterprise, an investor, the trainees."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government")
        POLICY_BANK = "policy_bank", _("policy bank")
        ENTERPRISE = "enterprise", _("enterprise")
        INSTITUTION = "institution", _("institution")
        INVESTOR = "investor", _("investor")
        TRAINEES = "trainees", _("trainees")
        DONOR = "donor", _("international donor")
        FUND = "fund", _("the fund itself")

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="finance_parties", verbose_name=_("enterprise"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="finance_parties", verbose_name=_("institution"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        rules_permissions = perms.party_permissions

    def __str__(self) -> str:
        return self.name


class Fund(Record):
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES,
                                help_text=_("The currency the fund keeps its books in."))
    sponsors = models.ManyToManyField(Party, blank=True, related_name="sponsored_funds", verbose_name=_("sponsors"))
    projects = models.ManyToManyField(CooperationProject, blank=True, related_name="funds",
                                      verbose_name=_("projects"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[sponsors, projects])

    class Meta:
        ordering = ["name"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        rules_permissions = perms.fund_permissions

    def __str__(self) -> str:
        return self.name

    def served_projects(self):
        return self.projects.all() if self.pk else CooperationProject.objects.none()


# ---------------------------------------------------------------------------------------------
# instruments


class Instrument(Record):
    """Common columns. ``engine_terms()`` builds the engine dataclass; its ValueError names a field."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="%(class)s_set", verbose_name=_("fund"))
    project = models.ForeignKey(CooperationProject, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="%(class)s_set", verbose_name=_("project"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)
    notes = models.TextField(_("notes"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    # engine field name → model field name, where they differ
    engine_field_map: dict[str, str] = {}
    # model fields the engine needs; when one is missing, clean_fields() already reports it
    engine_inputs: tuple[str, ...] = ()

    class Meta:
        abstract = True
        rules_permissions = perms.child_permissions

    def engine_terms(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def clean(self) -> None:
        super().clean()
        if any(getattr(self, name) in (None, "") for name in self.engine_inputs):
            return
        try:
            self.engine_terms()
        except (TypeError, InvalidOperation):
            return  # a malformed number: clean_fields() names the field
        except ValueError as exc:
            raise engine_error(exc, self.engine_field_map) from exc

    def served_projects(self):
        ids = set(self.fund.projects.values_list("pk", flat=True)) if self.fund_id else set()
        if self.project_id:
            ids.add(self.project_id)
        return CooperationProject.objects.filter(pk__in=ids)


class OrderCommitment(Instrument):
    """Order-based training: an enterprise pays per graduate it hires, optionally partly up front."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="order_commitments",
                                   verbose_name=_("enterprise"))
    # Nullable only for commitments recorded before demands were linked (see migration 0003); a new
    # or edited commitment must name its demand (blank=False).
    demand = models.ForeignKey("demand.SkillDemand", on_delete=models.PROTECT, null=True,
                               related_name="order_commitments", verbose_name=_("skill demand"),
                               help_text=_("The enterprise's skill demand this order answers."),
                               error_messages={"invalid": _("There is no skill demand with id %(value)r.")})
    price_per_hire = models.DecimalField(_("payment per graduate hired"), max_digits=16, decimal_places=2)
    upfront_share = models.DecimalField(_("share paid up front (%)"), max_digits=5, decimal_places=2,
                                        default=Decimal(0))
    committed_hires = models.IntegerField(_("graduates committed to hire"), default=0)
    hire_probability = models.DecimalField(
        _("expected hiring rate (%)"), max_digits=5, decimal_places=2, default=Decimal(50),
        help_text=_("Share of employed graduates this enterprise is expected to hire."))
    value_per_hire = models.DecimalField(_("value of a hire to the enterprise"), max_digits=16, decimal_places=2,
                                         default=Decimal(0))
    history = HistoricalRecords()

    engine_inputs = ("price_per_hire", "upfront_share", "committed_hires", "hire_probability", "value_per_hire")

    class Meta:
        verbose_name = _("order-based training commitment")
        verbose_name_plural = _("order-based training commitments")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.price_per_hire} {self.currency}"

    def clean(self) -> None:
        # Report bad terms and an incoherent demand together, not one after the other.
        errors: dict = {}
        for check in (super().clean, self._check_demand):
            try:
                check()
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _check_demand(self) -> None:
        """The commitment must answer its demand: same enterprise, same currency, no more hires."""
        from tvetbridge.demand.models import SkillDemand

        if self.demand_id is None:
            return  # clean_fields() reports the missing demand
        try:
            demand = SkillDemand.objects.filter(pk=self.demand_id).first()
        except (TypeError, ValueError):
            return  # not an id: clean_fields() says so
        if demand is None:
            return  # clean_fields() reports the unknown id
        errors: dict[str, list[str]] = {}
        if self.enterprise_id is not None and demand.enterprise_id != self.enterprise_id:
            errors.setdefault("demand", []).append(
                gettext("This skill demand (%(demand)s) was posted by %(owner)s, not by the committing "
                        "enterprise.") % {"demand": demand, "owner": demand.enterprise})
        if demand.status == SkillDemand.Status.CANCELLED:
            errors.setdefault("demand", []).append(
                gettext("This skill demand (%(demand)s) was cancelled.") % {"demand": demand})
        if (demand.order_commitment and demand.commitment_currency and self.currency
                and self.currency != demand.commitment_currency):
            errors.setdefault("currency", []).append(
                gettext("The skill demand states its payment per graduate in %(demand_currency)s; record the "
                        "commitment in %(demand_currency)s too.") % {"demand_currency": demand.commitment_currency})
        if isinstance(self.committed_hires, int) and self.committed_hires > demand.count:
            errors.setdefault("committed_hires", []).append(
                gettext("The skill demand asks for %(count)s people; the enterprise cannot commit to hire "
                        "more (%(hires)s).") % {"count": demand.count, "hires": self.committed_hires})
        if errors:
            raise ValidationError(errors)

    def engine_terms(self) -> engine.OrderCommitment:
        return engine.OrderCommitment(
            price_per_hire=_f(self.price_per_hire), hire_probability=_pct(self.hire_probability),
            upfront_share=_pct(self.upfront_share), committed_hires=self.committed_hires,
            value_per_hire=_f(self.value_per_hire))


class IncomeFloor(Instrument):
    """Risk bottoming-up: a refund if not employed in time and/or a top-up of low incomes.

    Amounts are in the trainees' local currency (``currency``)."""

    refund_amount = models.DecimalField(_("refund if not employed"), max_digits=16, decimal_places=2,
                                        default=Decimal(0))
    refund_after_months = models.IntegerField(_("refund after (months without a job)"), default=6)
    floor_income = models.DecimalField(_("monthly income floor"), max_digits=16, decimal_places=2,
                                       default=Decimal(0))
    topup_months = models.IntegerField(_("top-up months"), default=0)
    history = HistoricalRecords()

    engine_inputs = ("refund_amount", "refund_after_months", "floor_income", "topup_months")

    class Meta:
        verbose_name = _("income floor")
        verbose_name_plural = _("income floors")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return gettext("Floor %(amount)s %(currency)s") % {"amount": self.floor_income, "currency": self.currency}

    def engine_terms(self) -> engine.IncomeFloor:
        return engine.IncomeFloor(refund_amount=_f(self.refund_amount), refund_after_months=self.refund_after_months,
                                  floor_income=_f(self.floor_income), topup_months=self.topup_months)


class ProfitShare(Instrument):
    """A share of the trainee's income gain above a threshold, for some months, capped."""

    rate = models.DecimalField(_("share of income gain (%)"), max_digits=5, decimal_places=2)
    threshold = models.DecimalField(_("monthly gain threshold"), max_digits=16, decimal_places=2,
                                    default=Decimal(0),
                                    help_text=_("No share is due in months when the gain is at or below it."))
    months = models.IntegerField(_("months of sharing"), default=36)
    cap_multiple = models.DecimalField(_("cap (× training cost)"), max_digits=6, decimal_places=2,
                                       default=Decimal(2))
    history = HistoricalRecords()

    engine_inputs = ("rate", "threshold", "months", "cap_multiple")

    class Meta:
        verbose_name = _("profit-sharing term")
        verbose_name_plural = _("profit-sharing terms")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return gettext("%(rate)s%% of income gain") % {"rate": self.rate}

    def engine_terms(self) -> engine.ProfitShare:
        return engine.ProfitShare(rate=_pct(self.rate), threshold=_f(self.threshold), months=self.months,
                                  cap_multiple=_f(self.cap_multiple))


class SkillOption(Instrument):
    """An investor's claim on the cohort's income gain above a strike at maturity (call-like).

    Months count from the cohort's enrolment (``cohort_start``). The premium is what the investor
    pays the fund; ``fair_value`` is the engine's price when it was last priced."""

    class Kind(models.TextChoices):
        CALL = "call", _("call (gain above strike)")
        PUT = "put", _("put (gain below strike)")

    investor = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="skill_options", verbose_name=_("investor"))
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.CALL)
    strike = models.DecimalField(_("strike (monthly gain)"), max_digits=16, decimal_places=2)
    cap = models.DecimalField(_("cap per unit"), max_digits=16, decimal_places=2, null=True, blank=True)
    notional = models.DecimalField(_("notional (units)"), max_digits=16, decimal_places=2, default=Decimal(1))
    cohort_start = models.DateField(_("cohort start"), null=True, blank=True)
    start_month = models.IntegerField(_("start month"), default=0)
    maturity_month = models.IntegerField(_("maturity month"))
    premium = models.DecimalField(_("premium paid"), max_digits=16, decimal_places=2, default=Decimal(0))
    fair_value = models.DecimalField(_("fair value"), max_digits=16, decimal_places=2, null=True, blank=True)
    fair_value_se = models.DecimalField(_("fair value standard error"), max_digits=16, decimal_places=2,
                                        null=True, blank=True)
    priced_at = models.DateTimeField(_("priced at"), null=True, blank=True)
    history = HistoricalRecords()

    engine_inputs = ("strike", "notional", "start_month", "maturity_month", "premium", "kind")

    class Meta:
        verbose_name = _("skill appreciation option")
        verbose_name_plural = _("skill appreciation options")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return gettext("%(kind)s at %(strike)s, month %(month)s") % {
            "kind": self.get_kind_display(), "strike": self.strike, "month": self.maturity_month}

    def engine_terms(self) -> engine.SkillOption:
        return engine.SkillOption(
            strike=_f(self.strike), maturity_month=self.maturity_month, start_month=self.start_month,
            kind=self.kind, cap=None if self.cap is None else _f(self.cap), notional=_f(self.notional),
            premium=_f(self.premium))


class SponsorCommitment(Instrument):
    """Money a sponsor puts in: a grant, a concessional (policy-bank) loan, or training fees."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("government grant")
        LOAN = "loan", _("concessional loan")
        FEES = "fees", _("fee-based training income")

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("sponsor"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount or principal"), max_digits=18, decimal_places=2, null=True, blank=True)
    annual_rate = models.DecimalField(_("annual interest rate (%)"), max_digits=6, decimal_places=3,
                                      null=True, blank=True)
    grace_months = models.IntegerField(_("grace period (months)"), null=True, blank=True)
    term_months = models.IntegerField(_("term (months)"), null=True, blank=True)
    fee_per_trainee = models.DecimalField(_("fee per trainee"), max_digits=16, decimal_places=2, null=True,
                                          blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    history = HistoricalRecords()

    engine_inputs = ("kind",)
    engine_field_map = {"principal": "amount", "grant": "amount", "trainee_fee": "fee_per_trainee"}
    _required = {"grant": ("amount",), "loan": ("amount", "annual_rate", "grace_months", "term_months"),
                 "fees": ("fee_per_trainee",)}

    class Meta:
        verbose_name = _("sponsor commitment")
        verbose_name_plural = _("sponsor commitments")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.party}"

    def clean(self) -> None:
        missing = {name: gettext("Required for a %(kind)s.") % {"kind": self.get_kind_display()}
                   for name in self._required.get(self.kind, ()) if getattr(self, name) in (None, "")}
        if missing:
            raise ValidationError(missing)
        super().clean()

    def engine_terms(self):
        if self.kind == self.Kind.LOAN:
            return engine.ConcessionalLoan(principal=_f(self.amount), annual_rate=_pct(self.annual_rate),
                                           grace_months=self.grace_months, term_months=self.term_months)
        if self.kind == self.Kind.GRANT:
            return engine.Sponsors(grant=_f(self.amount))
        return engine.Sponsors(trainee_fee=_f(self.fee_per_trainee))


INSTRUMENT_MODELS: dict[str, type[Instrument]] = {
    "order": OrderCommitment, "floor": IncomeFloor, "share": ProfitShare, "option": SkillOption,
    "sponsor": SponsorCommitment,
}


# ---------------------------------------------------------------------------------------------
# ledger


class Account(Record):
    class Kind(models.TextChoices):
        ASSET = "asset", _("asset")
        LIABILITY = "liability", _("liability")
        EQUITY = "equity", _("equity")
        INCOME = "income", _("income")
        EXPENSE = "expense", _("expense")

    # Debit-normal kinds show their balance as debits minus credits; the others the other way round.
    DEBIT_NORMAL = frozenset({Kind.ASSET, Kind.EXPENSE})

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("fund"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts",
                              verbose_name=_("party"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["fund", "code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        rules_permissions = perms.child_permissions
        constraints = [models.UniqueConstraint(fields=["fund", "code"], name="uniq_account_code_per_fund")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name} ({self.currency})"

    def served_projects(self):
        return self.fund.served_projects()


class Transaction(Record):
    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", _("contribution")
        FEE = "fee", _("training fee")
        TRAINING_COST = "training_cost", _("training cost")
        ORDER_PAYMENT = "order_payment", _("order payment")
        FLOOR_PAYOUT = "floor_payout", _("floor payout")
        SHARE_COLLECTED = "share_collected", _("income share collected")
        OPTION_PREMIUM = "option_premium", _("option premium")
        OPTION_PAYOFF = "option_payoff", _("option payoff")
        LOAN_DRAWDOWN = "loan_drawdown", _("loan drawdown")
        LOAN_REPAYMENT = "loan_repayment", _("loan repayment")
        REVERSAL = "reversal", _("reversal")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("fund"))
    date = models.DateField(_("date"), db_index=True)
    description = models.CharField(_("description"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    project = models.ForeignKey(CooperationProject, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="fund_transactions", verbose_name=_("project"))
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    created = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        rules_permissions = perms.child_permissions
        indexes = [models.Index(fields=["fund", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.description}"

    def save(self, *args, **kwargs):
        require_posting(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(gettext("Ledger transactions are never deleted; post a reversal instead."))

    def served_projects(self):
        return self.fund.served_projects()


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(gettext("Ledger entries cannot be changed; post a reversal instead."))

    def delete(self):
        raise ValidationError(gettext("Ledger entries are never deleted; post a reversal instead."))

    def bulk_create(self, objs, *args, **kwargs):
        require_posting(None)
        return super().bulk_create(objs, *args, **kwargs)


class Entry(models.Model):
    """One leg of a transaction. ``amount`` > 0 is a debit, < 0 a credit, in ``currency``."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries",
                                    verbose_name=_("transaction"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account"))
    amount = models.DecimalField(_("amount (debit +, credit −)"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["transaction", "pk"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_nonzero")]
        indexes = [models.Index(fields=["account", "transaction"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        require_posting(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(gettext("Ledger entries are never deleted; post a reversal instead."))


# ---------------------------------------------------------------------------------------------
# designer


class SimulationRun(Record):
    """One Monte Carlo run of a design, with its progress and (when done) its results as JSON."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    spec = models.JSONField(_("design"), help_text=_("Cohort assumptions and instrument terms, in engine units."))
    n_paths = models.PositiveIntegerField(_("trainee paths"))
    seed = models.PositiveIntegerField(_("seed"), default=0)
    fund = models.ForeignKey(Fund, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs",
                             verbose_name=_("fund"))
    project = models.ForeignKey(CooperationProject, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="fund_runs", verbose_name=_("project"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("run by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    # The background job that runs the simulation (progress, cancel, retries).
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created"]
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return gettext("Run %(id)s (%(status)s)") % {"id": self.pk, "status": self.get_status_display()}

    def served_projects(self):
        ids = set(self.fund.projects.values_list("pk", flat=True)) if self.fund_id else set()
        if self.project_id:
            ids.add(self.project_id)
        return CooperationProject.objects.filter(pk__in=ids)


class FundDesign(Record):
    """A saved design: its assumptions and terms, the run it was judged by and a summary of results."""

    name = models.CharField(_("name"), max_length=200)
    fund = models.ForeignKey(Fund, on_delete=models.SET_NULL, null=True, blank=True, related_name="designs",
                             verbose_name=_("fund"))
    project = models.ForeignKey(CooperationProject, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="fund_designs", verbose_name=_("project"))
    spec = models.JSONField(_("design"), help_text=_("Cohort assumptions and instrument terms, in engine units."))
    run = models.ForeignKey(SimulationRun, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="designs", verbose_name=_("simulation run"))
    summary = models.JSONField(_("result summary"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated"]
        verbose_name = _("fund design")
        verbose_name_plural = _("fund designs")
        rules_permissions = perms.child_permissions

    def __str__(self) -> str:
        return self.name

    def served_projects(self):
        ids = set(self.fund.projects.values_list("pk", flat=True)) if self.fund_id else set()
        if self.project_id:
            ids.add(self.project_id)
        return CooperationProject.objects.filter(pk__in=ids)
