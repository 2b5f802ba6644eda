"""Synthetic trainees for the demo projects, with a known training effect.

For each project a pool of applicants is drawn; who enrols depends on observed characteristics
(selection on observables: younger, better-educated applicants who were already working are more
likely to be admitted, and they would also have earned more anyway), so the naive difference in
means overstates the effect and the adjusted estimators should recover ``true_effect_usd`` — the
monthly income gain caused, in USD at the previous year's prices. Incomes are written in the host
country's currency at nominal prices of their month, so the page's real-USD basis has to undo both
inflation and exchange rates to get the effect back.

Everything is ``is_synthetic`` with keys ``syn-out-…``; re-running replaces only those rows. No
history rows are written for generated data (as the registry generator does).
"""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from tvetbridge.core.models import ExchangeRate, Region, Source
from tvetbridge.outcomes.identity import identity_hash
from tvetbridge.outcomes.io.price_tables import install_shipped_tables
from tvetbridge.outcomes.models import (
    CpiIndex,
    Credential,
    Employment,
    Enrolment,
    IncomeObservation,
    ProjectTarget,
    QualityFlag,
    Trainee,
)
from tvetbridge.outcomes.money import CURRENCY_ORDER, Basis, PriceTables
from tvetbridge.registry.models import CooperationProject, ProjectFunding

SOURCE_KEY = "synthetic-outcomes"
# Typical monthly pay of a young worker without vocational training, USD; orders of magnitude only.
BASE_WAGE_USD = {"KZ": 380.0, "UZ": 210.0, "TJ": 140.0, "KG": 190.0, "TM": 260.0, "CN": 620.0, "RU": 520.0}
OCCUPATION_BY_KIND = {"luban_workshop": "7233", "order_class": "8332", "chinese_plus": "4323",
                      "language_centre": "2643", "training_centre": "7411", "joint_programme": "3115",
                      "overseas_campus": "3115", "teacher_training": "2320", "exchange": "3115"}
COURSE_MONTHS = 10


