# Over 500 lines: one read path per public dataset (directory, profiles, downloads, IATI), sharing the suppression and publication rules.
"""Read paths of the open-data app: the registry as IATI activities and organisations.

Everything here reads what the platform already knows; nothing is typed twice. Titles and descriptions
come in every language the record has, status and dates from the project's life cycle, budgets from
its funding, transactions from the fund ledger, results from the outcomes targets (with the same
small-cell suppression as every public figure) and the causal income gain, when one has been
estimated, as a note on the income result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tvetbridge.core.models import Country, FieldOfStudy, Language
from tvetbridge.demand.models import SkillDemand
from tvetbridge.finance.models import Entry, Transaction
from tvetbridge.outcomes.models import Credential, Enrolment, ImpactResult, ProjectTarget
from tvetbridge.outcomes.money import Basis, PriceTables
from tvetbridge.outcomes.queries import (
    SUPPRESS_BELOW,
    Cell,
    chain_steps,
    person_gains,
    results_chain,
    suppress,
    target_progress,
)
from tvetbridge.registry.models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    Institution,
    Programme,
    ProjectFunding,
    ReportedResult,
)
from tvetbridge.registry.queries import alliance_overview
from tvetbridge.risk.models import CountryRiskScore

from .engine import iati as e
from .models import ActivityPublication, EnterpriseListing, ExemplaryCase, IatiFile, Publisher

# (IATI narrative language, modeltranslation suffix, Django language code)
LANGUAGES = [("en", "en", "en"), ("zh", "zh_hans", "zh-hans"), ("ru", "ru", "ru"), ("kk", "kk", "kk")]

STATUS = {
    CooperationProject.Status.DRAFT: "1", CooperationProject.Status.PROPOSED: "1",
    CooperationProject.Status.APPROVED: "1", CooperationProject.Status.ACTIVE: "2",
    CooperationProject.Status.COMPLETED: "3", CooperationProject.Status.CANCELLED: "5",
    CooperationProject.Status.SUSPENDED: "6",
}
# Projects are published once approved: before that there is nothing anyone has committed to.
PUBLISHABLE = [CooperationProject.Status.APPROVED, CooperationProject.Status.ACTIVE,
               CooperationProject.Status.COMPLETED, CooperationProject.Status.SUSPENDED,
               CooperationProject.Status.CANCELLED]
STARTED = {CooperationProject.Status.ACTIVE, CooperationProject.Status.COMPLETED,
           CooperationProject.Status.SUSPENDED}

# Ledger kinds as IATI transaction types, seen from the fund: money in, money spent, money paid out.
TRANSACTION_TYPE = {
    Transaction.Kind.CONTRIBUTION: "1", Transaction.Kind.FEE: "1", Transaction.Kind.ORDER_PAYMENT: "1",
    Transaction.Kind.SHARE_COLLECTED: "1", Transaction.Kind.OPTION_PREMIUM: "1",
    Transaction.Kind.LOAN_DRAWDOWN: "1", Transaction.Kind.TRAINING_COST: "4",
    Transaction.Kind.FLOOR_PAYOUT: "3", Transaction.Kind.OPTION_PAYOFF: "3",
    Transaction.Kind.LOAN_REPAYMENT: "4",
}
FUNDER_TYPE = {
    ProjectFunding.Kind.GOVERNMENT: "10", ProjectFunding.Kind.POLICY_BANK: "40",
    ProjectFunding.Kind.ENTERPRISE: "70", ProjectFunding.Kind.FEES: "", ProjectFunding.Kind.INSTITUTION: "80",
    ProjectFunding.Kind.INTERNATIONAL: "40",
}
DEFAULT_SECTOR = "11330"  # DAC: vocational training
SECTOR_BY_KIND = {CooperationProject.Kind.TEACHER_TRAINING: "11130"}  # DAC: teacher training

# Results: (IATI result type, indicator measure) per outcomes target indicator.
RESULT_SHAPE = {
    ProjectTarget.Indicator.TRAINEES: ("1", "1"),
    ProjectTarget.Indicator.COMPLETION: ("1", "2"),
    ProjectTarget.Indicator.EMPLOYMENT_6M: ("2", "2"),
    ProjectTarget.Indicator.INCOME_GAIN: ("2", "1"),
}
RESULT_TITLES = {"1": gettext_lazy("Trainees trained"), "2": gettext_lazy("Employment and income after training")}

PROBLEM_MESSAGES = {
    "org_identifier_invalid": gettext_lazy("The reporting organisation identifier “%(ref)s” is not a valid "
                                           "IATI organisation identifier."),
    "identifier_prefix": gettext_lazy("The identifier %(identifier)s does not start with the reporting "
                                      "organisation identifier %(ref)s and a hyphen."),
    "identifier_characters": gettext_lazy("The identifier %(identifier)s contains a space or / & | ?."),
    "identifier_duplicate": gettext_lazy("The identifier %(identifier)s is used by more than one activity."),
    "title_missing": gettext_lazy("The project has no name."),
    "start_missing": gettext_lazy("The project has no start date."),
    "actual_date_future": gettext_lazy("An actual date (%(date)s) lies in the future."),
    "end_before_start": gettext_lazy("The end date %(end)s is before the start date %(start)s."),
    "recipient_missing": gettext_lazy("The project has no host country."),
    "percentages_not_100": gettext_lazy("The percentages add up to %(total)s, not 100."),
    "sector_unknown": gettext_lazy("The sector code %(code)s is not a DAC 5-digit sector code."),
    "sector_syntax": gettext_lazy("“%(part)s” is not a sector code with an optional percentage (e.g. 11330:70)."),
    "sector_missing": gettext_lazy("The project has no sector."),
    "country_unknown": gettext_lazy("The country code %(code)s is not in the IATI country list."),
    "currency_unknown": gettext_lazy("The currency %(code)s is not in the IATI currency list."),
    "language_unknown": gettext_lazy("The language %(code)s is not in the IATI language list."),
    "transaction_future": gettext_lazy("Ledger transaction %(ref)s is dated %(date)s, in the future."),
    "transaction_before_start": gettext_lazy("Ledger transaction %(ref)s (%(date)s) is before the project "
                                             "started (%(start)s)."),
    "transaction_after_end": gettext_lazy("Ledger transaction %(ref)s (%(date)s) is after the project "
                                          "ended (%(end)s)."),
    "transaction_ref_duplicate": gettext_lazy("The transaction reference %(ref)s appears twice."),
    "budget_period_order": gettext_lazy("A budget period ends (%(end)s) before it starts (%(start)s)."),
    "result_period_order": gettext_lazy("A result period ends (%(end)s) before it starts (%(start)s)."),
    "org_type_unknown": gettext_lazy("The organisation type %(code)s is not in the IATI list."),
    "code_unknown": gettext_lazy("The code %(code)s is not in the IATI codelist %(codelist)s."),
}
FIELD_LABELS = {
    "reporting_org": gettext_lazy("reporting organisation"), "identifier": gettext_lazy("identifier"),
    "title": gettext_lazy("name"), "start_date": gettext_lazy("start date"), "end_date": gettext_lazy("end date"),
    "recipient_country": gettext_lazy("host country"), "sector": gettext_lazy("DAC sectors"),
    "currency": gettext_lazy("currency"), "transaction": gettext_lazy("ledger transaction"),
    "budget": gettext_lazy("funding"), "result": gettext_lazy("targets"), "type": gettext_lazy("organisation type"),
    "status": gettext_lazy("status"), "dates": gettext_lazy("activity dates"),
    "participants": gettext_lazy("participating organisations"),
}


def _texts(obj, name: str) -> dict[str, str]:
    return {iati: (getattr(obj, f"{name}_{suffix}", "") or "").strip() for iati, suffix, _dj in LANGUAGES
            if (getattr(obj, f"{name}_{suffix}", "") or "").strip()}


def _row_texts(row: dict, name: str) -> dict[str, str]:
    """``_texts`` for a ``.values()`` row holding the ``<name>_<suffix>`` columns."""
    return {iati: (row[f"{name}_{suffix}"] or "").strip() for iati, suffix, _dj in LANGUAGES
            if (row[f"{name}_{suffix}"] or "").strip()}


def _text_columns(name: str, prefix: str = "") -> list[str]:
    return [f"{prefix}{name}_{suffix}" for _iati, suffix, _dj in LANGUAGES]


def _in_languages(message) -> dict[str, str]:
    out = {}
    for iati, _suffix, django_code in LANGUAGES:
        with translation.override(django_code):
            out[iati] = str(message)
    return out


def _dates(project: dict, today: dt.date) -> dict[str, dt.date]:
    """Activity dates of a project row (``status``, ``start_date``, ``end_date``)."""
    start, end, status = project["start_date"], project["end_date"], project["status"]
    out: dict[str, dt.date] = {}
    if start:
        started = status in STARTED and start <= today
        out[e.ACTUAL_START if started else e.PLANNED_START] = start
    if end:
        ended = status == CooperationProject.Status.COMPLETED and end <= today
        out[e.ACTUAL_END if ended else e.PLANNED_END] = end
    return out


def _budgets(start: dt.date | None, end: dt.date | None, funding: list[dict]) -> list[e.Budget]:
    if not start or not end:
        return []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for f in funding:
        if f["amount"] is not None and f["currency"]:
            totals[f["currency"]] += f["amount"]
    return [e.Budget(start, end, total, currency, start) for currency, total in sorted(totals.items())]


def _transactions(project_ids, labels) -> dict[int, list[e.Txn]]:
    """Each ledger transaction of the projects once, valued at its debits (a balanced transaction's
    debits are its amount); a reversal keeps the type of what it reverses, with a negative value."""
    debits = (Entry.objects.filter(transaction__project_id__in=project_ids, amount__gt=0)
              .values("transaction_id", "currency").annotate(total=Sum("amount")).order_by())
    value: dict[int, tuple[Decimal, str]] = {}
    for row in debits:
        value.setdefault(row["transaction_id"], (row["total"], row["currency"]))
    out: dict[int, list[e.Txn]] = defaultdict(list)
    txns = (Transaction.objects.filter(project_id__in=project_ids)
            .values("pk", "project_id", "date", "kind", "reverses__kind", "fund_id").order_by("date", "pk"))
    for t in txns:
        if t["pk"] not in value:
            continue
        amount, currency = value[t["pk"]]
        kind = t["kind"]
        sign = Decimal(1)
        if kind == Transaction.Kind.REVERSAL:
            kind, sign = t["reverses__kind"], Decimal(-1)
        out[t["project_id"]].append(e.Txn(f"fund{t['fund_id']}-t{t['pk']}", TRANSACTION_TYPE.get(kind, "4"), t["date"],
                                          sign * amount, currency, labels(Transaction.Kind(kind).label)))
    return out


def _impact_notes(project_ids) -> dict[int, dict]:
    """The latest causal estimate kept for each project (the analyses page computes them)."""
    out: dict[int, dict] = {}
    for project_id, payload, computed in (ImpactResult.objects.filter(project_id__in=project_ids)
                                          .values_list("project_id", "payload", "computed").order_by("computed")):
        head = (payload or {}).get("headline")
        if head and "error" not in head:
            out[project_id] = {**head, "computed": computed, "basis": payload.get("basis", "")}
    return out


def _impact_comment(head: dict) -> dict[str, str]:
    out = {}
    for iati, _suffix, django_code in LANGUAGES:
        with translation.override(django_code):
            if head.get("covers_zero"):
                text = _("Causal estimate (%(method)s, %(basis)s): %(estimate).0f, %(level)d-percent interval "
                         "%(low).0f to %(high).0f. The interval includes zero: no gain is shown.")
            else:
                text = _("Causal estimate (%(method)s, %(basis)s): %(estimate).0f, %(level)d-percent interval "
                         "%(low).0f to %(high).0f.")
            out[iati] = text % {"method": head.get("method", ""), "basis": head.get("basis", ""),
                                "estimate": head["estimate"], "level": round(100 * head.get("level", 0.95)),
                                "low": head["ci_low"], "high": head["ci_high"]}
    return out


def _results(project: CooperationProject, today: dt.date, impact: dict | None, labels,
             tables: PriceTables) -> list[e.Result]:
    start = project.start_date or today
    by_type: dict[str, list[e.Indicator]] = defaultdict(list)
    for row in target_progress(project, today=today, tables=tables, public=True):
        if row["region_id"] is not None:
            continue  # regional targets stay on the platform; IATI gets the whole project's
        rtype, measure = RESULT_SHAPE[row["indicator"]]
        end = max(project.end_date or today, start)
        actual = None if row["actual"] is None else Decimal(str(round(row["actual"], 2)))
        is_gain = row["indicator"] == ProjectTarget.Indicator.INCOME_GAIN
        baseline = Decimal(0) if row["indicator"] in (ProjectTarget.Indicator.TRAINEES,
                                                      ProjectTarget.Indicator.INCOME_GAIN) else None
        by_type[rtype].append(e.Indicator(
            measure=measure, title=labels(ProjectTarget.Indicator(row["indicator"]).label),
            period_start=start, period_end=end, target=Decimal(str(row["target"])), actual=actual,
            baseline=baseline, baseline_date=start if baseline is not None else None,
            actual_comment=_impact_comment(impact) if (is_gain and impact) else {}))
    return [e.Result(rtype, labels(RESULT_TITLES[rtype]), inds) for rtype, inds in sorted(by_type.items())]


def _sectors(text: str, kind: str) -> tuple[list[tuple[str, str, Decimal]], list[str]]:
    if not text.strip():
        return [("1", SECTOR_BY_KIND.get(kind, DEFAULT_SECTOR), Decimal(100))], []
    try:
        return [("1", code, pct) for code, pct in e.parse_sectors(text)], []
    except ValueError as exc:
        return [], [str(exc)]


def _grouped(rows, key: str) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


_PROJECT = ["pk", "kind", "status", "start_date", "end_date", "host_country_id", "updated",
            *_text_columns("name"), *_text_columns("description")]


def activities(*, today: dt.date | None = None, with_results: bool = True) -> tuple[list[e.Activity], list[e.Finding]]:
    """Every published activity, and the findings that arise before the ruleset (unreadable input).

    Set-based: a fixed number of queries whatever the number of projects (rows read with ``values``,
    grouped by project here); only the targets' progress is computed per project that has targets."""
    today = today or timezone.localdate()
    pubs = list(ActivityPublication.objects.filter(project__status__in=PUBLISHABLE)
                .order_by("publisher__identifier", "activity_id")
                .values("activity_id", "sectors", "publisher__identifier", "publisher__org_type",
                        "publisher__default_currency", *_text_columns("name", "publisher__institution__"),
                        *[f"project__{f}" for f in _PROJECT]))
    # the same set as a subquery: the database matches the ids, instead of Python preparing a long list
    project_ids = ActivityPublication.objects.filter(project__status__in=PUBLISHABLE).values("project_id")
    publishers = {p["institution_id"]: (p["identifier"], p["org_type"])
                  for p in Publisher.objects.values("institution_id", "identifier", "org_type")}
    message_cache: dict[object, dict[str, str]] = {}

    def labels(message) -> dict[str, str]:
        if message not in message_cache:
            message_cache[message] = _in_languages(message)
        return message_cache[message]

    ledger = _transactions(project_ids, labels)
    impacts = _impact_notes(project_ids) if with_results else {}
    listed = set(public_enterprises().values_list("pk", flat=True))
    # participants: both institution roles in pk order (Chinese first), enterprises in their own order
    institutions: dict[int, list[int]] = defaultdict(list)
    for field in ("chinese_institutions", "partner_institutions"):
        through = getattr(CooperationProject, field).through
        for project_id, inst_id in (through.objects.filter(cooperationproject_id__in=project_ids)
                                    .order_by("institution_id")
                                    .values_list("cooperationproject_id", "institution_id")):
            institutions[project_id].append(inst_id)
    inst_names = {r["pk"]: _row_texts(r, "name") for r in Institution.objects.filter(
        pk__in={i for ids in institutions.values() for i in ids}).values("pk", *_text_columns("name"))}
    enterprise_of = _grouped(CooperationProject.enterprises.through.objects.filter(
        cooperationproject_id__in=project_ids).values("cooperationproject_id", "enterprise_id"),
        "cooperationproject_id")
    enterprise_rank = {r["pk"]: (n, _row_texts(r, "name")) for n, r in enumerate(Enterprise.objects.filter(
        pk__in={r["enterprise_id"] for rows in enterprise_of.values() for r in rows} & listed)
        .values("pk", *_text_columns("name")))}
    funding = _grouped(ProjectFunding.objects.filter(project_id__in=project_ids)
                       .values("project_id", "funder", "kind", "amount", "currency"), "project_id")
    targeted: dict[int, CooperationProject] = {}
    tables = None
    if with_results:
        targeted = {p.pk: p for p in CooperationProject.objects.filter(
            pk__in=ProjectTarget.objects.filter(project_id__in=project_ids).values("project_id"))}
        tables = PriceTables.load() if targeted else None
    out, findings = [], []
    for pub in pubs:
        project = {f: pub[f"project__{f}"] for f in _PROJECT}
        pk = project["pk"]
        reporting = e.Org(pub["publisher__identifier"], pub["publisher__org_type"],
                          _row_texts(pub, "publisher__institution__name"))
        participants = [e.Participant("2", reporting)]
        for inst_id in institutions.get(pk, ()):
            ref, org_type = publishers.get(inst_id, ("", "80"))
            participants.append(e.Participant("4", e.Org(ref, org_type, inst_names[inst_id])))
        # an enterprise that has not agreed to be listed is not named in public
        for _rank, names in sorted(enterprise_rank[r["enterprise_id"]] for r in enterprise_of.get(pk, ())
                                   if r["enterprise_id"] in enterprise_rank):
            participants.append(e.Participant("4", e.Org("", "70", names)))
        for f in funding.get(pk, ()):
            if f["funder"].strip():
                participants.append(e.Participant("1", e.Org("", FUNDER_TYPE.get(f["kind"], ""), {"en": f["funder"]})))
        sectors, bad = _sectors(pub["sectors"], project["kind"])
        identifier = f"{pub['publisher__identifier']}-{pub['activity_id']}"
        for part in bad:
            findings.append(e.Finding(str(pk), identifier, "sector", "sector_syntax", {"part": part}))
        out.append(e.Activity(
            key=str(pk), identifier=identifier, reporting_org=reporting,
            titles=_row_texts(project, "name"), descriptions=_row_texts(project, "description"),
            status=STATUS[project["status"]], dates=_dates(project, today),
            recipient_countries=[(project["host_country_id"], Decimal(100))] if project["host_country_id"] else [],
            sectors=sectors, participants=participants,
            budgets=_budgets(project["start_date"], project["end_date"], funding.get(pk, [])),
            transactions=ledger.get(pk, []),
            results=(_results(targeted[pk], today, impacts.get(pk), labels, tables) if pk in targeted else []),
            default_currency=pub["publisher__default_currency"], last_updated=project["updated"]))
    return out, findings


