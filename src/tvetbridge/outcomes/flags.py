"""Quality flags: rules that mark an "image project" — one whose results are unreported, short of
target, or not distinguishable from nothing at a high price. Each rule explains itself and every
flag it raises carries the evidence that triggered it, so a coordinator can check it by hand.

A flag stores its rule's code and the evidence as facts (counts, shares, amounts, a money basis key,
method and comparison codes, project ids); its sentence and evidence are worded in the reader's
language when shown (``flag_evidence``), never stored in English.

Running the rules (``evaluate_project``) is idempotent: a condition that persists updates the
evidence of its open flag; a flag a coordinator resolved or dismissed is not reopened until the
project's data change (``data_version``); a condition that has cleared leaves the flag for a
coordinator to resolve with a comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tvetbridge.registry.models import CooperationProject

from .models import Enrolment, ProjectTarget, QualityFlag
from .money import Basis, PriceTables
from .queries import Status, data_version, project_facts, spending
from .services import project_impact

# Thresholds; each rule's explanation quotes them.
REPORT_AFTER_MONTHS = 6
REPORT_MIN_SHARE = 0.5
SHORTFALL_EMPLOYMENT_PP = 10.0
SHORTFALL_INCOME_SHARE = 0.8
LARGE_SPENDING_USD = 500_000.0
PEER_MULTIPLE = 3.0
MIN_PEERS = 3
MIN_PEOPLE = 5


@dataclass(frozen=True)
class Rule:
    code: str
    title: object
    explanation: object
    check: Callable


@dataclass
class Context:
    project: CooperationProject
    today: dt.date
    tables: PriceTables
    basis: Basis
    facts: object = None
    impact: dict | None = None
    spend: float | None = None
    peer_costs: dict | None = None


def _months_ago(today: dt.date, months: int) -> np.datetime64:
    return np.datetime64(today, "M") - months


def check_unreported(ctx: Context) -> dict | None:
    f = ctx.facts
    due = (f.status == Status.COMPLETED) & (f.end.astype("datetime64[M]") <= _months_ago(ctx.today, REPORT_AFTER_MONTHS))
    n_due = int(due.sum())
    if n_due == 0:
        project_done = (ctx.project.status == "completed" and ctx.project.end_date
                        and ctx.project.end_date <= ctx.today - dt.timedelta(days=30 * REPORT_AFTER_MONTHS))
        if project_done and f.trainee_id.size == 0:
            return {"evidence": {"project_end": ctx.project.end_date.isoformat(), "trainees_recorded": 0}}
        return None
    reported = int(f.followed_up[due].sum())
    share = reported / n_due
    if share >= REPORT_MIN_SHARE:
        return None
    return {"evidence": {"finished_6_months_ago_or_more": n_due, "with_job_or_income_after_training": reported,
                         "share_reported": round(share, 3), "required_share": REPORT_MIN_SHARE}}


def _project_target(project, indicator) -> ProjectTarget | None:
    return ProjectTarget.objects.filter(project=project, region=None, indicator=indicator).first()


def check_employment_short(ctx: Context) -> dict | None:
    target = _project_target(ctx.project, ProjectTarget.Indicator.EMPLOYMENT_6M)
    value = float(target.value) if target else (float(ctx.project.target_employment_rate)
                                                if ctx.project.target_employment_rate is not None else None)
    if value is None:
        return None
    e = ctx.facts.employed_6m
    ok = ~np.isnan(e)
    if ok.sum() < MIN_PEOPLE:
        return None
    actual = 100.0 * float(e[ok].mean())
    if actual >= value - SHORTFALL_EMPLOYMENT_PP:
        return None
    return {"evidence": {"employed_within_6_months_pct": round(actual, 1), "target_pct": value,
                         "people_measured": int(ok.sum()), "tolerance_pp": SHORTFALL_EMPLOYMENT_PP}}


def check_income_short(ctx: Context) -> dict | None:
    target = _project_target(ctx.project, ProjectTarget.Indicator.INCOME_GAIN)
    if target is not None:
        basis = Basis(target.currency, True, target.base_year or ctx.basis.base_year)
        value = float(target.value)
    elif ctx.project.target_income_gain is not None and ctx.project.target_currency:
        basis = Basis(ctx.project.target_currency, True, ctx.basis.base_year)
        value = float(ctx.project.target_income_gain)
    else:
        return None
    facts = ctx.facts if basis == ctx.basis else project_facts(ctx.project, basis, today=ctx.today,
                                                               tables=ctx.tables)
    ok = ~np.isnan(facts.gain)
    if ok.sum() < MIN_PEOPLE:
        return None
    median = float(np.median(facts.gain[ok]))
    if median >= SHORTFALL_INCOME_SHARE * value:
        return None
    return {"evidence": {"median_gain": round(median, 2), "target": value, "basis": basis.key,
                         "people_measured": int(ok.sum()), "required_share_of_target": SHORTFALL_INCOME_SHARE}}


def check_impact_zero_large_spend(ctx: Context) -> dict | None:
    head = (ctx.impact or {}).get("headline")
    if not head or ctx.spend is None or ctx.spend < LARGE_SPENDING_USD:
        return None
    if not head["ci_low"] <= 0 <= head["ci_high"]:
        return None
    return {"evidence": {"method": head["method"], "estimate": round(head["estimate"], 2),
                         "verdict": (ctx.impact.get("reliability") or {}).get("verdict"),
                         "ci_low": round(head["ci_low"], 2), "ci_high": round(head["ci_high"], 2),
                         "spending": round(ctx.spend, 0), "large_spending_threshold": LARGE_SPENDING_USD,
                         "basis": ctx.basis.key, "comparison": ctx.impact.get("comparison")}}


def check_impact_fragile(ctx: Context) -> dict | None:
    rel = (ctx.impact or {}).get("reliability") or {}
    if rel.get("verdict") != "fragile":
        return None
    return {"evidence": {"verdict": rel["verdict"], "reasons": rel.get("reasons") or [],
                         **{k: v for k, v in (rel.get("facts") or {}).items() if v is not None},
                         "comparison": ctx.impact.get("comparison")}}


def cost_per_gain(spend: float | None, impact: dict | None) -> float | None:
    """Spending per unit of yearly income gain caused: spending / (effect × 12 × people trained)."""
    head = (impact or {}).get("headline")
    if spend is None or not head or head["estimate"] <= 0:
        return None
    return spend / (head["estimate"] * 12.0 * max(head["n_treated"], 1))


def check_cost_above_peers(ctx: Context) -> dict | None:
    own = cost_per_gain(ctx.spend, ctx.impact)
    peers = {k: v for k, v in (ctx.peer_costs or {}).items() if k != ctx.project.pk and v is not None}
    if own is None or len(peers) < MIN_PEERS:
        return None
    median = float(np.median(list(peers.values())))
    if own <= PEER_MULTIPLE * median:
        return None
    return {"evidence": {"cost_per_unit_of_yearly_gain": round(own, 3), "peer_median": round(median, 3),
                         "multiple": round(own / median, 2), "threshold_multiple": PEER_MULTIPLE,
                         "verdict": (ctx.impact.get("reliability") or {}).get("verdict"),
                         # project ids: the page names them in the reader's language
                         "peers": {str(k): round(v, 3) for k, v in peers.items()},
                         "basis": ctx.basis.key}}


RULES = [
    Rule("unreported", gettext_lazy("Outcomes not reported"), gettext_lazy(
        "Fewer than half of the trainees who finished 6 or more months ago have any job or income recorded "
        "since; a project that does not follow its trainees cannot show results."), check_unreported),
    Rule("employment_short", gettext_lazy("Employment short of target"), gettext_lazy(
        "The share employed within 6 months of finishing (people finished at least 6 months ago, 5 or more) "
        "is more than 10 percentage points below the project's target."), check_employment_short),
    Rule("income_short", gettext_lazy("Income gain short of target"), gettext_lazy(
        "The median real income gain of trainees (5 or more measured) is below 80 percent of the target."),
        check_income_short),
    Rule("impact_zero", gettext_lazy("No measurable effect despite large spending"), gettext_lazy(
        "The 95-percent interval of the doubly robust impact estimate includes zero while the project spent "
        "500,000 USD (real) or more."), check_impact_zero_large_spend),
    Rule("impact_fragile", gettext_lazy("Impact estimate fragile"), gettext_lazy(
        "The doubly robust impact estimate fails a reliability check: covariate balance after weighting, "
        "share of trained people trimmed, effective size of the comparison group, agreement between "
        "estimators or sensitivity to unmeasured factors."), check_impact_fragile),
    Rule("cost_peers", gettext_lazy("Cost per income gain far above peers"), gettext_lazy(
        "Spending per unit of yearly income gain caused is more than 3 times the median of at least 3 "
        "projects of the same kind."), check_cost_above_peers),
]
RULES_BY_CODE = {r.code: r for r in RULES}


def _context(project, today, tables, basis, peer_costs=None, spend_cache=None, impact_cache=None) -> Context:
    ctx = Context(project, today, tables, basis)
    ctx.facts = project_facts(project, basis, today=today, tables=tables)
    ctx.impact = impact_cache.get(project.pk) if impact_cache else None
    if ctx.impact is None:
        ctx.impact = project_impact(project, basis=basis, tables=tables)
    ctx.spend = spend_cache.get(project.pk) if spend_cache is not None else spending(
        CooperationProject.objects.filter(pk=project.pk), basis, tables)["total"]
    ctx.peer_costs = peer_costs
    return ctx


def peer_costs_for(project, basis: Basis, tables: PriceTables) -> tuple[dict, dict, dict]:
    """Cost per unit of yearly gain of every project of the same kind that has trainees."""
    peers = CooperationProject.objects.filter(kind=project.kind,
                                              pk__in=Enrolment.objects.values("project_id"))
    money = spending(peers, basis, tables)["by_project"]
    impacts, costs = {}, {}
    for peer in peers:
        impacts[peer.pk] = project_impact(peer, basis=basis, tables=tables)
        costs[peer.pk] = cost_per_gain(money.get(peer.pk), impacts[peer.pk])
    return costs, money, impacts


@transaction.atomic
def evaluate_project(project, *, today: dt.date | None = None, basis: Basis | None = None,
                     tables: PriceTables | None = None) -> list[QualityFlag]:
    """Run every rule on one project and record the flags; returns the project's active flags."""
    today = today or timezone.localdate()
    tables = tables or PriceTables.load()
    basis = basis or Basis("USD", True, today.year - 1)
    costs, money, impacts = peer_costs_for(project, basis, tables)
    ctx = _context(project, today, tables, basis, costs, money, impacts)
    version = data_version(project)
    for rule in RULES:
        finding = rule.check(ctx)
        existing = QualityFlag.objects.filter(project=project, rule=rule.code).order_by("-raised").first()
        if finding is None:
            continue
        evidence = finding["evidence"]
        if existing is not None and existing.is_active:
            existing.evidence, existing.data_version = evidence, version
            existing.save(update_fields=["evidence", "data_version", "last_checked"])
        elif existing is not None and existing.data_version == version:
            continue  # resolved or dismissed on exactly this data: the coordinator's decision stands
        else:
            QualityFlag.objects.create(project=project, rule=rule.code, evidence=evidence, data_version=version)
            _announce_flag(project, rule)
    return list(QualityFlag.objects.filter(project=project, status__in=["open", "reviewing"]))


def _announce_flag(project, rule: Rule) -> None:
    from tvetbridge.notifications import facts
    from tvetbridge.notifications.queries import project_staff_ids
    from tvetbridge.notifications.services import announce

    announce("outcomes.flag_raised", project_staff_ids([project.pk]),
             {"project": facts.ref(project), "rule": facts.message(rule.title)},
             link="outcomes_project", link_args=[project.pk])


def evaluate_all(*, today: dt.date | None = None) -> int:
    tables = PriceTables.load()
    n = 0
    for project in CooperationProject.objects.filter(pk__in=Enrolment.objects.values("project_id")):
        n += len(evaluate_project(project, today=today, tables=tables))
    return n
