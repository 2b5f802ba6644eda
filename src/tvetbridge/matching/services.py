"""Reverse project initiation (proposals for a gap, accepting one) and capacity allocation.

Assumptions used when the platform has no better figure, stated on the pages too:

* the wage: the orders' offered wage, else graduates' recorded incomes in the gap's region, else in
  its country (``queries.wage_basis``, which names its source on the page); with none, cost and
  gain are not estimated and the proposals are ranked on the other components;
* cost per trainee = ``COST_MONTHS_OF_WAGE`` months of that wage (a short vocational course
  costs roughly a quarter's wage in the region); in the wage's currency;
* income gain per trainee = ``INCOME_GAIN_SHARE`` of that monthly wage (the trained hire's
  wage over a local untrained baseline), counted over 12 months against the cost. The outcomes app
  exposes no per-occupation uplift yet; when it does, it replaces this default;
* country risk = the risk app's cooperation-risk score (0–10) / 10, or ``DEFAULT_RISK`` when none is
  computed;
* target employment rate of the draft project = ``TARGET_EMPLOYMENT_RATE`` %.

Equal scores are broken by ``TIE_RULE`` (stated on the proposals page): the host institution, then
the Chinese partner, registered first on the platform (lower registry number) comes first, so the
order never depends on the reader's language or the database's row order.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modeltranslation.utils import build_localized_fieldname

from tvetbridge.core.jobs import enqueue
from tvetbridge.core.models import FieldOfStudy, Job
from tvetbridge.core.roles import Role, role_of
from tvetbridge.registry import services as registry
from tvetbridge.registry.models import (
    CooperationProject,
    Enterprise,
    Facility,
    Institution,
    Programme,
)
from tvetbridge.risk.queries import country_risk_summary
from tvetbridge.taxonomy.models import Occupation, Skill
from tvetbridge.teachers import queries as teachers

from . import explain, queries
from .engine import CostWeights, ScoreComponent, allocate, allocation_cost, haversine_km, score_proposals
from .engine.candidates import LANGUAGE_WEIGHT, REGION_WEIGHT, K, compute_keys, with_own_bias
from .engine.incremental import Changed, apply_change
from .io import arrays, snapshot
from .io import candidates as candidate_io
from .models import AllocationRun, CandidateState, Proposal

CHINA = "CN"
HOST_LANGUAGES = ("ru", "kk", "uz", "tg", "ky", "tk")
COST_MONTHS_OF_WAGE = 3.0
INCOME_GAIN_SHARE = 0.30
DEFAULT_RISK = 0.5
TARGET_EMPLOYMENT_RATE = 80
TOP_PROPOSALS = 5
TIE_RULE = gettext_lazy("Equal scores are ordered by the host institution, then the Chinese partner, registered "
                        "first on the platform.")


@dataclass
class RankedProposal:
    rank: int
    host: Institution
    partner: Institution
    expected_trainees: int
    cost: float
    income_gain: float  # per year, all trainees
    currency: str
    score: float
    components: tuple[ScoreComponent, ...]

    def explained(self) -> list[dict]:
        """The components in the active language (labels, sentences, numbers)."""
        return explain.explained(self.components, self.currency)


@dataclass
class ProposalSet:
    gap: queries.GapRow
    proposals: list[RankedProposal]
    risk: float
    risk_known: bool
    wage: float | None
    currency: str
    cost_per_trainee: float
    gain_per_trainee: float
    wage_basis: queries.WageBasis


def _country_risk(code: str) -> tuple[float, bool]:
    summary = country_risk_summary(code)
    score = getattr(summary and summary["score"], "score", None) if summary else None
    if score is None:
        return DEFAULT_RISK, False
    return float(np.clip(score / 10.0, 0, 1)), True


def teacher_levels(demand_ids) -> dict:
    """The language levels a bilingual teacher of a partner needs for the gap's demand: Chinese and
    the host languages the orders name (any host language when they name none), each at least at
    the teaching floor (``teachers.queries.teaching_level``) — an A2 speaker is no teacher for a B2
    requirement."""
    wanted = teachers.demand_requirements(demand_ids)
    hosts = {lang: teachers.teaching_level(level) for lang, level in wanted.items() if lang in HOST_LANGUAGES}
    return {"required": {"zh": teachers.teaching_level(wanted.get("zh"))},
            "any_of": hosts or {lang: teachers.TEACHING_FLOOR for lang in HOST_LANGUAGES}}


def proposals_for(gap: queries.GapRow, *, top: int = TOP_PROPOSALS) -> ProposalSet:
    occupation = Occupation.objects.get(pk=int(gap.key.rsplit("~O", 1)[1]))
    broad = arrays.broad_fields(occupation.isco_group_id)
    in_field = Q()
    for b in broad:
        in_field |= Q(field__code__startswith=b)
    # Hosts: institutions of the demand's country with training seats (programme intake or facilities).
    hosts = list(Institution.objects.filter(country_id=gap.country).exclude(country_id=CHINA).order_by("pk")
                 .annotate(seats=Sum("programme__intake_capacity"))
                 .values_list("pk", "region__latitude", "region__longitude", "seats"))
    host_fac = dict(Facility.objects.filter(institution__country_id=gap.country).values("institution_id")
                    .annotate(n=Sum("capacity")).values_list("institution_id", "n"))
    host_match_ids = set(Programme.objects.filter(in_field, institution__country_id=gap.country)
                         .values_list("institution_id", flat=True)) if broad else set()
    field_q = Q()
    for b in broad:
        field_q |= Q(fields__code__startswith=b)
    if broad:
        host_match_ids |= set(Institution.objects.filter(field_q, country_id=gap.country).values_list("pk", flat=True))
    # Partners: Chinese institutions; strength 1 with the field among their fields of strength,
    # 0.5 when they only run a programme in it.
    partners = list(Institution.objects.filter(country_id=CHINA).order_by("pk").values_list("pk", flat=True))
    strong = set(Institution.objects.filter(field_q, country_id=CHINA).values_list("pk", flat=True)) if broad else set()
    runs = set(Programme.objects.filter(in_field, institution__country_id=CHINA)
               .values_list("institution_id", flat=True)) if broad else set()
    bilingual = dict(teachers.bilingual_counts(partners, **teacher_levels(gap.demand_ids)))
    fac_in = dict(Facility.objects.filter(field_q if broad else Q(pk__in=[]), institution_id__in=partners)
                  .values("institution_id").annotate(n=Count("pk", distinct=True)).values_list("institution_id", "n"))
    fac_all = dict(Facility.objects.filter(institution_id__in=partners).values("institution_id")
                   .annotate(n=Count("pk")).values_list("institution_id", "n"))
    basis = queries.wage_basis(gap)
    wage, currency = basis.amount, basis.currency
    cost = COST_MONTHS_OF_WAGE * wage if wage else 0.0
    gain = 12 * INCOME_GAIN_SHARE * wage if wage else 0.0
    risk, known = _country_risk(gap.country)
    empty = ProposalSet(gap, [], risk, known, wage, currency, cost, gain, basis)
    if not hosts or not partners or gap.gap <= 0 or gap.lat is None:
        return empty
    h_lat = np.array([h[1] if h[1] is not None else gap.lat for h in hosts], float)
    h_lon = np.array([h[2] if h[2] is not None else gap.lon for h in hosts], float)
    h_cap = np.array([max(h[3] or 0, host_fac.get(h[0]) or 0) for h in hosts], float)
    h_match = np.array([1.0 if h[0] in host_match_ids else 0.5 for h in hosts])
    p_strength = np.array([1.0 if p in strong else 0.5 if p in runs else 0.0 for p in partners])
    if p_strength.any():
        # A partner without strength in the field is no answer to this gap; keep them only when no one has it.
        partners = [p for p, s in zip(partners, p_strength, strict=True) if s > 0]
        p_strength = p_strength[p_strength > 0]
    # Facilities: one in the field counts 1, any other 0.5; three points make a full score.
    p_fac = np.array([min(1.0, (fac_in.get(p, 0) + 0.5 * (fac_all.get(p, 0) - fac_in.get(p, 0))) / 3) for p in partners])
    p_bil = np.array([bilingual.get(p, 0) for p in partners], float)
    ranked = score_proposals(
        gap=gap.gap, demand_lat=gap.lat, demand_lon=gap.lon, host_lat=h_lat, host_lon=h_lon, host_capacity=h_cap,
        host_field_match=h_match, partner_field_strength=p_strength, partner_bilingual_faculty=p_bil,
        partner_facilities=p_fac, cost_per_trainee=cost, income_gain_per_trainee=gain, country_risk=risk, top=top)
    inst = Institution.objects.in_bulk([hosts[p.host][0] for p in ranked] + [partners[p.partner] for p in ranked])
    out = [RankedProposal(i + 1, inst[hosts[p.host][0]], inst[partners[p.partner]], p.expected_trainees, p.cost,
                          p.income_gain, currency, p.score, p.components) for i, p in enumerate(ranked)]
    return ProposalSet(gap, out, risk, known, wage, currency, cost, gain, basis)


def may_accept(user, proposal: RankedProposal) -> bool:
    role = role_of(user)
    if role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return role == Role.INSTITUTION_STAFF and user.profile.institution_id in (proposal.host.pk, proposal.partner.pk)


@transaction.atomic
def accept_proposal(user, gap_key: str, host_id: int, partner_id: int, *,
                    params: queries.GapParams | None = None) -> Proposal:
    """Turn one ranked proposal into a draft CooperationProject citing the gap. The proposal is
    recomputed here, so the figures stored are the platform's, not whatever a form posted."""
    params = params or queries.GapParams()
    gap = queries.find_gap(gap_key, params)
    if gap is None or not gap.is_occupation:
        raise ValidationError(_("This gap no longer exists."))
    ps = proposals_for(gap)
    chosen = next((p for p in ps.proposals if p.host.pk == host_id and p.partner.pk == partner_id), None)
    if chosen is None:
        raise ValidationError(_("This proposal is no longer among the ranked proposals."))
    if not may_accept(user, chosen):
        raise PermissionDenied(_("Only coordinators or staff of a proposed institution may accept a proposal."))
    occupation = Occupation.objects.get(pk=int(gap_key.rsplit("~O", 1)[1]))
    where = gap.region or gap.country_name
    def describe() -> str:
        return _(
            "Proposed from the skill gap for %(occupation)s (ESCO %(code)s) in %(where)s: %(demand)s people "
            "demanded in open orders, %(supply)s expected graduates within %(radius)s km and %(days)s days, gap "
            "%(gap)s. Score %(score)s: %(explain)s.") % {
            "occupation": occupation.label, "code": occupation.code, "where": where,
            "demand": number_format(gap.demand, 0, force_grouping=True),
            "supply": number_format(gap.supply, 0, force_grouping=True),
            "radius": number_format(params.radius_km, 0, force_grouping=True), "days": params.horizon,
            "gap": number_format(gap.gap, 0, force_grouping=True), "score": number_format(chosen.score, 2),
            "explain": explain.summary(chosen.components, chosen.currency)}

    # The description is a content field in every language: written once per language from the facts.
    descriptions = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            descriptions[build_localized_fieldname("description", code)] = describe()
    fields = list(FieldOfStudy.objects.filter(code__in=arrays.broad_fields(occupation.isco_group_id)))
    data = {
        "external_key": f"gap-{gap_key}-{chosen.host.pk}-{chosen.partner.pk}-{dt.datetime.now():%Y%m%d%H%M%S%f}"[:100],
        "name": _("%(occupation)s training, %(host)s with %(partner)s") % {
            "occupation": occupation.label, "host": chosen.host.name, "partner": chosen.partner.name},
        "kind": CooperationProject.Kind.ORDER_CLASS,
        "status": CooperationProject.Status.DRAFT,
        "host_country_id": gap.country,
        "host_region_id": int(gap.place[1:]) if gap.place[0] == "R" else None,
        **descriptions,
        "target_trainees": chosen.expected_trainees,
        "target_employment_rate": TARGET_EMPLOYMENT_RATE,
        "target_income_gain": round(INCOME_GAIN_SHARE * ps.wage, 2) if ps.wage else None,
        "target_currency": ps.currency,
        "chinese_institutions": [chosen.partner],
        "partner_institutions": [chosen.host],
        "fields": fields,
        # the enterprises whose orders make the gap co-own the project from its first draft
        "enterprises": list(Enterprise.objects.filter(demands__pk__in=gap.demand_ids).distinct().order_by("pk")),
    }
    project = registry.create_record(user, CooperationProject, data, reason=f"proposal for gap {gap_key}")
    # The skills the orders ask for, as ESCO codes: what the project's curriculum has to cover.
    skills = sorted(set(Skill.objects.filter(demands__pk__in=gap.demand_ids).values_list("esco_id", flat=True)))
    snapshot = {
        "gap_key": gap_key, "occupation": occupation.code, "skills": skills, "country": gap.country, "region": gap.region,
        "demand": gap.demand, "supply": gap.supply, "gap": gap.gap, "horizon_days": params.horizon,
        "radius_km": params.radius_km, "score": chosen.score, "rank": chosen.rank,
        "expected_trainees": chosen.expected_trainees, "cost": chosen.cost, "income_gain": chosen.income_gain,
        "currency": chosen.currency, "country_risk": ps.risk, "country_risk_known": ps.risk_known,
        "wage": {"kind": ps.wage_basis.kind, "amount": ps.wage_basis.amount, "n": ps.wage_basis.n,
                 "first_year": ps.wage_basis.first_year, "last_year": ps.wage_basis.last_year},
        "components": [{"name": c.name, "value": c.value, "weight": c.weight, "contribution": c.contribution,
                        "facts": dict(c.facts)} for c in chosen.components],
    }
    proposal = Proposal.objects.create(
        gap_key=gap_key, country_id=gap.country, region_id=data["host_region_id"], occupation=occupation,
        host=chosen.host, partner=chosen.partner, project=project, snapshot=snapshot, created_by=user)
    proposal.demands.set(gap.demand_ids)
    return proposal