def organisations(*, today: dt.date | None = None) -> list[e.OrganisationRecord]:
    """Each publisher with at least one published activity, its total budget per currency over the
    span of its published projects (those with both dates)."""
    live = ActivityPublication.objects.filter(project__status__in=PUBLISHABLE).exclude(
        Q(project__start_date=None) | Q(project__end_date=None))
    spans = {r["publisher_id"]: (r["first"], r["last"]) for r in live.values("publisher_id").annotate(
        first=models.Min("project__start_date"), last=models.Max("project__end_date")).order_by()}
    totals: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for r in (ProjectFunding.objects.filter(project__iati_publication__in=live).exclude(amount=None)
              .exclude(currency="").values("project__iati_publication__publisher_id", "currency")
              .annotate(total=Sum("amount")).order_by("currency")):
        totals[r["project__iati_publication__publisher_id"]].append((r["currency"], r["total"]))
    out = []
    pubs = (Publisher.objects.filter(activities__project__status__in=PUBLISHABLE).distinct()
            .select_related("institution").order_by("identifier"))
    for pub in pubs:
        org = e.Org(pub.identifier, pub.org_type, _texts(pub.institution, "name"))
        budgets = []
        if pub.pk in spans:
            first, last = spans[pub.pk]
            budgets = [e.Budget(first, last, total, currency, first) for currency, total in totals[pub.pk]]
        out.append(e.OrganisationRecord(pub.identifier, org, org, total_budgets=budgets,
                                        last_updated=pub.institution.updated))
    return out


