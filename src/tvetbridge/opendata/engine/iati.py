"""IATI 2.03 activities and organisations as plain data, and the standard's ruleset over them.

Pure Python: no Django, no database. ``io/iati.py`` writes these objects as XML; ``queries.py`` builds
them from the registry. The checks are the rules of the IATI Standard ruleset that apply to what the
platform publishes (identifiers, dates, percentages, codes); each finding names the activity and the
field, as a code with parameters, so the caller renders it in the reader's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# IATI identifiers must not contain white space or the characters / & | ? (Standard, "Identifiers").
ORG_ID_RE = re.compile(r"^[A-Z]{2}-[A-Za-z0-9]+-[^\s/&|?]+$")
ID_FORBIDDEN_RE = re.compile(r"[\s/&|?]")

# activity-date/@type
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"


@dataclass(frozen=True)
class Org:
    ref: str  # organisation identifier; "" when the organisation has none
    type: str  # OrganisationType code
    names: Mapping[str, str]  # language code (ISO 639-1) -> name


@dataclass(frozen=True)
class Participant:
    role: str  # OrganisationRole code: 1 funding, 2 accountable, 3 extending, 4 implementing
    org: Org


@dataclass(frozen=True)
class Budget:
    start: dt.date
    end: dt.date
    value: Decimal
    currency: str
    value_date: dt.date
    type: str = "1"  # original
    status: str = "2"  # committed


@dataclass(frozen=True)
class Txn:
    ref: str
    type: str  # TransactionType code
    date: dt.date
    value: Decimal
    currency: str
    description: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    measure: str  # IndicatorMeasure: 1 unit, 2 percentage
    title: Mapping[str, str]
    period_start: dt.date
    period_end: dt.date
    target: Decimal
    actual: Decimal | None  # None: not observed yet, or withheld (fewer than 5 people)
    baseline: Decimal | None = None
    baseline_date: dt.date | None = None
    actual_comment: Mapping[str, str] = field(default_factory=dict)
    ascending: bool = True


@dataclass(frozen=True)
class Result:
    type: str  # ResultType: 1 output, 2 outcome
    title: Mapping[str, str]
    indicators: Sequence[Indicator]


@dataclass(frozen=True)
class Activity:
    key: str  # the platform's handle (project id), for naming the activity in findings
    identifier: str
    reporting_org: Org
    titles: Mapping[str, str]
    descriptions: Mapping[str, str]
    status: str  # ActivityStatus code
    dates: Mapping[str, dt.date]  # ActivityDateType code -> date
    recipient_countries: Sequence[tuple[str, Decimal]]  # (ISO 3166-1 alpha-2, percentage)
    sectors: Sequence[tuple[str, str, Decimal]]  # (vocabulary, code, percentage)
    participants: Sequence[Participant] = ()
    budgets: Sequence[Budget] = ()
    transactions: Sequence[Txn] = ()
    results: Sequence[Result] = ()
    default_currency: str = "USD"
    last_updated: dt.datetime | None = None
    recipient_regions: Sequence[tuple[str, Decimal]] = ()  # (Region code, vocabulary 1 = OECD DAC)

    @property
    def start(self) -> dt.date | None:
        return self.dates.get(ACTUAL_START) or self.dates.get(PLANNED_START)

    @property
    def end(self) -> dt.date | None:
        return self.dates.get(ACTUAL_END) or self.dates.get(PLANNED_END)


@dataclass(frozen=True)
class OrganisationRecord:
    identifier: str
    org: Org
    reporting_org: Org
    total_budgets: Sequence[Budget] = ()
    total_expenditure: Sequence[Budget] = ()
    last_updated: dt.datetime | None = None


@dataclass(frozen=True)
class Finding:
    """One broken rule: ``key`` names the activity, ``field`` the place, ``code`` the rule."""

    key: str
    identifier: str
    field: str
    code: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)  # `field` above shadows it


@dataclass(frozen=True)
class Codelists:
    """The codes the checks need (sets of code strings)."""

    sector: frozenset[str]
    country: frozenset[str]
    currency: frozenset[str]
    organisation_type: frozenset[str]
    language: frozenset[str]
    # Every other shipped codelist by its IATI name (ActivityStatus, OrganisationRole, …); a list that is
    # absent or empty is not checked, as in the file check (``io.iati.code_errors``).
    by_name: Mapping[str, frozenset[str]] = field(default_factory=dict)


# The file's fixed codes: the writer always emits these (description/@type, recipient-region/@vocabulary).
DESCRIPTION_TYPE, REGION_VOCABULARY = "1", "1"


def coded_values(a: Activity) -> Iterable[tuple[str, str, str]]:
    """Every coded value the activity's XML carries beyond those ``check_activity`` names on its own,
    as (field, codelist, code): the same paths as the standard's ``mapping.xml`` maps for a file of
    these activities, so checking the data before writing equals walking the written tree."""
    yield "status", "ActivityStatus", a.status
    for kind in a.dates:
        yield "dates", "ActivityDateType", kind
    yield "title", "DescriptionType", DESCRIPTION_TYPE
    orgs = [("reporting_org", a.reporting_org)] + [("participants", p.org) for p in a.participants]
    for fld, org in orgs:
        if org.type:
            yield fld, "OrganisationType", org.type
        for lang in org.names:
            yield fld, "Language", lang
    for p in a.participants:
        yield "participants", "OrganisationRole", p.role
    for code, _pct in a.recipient_regions:
        yield "recipient_country", "Region", code
        yield "recipient_country", "RegionVocabulary", REGION_VOCABULARY
    for vocabulary, _code, _pct in a.sectors:
        yield "sector", "SectorVocabulary", vocabulary
    for b in a.budgets:
        yield "budget", "BudgetType", b.type
        yield "budget", "BudgetStatus", b.status
    for t in a.transactions:
        yield "transaction", "TransactionType", t.type
        for lang in t.description:
            yield "transaction", "Language", lang
    for r in a.results:
        yield "result", "ResultType", r.type
        for lang in r.title:
            yield "result", "Language", lang
        for ind in r.indicators:
            yield "result", "IndicatorMeasure", ind.measure
            for lang in (*ind.title, *ind.actual_comment):
                yield "result", "Language", lang


def parse_sectors(text: str) -> list[tuple[str, Decimal]]:
    """``"11330:70, 11130:30"`` -> [("11330", 70), ("11130", 30)]; one code alone is 100 percent.

    Raises ValueError naming the part that is not ``code`` or ``code:percentage``."""
    out: list[tuple[str, Decimal]] = []
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    for part in parts:
        code, _sep, pct = part.partition(":")
        code = code.strip()
        if not code.isdigit() or len(code) != 5:
            raise ValueError(part)
        try:
            value = Decimal(pct.strip()) if pct.strip() else (Decimal(100) if len(parts) == 1 else None)
        except ArithmeticError:
            raise ValueError(part) from None
        if value is None or not value.is_finite() or not 0 < value <= 100:
            raise ValueError(part)
        out.append((code, value))
    return out


def _percent_total(values: Iterable[Decimal]) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


def check_activity(a: Activity, today: dt.date, codes: Codelists | None = None) -> list[Finding]:
    """The ruleset for one activity (identifier uniqueness across a file is ``check_activities``)."""
    out: list[Finding] = []

    def add(fld: str, rule: str, **params: object) -> None:
        out.append(Finding(a.key, a.identifier, fld, rule, params))

    ref = a.reporting_org.ref
    if not ref or not ORG_ID_RE.match(ref):
        add("reporting_org", "org_identifier_invalid", ref=ref)
    if not a.identifier.startswith(f"{ref}-") or len(a.identifier) <= len(ref) + 1:
        add("identifier", "identifier_prefix", identifier=a.identifier, ref=ref)
    if ID_FORBIDDEN_RE.search(a.identifier):
        add("identifier", "identifier_characters", identifier=a.identifier)
    if not a.titles or not any(t.strip() for t in a.titles.values()):
        add("title", "title_missing")
    if a.start is None:
        add("start_date", "start_missing")
    for kind in (ACTUAL_START, ACTUAL_END):
        when = a.dates.get(kind)
        if when is not None and when > today:
            add("start_date" if kind == ACTUAL_START else "end_date", "actual_date_future", date=when.isoformat())
    if a.start is not None and a.end is not None and a.end < a.start:
        add("end_date", "end_before_start", start=a.start.isoformat(), end=a.end.isoformat())
    if not a.recipient_countries and not a.recipient_regions:
        add("recipient_country", "recipient_missing")
    geo = [p for _c, p in a.recipient_countries] + [p for _c, p in a.recipient_regions]
    if len(geo) > 1 and _percent_total(geo) != 100:
        add("recipient_country", "percentages_not_100", total=str(_percent_total(geo)))
    by_vocabulary: dict[str, list[Decimal]] = defaultdict(list)
    for vocabulary, code, pct in a.sectors:
        by_vocabulary[vocabulary].append(pct)
        if codes is not None and vocabulary == "1" and code not in codes.sector:
            add("sector", "sector_unknown", code=code)
    if not a.sectors:
        add("sector", "sector_missing")
    for vocabulary, pcts in by_vocabulary.items():
        if len(pcts) > 1 and _percent_total(pcts) != 100:
            add("sector", "percentages_not_100", total=str(_percent_total(pcts)), vocabulary=vocabulary)
    if codes is not None:
        for country, _pct in a.recipient_countries:
            if country not in codes.country:
                add("recipient_country", "country_unknown", code=country)
        for cur in {a.default_currency, *(b.currency for b in a.budgets), *(t.currency for t in a.transactions)}:
            if cur not in codes.currency:
                add("currency", "currency_unknown", code=cur)
        for lang in {*a.titles, *a.descriptions}:
            if lang not in codes.language:
                add("title", "language_unknown", code=lang)
        reported = set()
        for fld, name, code in coded_values(a):
            allowed = codes.by_name.get(name)
            if allowed and code not in allowed and (fld, name, code) not in reported:
                reported.add((fld, name, code))
                add(fld, "code_unknown", code=code, codelist=name)
    refs = Counter(t.ref for t in a.transactions if t.ref)
    for t in a.transactions:
        if t.date > today:
            add("transaction", "transaction_future", ref=t.ref, date=t.date.isoformat())
        if a.start is not None and t.date < a.start:
            add("transaction", "transaction_before_start", ref=t.ref, date=t.date.isoformat(),
                start=a.start.isoformat())
        actual_end = a.dates.get(ACTUAL_END)
        if actual_end is not None and t.date > actual_end:
            add("transaction", "transaction_after_end", ref=t.ref, date=t.date.isoformat(),
                end=actual_end.isoformat())
    for ref_, n in refs.items():
        if n > 1:
            add("transaction", "transaction_ref_duplicate", ref=ref_)
    for b in a.budgets:
        if b.end < b.start:
            add("budget", "budget_period_order", start=b.start.isoformat(), end=b.end.isoformat())
    for r in a.results:
        for ind in r.indicators:
            if ind.period_end < ind.period_start:
                add("result", "result_period_order", start=ind.period_start.isoformat(),
                    end=ind.period_end.isoformat())
    return out


def check_activities(activities: Sequence[Activity], today: dt.date,
                     codes: Codelists | None = None) -> list[Finding]:
    """Every rule over a whole file: each activity's own, and identifiers unique across the file."""
    out: list[Finding] = []
    seen = Counter(a.identifier for a in activities)
    for a in activities:
        out.extend(check_activity(a, today, codes))
        if seen[a.identifier] > 1:
            out.append(Finding(a.key, a.identifier, "identifier", "identifier_duplicate",
                               {"identifier": a.identifier}))
    return out


