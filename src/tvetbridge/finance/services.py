# Over 500 lines: every finance state change, one short atomic function each, by the rule that writes live in services.
"""Every state change of the finance app: funds, instruments, ledger postings, designs and runs.

Each function checks the actor's permission with the rules the pages use, is atomic, and leaves an
audit trail (django-simple-history for records; the ledger itself is append-only with its author).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.jobs import JobCancelled, enqueue
from tvetbridge.core.models import Job
from tvetbridge.core.services import create_record, perm_name, require, update_record

from . import engine, ledger
from . import engine as mc
from .impact_defaults import GainEstimate, latest_gain_estimate
from .models import (
    INSTRUMENT_MODELS,
    Account,
    Fund,
    FundDesign,
    Instrument,
    Party,
    SimulationRun,
    SponsorCommitment,
    Transaction,
    engine_message,
)
from .queries import loan_schedule

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# funds and instruments


def create_fund(user, data: Mapping[str, Any]) -> Fund:
    author = user if getattr(user, "is_authenticated", False) else None
    return create_record(user, Fund, {**data, "created_by": author}, reason="fund created")


def update_fund(user, fund: Fund, data: Mapping[str, Any]) -> Fund:
    return update_record(user, fund, data, reason="fund updated")


def create_party(user, data: Mapping[str, Any]) -> Party:
    return create_record(user, Party, data, reason="party created")


@transaction.atomic
def create_instrument(user, fund: Fund, kind: str, data: Mapping[str, Any]) -> Instrument:
    """Record an instrument of ``kind`` (order, floor, share, option, sponsor) for ``fund``.

    Terms are validated by the engine's own rules (``Instrument.clean``); nothing is saved on error.
    """
    model = INSTRUMENT_MODELS.get(kind)
    if model is None:
        raise ValidationError({"kind": _("Unknown instrument kind.")})
    require(user, "change", Fund, fund)
    data = dict(data)
    if kind == "order":
        data = _order_defaults_from_demand(data)
    data.setdefault("currency", fund.currency)
    return create_record(user, model, {**data, "fund": fund}, reason=f"{kind} created")


def _order_defaults_from_demand(data: dict) -> dict:
    """An order commitment answers a skill demand: its enterprise and, when the demand states a
    payment per graduate, its currency and price default to the demand's (``clean`` checks them)."""
    from tvetbridge.demand.models import SkillDemand

    demand = data.get("demand")
    if not isinstance(demand, SkillDemand):
        demand_id = data.get("demand_id")
        demand = SkillDemand.objects.filter(pk=demand_id).first() \
            if isinstance(demand_id, int) and not isinstance(demand_id, bool) else None
    if demand is None:
        return data
    if data.get("enterprise") is None and data.get("enterprise_id") is None:
        data["enterprise_id"] = demand.enterprise_id
    if demand.order_commitment:
        if demand.commitment_currency and not data.get("currency"):
            data["currency"] = demand.commitment_currency
        if demand.commitment_amount is not None and data.get("price_per_hire") is None:
            data["price_per_hire"] = demand.commitment_amount
    return data


@transaction.atomic
def update_instrument(user, instrument: Instrument, data: Mapping[str, Any]) -> Instrument:
    require(user, "change", Fund, instrument.fund)
    return update_record(user, instrument, data, reason="terms changed")


# ---------------------------------------------------------------------------------------------
# ledger

A = Account.Kind
STANDARD_ACCOUNTS: tuple[tuple[str, str, Any], ...] = (
    ("cash", A.ASSET, gettext_lazy("Cash")),
    ("trainee-receivables", A.ASSET, gettext_lazy("Trainee receivables")),
    ("order-receivables", A.ASSET, gettext_lazy("Order receivables")),
    ("loan-payable", A.LIABILITY, gettext_lazy("Sponsor loan payable")),
    ("option-liability", A.LIABILITY, gettext_lazy("Skill option liability")),
    ("capital", A.EQUITY, gettext_lazy("Sponsor capital")),
    ("reserve", A.EQUITY, gettext_lazy("Reserve")),
    ("grant-income", A.INCOME, gettext_lazy("Grant income")),
    ("fee-income", A.INCOME, gettext_lazy("Training fee income")),
    ("order-income", A.INCOME, gettext_lazy("Order-based training income")),
    ("share-income", A.INCOME, gettext_lazy("Income shares collected")),
    ("training-costs", A.EXPENSE, gettext_lazy("Training costs")),
    ("floor-payouts", A.EXPENSE, gettext_lazy("Floor payouts")),
    ("option-payoffs", A.EXPENSE, gettext_lazy("Skill option payoffs")),
    ("loan-interest", A.EXPENSE, gettext_lazy("Loan interest")),
)
_STANDARD = {code: (kind, label) for code, kind, label in STANDARD_ACCOUNTS}