def problem_text(problem: dict) -> str:
    message = PROBLEM_MESSAGES.get(problem["code"])
    text = str(message) % problem.get("params", {}) if message else problem["code"]
    return text


def problems_for_display(problems: list[dict]) -> list[dict]:
    """Findings with the project and field named, in the reader's language."""
    names = dict(CooperationProject.objects.filter(
        pk__in=[int(p["key"]) for p in problems if str(p.get("key", "")).isdigit()]).values_list("pk", "name"))
    return [{**p, "project": names.get(int(p["key"])) if str(p["key"]).isdigit() else p["key"],
             "project_id": int(p["key"]) if str(p["key"]).isdigit() else None,
             "field_label": str(FIELD_LABELS.get(p["field"], p["field"])), "text": problem_text(p)}
            for p in problems]


def files() -> dict[str, IatiFile]:
    return {f.kind: f for f in IatiFile.objects.defer("content")}


def file_content(kind: str) -> IatiFile | None:
    return IatiFile.objects.filter(kind=kind).exclude(content=None).first()


# --- public tables ---------------------------------------------------------------------------------
#
# What is public: approved projects that are published (given an IATI publication) or that the
# registry took from a published document (a cited, non-synthetic source), the institutions that
# publish, take part in those projects or come from a published document, and their programmes. Names in every language, no
# contact person, no e-mail or phone, and counts of people under 5 withheld.

