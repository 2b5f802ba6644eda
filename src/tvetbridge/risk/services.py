# Over 500 lines: every risk state change, one short atomic function each, by the rule that writes live in services.
"""Every state change of the risk app: reference data, user indicators, observations and events,
score recomputation, alerts and their handling.

Each function is atomic and checks the actor with the same rules as pages and API. Bad input raises
``ValidationError`` whose messages name the row and the field; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tvetbridge.core.models import Country, Source
from tvetbridge.core.services import require
from tvetbridge.registry.models import CooperationProject

from .engine import alerts as rules_engine
from .engine.cooperation import DIMENSIONS, cooperation_risk, drivers, event_uplift
from .engine.inform import INFORM_2021, compute_inform, load_inform_2021
from .engine.periods import Period
from .labels import INFORM_LABELS, class_label, inform_label, level_text
from .models import Alert, CountryRiskScore, Indicator, Observation, RiskEvent
from .queries import CLOSED_PROJECT_STATUSES, current_period, exposed_projects, today

log = logging.getLogger(__name__)

INFORM_PERIOD = "2021"
INFORM_SOURCE_KEY = "inform-2021"


def inform_code(name: str) -> str:
    return "inform-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-").replace("--", "-")


# ---------------------------------------------------------------------------------------------------
# Reference data


@dataclass
class LoadResult:
    indicators: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    countries: int = 0

    def __str__(self) -> str:
        return (f"{self.indicators} indicators; observations for {self.countries} countries: {self.created} created, "
                f"{self.updated} updated, {self.unchanged} unchanged")


def _inform_source() -> Source:
    source, _created = Source.objects.update_or_create(key=INFORM_SOURCE_KEY, defaults={
        "title": "INFORM Risk Index 2021",
        "publisher": "European Commission, Joint Research Centre (JRC)",
        "document": "INFORM_2021.csv",
        "locator": "all countries, every level of the index",
        "url": "https://drmkc.jrc.ec.europa.eu/inform-index",
        "is_synthetic": False,
    })
    return source


@transaction.atomic
def load_inform() -> LoadResult:
    """Load the shipped INFORM 2021 file as reference indicators and observations (idempotent, bulk).

    Countries are matched by ISO alpha-3; the reference countries must be loaded first
    (``core.reference.load_reference``)."""
    table = load_inform_2021()
    source = _inform_source()
    result = LoadResult()
    iso3 = dict(Country.objects.values_list("iso3", "code"))
    missing = [c for c in table.countries if c not in iso3]
    if missing:
        raise ValueError(f"INFORM countries not in the country table (load reference data first): {missing[:10]}")

    indicators: dict[str, Indicator] = {ind.inform_name: ind for ind in Indicator.objects.filter(is_reference=True)}
    new = []
    for name in table.columns:
        if name in indicators:
            continue
        # The unit is stored as its message id and translated where it is shown.
        ind = Indicator(code=inform_code(name), inform_name=name, unit=gettext_noop("index 0–10"), min_value=0.0,
                        max_value=10.0, direction=Indicator.Direction.RISK_UP, source=source, is_reference=True)
        for code, _label in settings.LANGUAGES:
            with translation.override(code):
                setattr(ind, f"name_{code.replace('-', '_')}", str(INFORM_LABELS.get(name, name)))
        ind.name = ind.name_en
        new.append(ind)
    if new:
        Indicator.objects.bulk_create(new)
        indicators = {ind.inform_name: ind for ind in Indicator.objects.filter(is_reference=True)}
    result.indicators = len(indicators)

    start = Period.parse(INFORM_PERIOD).start
    existing = {(o.country_id, o.indicator_id): o for o in
                Observation.objects.filter(period=INFORM_PERIOD, indicator__is_reference=True)}
    to_create, to_update = [], []
    countries = set()
    for i, country in enumerate(table.countries):
        code = iso3[country]
        for j, name in enumerate(table.columns):
            value = table.values[i, j]
            if np.isnan(value):
                continue
            countries.add(code)
            ind = indicators[name]
            obs = existing.get((code, ind.pk))
            if obs is None:
                to_create.append(Observation(country_id=code, indicator=ind, period=INFORM_PERIOD, period_start=start,
                                             value=float(value), source=source))
            elif obs.value != float(value) or obs.source_id != source.pk:
                obs.value, obs.source = float(value), source
                to_update.append(obs)
            else:
                result.unchanged += 1
    Observation.objects.bulk_create(to_create, batch_size=1000)
    Observation.objects.bulk_update(to_update, ["value", "source"], batch_size=1000)
    result.created, result.updated, result.countries = len(to_create), len(to_update), len(countries)
    return result


def load_reference_risk(*, quarters: int = 4) -> dict[str, Any]:
    """INFORM reference data plus scores for the last ``quarters`` quarters (for the trend). For the demo.

    Idempotent: a second run changes nothing and raises no new alert."""
    out: dict[str, Any] = {"inform": load_inform()}
    period = current_period()
    periods = [period]
    for _i in range(quarters - 1):
        periods.insert(0, periods[0].previous())
    out["periods"] = [str(p) for p in periods]
    alerts = 0
    for p in periods:
        alerts += len(recompute_risk(p))
    out["alerts"] = alerts
    return out


# ---------------------------------------------------------------------------------------------------
# Indicators and observations


INDICATOR_FIELDS = ("code", "name", "unit", "min_value", "max_value", "direction", "source", "description")


@transaction.atomic
def create_indicator(user, data: Mapping[str, Any]) -> Indicator:
    require(user, "add", Indicator)
    unknown = set(data) - set(INDICATOR_FIELDS) - {f"{f}_{c.replace('-', '_')}" for f in ("name", "description")
                                                     for c, _l in settings.LANGUAGES}
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    indicator = Indicator(created_by=user if user.is_authenticated else None)
    for name, value in data.items():
        setattr(indicator, name, value)
    if not indicator.name and getattr(indicator, "name_en", ""):
        indicator.name = indicator.name_en
    indicator._history_user = user
    indicator.full_clean()
    indicator.save()
    return indicator


def _row_error(errors: dict, row: int, field: str, message: str) -> None:
    errors.setdefault(f"row {row}: {field}", []).append(
        _("Row %(row)s, %(field)s: %(message)s") % {"row": row, "field": field, "message": message})


def validate_observation_rows(rows: Sequence[Mapping[str, Any]], *, first_row: int = 1) -> list[Observation]:
    """Check every row and return unsaved observations, or raise one ValidationError naming each bad
    row and field. Rows: ``country`` (ISO alpha-2 or alpha-3), ``indicator`` (code), ``period``,
    ``value``, optional ``source`` (a source key) and ``source_note``."""
    errors: dict[str, list[str]] = {}
    countries = {c: c for c in Country.objects.values_list("code", flat=True)}
    countries.update(dict(Country.objects.values_list("iso3", "code")))
    codes = {str(r.get("indicator") or "").strip() for r in rows}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    source_keys = {str(r.get("source") or "").strip() for r in rows} - {""}
    sources = {s.key: s for s in Source.objects.filter(key__in=source_keys)}
    now = today()
    seen: dict[tuple, int] = {}
    out = []
    if not rows:
        raise ValidationError({"rows": [_("No observations were given.")]})
    for i, row in enumerate(rows, start=first_row):
        raw_country = str(row.get("country") or "").strip().upper()
        country = countries.get(raw_country)
        if country is None:
            _row_error(errors, i, "country", _("unknown country “%(value)s”; use an ISO 3166-1 code such as KZ.")
                       % {"value": raw_country})
        code = str(row.get("indicator") or "").strip()
        indicator = indicators.get(code)
        if indicator is None:
            _row_error(errors, i, "indicator", _("unknown indicator “%(value)s”.") % {"value": code})
        elif indicator.is_reference and indicator.inform_name not in INFORM_2021.leaves:
            _row_error(errors, i, "indicator", _("“%(value)s” is computed from its components; "
                                                 "record the components instead.") % {"value": code})
        period = None
        try:
            period = Period.parse(str(row.get("period") or ""))
        except ValueError:
            _row_error(errors, i, "period", _("“%(value)s” is not a period; write a year (2026) or a quarter "
                                              "(2026-Q3).") % {"value": row.get("period") or ""})
        else:
            if period.is_future(now):
                _row_error(errors, i, "period", _("%(value)s lies in the future; only observed values can be "
                                                  "recorded.") % {"value": period})
        value = row.get("value")
        try:
            value = float(str(value).strip().replace(",", ".")) if value not in (None, "") else None
            if value is not None and not np.isfinite(value):
                raise ValueError
        except (TypeError, ValueError):
            _row_error(errors, i, "value", _("“%(value)s” is not a number.") % {"value": row.get("value")})
            value = None
        else:
            if value is None:
                _row_error(errors, i, "value", _("a value is required."))
            elif indicator is not None:
                low, high = indicator.min_value, indicator.max_value
                if (low is not None and value < low) or (high is not None and value > high):
                    _row_error(errors, i, "value", _("%(value)s is outside the valid range of %(indicator)s "
                                                     "(%(low)s to %(high)s).")
                               % {"value": f"{value:g}", "indicator": indicator.code,
                                  "low": "−∞" if low is None else f"{low:g}",
                                  "high": "∞" if high is None else f"{high:g}"})
        key = str(row.get("source") or "").strip()
        source = sources.get(key) if key else None
        if key and source is None:
            _row_error(errors, i, "source", _("unknown source “%(value)s”.") % {"value": key})
        note = str(row.get("source_note") or "").strip()
        if len(note) > 300:
            _row_error(errors, i, "source_note", _("at most 300 characters."))
        if country and indicator and period is not None:
            ident = (country, indicator.pk, str(period))
            if ident in seen:
                _row_error(errors, i, "period", _("the same country, indicator and period as row %(other)s.")
                           % {"other": seen[ident]})
            seen[ident] = i
        if not errors:
            out.append(Observation(country_id=country, indicator=indicator, period=str(period),
                                   period_start=period.start, value=value, source=source, source_note=note))
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def add_observations(user, rows: Sequence[Mapping[str, Any]], *, first_row: int = 1,
                     recompute: bool = True) -> list[Observation]:
    """Record observations all-or-nothing; an existing (country, indicator, period) value is replaced."""
    require(user, "add", Observation)
    new = validate_observation_rows(rows, first_row=first_row)
    existing = {(o.country_id, o.indicator_id, o.period): o for o in Observation.objects.filter(
        _any_of([Q(country_id=o.country_id, indicator_id=o.indicator_id, period=o.period) for o in new]))}
    saved = []
    for obs in new:
        old = existing.get((obs.country_id, obs.indicator_id, obs.period))
        if old is not None:
            old.value, old.source, old.source_note = obs.value, obs.source, obs.source_note
            obs = old
        else:
            obs.created_by = user if user.is_authenticated else None
        obs._history_user = user
        obs.save()
        saved.append(obs)
    if recompute:
        recompute_risk(current_period())
    return saved


def _any_of(qs: list[Q]) -> Q:
    out = Q(pk__in=[])
    for q in qs:
        out |= q
    return out


# ---------------------------------------------------------------------------------------------------
# Events


EVENT_FIELDS = ("country", "date", "kind", "severity", "title", "description", "source", "affected_projects")


@transaction.atomic
def record_event(user, *, country, date, kind, severity, title, source, description: str = "",
                 affected_projects: Iterable = (), **translations) -> tuple[RiskEvent, list[Alert]]:
    """Record a risk event, recompute the scores it touches and raise the alerts it warrants."""
    require(user, "add", RiskEvent)
    errors: dict[str, list[str]] = {}
    code = getattr(country, "pk", country)
    country_obj = Country.objects.filter(Q(code=str(code).upper()) | Q(iso3=str(code).upper())).first()
    if country_obj is None:
        errors["country"] = [_("Unknown country “%(value)s”; use an ISO 3166-1 code such as TJ.") % {"value": code}]
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            errors["date"] = [_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": date}]
    if isinstance(date, dt.date) and date > today():
        errors["date"] = [_("%(value)s lies in the future; record events that have happened.") % {"value": date}]
    projects = list(affected_projects)
    project_ids = [getattr(p, "pk", p) for p in projects]
    found = set(CooperationProject.objects.filter(pk__in=project_ids).values_list("pk", flat=True))
    if set(project_ids) - found:
        errors["affected_projects"] = [_("Unknown project id(s): %(ids)s.")
                                       % {"ids": ", ".join(map(str, sorted(set(project_ids) - found)))}]
    if errors:
        raise ValidationError(errors)
    event = RiskEvent(country=country_obj, date=date, kind=kind, severity=severity, title=title,
                      description=description, source=source, created_by=user if user.is_authenticated else None)
    for name, value in translations.items():
        if value and name.split("_", 1)[0] in ("title", "description") and hasattr(event, name):
            setattr(event, name, value)
    event._history_user = user
    event.full_clean()
    event.save()
    if project_ids:
        event.affected_projects.set(project_ids)
    periods = {current_period()}
    if (today() - date).days <= 366:
        periods.add(Period.quarter_of(date))
    raised: list[Alert] = []
    for period in sorted(periods):
        raised += recompute_risk(period, new_events=(event,) if period == current_period() else ())
    return event, raised


# ---------------------------------------------------------------------------------------------------
# Scores


def _latest_values(end: dt.date) -> tuple[dict[str, dict[str, float]], dict[int, dict[str, float]]]:
    """Latest observation at or before ``end``: INFORM leaves by name and user indicators by id."""
    inform: dict[str, dict[str, float]] = {}
    user: dict[int, dict[str, float]] = {}
    rows = (Observation.objects.filter(period_start__lte=end)
            .filter(Q(indicator__is_reference=False) | Q(indicator__inform_name__in=INFORM_2021.leaves))
            .order_by("period_start").values_list("country_id", "indicator_id", "indicator__inform_name",
                                                  "indicator__is_reference", "value"))
    for country, ind_id, inform_name, is_ref, value in rows.iterator(chunk_size=5000):
        if is_ref or inform_name:
            inform.setdefault(inform_name, {})[country] = value
        else:
            user.setdefault(ind_id, {})[country] = value
    return inform, user


def _event_uplifts(at: dt.date) -> dict[str, float]:
    from .engine.cooperation import HORIZON_DAYS

    by_country: dict[str, tuple[list[float], list[int]]] = {}
    for country, date, severity in RiskEvent.objects.filter(
            date__lte=at, date__gte=at - dt.timedelta(days=HORIZON_DAYS)).values_list("country_id", "date",
                                                                                     "severity"):
        ages, sevs = by_country.setdefault(country, ([], []))
        ages.append((at - date).days)
        sevs.append(severity)
    return {c: event_uplift(a, s) for c, (a, s) in by_country.items()}


def alert_config() -> rules_engine.AlertConfig:
    return rules_engine.AlertConfig(
        level=float(getattr(settings, "RISK_ALERT_LEVEL", 5.0)),
        change=float(getattr(settings, "RISK_ALERT_CHANGE", 0.5)),
        event_severity=int(getattr(settings, "RISK_ALERT_EVENT_SEVERITY", 4)))


def _watched_countries() -> set[str]:
    """Countries whose alerts matter: the cooperation countries and any country hosting a live project."""
    focus = set(Country.objects.filter(is_focus=True).values_list("code", flat=True))
    hosts = set(CooperationProject.objects.exclude(status__in=CLOSED_PROJECT_STATUSES)
                .values_list("host_country_id", flat=True).distinct())
    return focus | hosts


@transaction.atomic
def recompute_risk(period: Period | str | None = None, *, new_events: Sequence[RiskEvent] = (),
                   evaluate_alerts: bool = True) -> list[Alert]:
    """Recompute every country's scores for a quarter, store them and raise the alerts they warrant.

    Deterministic: the same observations and events give the same scores (seeded Monte Carlo)."""
    period = Period.parse(period) if isinstance(period, str) else (period or current_period())
    period = period.last_quarter()
    at = min(period.end, today())
    inform, user_values = _latest_values(period.end)
    if not inform and not user_values:
        return []
    codes = sorted({c for values in inform.values() for c in values}
                   | {c for values in user_values.values() for c in values})
    comps = {leaf: np.array([inform.get(leaf, {}).get(c, np.nan) for c in codes]) for leaf in INFORM_2021.leaves}
    result = compute_inform(comps, countries=codes)
    cols, dirs = [result[d] for d in DIMENSIONS], [1, 1, 1]
    user_inds = {i.pk: i for i in Indicator.objects.filter(pk__in=list(user_values))}
    for ind_id, values in sorted(user_values.items()):
        if len(values) >= 2:
            cols.append(np.array([values.get(c, np.nan) for c in codes]))
            dirs.append(int(user_inds[ind_id].direction))
    X = np.column_stack(cols)
    rows = ~np.isnan(X).all(axis=1)
    codes = [c for c, keep in zip(codes, rows, strict=True) if keep]
    X = X[rows]
    uplift_map = _event_uplifts(at)
    uplift = np.array([uplift_map.get(c, 0.0) for c in codes])
    coop = cooperation_risk(X, dirs, uplift, n_draws=int(getattr(settings, "RISK_MONTE_CARLO_DRAWS", 2000)))

    name_index = {n: j for j, n in enumerate(result.names)}
    row_of = {c: i for i, c in enumerate(result.countries)}
    existing = {s.country_id: s for s in CountryRiskScore.objects.filter(period=str(period))}
    before = {c: rules_engine.ScoreState(s.score, s.risk_class, str(period))
              for c, s in existing.items() if s.score is not None}
    previous = {s.country_id: rules_engine.ScoreState(s.score, s.risk_class, s.period)
                for s in CountryRiskScore.objects.filter(period=str(period.previous()), score__isnull=False)}
    to_create, to_update = [], []
    states: dict[str, tuple[rules_engine.ScoreState, str]] = {}

    def f(x) -> float | None:
        return None if x is None or np.isnan(x) else round(float(x), 4) + 0.0  # + 0.0: never -0.0

    for i, code in enumerate(codes):
        r = row_of[code]
        values = {n: float(result.values[r, j]) for n, j in name_index.items()}
        path = drivers(values)
        uplift_i = float(uplift[i])
        detail = [{"name": n, "value": round(v, 2) + 0.0} for n, v in path]
        driver = path[0][0] if path else ""
        # Events drive the score when they add more than the top dimension's share of the base score.
        if uplift_i > 0 and path and uplift_i >= coop.base[i] / len(DIMENSIONS):
            driver = "Events"
        fields = {
            "inform_risk": f(values["INFORM RISK"]), "inform_class": result.risk_class[r],
            "hazard": f(values["HAZARD & EXPOSURE"]), "vulnerability": f(values["VULNERABILITY"]),
            "coping": f(values["LACK OF COPING CAPACITY"]), "driver": driver, "driver_detail": detail,
            "base_score": f(coop.base[i]), "event_uplift": round(uplift_i, 4), "score": f(coop.score[i]),
            "score_low": f(coop.score_low[i]), "score_high": f(coop.score_high[i]), "risk_class": coop.risk_class[i],
            "rank": f(coop.rank[i]), "rank_low": f(coop.rank_low[i]), "rank_high": f(coop.rank_high[i]),
            "n_countries": len(codes),
        }
        obj = existing.get(code)
        if obj is None:
            to_create.append(CountryRiskScore(country_id=code, period=str(period), **fields))
        elif any(getattr(obj, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(obj, k, v)
            obj.computed = timezone.now()
            to_update.append(obj)
        if fields["score"] is not None:
            states[code] = (rules_engine.ScoreState(fields["score"], fields["risk_class"], str(period)), driver)
    CountryRiskScore.objects.bulk_create(to_create, batch_size=500)
    CountryRiskScore.objects.bulk_update(to_update, [f.name for f in CountryRiskScore._meta.concrete_fields
                                                     if f.name not in ("id", "country", "period")], batch_size=500)
    if not evaluate_alerts:
        return []
    return _raise_alerts(period, states, before, previous, new_events)


def _raise_alerts(period: Period, states, before, previous, new_events: Sequence[RiskEvent]) -> list[Alert]:
    config = alert_config()
    watched = _watched_countries() | {e.country_id for e in new_events}
    candidates = []
    for code in sorted(watched):
        if code not in states:
            continue
        state, driver = states[code]
        events = tuple(rules_engine.EventInfo(e.pk, e.severity, e.kind, e.title, e.date.isoformat())
                       for e in new_events if e.country_id == code)
        for cand in rules_engine.evaluate(code, state, previous_period=previous.get(code), before=before.get(code),
                                          new_events=events, driver=driver, config=config):
            candidates.append((code, state, driver, cand))
    if not candidates:
        return []
    known = set(Alert.objects.filter(dedup_key__in=[c[3].dedup_key for c in candidates])
                .values_list("dedup_key", flat=True))
    raised = []
    for code, state, driver, cand in candidates:
        if cand.dedup_key in known:
            continue
        known.add(cand.dedup_key)
        projects = set(exposed_projects(code).values_list("pk", flat=True))
        if cand.event_id:
            projects |= set(RiskEvent.affected_projects.through.objects.filter(riskevent_id=cand.event_id)
                            .values_list("cooperationproject_id", flat=True))
        evidence = {**cand.evidence, "driver_label": inform_label(driver),
                    "class_label": class_label(state.risk_class)}
        alert = Alert.objects.create(country_id=code, period=state.period, rule=cand.rule, driver=driver,
                                     score=state.score, evidence=evidence, dedup_key=cand.dedup_key,
                                     event_id=cand.event_id)
        if projects:
            alert.projects.set(sorted(projects))
        raised.append(alert)
    if raised:
        notify_coordinators([a.pk for a in raised])
    return raised


# ---------------------------------------------------------------------------------------------------
# Alerts


def alert_summary(alert: Alert) -> str:
    """One sentence naming the country, rule, driver and evidence, in the active language."""
    ev = alert.evidence or {}
    country = alert.country.name
    driver = inform_label(alert.driver) if alert.driver else "—"

    def num(value) -> str:
        return level_text(value) if isinstance(value, int | float) else str(value or "—")

    score = num(alert.score)
    if alert.rule == Alert.Rule.LEVEL:
        text = _("%(country)s: cooperation risk %(score)s reached the alert level %(threshold)s (%(period)s).") % {
            "country": country, "score": score, "threshold": num(ev.get("threshold")), "period": alert.period}
    elif alert.rule == Alert.Rule.TRANSITION:
        text = _("%(country)s: risk class rose from %(old)s to %(new)s (%(period)s).") % {
            "country": country, "old": class_label(ev.get("from_class", "")),
            "new": class_label(ev.get("to_class", "")), "period": alert.period}
    elif alert.rule == Alert.Rule.CHANGE:
        text = _("%(country)s: cooperation risk rose by %(delta)s to %(score)s (%(period)s).") % {
            "country": country, "delta": num(ev.get("delta")), "score": score, "period": alert.period}
    else:
        text = _("%(country)s: severe event (severity %(severity)s): %(event)s.") % {
            "country": country, "severity": ev.get("severity"), "event": ev.get("event", "")}
    return f"{text} " + _("Main driver: %(driver)s.") % {"driver": driver}


def notify_coordinators(alert_ids: Sequence[int]) -> int:
    """Announce new alerts, one notification per country: to every coordinator and to the staff of
    the institutions and enterprises whose projects there are exposed. Delivery (in the app, e-mail in
    each reader's language, as each chose) runs in a background job. Returns the countries announced."""
    from tvetbridge.notifications import facts
    from tvetbridge.notifications.queries import coordinator_ids, project_staff_ids
    from tvetbridge.notifications.services import announce

    by_country: dict[str, list[Alert]] = {}
    for alert in Alert.objects.filter(pk__in=alert_ids).prefetch_related("projects").order_by("pk"):
        by_country.setdefault(alert.country_id, []).append(alert)
    coordinators = coordinator_ids()
    for code, alerts in sorted(by_country.items()):
        projects = sorted({p.pk for a in alerts for p in a.projects.all()})
        rules = list(dict.fromkeys(a.rule for a in alerts))
        announce("risk.alert", coordinators + project_staff_ids(projects),
                 {"country": {"ref": "core.country", "pk": code}, "period": alerts[0].period,
                  "rule": facts.choices(Alert, "rule", rules), "projects": facts.refs(CooperationProject, projects)},
                 link="risk_country", link_args=[code])
    return len(by_country)


@transaction.atomic
def acknowledge_alert(user, alert: Alert, *, note: str = "") -> Alert:
    require(user, "acknowledge", Alert, alert)
    if alert.status != Alert.Status.OPEN:
        raise ValidationError({"status": [_("Only open alerts can be acknowledged.")]})
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_by, alert.acknowledged_at = user, timezone.now()
    if note:
        alert.note = (alert.note + "\n" + note).strip()
    alert._history_user = user
    alert.save()
    return alert


@transaction.atomic
def resolve_alert(user, alert: Alert, *, note: str = "") -> Alert:
    require(user, "resolve", Alert, alert)
    if alert.status == Alert.Status.RESOLVED:
        raise ValidationError({"status": [_("This alert is already resolved.")]})
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = user, now
    alert.status = Alert.Status.RESOLVED
    alert.resolved_by, alert.resolved_at = user, now
    if note:
        alert.note = (alert.note + "\n" + note).strip()
    alert._history_user = user
    alert.save()
    return alert