# ------------------------------------------------------------------------------------------ allocation
@dataclass
class AllocationParams:
    country: str = ""
    max_km: float = 1500.0
    min_coverage: float = 0.5


@transaction.atomic
def run_allocation(user, params: AllocationParams | None = None, *, today: dt.date | None = None) -> AllocationRun:
    """Open demand cells (place × occupation, deadline not passed) → programmes' yearly intake, by the
    engine's min-cost flow. Skill coverage = 1 when the programme's field trains for the occupation
    (``arrays.ISCO_TO_ISCED_BROAD``), else 0; language fit = share of the cell's required languages
    the programme teaches in (1 when none is required)."""
    if user is not None and not user.has_perm("matching.run_allocation"):
        raise PermissionDenied(_("Only coordinators and admins may run the allocation."))
    params = params or AllocationParams()
    pl = arrays.places()
    d = arrays.open_demand(pl, country=params.country, today=today)
    keep = d.days_left >= 0
    pr = arrays.programmes(pl)
    # demand cells
    cell_of = {}
    cell_place, cell_occ, cell_count, cell_langs = [], [], [], []
    for i in np.flatnonzero(keep):
        k = (int(d.place[i]), int(d.occupation[i]))
        if k not in cell_of:
            cell_of[k] = len(cell_place)
            cell_place.append(k[0]), cell_occ.append(k[1]), cell_count.append(0), cell_langs.append(set())
        c = cell_of[k]
        cell_count[c] += int(d.count[i])
        cell_langs[c] |= d.languages[i]
    cp, co = np.array(cell_place, dtype=np.int64), np.array(cell_occ, dtype=np.int64)
    demand = np.array(cell_count, dtype=np.int64)
    occ_ids = np.unique(co)
    isco = dict(Occupation.objects.filter(pk__in=occ_ids.tolist()).values_list("pk", "isco_group_id"))
    fields = np.unique(pr.field) if len(pr.pk) else np.array([], dtype=object)
    match = arrays.field_match([isco[int(o)] for o in occ_ids], fields)
    coverage = match[np.searchsorted(occ_ids, co)][:, np.searchsorted(fields, pr.field)] if len(pr.pk) and len(co) \
        else np.zeros((len(co), len(pr.pk)))
    langs = sorted(set().union(*cell_langs, *pr.languages)) if (cell_langs or pr.languages) else []
    li = {code: j for j, code in enumerate(langs)}
    D = np.zeros((len(co), len(langs)))
    P = np.zeros((len(pr.pk), len(langs)))
    for c, s in enumerate(cell_langs):
        D[c, [li[x] for x in s]] = 1
    for p, s in enumerate(pr.languages):
        P[p, [li[x] for x in s]] = 1
    need = D.sum(1, keepdims=True)
    fit = np.where(need > 0, (D @ P.T) / np.maximum(need, 1), 1.0)
    dist = haversine_km(pl.lat[cp][:, None], pl.lon[cp][:, None], pl.lat[pr.place][None, :], pl.lon[pr.place][None, :])
    dist = np.nan_to_num(dist, nan=np.inf)
    ad, ap, ac = allocation_cost(np.where(np.isinf(dist), 0, dist), fit, coverage, weights=CostWeights(),
                                 max_km=np.inf, min_coverage=params.min_coverage)
    ok = dist[ad, ap] <= params.max_km
    ad, ap, ac = ad[ok], ap[ok], ac[ok]
    res = allocate(demand, pr.capacity, ad, ap, ac)
    # summary, by country and occupation
    occ_label = dict(Occupation.objects.filter(pk__in=occ_ids.tolist()).values_list("pk", "label"))
    occ_code = dict(Occupation.objects.filter(pk__in=occ_ids.tolist()).values_list("pk", "code"))
    prog_name = dict(Programme.objects.filter(pk__in=pr.pk.tolist()).values_list("pk", "name"))
    inst_name = dict(Institution.objects.filter(pk__in=np.unique(pr.institution).tolist()).values_list("pk", "name"))
    place_name = _place_names(pl)
    cells = [{"place": pl.keys[cp[c]], "where": place_name[cp[c]], "country": pl.country[cp[c]],
              "occupation": occ_code[int(co[c])], "occupation_label": occ_label[int(co[c])],
              "demand": int(demand[c]), "served": int(res.served[c]), "unmet": int(res.unmet[c])}
             for c in range(len(co))]
    flows = [{"cell": int(a), "where": place_name[cp[a]], "occupation": occ_code[int(co[a])],
              "occupation_label": occ_label[int(co[a])], "programme": int(pr.pk[p]),
              "programme_name": prog_name[int(pr.pk[p])], "institution": inst_name[int(pr.institution[p])],
              "people": int(f), "km": round(float(dist[a, p])), "language_fit": round(float(fit[a, p]), 2)}
             for a, p, f in zip(res.arc_demand, res.arc_programme, res.flow, strict=True)]
    flows.sort(key=lambda r: -r["people"])

    def group(key):
        out: dict[str, dict] = {}
        for c in cells:
            g = out.setdefault(c[key], {"key": c[key], "label": c.get(key + "_label", c[key]),
                                        "demand": 0, "served": 0, "unmet": 0})
            for f in ("demand", "served", "unmet"):
                g[f] += c[f]
        return sorted(out.values(), key=lambda g: (-g["unmet"], g["key"]))

    summary = {"cells": cells, "flows": flows[:500], "n_flows": len(flows), "by_country": group("country"),
               "by_occupation": group("occupation"), "n_programmes": int(len(pr.pk)),
               "assignment_cost": res.assignment_cost}
    return AllocationRun.objects.create(
        created_by=user if getattr(user, "is_authenticated", False) else None,
        parameters={"country": params.country, "max_km": params.max_km, "min_coverage": params.min_coverage,
                    "weights": vars(CostWeights())},
        total_demand=int(demand.sum()), served=int(res.served.sum()), unmet=int(res.unmet.sum()),
        total_cost=res.total_cost, summary=summary)