LICENCE = {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}


@dataclass(frozen=True)
class Column:
    name: str
    meaning: object  # lazy message
    unit: str = ""
    source: object = gettext_lazy("TVET Bridge registry")


@dataclass(frozen=True)
class Dataset:
    key: str
    title: object
    description: object
    columns: tuple[Column, ...]


def _name_in(language: str) -> str:
    return _("name (%(language)s)") % {"language": language}


# Lazy as a whole: a lazy message formatted with % here would be rendered once, in English, at import.
_NAMES = tuple(Column(f"name_{s}", lazy(_name_in, str)(lang))
               for s, lang in [("en", "en"), ("zh_hans", "zh-hans"), ("ru", "ru"), ("kk", "kk")])
_OUTCOMES = gettext_lazy("TVET Bridge outcomes records")

DATASETS = {d.key: d for d in [
    Dataset("projects", gettext_lazy("Cooperation projects"),
            gettext_lazy("Published cooperation projects: kind, status, host country, dates, targets and "
                         "trainees enrolled."),
            (Column("id", gettext_lazy("stable identifier")),
             Column("iati_identifier", gettext_lazy("IATI activity identifier")), *_NAMES,
             Column("kind", gettext_lazy("kind of project (code)")), Column("status", gettext_lazy("status (code)")),
             Column("host_country", gettext_lazy("host country"), "ISO 3166-1 alpha-2"),
             Column("start_date", gettext_lazy("start date"), "ISO 8601"),
             Column("end_date", gettext_lazy("end date"), "ISO 8601"),
             Column("target_trainees", gettext_lazy("target trainees"), gettext_lazy("people")),
             Column("trainees_enrolled", gettext_lazy("trainees enrolled (blank when fewer than 5)"),
                    gettext_lazy("people"), _OUTCOMES),
             Column("trainees_withheld", gettext_lazy("true when the count was withheld (1 to 4 people)")))),
    Dataset("institutions", gettext_lazy("Institutions"),
            gettext_lazy("Institutions that publish or take part in published projects: kind, country, "
                         "region, website."),
            (Column("id", gettext_lazy("stable identifier")), *_NAMES,
             Column("kind", gettext_lazy("kind of institution (code)")),
             Column("country", gettext_lazy("country"), "ISO 3166-1 alpha-2"),
             Column("region", gettext_lazy("region (code)")), Column("website", gettext_lazy("website"), "URL"),
             Column("iati_identifier", gettext_lazy("IATI organisation identifier")))),
    Dataset("programmes", gettext_lazy("Programmes"),
            gettext_lazy("Programmes of those institutions: field, level, duration and yearly intake."),
            (Column("id", gettext_lazy("stable identifier")), Column("institution_id", gettext_lazy("institution")),
             *_NAMES, Column("field", gettext_lazy("field of study"), "ISCED-F 2013"),
             Column("isced_level", gettext_lazy("ISCED level"), "ISCED 2011"),
             Column("duration_months", gettext_lazy("duration"), gettext_lazy("months")),
             Column("intake_capacity", gettext_lazy("yearly intake capacity"), gettext_lazy("people")))),
    Dataset("enterprises", gettext_lazy("Enterprises"),
            gettext_lazy("Enterprises that agreed to be listed: sector, country, region, open vacancies and the "
                         "published projects they co-fund or take graduates from."),
            (Column("id", gettext_lazy("stable identifier")), *_NAMES,
             Column("sector", gettext_lazy("sector"), "ISIC Rev.4 section"),
             Column("country", gettext_lazy("country"), "ISO 3166-1 alpha-2"),
             Column("region", gettext_lazy("region (code)")), Column("website", gettext_lazy("website"), "URL"),
             Column("chinese_funded", gettext_lazy("Chinese-funded")),
             Column("open_vacancies", gettext_lazy("open vacancies posted"), gettext_lazy("vacancies"),
                    gettext_lazy("TVET Bridge demand records")),
             Column("projects", gettext_lazy("published projects (identifiers, separated by spaces)")))),
]}