def _month(d: dt.date, k: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + k
    return dt.date(m // 12, m % 12 + 1, 1)


def _pick_regions(project) -> list[Region]:
    country = project.host_country
    if project.host_region_id:
        children = list(Region.objects.filter(parent=project.host_region))
        return children[:3] or [project.host_region]
    regions = list(Region.objects.filter(country=country, level=1).order_by("code")[:3])
    return regions


def _delete_previous(prefix: str) -> None:
    trainees = Trainee.objects.filter(external_key__startswith=prefix, is_synthetic=True)
    IncomeObservation.objects.filter(trainee__in=trainees).delete()
    Employment.objects.filter(trainee__in=trainees).delete()
    Credential.objects.filter(trainee__in=trainees).delete()
    Enrolment.objects.filter(trainee__in=trainees).delete()
    trainees.delete()


@transaction.atomic
def generate(projects=None, *, seed: int = 2025, per_project: int = 120, true_effect_usd: float = 90.0,
             today: dt.date | None = None) -> dict[str, int]:
    """Synthetic trainees, applicants, jobs and incomes for ``projects`` (default: the real active and
    completed ones); returns the counts written."""
    # Incomes are generated in USD and converted; a database flushed since migration (as in
    # transactional tests) would otherwise have no rates to convert with.
    if not ExchangeRate.objects.exists():
        install_shipped_tables(ExchangeRate, CpiIndex, Source)
    today = today or timezone.localdate()
    if projects is None:
        projects = CooperationProject.objects.filter(is_synthetic=False, status__in=["active", "completed"])
    projects = list(projects.select_related("host_country", "host_region")
                    if hasattr(projects, "select_related") else projects)
    tables = PriceTables.load()
    basis = Basis("USD", True, today.year - 1)
    factors, _notes = tables.factors(basis)
    cur_index = {c: i for i, c in enumerate(CURRENCY_ORDER)}
    source, _c = Source.objects.get_or_create(key=SOURCE_KEY, defaults={
        "title": f"Synthetic trainee outcomes (seed {seed})", "publisher": "TVET Bridge demo generator",
        "is_synthetic": True})
    totals = dict.fromkeys(("trainees", "applicants", "incomes", "jobs", "projects"), 0)
    for index, project in enumerate(projects):
        # Seeded by the project's registry key, not its database id: ids differ between databases
        # (PostgreSQL sequences survive rolled-back tests), and the same seed must give the same people.
        rng = np.random.default_rng([seed, zlib.crc32(project.external_key.encode())])
        prefix = f"syn-out-{project.external_key}-"
        _delete_previous(prefix)
        ProjectTarget.objects.filter(project=project, note="synthetic demo target").delete()
        QualityFlag.objects.filter(project=project).delete()
        country = project.host_country_id
        currency = project.host_country.currency if project.host_country.currency in cur_index else "USD"
        wage = BASE_WAGE_USD.get(country, 300.0)
        regions = _pick_regions(project)
        start0 = project.start_date or dt.date(today.year - 3, 9, 1)
        start0 = start0.replace(day=1)
        if start0 > _month(today, -COURSE_MONTHS - 20):
            start0 = _month(today, -COURSE_MONTHS - 20)  # room for one cohort to be followed up
        poor_follow_up = index % 5 == 3
        institution = (project.partner_institutions.first() or project.chinese_institutions.first())
        occupation = OCCUPATION_BY_KIND.get(project.kind, "3115")

        pool = int(per_project * 2)
        age = rng.integers(17, 36, pool)
        female = rng.random(pool) < 0.42
        edu = rng.choice([2, 3, 4, 5], pool, p=[0.15, 0.5, 0.25, 0.1])
        employed = rng.random(pool) < 0.35 + 0.05 * (edu - 3)
        ability = rng.normal(0, 1, pool)
        base_usd = wage * np.exp(0.08 * (edu - 3) + 0.015 * (age - 22) + 0.25 * employed + 0.15 * ability
                                 + rng.normal(0, 0.15, pool))
        base_usd = np.where(employed, base_usd, base_usd * 0.35)
        logit = -0.2 + 0.45 * (edu - 3) - 0.06 * (age - 24) + 0.6 * employed
        enrols = rng.random(pool) < 1 / (1 + np.exp(-logit))
        cohort = rng.integers(0, 3, pool)
        starts = [_month(start0, 12 * c) for c in cohort]
        region_of = rng.integers(0, max(len(regions), 1), pool)

        trainees, enrolments, incomes, jobs, creds = [], [], [], [], []
        for i in range(pool):
            start = starts[i]
            if start > today:
                start = _month(today, -2)
            key = f"{prefix}{i:05d}"
            has_base = rng.random() < 0.75
            trainees.append(Trainee(
                external_key=key, identity_hash=identity_hash(f"SYN{seed}{project.pk:05d}{i:06d}"),
                institution=institution, gender="female" if female[i] else "male",
                birth_year=start.year - int(age[i]), home_region=regions[region_of[i]] if regions else None,
                prior_education=int(edu[i]), baseline_employment="employed" if employed[i] else "unemployed",
                baseline_income=Decimal(f"{base_usd[i] / factors[cur_index[currency], start.year - 1995]:.2f}")
                if has_base else None,
                baseline_currency=currency if has_base else "",
                consent_matching=bool(rng.random() < 0.6), consent_follow_up=True, consent_date=start,
                is_synthetic=True))
        Trainee.objects.bulk_create(trainees, batch_size=1000)
        ids = dict(Trainee.objects.filter(external_key__startswith=prefix).values_list("external_key", "pk"))

        for i in range(pool):
            t_id = ids[f"{prefix}{i:05d}"]
            start = min(starts[i], _month(today, -2))
            end_planned = _month(start, COURSE_MONTHS)
            if enrols[i]:
                dropped = rng.random() < 0.12
                finished = end_planned <= today
                status = "dropped" if dropped else "completed" if finished else "enrolled"
                end = (_month(start, int(rng.integers(2, COURSE_MONTHS))) if dropped
                       else end_planned if finished else None)
            else:
                status, end = "applied", None
            enrolments.append(Enrolment(external_key=f"{prefix}{i:05d}-e", trainee_id=t_id, project=project,
                                        status=status, start_date=start, end_date=end, occupation_code=occupation,
                                        is_synthetic=True))
        Enrolment.objects.bulk_create(enrolments, batch_size=1000)
        enr = dict(Enrolment.objects.filter(trainee_id__in=ids.values(), project=project)
                   .values_list("trainee_id", "pk"))

        effect = true_effect_usd * (0.6 + 0.8 * rng.random())  # projects differ in effect
        cost_per_trainee_usd = float(rng.choice([1500.0, 2500.0, 4000.0])) * (6.0 if poor_follow_up else 1.0)
        for i, e in enumerate(enrolments):
            t_id = e.trainee_id
            ref = _month(e.start_date, COURSE_MONTHS)
            treated = e.status != "applied"
            gain = effect * (0.5 if e.status == "dropped" else 1.0) if treated else 0.0
            growth = 1.08 + (0.15 if employed[i] else 0.9)  # people without a job tend to find one later
            post_usd = base_usd[i] * growth + 45.0 * ability[i] + gain
            # pre-training observations (administrative records) for DiD
            for k in (-6, -3):
                month = _month(e.start_date, k)
                if rng.random() < 0.8:
                    incomes.append((t_id, month, base_usd[i] * (1 + rng.normal(0, 0.05)), "tax", True))
            follow = 0.3 if poor_follow_up else 0.9
            if rng.random() < follow:
                for k in (6, 9, 12, 15):
                    month = _month(ref, k)
                    if month > today:
                        break
                    amount = max(post_usd + rng.normal(0, 60), 0.0)
                    incomes.append((t_id, month, amount, "payroll" if rng.random() < 0.7 else "survey",
                                    bool(rng.random() < 0.7)))
                p_job = 0.8 if e.status == "completed" else 0.55
                if rng.random() < p_job and _month(ref, 1) <= today:
                    jobs.append(Employment(
                        external_key=f"{prefix}{i:05d}-j", trainee_id=t_id, enrolment_id=enr[t_id],
                        employer=None, employer_name="Synthetic employer LLP",
                        occupation_code=occupation if (treated and rng.random() < 0.8) else "9329",
                        country_id=country, region=regions[region_of[i]] if regions else None,
                        start_date=_month(ref, int(rng.integers(1, 6))), formal=bool(rng.random() < 0.75),
                        is_synthetic=True))
            if e.status == "completed" and rng.random() < 0.8:
                creds.append(Credential(trainee_id=t_id, enrolment_id=enr[t_id], kind="skill",
                                        name="Skill certificate", level="level 3",
                                        issuer=str(institution or project), awarded=e.end_date))
                if rng.random() < 0.4:
                    creds.append(Credential(trainee_id=t_id, enrolment_id=enr[t_id], kind="language",
                                            name="HSK", level=f"HSK {int(rng.integers(1, 5))}",
                                            issuer="Chinese Testing International", awarded=e.end_date))
        rows = []
        for t_id, month, usd, src, verified in incomes:
            local = usd / factors[cur_index[currency], month.year - 1995]
            rows.append(IncomeObservation(trainee_id=t_id, period=month, amount=Decimal(f"{local:.2f}"),
                                          currency=currency, source=src, verified=verified))
        IncomeObservation.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        Employment.objects.bulk_create(jobs, batch_size=1000)
        Credential.objects.bulk_create(creds, batch_size=1000)

        n_treated = int(sum(1 for e in enrolments if e.status != "applied"))
        if not ProjectFunding.objects.filter(project=project).exclude(amount=None).exists():
            cny = cost_per_trainee_usd * n_treated / factors[cur_index["CNY"], start0.year - 1995]
            ProjectFunding.objects.create(project=project, kind="government", funder="Synthetic demo grant",
                                          amount=Decimal(f"{cny:.2f}"), currency="CNY", source=source)
        target_n = project.target_trainees or int(per_project * 1.1)
        common = {"project": project, "note": "synthetic demo target"}
        ProjectTarget.objects.bulk_create([
            ProjectTarget(indicator="trainees", value=target_n, **common),
            ProjectTarget(indicator="completion", value=85, **common),
            ProjectTarget(indicator="employment_6m", value=70, **common),
            ProjectTarget(indicator="income_gain", value=Decimal("80"), currency="USD", base_year=basis.base_year,
                          **common),
            *[ProjectTarget(region=r, indicator="trainees", value=max(target_n // max(len(regions), 1), 1),
                            **common) for r in regions],
            *[ProjectTarget(region=r, indicator="employment_6m", value=70, **common) for r in regions[:2]],
        ])
        totals["projects"] += 1
        totals["trainees"] += n_treated
        totals["applicants"] += pool - n_treated
        totals["incomes"] += len(rows)
        totals["jobs"] += len(jobs)
    return totals