def _place_names(pl: arrays.Places) -> list[str]:
    from tvetbridge.core.models import Country, Region

    regions = dict(Region.objects.values_list("pk", "name"))
    countries = dict(Country.objects.values_list("code", "name"))
    return [f"{regions.get(int(k[1:]), k)}, {countries.get(c, c)}" if k[0] == "R" else countries.get(c, c)
            for k, c in zip(pl.keys, pl.country, strict=True)]


# --- candidate lists -------------------------------------------------------------------------------

@dataclass
class RebuildReport:
    trainees: int = 0
    vacancies: int = 0
    lists: int = 0
    tie_fallback_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def lines(self) -> list[str]:
        parts = ", ".join(f"{name} {s:.2f} s" for name, s in self.seconds.items())
        return [f"trainees (consenting): {self.trainees}", f"open vacancies: {self.vacancies}",
                f"lists stored: {self.lists}", f"time: {self.total:.2f} s ({parts})"]



def rebuild_candidates(k: int = K) -> RebuildReport:
    """Recompute every trainee's and every vacancy's candidate list and replace the stored ones at once,
    with the exact state incremental updates start from (``io.snapshot``)."""
    report = RebuildReport()
    t0 = time.perf_counter()
    stamp = snapshot.reference_stamp()
    inputs = candidate_io.load_inputs()
    report.seconds["read"] = time.perf_counter() - t0
    report.trainees, report.vacancies = len(inputs.trainee_pk), len(inputs.vacancy_pk)
    t0 = time.perf_counter()
    key_t, key_v, a_bias, b_bias = compute_keys(inputs, k)
    by_trainee = with_own_bias(key_t, inputs.t_anywhere, REGION_WEIGHT)
    by_vacancy = with_own_bias(key_v, inputs.v_no_language, LANGUAGE_WEIGHT)
    report.tie_fallback_rows = by_trainee.exact_fallback_rows + by_vacancy.exact_fallback_rows
    report.seconds["top-k"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    name = snapshot.save(snapshot.from_rebuild(inputs, key_t, key_v, a_bias, b_bias, stamp))
    report.seconds["state"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction.atomic():
        report.lists = candidate_io.store(inputs, by_trainee, by_vacancy)
        _record_state(name, stamp)
    report.seconds["write"] = time.perf_counter() - t0
    return report


def _record_state(name: str, stamp: str) -> None:
    """Name the state file the stored lists now come from (in the lists' transaction); the file it
    replaces goes once that commits."""
    state = CandidateState.objects.select_for_update().filter(pk=1).first()
    old = state.name if state is not None else None
    CandidateState.objects.update_or_create(pk=1, defaults={"name": name, "stamp": stamp})
    if old and old != name:
        transaction.on_commit(lambda: snapshot.remove(old))


@dataclass
class UpdateReport:
    vacancies: int = 0  # changed subjects taken
    trainees: int = 0
    lists: int = 0  # stored lists rewritten
    removed: int = 0  # stored lists deleted
    recomputed_rows: int = 0  # lists refilled by a full recomputation of that one subject
    full_rebuild: bool = False  # no usable state: a full rebuild was run instead
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def update_candidates(*, vacancy_ids=(), trainee_ids=()) -> UpdateReport:
    """Bring the lists touched by these vacancies and trainees up to date, exactly as a full rebuild
    would leave them (``engine.incremental``), from the state the last rebuild or update left. With no
    usable state (none yet, a file lost, the taxonomy or regions changed) it runs the full rebuild.
    Updates run one at a time: each holds the state's row lock until its lists are written."""
    report = UpdateReport()
    vacancy_ids, trainee_ids = sorted({int(v) for v in vacancy_ids}), sorted({int(t) for t in trainee_ids})
    t0 = time.perf_counter()
    with transaction.atomic():
        state = CandidateState.objects.select_for_update().filter(pk=1).first()
        snap = snapshot.load(state.name) if state is not None else None
        if snap is None or snap.stamp != snapshot.reference_stamp():
            snap = None
        else:
            report.seconds["read state"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            changes = snapshot.subjects(snap, trainee_ids, vacancy_ids)
            report.seconds["read changes"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            changed = Changed()
            for which, pk, x, bias in changes:
                apply_change(snap.trainees, snap.vacancies, which, pk, x, bias, changed)
            report.vacancies, report.trainees = len(vacancy_ids), len(trainee_ids)
            report.recomputed_rows = changed.recomputed_rows
            report.seconds["update"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            name = snapshot.save(snap)
            report.seconds["write state"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            report.lists = snapshot.write_lists(snap, changed)
            report.removed = len(changed.removed_trainees) + len(changed.removed_vacancies)
            _record_state(name, snap.stamp)
            report.seconds["write lists"] = time.perf_counter() - t0
    if snap is None:
        rebuilt = rebuild_candidates()
        report.full_rebuild, report.lists, report.seconds = True, rebuilt.lists, rebuilt.seconds
    return report


def schedule_candidate_update(*, user=None, vacancy_ids=(), trainee_ids=()):
    """Bring the candidate lists a change touches up to date in the background, soon after the
    current transaction commits. Requests made while one is still waiting share it."""
    from .tasks import update_candidates  # tasks import this module

    vacancy_ids, trainee_ids = {int(v) for v in vacancy_ids}, {int(t) for t in trainee_ids}
    with transaction.atomic():
        job = enqueue(update_candidates, user=user, dedupe_key="candidates",
                      vacancy_ids=sorted(vacancy_ids), trainee_ids=sorted(trainee_ids))
        # A waiting update is shared, and it updates only the subjects it names: add ours to it while
        # it has not started (the row lock keeps a worker from starting it meanwhile), else queue ours.
        params = job.params or {}
        if vacancy_ids <= set(params.get("vacancy_ids", ())) and trainee_ids <= set(params.get("trainee_ids", ())):
            return job
        waiting = Job.objects.select_for_update().filter(pk=job.pk, status=Job.Status.QUEUED,
                                                         started__isnull=True).first()
        if waiting is None:
            return enqueue(update_candidates, user=user, vacancy_ids=sorted(vacancy_ids),
                           trainee_ids=sorted(trainee_ids))
        waiting.params = {**waiting.params,
                          "vacancy_ids": sorted(vacancy_ids | set(waiting.params.get("vacancy_ids", ()))),
                          "trainee_ids": sorted(trainee_ids | set(waiting.params.get("trainee_ids", ())))}
        waiting.save(update_fields=["params"])
        return waiting


def candidates_updating() -> bool:
    """Whether candidate lists are being brought up to date right now (pages say "updating")."""
    return Job.objects.filter(kind__in=("matching.update_candidates", "matching.rebuild_candidates"),
                              status__in=Job.ACTIVE).exists()


# --- a trainee's own consent and interest in vacancies ---------------------------------------------

def set_consent(user, trainee, *, matching: bool, follow_up: bool, expected_version: int | None = None):
    """Give or withdraw consent to job matching and to follow-up. Recorded with today's date and
    audited; a change to matching consent brings the candidate lists up to date in the background
    (a withdrawn trainee also drops out of lists at once, since pages show consenting people only)."""
    from tvetbridge.core import services as core
    from tvetbridge.outcomes.models import Trainee

    if not user.has_perm("matching.change_own_consent", trainee):
        raise PermissionDenied(_("You may only change your own consent."))
    with transaction.atomic():
        trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
        matching_changed = trainee.consent_matching != matching
        if not matching_changed and trainee.consent_follow_up == follow_up:
            return trainee
        trainee.consent_matching, trainee.consent_follow_up = matching, follow_up
        # The date of the latest decision, also when consent is withdrawn: the record says when.
        trainee.consent_date = dt.date.today()
        core.save(user, trainee, reason="consent changed", expected_version=expected_version)
        if not matching:
            from .models import VacancyInterest

            for interest in VacancyInterest.objects.filter(trainee=trainee):
                interest._history_user = core.audit_user(user)
                interest.delete()
        if matching_changed:
            schedule_candidate_update(user=user, trainee_ids=[trainee.pk])
    return trainee


def express_interest(user, trainee, vacancy):
    """The trainee tells the enterprise they are interested in an open vacancy (idempotent)."""
    from tvetbridge.core import services as core
    from tvetbridge.demand.models import SkillDemand

    from .models import VacancyInterest

    if not user.has_perm("matching.express_interest", trainee):
        raise PermissionDenied(_("You may only express interest for yourself."))
    if not trainee.consent_matching:
        raise ValidationError(_("Give consent to job matching first: the enterprise would see your profile."))
    if vacancy.kind != SkillDemand.Kind.VACANCY or vacancy.status != SkillDemand.Status.OPEN:
        raise ValidationError(_("This vacancy is no longer open."))
    with transaction.atomic():
        interest = VacancyInterest.objects.filter(trainee=trainee, vacancy=vacancy).first()
        if interest is None:
            interest = VacancyInterest(trainee=trainee, vacancy=vacancy)
            core.save(user, interest, reason="interest expressed")
            _announce_interest(vacancy)
    return interest


def _announce_interest(vacancy) -> None:
    """The vacancy's enterprise is told; the trainee is not named (the candidates page shows who, to
    those allowed to see)."""
    from tvetbridge.notifications import facts
    from tvetbridge.notifications.queries import enterprise_staff_ids
    from tvetbridge.notifications.services import announce

    if vacancy.enterprise_id:
        announce("matching.interest", enterprise_staff_ids([vacancy.enterprise_id]), {"vacancy": facts.ref(vacancy)},
                 link="matching_vacancy_candidates", link_args=[vacancy.pk])


def withdraw_interest(user, trainee, vacancy) -> None:
    from tvetbridge.core import services as core

    from .models import VacancyInterest

    if not user.has_perm("matching.express_interest", trainee):
        raise PermissionDenied(_("You may only withdraw your own interest."))
    with transaction.atomic():
        for interest in VacancyInterest.objects.filter(trainee=trainee, vacancy=vacancy):
            interest._history_user = core.audit_user(user)
            interest._change_reason = "interest withdrawn"
            interest.delete()