_NAME_FIELDS = ["name_en", "name_zh_hans", "name_ru", "name_kk"]


_FROM_DOCUMENT = Q(source__isnull=False, is_synthetic=False)


def iati_identifier(project) -> str:
    """The project's IATI activity identifier, or "" when it is public from a document only."""
    pub = getattr(project, "iati_publication", None)
    return pub.identifier if pub else ""


def public_projects():
    return CooperationProject.objects.filter(Q(iati_publication__isnull=False) | _FROM_DOCUMENT,
                                             status__in=PUBLISHABLE)


def public_institutions():
    # id subqueries, not joins + DISTINCT: the joins multiply each institution by its projects.
    projects = public_projects().values("pk")
    roles = (CooperationProject.partner_institutions.through, CooperationProject.chinese_institutions.through)
    taking_part = [Q(pk__in=t.objects.filter(cooperationproject__in=projects).values("institution_id")) for t in roles]
    return Institution.objects.filter(Q(pk__in=Publisher.objects.values("institution_id")) | taking_part[0]
                                      | taking_part[1] | _FROM_DOCUMENT)


def _names(obj) -> dict:
    return {f: getattr(obj, f) or "" for f in _NAME_FIELDS}


def dataset_rows(key: str) -> list[dict]:
    if key == "projects":
        projects = list(public_projects().select_related("iati_publication__publisher").order_by("external_key"))
        enrolled = _enrolled_cells(projects)
        rows = []
        for p in projects:
            cell = enrolled[p.pk]
            rows.append({"id": p.external_key, "iati_identifier": iati_identifier(p), **_names(p),
                         "kind": p.kind, "status": p.status, "host_country": p.host_country_id,
                         "start_date": p.start_date, "end_date": p.end_date, "target_trainees": p.target_trainees,
                         "trainees_enrolled": cell.value, "trainees_withheld": cell.suppressed})
        return rows
    if key == "institutions":
        publishers = dict(Publisher.objects.values_list("institution_id", "identifier"))
        return [{"id": i.external_key, **_names(i), "kind": i.kind, "country": i.country_id,
                 "region": i.region.code if i.region else "", "website": i.website,
                 "iati_identifier": publishers.get(i.pk, "")}
                for i in public_institutions().select_related("region").order_by("external_key")]
    if key == "programmes":
        return [{"id": p.external_key, "institution_id": p.institution.external_key, **_names(p),
                 "field": p.field_id, "isced_level": p.isced_level, "duration_months": p.duration_months,
                 "intake_capacity": p.intake_capacity}
                for p in Programme.objects.filter(institution__in=public_institutions())
                .select_related("institution").order_by("external_key")]
    if key == "enterprises":
        enterprises = list(public_enterprises().select_related("region").order_by("external_key"))
        vacancies = open_vacancy_counts(enterprises)
        projects = enterprise_projects(enterprises)
        return [{"id": x.external_key, **_names(x), "sector": x.sector, "country": x.country_id,
                 "region": x.region.code if x.region else "", "website": x.website,
                 "chinese_funded": x.chinese_funded, "open_vacancies": vacancies.get(x.pk, 0),
                 "projects": " ".join(p.external_key for p in projects.get(x.pk, []))}
                for x in enterprises]
    raise KeyError(key)


def dataset_dictionary(key: str) -> list[dict]:
    return [{"column": c.name, "meaning": str(c.meaning), "unit": str(c.unit), "source": str(c.source)}
            for c in DATASETS[key].columns]


def dataset_about(key: str, rows: list[dict]) -> dict:
    """Title, licence, version and date: the version is a digest of the content, so it changes exactly
    when the data does."""
    digest = hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()
    return {"dataset": key, "title": str(DATASETS[key].title), "description": str(DATASETS[key].description),
            "licence": LICENCE["name"], "licence_url": LICENCE["url"], "version": digest[:12],
            "date": timezone.localdate().isoformat(), "publisher": "TVET Bridge"}


# --- public directory ------------------------------------------------------------------------------
#
# The same rule as the downloads: an institution is in the directory once it publishes or takes part
# in a published project; its profile shows what it offers and the published figures about it. Names
# are searched in all four languages, whatever language the page is read in.

DIRECTORY_PAGE = 30


def _name_query(q: str, extra: tuple[str, ...] = ()) -> Q:
    cond = Q()
    for f in (*_NAME_FIELDS, *extra):
        cond |= Q(**{f"{f}__icontains": q})
    return cond


def directory_institutions(*, q: str = "", country: str = "", kind: str = "", field: str = "", language: str = ""):
    qs = Institution.objects.filter(pk__in=public_institutions().values("pk"))
    if q:
        qs = qs.filter(_name_query(q, ("short_name", "aliases")))
    if country:
        qs = qs.filter(country_id=country)
    if kind:
        qs = qs.filter(kind=kind)
    if field:
        qs = qs.filter(Q(fields=field) | Q(programme__field=field)).distinct()
    if language:
        qs = qs.filter(Q(languages=language) | Q(programme__languages=language)).distinct()
    return qs.select_related("country", "region").order_by("name")


def directory_projects(*, q: str = "", country: str = "", kind: str = "", status: str = ""):
    qs = public_projects()
    if q:
        qs = qs.filter(_name_query(q))
    if country:
        qs = qs.filter(host_country_id=country)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("host_country", "host_region").order_by("-start_date", "name")


# The filter options each directory tab shows (the template reads no others).
DIRECTORY_CHOICES = {
    "institutions": ("countries", "institution_kinds", "fields", "languages"),
    "projects": ("countries", "project_kinds", "statuses"),
    "enterprises": ("countries", "sectors"),
    "alliances": (),
}