def organisation_coded_values(r: OrganisationRecord) -> Iterable[tuple[str, str, str]]:
    """Every coded value of an organisation's XML, as (field, codelist, code): what ``mapping.xml`` maps
    for the organisation file (the organisation's own type is ``check_organisations``' own rule)."""
    if r.reporting_org.type:
        yield "type", "OrganisationType", r.reporting_org.type
    for lang in (*r.org.names, *r.reporting_org.names):
        yield "title", "Language", lang
    for b in r.total_budgets:
        yield "budget", "BudgetStatus", b.status
    for b in (*r.total_budgets, *r.total_expenditure):
        yield "currency", "Currency", b.currency


def check_organisations(records: Sequence[OrganisationRecord], codes: Codelists | None = None) -> list[Finding]:
    out: list[Finding] = []
    seen = Counter(r.identifier for r in records)
    for r in records:
        if codes is not None:
            reported = set()
            for fld, name, code in organisation_coded_values(r):
                allowed = codes.by_name.get(name)
                if allowed and code not in allowed and (fld, name, code) not in reported:
                    reported.add((fld, name, code))
                    out.append(Finding(r.identifier, r.identifier, fld, "code_unknown",
                                       {"code": code, "codelist": name}))
        if not ORG_ID_RE.match(r.identifier):
            out.append(Finding(r.identifier, r.identifier, "identifier", "org_identifier_invalid",
                               {"ref": r.identifier}))
        if seen[r.identifier] > 1:
            out.append(Finding(r.identifier, r.identifier, "identifier", "identifier_duplicate",
                               {"identifier": r.identifier}))
        if codes is not None and r.org.type not in codes.organisation_type:
            out.append(Finding(r.identifier, r.identifier, "type", "org_type_unknown", {"code": r.org.type}))
    return out


def split_valid(activities: Sequence[Activity], findings: Iterable[Finding]) -> tuple[list[Activity], set[str]]:
    """The activities with no finding, and the keys of those left out."""
    bad = {f.key for f in findings}
    return [a for a in activities if a.key not in bad], bad