T = Transaction.Kind
# (debit, credit) of each kind of flow; the non-cash side is the party's sub-account when one is named.
FLOW_ACCOUNTS: dict[str, tuple[str, str]] = {
    T.CONTRIBUTION: ("cash", "capital"),
    T.FEE: ("cash", "fee-income"),
    T.TRAINING_COST: ("training-costs", "cash"),
    T.ORDER_PAYMENT: ("cash", "order-income"),
    T.FLOOR_PAYOUT: ("floor-payouts", "cash"),
    T.SHARE_COLLECTED: ("cash", "share-income"),
    T.OPTION_PREMIUM: ("cash", "option-liability"),
    T.OPTION_PAYOFF: ("option-payoffs", "cash"),
    T.LOAN_DRAWDOWN: ("cash", "loan-payable"),
}


def _translated_names(label) -> dict[str, str]:
    names = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names["name_" + code.replace("-", "_")] = str(label)
    return names


def _account(fund: Fund, code: str, party: Party | None = None) -> Account:
    """The fund's standard account ``code`` (or its sub-account for ``party``), opened on first use."""
    kind, label = _STANDARD[code]
    full = code if party is None else f"{code}-p{party.pk}"
    account = fund.accounts.filter(code=full).first()
    if account is None:
        names = _translated_names(label)
        if party is not None:
            names = {k: f"{v} · {party.name}" for k, v in names.items()}
        account = Account(fund=fund, code=full, kind=kind, currency=fund.currency, party=party, **names)
        account.full_clean()
        account.save()
    return account


@transaction.atomic
def open_standard_accounts(user, fund: Fund) -> list[Account]:
    require(user, "change", Fund, fund)
    return [_account(fund, code) for code, _k, _l in STANDARD_ACCOUNTS]


@transaction.atomic
def open_account(user, fund: Fund, data: Mapping[str, Any]) -> Account:
    require(user, "change", Fund, fund)
    data = {"currency": fund.currency, **data, "fund": fund}
    return create_record(user, Account, data, reason="account opened")


def post_transaction(user, *, fund: Fund, date: dt.date, description: str, kind: str,
                     lines: Sequence, project=None) -> Transaction:
    """Post one balanced transaction: lines are (account, amount) with debits > 0 and credits < 0.

    Nothing is written unless debits equal credits in every currency (see ``ledger``)."""
    require(user, "post", Fund, fund)
    return ledger.post(fund=fund, date=date, description=description, kind=kind, lines=lines,
                       created_by=user, project=project)


def reverse_transaction(user, txn: Transaction, *, date: dt.date, description: str = "") -> Transaction:
    require(user, "post", Fund, txn.fund)
    return ledger.reverse(txn, date=date, created_by=user, description=description)


@transaction.atomic
def record_flow(user, fund: Fund, kind: str, amount: Decimal, *, date: dt.date, description: str = "",
                party: Party | None = None, project=None, credit: str | None = None) -> Transaction:
    """Post one of the fund's ordinary flows between its standard accounts.

    ``credit`` overrides the credited account (e.g. ``grant-income`` for a grant instead of capital)."""
    require(user, "post", Fund, fund)
    if kind not in FLOW_ACCOUNTS:
        raise ValidationError({"kind": _("Use a loan service or a manual posting for this kind.")})
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    debit_code, credit_code = FLOW_ACCOUNTS[kind]
    credit_code = credit or credit_code
    if credit_code not in _STANDARD:
        raise ValidationError({"credit": _("Unknown account.")})
    debit = _account(fund, debit_code, party if debit_code != "cash" else None)
    credit_acc = _account(fund, credit_code, party if credit_code != "cash" else None)
    return ledger.post(fund=fund, date=date, kind=kind, created_by=user, project=project,
                       description=description or str(Transaction.Kind(kind).label),
                       lines=[(debit, amount), (credit_acc, -amount)])