def directory_choices(tab: str | None = None) -> dict:
    """The filter options that lead somewhere: countries, kinds and fields present in the directory.

    Only the options ``tab`` shows are read (all of them without a tab): each set costs a query over
    the published records, and at national scale they were most of a directory page's time."""
    # Each set as a union of id subqueries: joining the OR-ed relations and taking DISTINCT multiplies
    # rows (institutions × projects × enterprises) and took minutes at national scale.
    wanted = DIRECTORY_CHOICES[tab] if tab else tuple(dict.fromkeys(sum(DIRECTORY_CHOICES.values(), ())))
    insts = public_institutions().values("pk")
    programmes = Programme.objects.filter(institution__in=insts)
    out: dict = {}
    if "countries" in wanted:
        countries = Country.objects.filter(Q(pk__in=Institution.objects.filter(pk__in=insts).values("country_id"))
                                           | Q(pk__in=public_projects().values("host_country_id"))
                                           | Q(pk__in=public_enterprises().values("country_id")))
        out["countries"] = sorted(countries, key=lambda c: str(c))
    if "fields" in wanted:
        fields = FieldOfStudy.objects.filter(
            Q(pk__in=Institution.fields.through.objects.filter(institution__in=insts).values("fieldofstudy_id"))
            | Q(pk__in=programmes.values("field_id")))
        out["fields"] = sorted(fields, key=lambda f: str(f))
    if "languages" in wanted:
        languages = Language.objects.filter(
            Q(pk__in=Institution.languages.through.objects.filter(institution__in=insts).values("language_id"))
            | Q(pk__in=Programme.languages.through.objects.filter(programme__in=programmes).values("language_id")))
        out["languages"] = sorted(languages, key=lambda lang: str(lang))
    fixed = {"institution_kinds": Institution.Kind.choices, "project_kinds": CooperationProject.Kind.choices,
             "sectors": Enterprise.Sector.choices,
             "statuses": [(s, label) for s, label in CooperationProject.Status.choices if s in PUBLISHABLE]}
    out.update({k: v for k, v in fixed.items() if k in wanted})
    return out


def _enrolled_cells(projects) -> dict[int, object]:
    counts = dict(Enrolment.objects.filter(project__in=projects).exclude(status="applied")
                  .values("project_id").annotate(n=models.Count("trainee", distinct=True))
                  .values_list("project_id", "n"))
    return {p.pk: suppress(counts.get(p.pk, 0)) for p in projects}


def institution_profile(key: str) -> dict | None:
    inst = (directory_institutions().filter(external_key=key)
            .prefetch_related("languages", "fields", "alliances").first())
    if inst is None:
        return None
    projects = list(public_projects().filter(Q(chinese_institutions=inst) | Q(partner_institutions=inst))
                    .distinct().select_related("host_country").order_by("-start_date", "name"))
    enrolled = _enrolled_cells(projects)
    partner_ids = set()
    for p in projects:
        partner_ids |= set(p.chinese_institutions.values_list("pk", flat=True))
        partner_ids |= set(p.partner_institutions.values_list("pk", flat=True))
    partner_ids.discard(inst.pk)
    return {
        "institution": inst,
        "programmes": list(Programme.objects.filter(institution=inst).select_related("field")
                           .prefetch_related("languages").order_by("name")),
        "facilities": list(Facility.objects.filter(institution=inst).order_by("name")),
        "projects": [(p, enrolled[p.pk]) for p in projects],
        "partners": list(Institution.objects.filter(pk__in=partner_ids).select_related("country").order_by("name")),
        "alliances": list(inst.alliances.order_by("name")),
        "reported": list(ReportedResult.objects.filter(institution=inst).select_related("source")
                         .order_by("indicator", "-as_of")),
    }


def project_profile(key: str) -> dict | None:
    project = (public_projects().filter(external_key=key)
               .select_related("host_country", "host_region", "alliance", "iati_publication")
               .prefetch_related("fields").first())
    if project is None:
        return None
    return {
        "project": project,
        "iati_identifier": iati_identifier(project),
        "enrolled": _enrolled_cells([project])[project.pk],
        "chinese": list(project.chinese_institutions.select_related("country").order_by("name")),
        "partners": list(project.partner_institutions.select_related("country").order_by("name")),
        "reported": list(ReportedResult.objects.filter(project=project).select_related("source")
                         .order_by("indicator", "-as_of")),
    }


# --- exemplary cases -------------------------------------------------------------------------------
#
# A case stores its narrative only. Its figures are the project's results as the public results page
# shows them (the same results chain, money basis and suppression) and the impact engine's headline
# estimate; they are read every time the case is shown.

def cases_for(user):
    """The cases ``user`` may see: published ones for everyone, drafts for coordinators and for the
    staff of the project's institutions (the list equivalent of ``view_exemplarycase``)."""
    from tvetbridge.core.roles import is_institution_staff, is_manager

    qs = ExemplaryCase.objects.select_related("project")
    if is_manager(user):
        return qs
    published = Q(status=ExemplaryCase.Status.PUBLISHED)
    if is_institution_staff(user) and user.profile.institution_id:
        own = user.profile.institution_id
        return qs.filter(published | Q(project__chinese_institutions=own) | Q(project__partner_institutions=own)).distinct()
    return qs.filter(published)


def published_cases():
    return (ExemplaryCase.objects.filter(status=ExemplaryCase.Status.PUBLISHED)
            .select_related("project__host_country").order_by("-published_at", "slug"))


def case_basis() -> Basis:
    """The money basis the project's results page opens with, so both show the same numbers."""
    return Basis.from_params({}, default_year=timezone.localdate().year - 1)


def impact_figure(payload: dict | None) -> dict:
    """What the evidence lets a case say about income. ``state``: ``gain`` (interval above zero),
    ``no_gain`` (interval includes zero: shown as no measurable gain, never as a gain), ``loss``
    (interval below zero), ``withheld`` (fewer than 5 people in an arm), ``none`` (no estimate)."""
    head = (payload or {}).get("headline")
    if not payload or payload.get("error") or not head or head.get("error"):
        return {"state": "none", "reason": (payload or {}).get("error", "")}
    verdict = (payload.get("reliability") or {}).get("verdict", "")
    if verdict == "not_estimable":
        return {"state": "none", "reason": ""}
    if min(head.get("n_treated", 0), head.get("n_control", 0)) < SUPPRESS_BELOW:
        return {"state": "withheld", "reason": ""}
    if head["ci_low"] <= 0 <= head["ci_high"]:
        state = "no_gain"
    else:
        state = "gain" if head["estimate"] > 0 else "loss"
    return {"state": state, "estimate": head["estimate"], "low": head["ci_low"], "high": head["ci_high"],
            "level": round(100 * head.get("level", 0.95)), "method": head.get("method", ""),
            "n_treated": head.get("n_treated"), "n_control": head.get("n_control"), "verdict": verdict,
            "computed_at": payload.get("computed_at", ""), "data_version": payload.get("data_version", ""),
            "reason": ""}