def _loan_party_check(commitment: SponsorCommitment) -> None:
    if commitment.kind != SponsorCommitment.Kind.LOAN:
        raise ValidationError({"kind": _("Only a concessional loan can be drawn or repaid.")})


@transaction.atomic
def draw_loan(user, commitment: SponsorCommitment, *, date: dt.date) -> Transaction:
    _loan_party_check(commitment)
    return record_flow(user, commitment.fund, T.LOAN_DRAWDOWN, commitment.amount, date=date,
                       party=commitment.party, project=commitment.project,
                       description=_("Drawdown of %(loan)s") % {"loan": commitment})


@transaction.atomic
def repay_loan(user, commitment: SponsorCommitment, month: int, *, date: dt.date) -> Transaction:
    """Post the ``month``-th scheduled payment, split into interest and principal."""
    _loan_party_check(commitment)
    require(user, "post", Fund, commitment.fund)
    rows = loan_schedule(commitment)
    if not 1 <= month <= len(rows):
        raise ValidationError({"month": _("The schedule has payments for months 1 to %(n)s.") % {"n": len(rows)}})
    row = rows[month - 1]
    fund = commitment.fund
    lines = [(_account(fund, "cash"), -row["payment"])]
    if row["principal"]:
        lines.append((_account(fund, "loan-payable", commitment.party), row["principal"]))
    if row["interest"]:
        lines.append((_account(fund, "loan-interest", commitment.party), row["interest"]))
    return ledger.post(fund=fund, date=date, kind=T.LOAN_REPAYMENT, created_by=user, project=commitment.project,
                       description=_("Repayment %(n)s of %(loan)s") % {"n": month, "loan": commitment},
                       lines=lines)


# ---------------------------------------------------------------------------------------------
# designer: specs, defaults, runs


def default_spec() -> dict:
    """A floor-plus-profit-share design for a Kazakh cohort funded in CNY: the designer's start."""
    cohort = asdict(engine.CohortAssumptions(cohort_size=100, horizon_months=60))
    loan = asdict(engine.ConcessionalLoan(principal=100_000.0, annual_rate=0.02, grace_months=12,
                                          term_months=96))
    sponsors = {"initial_capital": 150_000.0, "grant": 50_000.0, "trainee_fee": 0.0, "training_cost": 2_000.0,
                "loan": loan}
    floor = asdict(engine.IncomeFloor(refund_amount=100_000.0, refund_after_months=6, floor_income=200_000.0,
                                      topup_months=12))
    share = asdict(engine.ProfitShare(rate=0.10, threshold=20_000.0, months=36, cap_multiple=2.0))
    return {"cohort": cohort, "sponsors": sponsors, "floor": floor, "share": share, "order": None,
            "option": None}


def expected_gain_from_outcomes(project, local_currency: str | None = None) -> GainEstimate | None:
    """The project's latest impact estimate as a monthly income gain in local currency, or None.

    Only an estimate counts: the project's *target* gain is deliberately not used (a target is not an
    estimate, and pricing a fund on targets overstates what it will collect)."""
    currency = local_currency or getattr(project.host_country, "currency", "") or "KZT"
    return latest_gain_estimate(project, currency)[0]


# Monthly probability of a disruption by the risk app's cooperation-risk class. A platform assumption
# (roughly: a very-high-risk host sees a multi-month halt every few years), not a calibrated estimate.
DISRUPTION_BY_CLASS = {"Very Low": 0.001, "Low": 0.002, "Medium": 0.005, "High": 0.01, "Very High": 0.02}
DEFAULT_DISRUPTION = 0.005