def case_learning(project) -> dict:
    """What the trainees learned, from their records: programmes followed and credentials awarded,
    each count of people suppressed under 5."""
    enrolled = Enrolment.objects.filter(project=project).exclude(status=Enrolment.Status.APPLIED)
    programmes = [(Programme.objects.get(pk=r["programme"]), suppress(r["n"]))
                  for r in enrolled.exclude(programme=None).values("programme")
                  .annotate(n=models.Count("trainee", distinct=True)).order_by("-n", "programme")]
    credentials = [(Credential.Kind(r["kind"]).label, suppress(r["n"]))
                   for r in Credential.objects.filter(enrolment__in=enrolled).values("kind")
                   .annotate(n=models.Count("trainee", distinct=True)).order_by("-n", "kind")]
    return {"programmes": programmes, "credentials": credentials}


def case_figures(case: ExemplaryCase, impact_payload: dict | None, *, tables: PriceTables | None = None) -> dict:
    """Every figure of a case, live: the project's public results chain (people at each step, cost
    per step, median income change) on the results page's default basis, and the impact figure."""
    basis = case_basis()
    tables = tables or PriceTables.load()
    chain = results_chain(CooperationProject.objects.filter(pk=case.project_id), basis, tables=tables, public=True)
    steps = {s["key"]: s for s in chain["steps"]}
    return {"basis": basis, "chain": chain, "steps": steps,
            "learn_steps": [steps[k] for k in ("enrolled", "completed", "certified")],
            "cost_per_employed": steps["employed"]["cost_per"],
            "impact": impact_figure(impact_payload), "learning": case_learning(case.project),
            "as_of": timezone.now()}


def case_materials(case: ExemplaryCase, user):
    """Quotes and photos the reader may see: on a published case, those with consent recorded."""
    qs = case.materials.filter(consent_recorded=True).order_by("kind", "pk")
    return [m for m in qs if user.has_perm("opendata.view_casematerial", m)]


# --- country profiles over time ------------------------------------------------------------------
#
# Each focus country's TVET system (the national statistics the registry keeps, with their sources)
# and its cooperation with the platform's published projects, year by year: projects running,
# trainees who started, trainees who found a job in the trained occupation, the median income change
# of those who started that year, and the country's cooperation-risk score. Counts of people under 5
# are withheld, as everywhere in public.

SERIES_YEARS = 10
_REGISTRY = gettext_lazy("TVET Bridge registry: published cooperation projects")
_OUTCOMES_SOURCE = gettext_lazy("TVET Bridge outcomes records of published projects")
_RISK_SOURCE = gettext_lazy("TVET Bridge cooperation risk score (INFORM and recorded events)")


@dataclass
class Series:
    key: str
    label: str
    unit: str
    source: str
    as_of: str
    points: dict[int, Cell]
    note: str = ""

    def values(self, years: list[int]) -> list[float | None]:
        return [None if (c := self.points.get(y)) is None or c.value is None else float(c.value) for y in years]

    def latest(self) -> tuple[int, Cell] | None:
        """The latest year with something to show: a zero (e.g. the current year, not yet under way)
        stays in the table and the chart but is not the headline of the comparison."""
        known = [(y, c) for y, c in self.points.items() if c.value or c.suppressed]
        return max(known, key=lambda yc: yc[0]) if known else None


def _year(period: str) -> int | None:
    head = (period or "")[:4]
    return int(head) if head.isdigit() else None


def _system_series(country) -> list[Series]:
    rows = (CountryStatistic.objects.filter(country=country, indicator__in=[
        CountryStatistic.Indicator.STUDENTS, CountryStatistic.Indicator.GRADUATES,
        CountryStatistic.Indicator.INSTITUTIONS]).select_related("source").order_by("indicator", "period"))
    by_indicator: dict[str, Series] = {}
    for r in rows:
        year = _year(r.period)
        if year is None:
            continue
        s = by_indicator.setdefault(r.indicator, Series(
            r.indicator, str(CountryStatistic.Indicator(r.indicator).label), "", "", "", {}))
        sources = {x.strip() for x in s.source.split(";") if x.strip()} | {r.source.title}
        s.source = "; ".join(sorted(sources))
        published = r.source.published.isoformat() if r.source.published else ""
        s.as_of = max(s.as_of, published)
        s.points[year] = Cell(float(r.value), None, False)
    return list(by_indicator.values())


def country_series(country, *, today: dt.date | None = None) -> list[Series]:
    today = today or timezone.localdate()
    projects = public_projects().filter(host_country=country)
    spans = list(projects.values_list("start_date", "end_date"))
    enrolled = Enrolment.objects.filter(project__in=projects).exclude(status=Enrolment.Status.APPLIED)
    first_start = dict(enrolled.values("trainee_id").annotate(first=models.Min("start_date"))
                       .values_list("trainee_id", "first").order_by())
    years_with_data = [d.year for d, _e in spans if d] + [d.year for d in first_start.values()]
    first_year = max(min(years_with_data, default=today.year), today.year - SERIES_YEARS + 1)
    years = list(range(first_year, today.year + 1))
    as_of = today.isoformat()

    # projects are not people: their counts are never withheld
    projects_running = {y: Cell(sum(1 for s, e in spans if s and s.year <= y and (e is None or e.year >= y)), None,
                                False) for y in years}
    started: dict[int, int] = defaultdict(int)
    for d in first_start.values():
        started[d.year] += 1
    # people who started a job in the trained occupation, per year: one grouped query, the same count as
    # ``period_flows`` over each calendar year (distinct people per year)
    jobs = (chain_steps(projects)["employed"].filter(start_date__range=(dt.date(years[0], 1, 1),
                                                                       dt.date(years[-1], 12, 31)))
            .annotate(year=ExtractYear("start_date")).values("year")
            .annotate(n=models.Count("trainee", distinct=True)).values_list("year", "n").order_by())
    employed = {y: 0 for y in years} | dict(jobs)
    basis = case_basis()
    gains = person_gains(list(projects.values_list("pk", flat=True)), basis)
    by_year: dict[int, list[float]] = defaultdict(list)
    for tid, gain in zip(gains["trainee_id"].tolist(), gains["gain"].tolist(), strict=True):
        if gain == gain and tid in first_start:  # NaN: income not observed
            by_year[first_start[tid].year].append(gain)
    median = {y: suppress(float(np.median(v)) if v else None, len(v)) for y, v in by_year.items()}
    risk: dict[int, Cell] = {}
    risk_as_of = ""
    for period, score, computed in (CountryRiskScore.objects.filter(country=country).exclude(score=None)
                                    .order_by("period").values_list("period", "score", "computed")):
        year = _year(period)
        if year is not None and year in years:
            risk[year] = Cell(round(score, 1), None, False)  # later periods of a year replace earlier ones
            risk_as_of = max(risk_as_of, computed.date().isoformat())
    return [
        *_system_series(country),
        Series("projects", str(_("cooperation projects running")), str(_("projects")), str(_REGISTRY), as_of,
               projects_running),
        Series("trainees", str(_("trainees who started training")), str(_("people")), str(_OUTCOMES_SOURCE), as_of,
               {y: suppress(started.get(y, 0)) for y in years}),
        Series("employed", str(_("trainees employed in the trained occupation")), str(_("people")),
               str(_OUTCOMES_SOURCE), as_of, {y: suppress(employed[y]) for y in years}),
        Series("income_gain", str(_("median monthly income change of that year's trainees")), basis.label(),
               str(_OUTCOMES_SOURCE), as_of, {y: median.get(y, Cell(None, 0, False)) for y in years},
               note=str(_("Before and after training, not a causal estimate; by the year training started."))),
        Series("risk", str(_("cooperation risk score (0–10)")), "", str(_RISK_SOURCE), risk_as_of, risk),
    ]


def series_years(series: list[Series]) -> list[int]:
    return sorted({y for s in series for y in s.points})


def focus_countries():
    return Country.objects.filter(is_focus=True).order_by("name")


# --- enterprises -------------------------------------------------------------------------------------
#
# An enterprise is public only while it agrees to be listed (``EnterpriseListing``): then the
# directory, the downloads, the API, the search and the IATI files name it. Its profile shows what it
# offers and needs — sector, where it is and where it recruits, how many vacancies it has open, the
# published projects it co-funds or takes graduates from and their published results — never its
# staff, the candidates or anything about a person.

def public_enterprises():
    return Enterprise.objects.filter(listing__listed=True)


def _open_demand(kind: str):
    return SkillDemand.objects.filter(status=SkillDemand.Status.OPEN, kind=kind)


def open_vacancies():
    return _open_demand(SkillDemand.Kind.VACANCY)


def open_vacancy_counts(enterprises) -> dict[int, int]:
    return dict(open_vacancies().filter(enterprise__in=enterprises).values("enterprise_id")
                .annotate(n=models.Count("pk")).values_list("enterprise_id", "n").order_by())


def enterprise_projects(enterprises) -> dict[int, list]:
    through = CooperationProject.enterprises.through
    rows = through.objects.filter(enterprise__in=enterprises, cooperationproject__in=public_projects())
    by_project = defaultdict(list)
    for project_id, enterprise_id in rows.values_list("cooperationproject_id", "enterprise_id"):
        by_project[project_id].append(enterprise_id)
    out: dict[int, list] = defaultdict(list)
    for p in CooperationProject.objects.filter(pk__in=by_project).order_by("external_key"):
        for enterprise_id in by_project[p.pk]:
            out[enterprise_id].append(p)
    return out


def directory_enterprises(*, q: str = "", country: str = "", sector: str = ""):
    qs = public_enterprises()
    if q:
        qs = qs.filter(_name_query(q))
    if country:
        qs = qs.filter(country_id=country)
    if sector:
        qs = qs.filter(sector=sector)
    return qs.select_related("country", "region").order_by("name")


def enterprise_profile(key: str) -> dict | None:
    enterprise = directory_enterprises().filter(external_key=key).first()
    if enterprise is None:
        return None
    projects = list(public_projects().filter(enterprises=enterprise).distinct()
                    .select_related("host_country").order_by("-start_date", "name"))
    enrolled = _enrolled_cells(projects)
    demand = open_vacancies().filter(enterprise=enterprise)
    orders = _open_demand(SkillDemand.Kind.ORDER).filter(enterprise=enterprise)
    sought = (demand | orders).select_related("occupation", "region", "country")
    occupations = sorted({d.occupation for d in sought}, key=str)
    regions = sorted({d.region or d.country for d in sought} | {enterprise.region or enterprise.country}, key=str)
    return {
        "enterprise": enterprise,
        "open_vacancies": demand.count(),
        "open_orders": orders.count(),
        "occupations": occupations,
        "regions": regions,
        "projects": [(p, enrolled[p.pk]) for p in projects],
        "alliances": list(public_alliances().filter(enterprises=enterprise).order_by("name")),
        "reported": list(ReportedResult.objects.filter(project__in=projects).select_related("source", "project")
                         .order_by("project__name", "indicator", "-as_of")),
    }


def listing_decisions(listing) -> list:
    """Every decision on an enterprise's listing, newest first (for the enterprise and coordinators)."""
    return list(listing.history.select_related("decided_by").order_by("-history_date", "-history_id"))


def enterprise_listing_state(user, enterprise) -> dict | None:
    """What the enterprise's page shows about its public listing, for those who may decide it."""
    listing = EnterpriseListing.objects.filter(enterprise=enterprise).first()
    probe = listing or EnterpriseListing(enterprise=enterprise)
    if not user.has_perm("opendata.change_enterpriselisting", probe):
        return None
    return {"enterprise": enterprise, "listing": listing}


# --- alliances ---------------------------------------------------------------------------------------
# An alliance is public when a document names it or when it has a published member or project; its
# page then lists only the published members and projects, and the enterprises a document names.
def public_alliances():
    # id subqueries, not joins + DISTINCT: the joins multiply each alliance by its members × projects.
    members = Alliance.institutions.through.objects.filter(institution__in=public_institutions().values("pk"))
    return Alliance.objects.filter(
        _FROM_DOCUMENT | Q(pk__in=members.values("alliance_id"))
        | Q(pk__in=public_projects().filter(alliance__isnull=False).values("alliance_id")))


def directory_alliances(*, q: str = ""):
    qs = public_alliances()
    if q:
        qs = qs.filter(_name_query(q))
    return qs.select_related("source").order_by("name")


def alliance_profile(key: str) -> dict | None:
    alliance = directory_alliances().filter(external_key=key).first()
    if alliance is None:
        return None
    return alliance_overview(alliance, institutions=Institution.objects.filter(pk__in=public_institutions().values("pk")),
                             enterprises=public_enterprises(), projects=public_projects())