def disruption_from_risk(project) -> tuple[float, str]:
    """A monthly disruption probability for the project's host country, and where it came from."""
    from tvetbridge.risk.queries import country_risk_summary

    summary = country_risk_summary(project.host_country_id)
    score = summary and summary.get("score")
    risk_class = getattr(score, "risk_class", "") if score else ""
    if risk_class in DISRUPTION_BY_CLASS:
        return DISRUPTION_BY_CLASS[risk_class], _(
            "From the %(country)s cooperation-risk class “%(cls)s” (%(period)s).") % {
            "country": project.host_country, "cls": score.class_label, "period": summary["period"]}
    return DEFAULT_DISRUPTION, _("No risk score for %(country)s yet: default assumption.") % {
        "country": project.host_country}


def spec_for_project(project, base: dict | None = None) -> tuple[dict, list[str], dict[str, list[str]]]:
    """Start from ``base`` and take what the platform knows about the project.

    Returns the spec, notes on what changed, and notes per input (``section.field``: method, interval
    and source of a figure taken from another app), to show next to the field."""
    spec = _copy_spec(base or default_spec())
    notes: list[str] = []
    field_notes: dict[str, list[str]] = {}
    currency = getattr(project.host_country, "currency", "")
    if currency in engine.CURRENCY_CODES:
        spec["cohort"]["local_currency"] = currency
    estimate, why_not = latest_gain_estimate(project, spec["cohort"]["local_currency"])
    if estimate is not None and estimate.usable:
        spec["cohort"]["expected_gain"] = round(estimate.gain, 2)
        spec["cohort"]["gain_uncertainty"] = round(estimate.std_error, 2)
        notes.append(_("Income gain and its uncertainty from the project's impact estimate."))
        field_notes["cohort.expected_gain"] = [
            _("%(method)s: %(gain)s %(currency)s per month; %(interval)s.") % {
                "method": estimate.method, "gain": f"{estimate.gain:,.0f}", "currency": estimate.currency,
                "interval": estimate.interval()}, estimate.source()]
        field_notes["cohort.gain_uncertainty"] = [
            _("The standard error of the impact estimate: each simulated cohort draws its own average gain.")]
    elif estimate is not None:
        notes.append(_("The project's impact estimate (%(gain)s %(currency)s per month) is not a positive gain; "
                       "the simulation needs one, so the income gain is an assumption.") % {
            "gain": f"{estimate.gain:,.0f}", "currency": estimate.currency})
        field_notes["cohort.expected_gain"] = [estimate.interval() + ".", estimate.source()]
    else:
        notes.append(why_not)
    p, note = disruption_from_risk(project)
    spec["cohort"]["disruption_probability"] = p
    notes.append(note)
    field_notes["cohort.disruption_probability"] = [note]
    if project.target_trainees:
        spec["cohort"]["cohort_size"] = int(min(max(project.target_trainees, 1), 5_000))
    return spec, notes, field_notes


def _copy_spec(spec: Mapping) -> dict:
    return {k: (dict(v, loan=dict(v["loan"])) if k == "sponsors" else (dict(v) if isinstance(v, Mapping) else v))
            for k, v in spec.items()}


_SECTIONS = {"cohort": engine.CohortAssumptions, "floor": engine.IncomeFloor, "share": engine.ProfitShare,
             "order": engine.OrderCommitment, "option": engine.SkillOption}


def design_from_spec(spec: Mapping) -> engine.FundDesign:
    """The engine design for a stored spec; ValidationError keys are ``section.field``."""
    errors: dict[str, list[str]] = {}
    parts: dict[str, Any] = {}

    def attempt(section: str, build):
        try:
            return build()
        except ValueError as exc:
            name, sep, message = str(exc).partition(": ")
            key = f"{section}.{name}" if sep else section
            errors.setdefault(key, []).append(engine_message(message if sep else str(exc)))
        except TypeError:
            errors.setdefault(section, []).append(_("The terms contain an unknown field."))
        return None

    for section, cls in _SECTIONS.items():
        data = spec.get(section)
        if data is None:
            if section == "cohort":
                errors.setdefault("cohort", []).append(_("The cohort assumptions are missing."))
            continue
        parts[section] = attempt(section, lambda cls=cls, data=data: cls(**data))
    sponsors = dict(spec.get("sponsors") or {})
    loan = attempt("sponsors.loan", lambda: engine.ConcessionalLoan(**(sponsors.pop("loan", None) or {})))
    if loan is not None:
        parts["sponsors"] = attempt("sponsors", lambda: engine.Sponsors(loan=loan, **sponsors))
    if errors:
        raise ValidationError(errors)
    try:
        return engine.FundDesign(**parts)
    except ValueError as exc:
        name, _sep, message = str(exc).partition(": ")
        raise ValidationError({name: engine_message(message)}) from exc


MAX_PATHS = 5_000_000


@transaction.atomic
def start_simulation(user, spec: Mapping, *, n_paths: int, seed: int = 0, fund: Fund | None = None,
                     project=None) -> SimulationRun:
    """Record a run and queue it as a background job (``finance/tasks.py``), which a worker starts
    once this transaction commits."""
    if not user.has_perm("finance.use_designer"):
        raise PermissionDenied(_("Only fund managers may run simulations."))
    design = design_from_spec(spec)
    cs = design.cohort.cohort_size
    if not isinstance(n_paths, int) or not cs <= n_paths <= MAX_PATHS:
        raise ValidationError({"n_paths": _("Simulate between %(lo)s and %(hi)s trainee paths.")
                               % {"lo": cs, "hi": MAX_PATHS}})
    run = SimulationRun.objects.create(spec=_copy_spec(spec), n_paths=n_paths, seed=seed, fund=fund,
                                       project=project, created_by=user)
    from .tasks import simulate  # tasks import this module

    run.job = enqueue(simulate, user=user, run_id=run.pk)
    run.save(update_fields=["job"])
    if run.job.status != Job.Status.QUEUED:  # run at once (tests): show the outcome
        run.refresh_from_db()
    return run


# Share of the whole run each stage takes, for the progress bar.
_STAGES = (("simulate", 0.5), ("break_even", 0.2), ("option", 0.05), ("tornado", 0.25))
STAGE_LABELS = {"simulate": gettext_lazy("simulating the fund"), "break_even": gettext_lazy("finding the break-even share"),
                "option": gettext_lazy("pricing the option"), "tornado": gettext_lazy("testing sensitivity"),
                "done": gettext_lazy("done")}


def execute_run(run_id: int, *, check_cancelled: Callable[[], None] = lambda: None) -> None:
    """Run the engine for one SimulationRun in this process, part after part, writing progress as it
    goes and the results at the end (the background job splits the same parts over workers instead:
    ``finance.tasks.simulate``). A failure is recorded on the run for the page and raised for the
    background job, which retries or fails; ``check_cancelled`` raises JobCancelled once the user has
    cancelled the job."""
    parts = start_run(run_id)
    start = {name: sum(w for _n, w in _STAGES[:i]) for i, (name, _w) in enumerate(_STAGES)}
    weight = dict(_STAGES)

    def report(stage: str, fraction: float = 0.0) -> None:
        value = min(1.0, start[stage] + weight[stage] * fraction)
        SimulationRun.objects.filter(pk=run_id).update(progress=value, stage=stage)
        check_cancelled()

    results = [execute_part(run_id, part, progress=lambda f, part=part: report(part, f)) for part in parts]
    finish_run(run_id, results)


def start_run(run_id: int) -> list[str]:
    """Mark the run as running; the parts its design needs (``_STAGES`` names), each computed from the
    run's spec and seed alone, so they run in any order, in one process or spread over workers, with
    the same figures."""
    run = SimulationRun.objects.get(pk=run_id)
    SimulationRun.objects.filter(pk=run_id).update(status=SimulationRun.Status.RUNNING, progress=0.0, error="",
                                                   stage="simulate")
    with _recorded_failure(run_id):
        design = design_from_spec(run.spec)
    return [part for part, _w in _STAGES if (part != "break_even" or design.share is not None)
            and (part != "option" or design.option is not None)]


def execute_part(run_id: int, part: str, *, progress: Callable[[float], None] = lambda f: None) -> dict:
    """One part of a run as JSON: ``{"part": part, "value": ...}`` (``progress`` hears fractions and may
    raise JobCancelled)."""
    run = SimulationRun.objects.get(pk=run_id)
    with _recorded_failure(run_id):
        design = design_from_spec(run.spec)
        n = run.n_paths
        cs = design.cohort.cohort_size
        # Side studies (break-even, tornado) repeat the simulation a dozen times or more: fewer paths.
        n_side = max(cs, n // 4)
        progress(0.0)
        if part == "simulate":
            result = mc.simulate_fund(design, n, seed=run.seed, chunk_size=max(cs, n // 8), progress=progress)
            value: Any = summarise(result)
        elif part == "break_even":
            try:
                be = mc.break_even_share_rate(design, n_side, seed=run.seed, chunk_size=n_side)
                value = {"rate": be.rate, "fund_npv": be.fund_npv, "fund_npv_se": be.fund_npv_se}
            except ValueError as exc:
                value = {"error": "no_break_even" if "does not break even" in str(exc) else str(exc)}
        elif part == "option":
            option_value, se = mc.price_option(design, n_side, seed=run.seed, chunk_size=n_side)
            value = {"value": option_value, "se": se, "premium": design.option.premium}
        elif part == "tornado":
            value = tornado_json(mc.tornado(design, n_side, seed=run.seed, metric="fund_npv", chunk_size=n_side))
        else:
            raise ValueError(f"unknown part {part!r}")
    return {"part": part, "value": value}


def finish_run(run_id: int, results: Sequence[Mapping]) -> None:
    """Combine the parts' results into the run's result and mark it done."""
    by_part = {r["part"]: r["value"] for r in results}
    payload = dict(by_part["simulate"])
    payload["option"] = by_part.get("option")
    payload["tornado"] = by_part.get("tornado")
    be = by_part.get("break_even")
    if be is not None and "error" in be:
        # Stored as a code, rendered in the language of whoever starts the run (as before the split).
        be = {"error": _("The fund does not break even at any share rate up to 100%.")
              if be["error"] == "no_break_even" else engine_message(be["error"])}
    payload["break_even"] = be
    SimulationRun.objects.filter(pk=run_id).update(status=SimulationRun.Status.DONE, progress=1.0, stage="done",
                                                   result=payload, finished=timezone.now())


def part_done(run_id: int, part: str) -> None:
    """A part finished on some worker: the run's progress moves by that part's share."""
    SimulationRun.objects.filter(pk=run_id, status=SimulationRun.Status.RUNNING).update(
        progress=Least(F("progress") + dict(_STAGES)[part], 1.0), stage=part)


@contextlib.contextmanager
def _recorded_failure(run_id: int):
    """The page must show a failure, whatever it was; a cancel ends the run as cancelled."""
    try:
        yield
    except JobCancelled:
        SimulationRun.objects.filter(pk=run_id).update(status=SimulationRun.Status.CANCELLED,
                                                       finished=timezone.now())
        raise
    except Exception as exc:
        log.exception("simulation run %s failed", run_id)
        msg = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) \
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") else str(exc)
        SimulationRun.objects.filter(pk=run_id).update(status=SimulationRun.Status.FAILED, error=msg[:2000],
                                                       finished=timezone.now())
        raise


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _arr(a) -> list:
    return [_num(v) for v in a]


RUIN_HORIZONS = (12, 24, 36, 48, 60, 84, 120)


def summarise(result: mc.FundResult, *, break_even=None, option=None, tornado=None) -> dict:
    """The run's result as plain JSON (no NaN: PostgreSQL's jsonb refuses it)."""
    H = result.horizon_months
    horizons = [h for h in RUIN_HORIZONS if h < H] + [H]
    pmf = list(result.refund_count_pmf)
    while len(pmf) > 1 and pmf[-1] == 0:
        pmf.pop()
    return {
        "currency": result.currency, "n_paths": result.n_paths, "n_scenarios": result.n_scenarios,
        "cohort_size": result.cohort_size, "horizon_months": H, "seed": result.seed,
        "months": [int(m) for m in result.months],
        "balance_mean": _arr(result.balance_mean),
        "quantiles": {f"{q:g}": _arr(row) for q, row in zip(result.quantile_levels, result.balance_quantiles,
                                                             strict=True)},
        "ruin": _arr(result.ruin_probability), "ruin_se": _arr(result.ruin_se),
        "ruin_by_horizon": [{"months": h, "p": _num(result.ruin_probability[h]), "se": _num(result.ruin_se[h])}
                            for h in horizons],
        "reserve": {"alpha": result.reserve.alpha, "var": _num(result.reserve.var),
                    "var_se": _num(result.reserve.var_se), "es": _num(result.reserve.es),
                    "es_se": _num(result.reserve.es_se)},
        "fund_npv": _num(result.fund_npv), "fund_npv_se": _num(result.fund_npv_se),
        "parties": {k: {"mean": _num(v.mean), "se": _num(v.se)} for k, v in result.party_returns.items()},
        "option": option,
        "break_even": break_even,
        "refund_pmf": _arr(pmf),
        "rates": {k: _num(v) for k, v in result.rates.items()},
        "tornado": None if tornado is None else tornado_json(tornado),
    }


def tornado_json(tornado) -> dict:
    return {"metric": tornado.metric, "base": _num(tornado.base_value), "rel_change": tornado.rel_change,
            "rows": [{"assumption": r.assumption, "low_input": _num(r.low_input), "high_input": _num(r.high_input),
                      "low": _num(r.low_value), "high": _num(r.high_value)} for r in tornado.rows]}


def summary_of(result: Mapping | None) -> dict:
    """The few figures a saved design keeps (the full result stays with its run)."""
    if not result:
        return {}
    ruin = result["ruin_by_horizon"][-1]
    return {"currency": result["currency"], "ruin_probability": ruin["p"], "ruin_horizon": ruin["months"],
            "reserve_var": result["reserve"]["var"], "reserve_es": result["reserve"]["es"],
            "fund_npv": result["fund_npv"], "break_even_rate": (result.get("break_even") or {}).get("rate"),
            "option_value": (result.get("option") or {}).get("value"), "n_paths": result["n_paths"]}


@transaction.atomic
def save_design(user, run: SimulationRun, *, name: str, project=None, fund: Fund | None = None,
                notes: str = "") -> FundDesign:
    """Keep a run's design, its assumptions and its result summary under a name."""
    require(user, "add", FundDesign)
    if run.status != SimulationRun.Status.DONE:
        raise ValidationError({"run": _("Only a finished run can be saved as a design.")})
    design = FundDesign(name=name, project=project if project is not None else run.project,
                        fund=fund if fund is not None else run.fund, spec=run.spec, run=run,
                        summary=summary_of(run.result), notes=notes, created_by=user)
    design._history_user = user
    design.full_clean()
    design.save()
    return design


@transaction.atomic
def attach_design(user, design: FundDesign, project) -> FundDesign:
    require(user, "change", FundDesign, design)
    if project is not None and not user.has_perm(perm_name(type(project), "view"), project):
        raise PermissionDenied(_("You may not see this project."))
    design.project = project
    design._history_user = user
    design.full_clean()
    design.save()
    return design


@transaction.atomic
def price_skill_option(user, option, spec: Mapping | None = None, *, n_paths: int = 50_000, seed: int = 0):
    """Price a recorded skill option with the engine under ``spec``'s cohort assumptions."""
    require(user, "change", Fund, option.fund)
    design = design_from_spec(spec or default_spec())
    horizon = max(design.cohort.horizon_months, option.maturity_month)
    cohort = replace(design.cohort, horizon_months=horizon, fund_currency=option.fund.currency
                     if option.fund.currency in engine.CURRENCY_CODES else design.cohort.fund_currency)
    design = replace(design, cohort=cohort, option=option.engine_terms())
    value, se = mc.price_option(design, max(n_paths, cohort.cohort_size), seed=seed)
    option.fair_value = Decimal(f"{value:.2f}")
    option.fair_value_se = Decimal(f"{se:.2f}")
    option.priced_at = timezone.now()
    option._history_user = user
    option.save(update_fields=["fair_value", "fair_value_se", "priced_at", "updated"])
    return option
