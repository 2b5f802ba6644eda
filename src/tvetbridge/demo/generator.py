"""Seeded synthetic registry at realistic national scale, anchored on the real statistics.

Every generated row has ``is_synthetic=True``, an ``external_key`` starting ``syn-`` and cites one
synthetic Source ("Synthetic demo data (seed N)"). Re-running first deletes all synthetic rows and
never touches real ones.

Targets per country (national scale; ``small`` is 5 %, at least 2 institutions per country):

=====  ============  ==========  ===========================================================
code   institutions  students    basis
=====  ============  ==========  ===========================================================
KZ     706           562,000     seed 001 §I ref [1] (2025-2026)
UZ     845           428,600     seed 001 §I ref [2] (2024-2025)
TJ     188           168,400     seed 001 §I ref [3]: 65 schools (23,469), 88 colleges
                                 (89,570), 35 adult centres (55,361 trained a year)
KG     38            27,900      students: ref [4]; institutions derived: 27,900 / 739, the
                                 median students per institution of KZ, UZ and TJ
TM     29            21,758      10,879 planned secondary vocational places a year (ref [5])
                                 × 2-year programmes; institutions derived as for KG
CN     300           803,600     the western and partner provinces' colleges active towards
                                 Central Asia, not all 11,200; 2,679 students each =
                                 (10 million graduates / 11,200 schools) × 3 years (seed 003)
RU     100           79,600      Siberia and the Far East (seed 004 §3.2); KZ's 796 students
                                 per institution, for want of a Russian figure in the seeds
=====  ============  ==========  ===========================================================

Students are a stock: programme intake × duration (years) sums to the country's students, and
expected graduates are 75–95 % of intake. Faculty are those registered for international
cooperation (about eight per institution), not all teachers.

Speed: rows are built as plain objects and inserted with ``bulk_create`` in batches, many-to-many
links straight into the through tables. No history rows are written: synthetic rows are
generated, not edited by anyone, and simple-history starts their audit trail at the first real
edit. Deletion uses raw deletes in dependency order so that wiping tens of thousands of rows does not
load them or write "deleted" history rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import models, transaction
from django.utils import translation

from tvetbridge.core.models import Country, FieldOfStudy, Profile, Region, Source
from tvetbridge.registry.models import (
    Alliance,
    CooperationProject,
    Enterprise,
    Facility,
    FacultyLanguage,
    FacultyMember,
    Institution,
    Programme,
    ProjectFunding,
    ReportedResult,
)

PREFIX = "syn-"
SCALES = {"small": 0.05, "national": 1.0}
BATCH = 2000


@dataclass(frozen=True)
class CountryPlan:
    institutions: int
    students: int
    # (kind, share of institutions, share of students, programme duration choices in months)
    kinds: tuple[tuple[str, float, float, tuple[int, ...]], ...]
    regions: tuple[str, ...] = ()  # empty: all level-1 regions with a centroid
    enterprises: int = 0
    native: str = "ru"


_COLLEGE_MONTHS = (10, 22, 34, 46)
PLANS: dict[str, CountryPlan] = {
    "KZ": CountryPlan(706, 562_000, (("college", 0.85, 0.9, _COLLEGE_MONTHS),
                                     ("technical_school", 0.15, 0.1, (10, 22, 34))), enterprises=300, native="kk"),
    "UZ": CountryPlan(845, 428_600, (("technical_school", 0.4, 0.45, (12, 24)), ("college", 0.2, 0.25, (24, 36)),
                                     ("vocational_school", 0.4, 0.3, (12, 24))), enterprises=300, native="uz"),
    "TJ": CountryPlan(188, 168_400, (("vocational_school", 65 / 188, 23_469 / 168_400, (12, 24)),
                                     ("college", 88 / 188, 89_570 / 168_400, (24, 36, 48)),
                                     ("adult_centre", 35 / 188, 55_361 / 168_400, (3, 6))), enterprises=80,
                      native="tg"),
    "KG": CountryPlan(38, 27_900, (("vocational_school", 0.6, 0.5, (10, 22)), ("college", 0.4, 0.5, (22, 34))),
                      enterprises=60, native="ky"),
    "TM": CountryPlan(29, 21_758, (("vocational_school", 1.0, 1.0, (24,)),), enterprises=40, native="tk"),
    "CN": CountryPlan(300, 803_600, (("college", 0.7, 0.7, (36,)), ("vocational_school", 0.2, 0.15, (36,)),
                                     ("vocational_university", 0.1, 0.15, (36, 48))),
                      regions=("CN-XJ", "CN-XZ", "CN-QH", "CN-GS", "CN-NX", "CN-SN", "CN-SC", "CN-CQ", "CN-YN",
                               "CN-GZ", "CN-GX", "CN-NM", "CN-TJ", "CN-JS", "CN-BJ", "CN-HL", "CN-JL"),
                      enterprises=400, native="zh"),
    "RU": CountryPlan(100, 79_600, (("college", 1.0, 1.0, (22, 34, 46)),),
                      regions=("RU-AMU", "RU-ALT", "RU-BU", "RU-IRK", "RU-KHA", "RU-KYA", "RU-NVS", "RU-OMS",
                               "RU-PRI", "RU-SA", "RU-TOM", "RU-YEV", "RU-ZAB"),
                      enterprises=100, native="ru"),
}
# ISCED-F detailed fields most present in TVET supply, with rough weights.
TVET_FIELDS = {
    "0715": 8, "0713": 7, "0714": 6, "0716": 6, "0732": 7, "0724": 4, "0711": 3, "0721": 3, "0723": 2,
    "1041": 6, "0811": 6, "0812": 2, "0841": 2, "0613": 5, "0612": 3, "0611": 2, "0411": 4, "0416": 3,
    "0413": 2, "1013": 4, "1015": 2, "1012": 2, "0913": 4, "0914": 2, "0231": 2, "0212": 1, "0112": 2,
}
# ISIC section → names of the kind of firm, in en, zh-hans, ru, kk.
SECTOR_WORDS = {
    "A": ("Agro", "农业", "Агро", "Агро"), "B": ("Mining", "矿业", "Горнодобывающая", "Тау-кен"),
    "C": ("Manufacturing", "制造", "Производственная", "Өндірістік"), "D": ("Energy", "能源", "Энергетическая",
                                                                           "Энергетикалық"),
    "F": ("Construction", "建设", "Строительная", "Құрылыс"), "G": ("Trading", "商贸", "Торговая", "Сауда"),
    "H": ("Logistics", "物流", "Логистическая", "Логистикалық"), "J": ("Digital", "数字科技", "Цифровая", "Цифрлық"),
    "M": ("Engineering", "工程技术", "Инжиниринговая", "Инжинирингтік"),
}
SECTOR_WEIGHTS = {"A": 3, "B": 2, "C": 5, "D": 2, "F": 4, "G": 3, "H": 4, "J": 2, "M": 1}
KIND_NAMES = {
    "college": ("{r} Polytechnic College No. {n}", "{r}第{n}理工学院", "Политехнический колледж № {n} ({r})",
                "№ {n} политехникалық колледж ({r})"),
    "technical_school": ("{r} Technical School No. {n}", "{r}第{n}技术学校", "Техникум № {n} ({r})",
                         "№ {n} техникум ({r})"),
    "vocational_school": ("{r} Vocational School No. {n}", "{r}第{n}职业学校", "Профессиональная школа № {n} ({r})",
                          "№ {n} кәсіптік мектеп ({r})"),
    "vocational_university": ("{r} Vocational University No. {n}", "{r}第{n}职业大学",
                              "Профессиональный университет № {n} ({r})", "№ {n} кәсіптік университет ({r})"),
    "adult_centre": ("{r} Adult Learning Centre No. {n}", "{r}第{n}成人学习中心", "Центр обучения взрослых № {n} ({r})",
                     "№ {n} ересектерді оқыту орталығы ({r})"),
}
PROJECT_KINDS = {"luban_workshop": 2, "joint_programme": 3, "chinese_plus": 3, "teacher_training": 2,
                 "order_class": 3, "training_centre": 2, "exchange": 2, "language_centre": 1}
PROJECT_WORDS = {  # en, zh-hans, ru, kk
    "luban_workshop": ("Luban Workshop", "鲁班工坊", "Мастерская Лубань", "Лубань шеберханасы"),
    "joint_programme": ("Joint programme", "合作办学项目", "Совместная программа", "Бірлескен бағдарлама"),
    "chinese_plus": ("Chinese + vocational skills", "中文+职业技能", "Китайский язык + профессия",
                     "Қытай тілі + кәсіп"),
    "teacher_training": ("Teacher training", "师资培训", "Подготовка преподавателей", "Оқытушыларды даярлау"),
    "order_class": ("Order-based class", "订单班", "Целевой набор", "Тапсырыс бойынша топ"),
    "training_centre": ("Training centre", "实训中心", "Учебный центр", "Оқу орталығы"),
    "exchange": ("Study visit", "研学交流", "Учебный визит", "Оқу сапары"),
    "language_centre": ("Language centre", "语言中心", "Языковой центр", "Тіл орталығы"),
}
GIVEN = {
    "kk": ["Aidos", "Aigerim", "Nurlan", "Dana", "Yerlan", "Saule", "Askar", "Madina", "Timur", "Zhanna"],
    "uz": ["Aziz", "Dilnoza", "Bekzod", "Malika", "Jasur", "Nodira", "Sardor", "Gulnora", "Otabek", "Zarina"],
    "tg": ["Farrukh", "Manizha", "Rustam", "Nigina", "Firdavs", "Sitora", "Jamshed", "Parvina", "Daler", "Zarrina"],
    "ky": ["Bakyt", "Aizada", "Nurbek", "Cholpon", "Azamat", "Begimai", "Ulan", "Aida", "Talant", "Meerim"],
    "tk": ["Merdan", "Aylar", "Serdar", "Jennet", "Batyr", "Ogulgerek", "Dovlet", "Maya", "Kerim", "Gulshat"],
    "zh": ["Wei", "Fang", "Lei", "Min", "Jun", "Li", "Qiang", "Yan", "Hao", "Jing"],
    "ru": ["Alexei", "Olga", "Dmitry", "Elena", "Sergei", "Natalia", "Ivan", "Anna", "Pavel", "Irina"],
}
FAMILY = {
    "kk": ["Akhmetov", "Bekova", "Zhumabaev", "Serikova", "Nurlanov"], "uz": ["Karimov", "Rashidova", "Yusupov",
                                                                          "Tosheva", "Alimov"],
    "tg": ["Rahimov", "Nazarova", "Sharipov", "Saidova", "Kurbonov"], "ky": ["Asanov", "Toktogulova", "Omurbekov",
                                                                          "Sydykova", "Abdyldaev"],
    "tk": ["Orazov", "Atayeva", "Berdiyev", "Hojayeva", "Annayev"], "zh": ["Wang", "Li", "Zhang", "Liu", "Chen"],
    "ru": ["Ivanov", "Petrova", "Smirnov", "Kuznetsova", "Popov"],
}
LEVELS = ["C2", "C1", "B2", "B1", "A2", "A1"]


@dataclass
class GenerateReport:
    seed: int
    scale: str
    counts: dict[str, int] = field(default_factory=dict)
    per_country: dict[str, int] = field(default_factory=dict)
    students: dict[str, int] = field(default_factory=dict)
    deleted: int = 0

    def lines(self) -> list[str]:
        out = [f"synthetic data, seed {self.seed}, scale {self.scale} (previous synthetic rows deleted: "
               f"{self.deleted})"]
        out += [f"{name}: {count}" for name, count in self.counts.items()]
        out += [f"institutions {code}: {n} (student places {self.students[code]:,})"
                for code, n in self.per_country.items()]
        return out


def targets(scale: str) -> dict[str, int]:
    """Institutions per country at a scale; what the generator promises and the tests check."""
    factor = SCALES[scale]
    return {code: max(2, round(plan.institutions * factor)) for code, plan in PLANS.items()}


def _raw_delete(qs: models.QuerySet) -> int:
    # QuerySet.delete() would collect every row (and write a "deleted" history row for each);
    # here the dependency order is handled explicitly, so a raw DELETE is safe and fast.
    return qs._raw_delete(qs.db)


def delete_synthetic() -> int:
    """Remove every synthetic registry row; real rows are never touched."""
    owners = [Institution, Enterprise, CooperationProject, Alliance, Programme, FacultyMember, Facility]
    staff = Profile.objects.filter(models.Q(institution__is_synthetic=True) | models.Q(enterprise__is_synthetic=True))
    if staff.exists():
        raise RuntimeError("Some user profiles belong to synthetic organisations; reassign them before "
                           "regenerating: " + ", ".join(staff.values_list("user__username", flat=True)[:10]))
    deleted = 0
    # Rows of other apps (demand, outcomes, …) that point at synthetic records go first, through the
    # ORM so their own cascades and audit apply.
    for owner in owners:
        for rel in owner._meta.related_objects:
            model = rel.related_model
            if rel.many_to_many or model._meta.app_label == "registry" or model is Profile:
                continue
            if model.__name__.startswith("Historical"):
                continue
            qs = model._default_manager.filter(**{f"{rel.field.name}__is_synthetic": True})
            if rel.on_delete is models.SET_NULL:
                qs.update(**{rel.field.name: None})
            else:
                deleted += qs.delete()[0]
    # Through tables of every many-to-many touching a synthetic row, from both sides.
    for owner in owners:
        for m2m in owner._meta.many_to_many:
            through = m2m.remote_field.through
            deleted += _raw_delete(through.objects.filter(**{f"{m2m.m2m_field_name()}__is_synthetic": True}))
        for rel in owner._meta.related_objects:
            if rel.many_to_many:
                through = rel.through
                target = rel.field.m2m_reverse_field_name()
                deleted += _raw_delete(through.objects.filter(**{f"{target}__is_synthetic": True}))
    deleted += _raw_delete(FacultyLanguage.objects.filter(
        models.Q(faculty__is_synthetic=True) | models.Q(faculty__institution__is_synthetic=True)))
    deleted += _raw_delete(ReportedResult.objects.filter(project__is_synthetic=True))
    deleted += _raw_delete(ProjectFunding.objects.filter(project__is_synthetic=True))
    CooperationProject.objects.filter(alliance__is_synthetic=True, is_synthetic=False).update(alliance=None)
    for model in (Programme, FacultyMember, Facility):
        deleted += _raw_delete(model.objects.filter(
            models.Q(is_synthetic=True) | models.Q(institution__is_synthetic=True)))
    for model in (CooperationProject, Alliance, Institution, Enterprise):
        deleted += _raw_delete(model.objects.filter(is_synthetic=True))
    used = set()
    for rel in Source._meta.related_objects:
        if rel.many_to_many or rel.related_model.__name__.startswith("Historical"):
            continue
        used.update(rel.related_model._default_manager.filter(**{f"{rel.field.name}__is_synthetic": True})
                    .values_list(rel.field.attname, flat=True))
    deleted += _raw_delete(Source.objects.filter(is_synthetic=True).exclude(pk__in=used))
    return deleted


def _split(rng: np.random.Generator, total: int, n: int, sigma: float = 0.6) -> np.ndarray:
    """n positive integers summing to ``total``, lognormally spread (institutions differ in size)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    weights = rng.lognormal(0.0, sigma, n)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(raw - out)[::-1][: total - out.sum()]] += 1
    return out


def _names(values: tuple[str, str, str, str], base: str = "name") -> dict[str, str]:
    return {base: values[0], f"{base}_en": values[0], f"{base}_zh_hans": values[1], f"{base}_ru": values[2],
            f"{base}_kk": values[3]}


class _Builder:
    def __init__(self, seed: int, scale: str):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.scale = scale
        self.factor = SCALES[scale]
        self.field_codes = list(TVET_FIELDS)
        weights = np.array(list(TVET_FIELDS.values()), dtype=float)
        self.field_p = weights / weights.sum()
        self.field_names = {f.code: (f.name_en, f.name_zh_hans, f.name_ru, f.name_kk)
                            for f in FieldOfStudy.objects.filter(code__in=self.field_codes)}
        missing = set(self.field_codes) - set(self.field_names)
        if missing:
            raise RuntimeError(f"Reference data missing ISCED-F fields {sorted(missing)}; run load_reference")

    def pick_fields(self, k: int) -> list[str]:
        return list(self.rng.choice(self.field_codes, size=k, replace=False, p=self.field_p))

    def regions(self, code: str, plan: CountryPlan) -> list[Region]:
        qs = Region.objects.filter(country_id=code, level=Region.Level.REGION, latitude__isnull=False)
        if plan.regions:
            qs = qs.filter(code__in=plan.regions)
        regions = list(qs.order_by("code"))
        if not regions:
            raise RuntimeError(f"No regions with centroids for {code}; run load_reference")
        return regions


@transaction.atomic
def generate(*, scale: str = "small", seed: int = 42) -> GenerateReport:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}")
    report = GenerateReport(seed=seed, scale=scale)
    report.deleted = delete_synthetic()
    b = _Builder(seed, scale)
    rng = b.rng
    source, _ = Source.objects.update_or_create(
        key=f"synthetic-seed-{seed}",
        defaults={"title": f"Synthetic demo data (seed {seed})", "publisher": "TVET Bridge generator",
                  "document": "tvetbridge.demo.generator", "locator": f"scale {scale}", "is_synthetic": True})
    common = {"source_id": source.pk, "is_synthetic": True}
    count_targets = targets(scale)
    countries = {c.code: c for c in Country.objects.filter(code__in=PLANS)}

    institutions: list[Institution] = []
    inst_meta: list[tuple[str, str, int, tuple[int, ...]]] = []  # country, kind, students, durations
    enterprises: list[Enterprise] = []
    with translation.override("en"):
        for code, plan in PLANS.items():
            if code not in countries:
                raise RuntimeError(f"Country {code} missing; run load_reference")
            regions = b.regions(code, plan)
            n_total = count_targets[code]
            students_total = round(plan.students * (n_total / plan.institutions))
            shares = np.array([k[1] for k in plan.kinds])
            kind_counts = np.floor(shares * n_total).astype(int)
            kind_counts[np.argmax(shares)] += n_total - kind_counts.sum()
            # A kind with no institution at this scale hands its students to the others.
            student_shares = np.array([k[2] for k in plan.kinds]) * (kind_counts > 0)
            student_shares = student_shares / student_shares.sum()
            region_idx = rng.integers(0, len(regions), n_total)
            serial = 0
            report.per_country[code] = n_total
            report.students[code] = 0
            for (kind, _share, _s, durations), n_kind, student_share in zip(plan.kinds, kind_counts, student_shares,
                                                                              strict=True):
                sizes = _split(rng, round(students_total * student_share), int(n_kind))
                for size in sizes:
                    region = regions[region_idx[serial]]
                    serial += 1
                    templates = KIND_NAMES[kind]
                    rn = (region.name_en, region.name_zh_hans, region.name_ru, region.name_kk)
                    names = tuple(t.format(r=r, n=serial) for t, r in zip(templates, rn, strict=True))
                    institutions.append(Institution(
                        external_key=f"{PREFIX}inst-{code}-{serial:05d}", **_names(names), kind=kind,
                        country_id=code, region_id=region.pk, **common))
                    inst_meta.append((code, kind, int(size), durations))
                    report.students[code] += int(size)
            n_ent = max(2, round(plan.enterprises * b.factor))
            sectors = list(SECTOR_WEIGHTS)
            sp = np.array(list(SECTOR_WEIGHTS.values()), dtype=float)
            for i in range(n_ent):
                region = regions[int(rng.integers(0, len(regions)))]
                sector = sectors[int(rng.choice(len(sectors), p=sp / sp.sum()))]
                w = SECTOR_WORDS[sector]
                names = (f"{region.name_en} {w[0]} Company No. {i + 1}", f"{region.name_zh_hans}{w[1]}第{i + 1}公司",
                         f"{w[2]} компания № {i + 1} ({region.name_ru})", f"№ {i + 1} {w[3]} компания ({region.name_kk})")
                enterprises.append(Enterprise(
                    external_key=f"{PREFIX}ent-{code}-{i + 1:05d}", **_names(names), country_id=code,
                    region_id=region.pk, sector=sector,
                    chinese_funded=code == "CN" or bool(rng.random() < 0.15), **common))
        Institution.objects.bulk_create(institutions, batch_size=BATCH)
        Enterprise.objects.bulk_create(enterprises, batch_size=BATCH)

        programmes: list[Programme] = []
        prog_langs: list[tuple[int, str]] = []
        inst_fields: list[tuple[int, str]] = []
        inst_langs: list[tuple[int, str]] = []
        faculty: list[FacultyMember] = []
        fac_fields: list[list[str]] = []
        fac_langs: list[list[tuple[str, str]]] = []
        facilities: list[Facility] = []
        facility_fields: list[list[str]] = []
        for inst, (code, kind, size, durations) in zip(institutions, inst_meta, strict=True):
            native = PLANS[code].native
            langs = [native] if native == "ru" else [native, "ru"]
            inst_langs.extend((inst.pk, lang) for lang in langs)
            n_prog = int(rng.integers(4, 13))
            fields_here = b.pick_fields(min(n_prog, 6))
            inst_fields.extend((inst.pk, f) for f in fields_here[:3])
            months = rng.choice(durations, size=n_prog)
            stock = _split(rng, size, n_prog, sigma=0.4)
            for j in range(n_prog):
                fcode = fields_here[j % len(fields_here)]
                years = max(months[j] / 12.0, 0.25)
                # Adult courses last months: their yearly intake is the stock turned over.
                intake = max(5, int(round(stock[j] / years)) if years >= 1 else int(stock[j]))
                graduates = int(intake * rng.uniform(0.75, 0.95))
                level = 6 if kind == "vocational_university" and j % 3 == 0 else (
                    5 if code == "CN" or kind == "college" else 3 if kind == "vocational_school" else 4)
                fname = b.field_names[fcode]
                programmes.append(Programme(
                    external_key=f"{inst.external_key}-p{j + 1:02d}".replace("inst-", "prog-", 1),
                    institution_id=inst.pk, **_names(fname), field_id=fcode, isced_level=level,
                    duration_months=int(months[j]), intake_capacity=intake, expected_graduates=graduates, **common))
                prog_langs.extend((len(programmes) - 1, lang) for lang in langs)
            for j in range(int(rng.integers(6, 11))):
                given = GIVEN[native][int(rng.integers(0, 10))]
                family = FAMILY[native][int(rng.integers(0, 5))]
                faculty.append(FacultyMember(
                    external_key=f"{inst.external_key}-f{j + 1:02d}".replace("inst-", "fac-", 1),
                    institution_id=inst.pk, full_name=f"{given} {family}",
                    position=["lecturer", "senior lecturer", "master of industrial training",
                              "head of department"][int(rng.integers(0, 4))],
                    willing_to_dispatch=bool(rng.random() < 0.3), **common))
                fac_fields.append(list(rng.choice(fields_here, size=min(2, len(fields_here)), replace=False)))
                spoken = [(native, "native")]
                if native != "ru":
                    spoken.append(("ru", LEVELS[int(rng.integers(0, 4))]))
                for extra in ("zh", "en"):
                    if extra != native and rng.random() < 0.25:
                        spoken.append((extra, LEVELS[int(rng.integers(1, 6))]))
                fac_langs.append(spoken)
            for j in range(int(rng.integers(1, 4))):
                fkind = ["training_base", "lab", "simulation", "workshop"][int(rng.integers(0, 4))]
                fcode = fields_here[j % len(fields_here)]
                fname = b.field_names[fcode]
                word = {"training_base": ("training base", "实训基地", "учебная база", "оқу базасы"),
                        "lab": ("laboratory", "实验室", "лаборатория", "зертхана"),
                        "simulation": ("simulation centre", "仿真中心", "симуляционный центр", "симуляциялық орталық"),
                        "workshop": ("workshop", "实训车间", "мастерская", "шеберхана")}[fkind]
                names = tuple(f"{fn}: {w}" for fn, w in zip(fname, word, strict=True))
                facilities.append(Facility(
                    external_key=f"{inst.external_key}-x{j + 1}".replace("inst-", "facility-", 1),
                    institution_id=inst.pk, **_names(names), kind=fkind, capacity=int(rng.integers(12, 61)),
                    area_m2=int(rng.integers(60, 1200)), **common))
                facility_fields.append([fcode])
        Programme.objects.bulk_create(programmes, batch_size=BATCH)
        FacultyMember.objects.bulk_create(faculty, batch_size=BATCH)
        Facility.objects.bulk_create(facilities, batch_size=BATCH)

        _through(Institution.languages, [(i, lang) for i, lang in inst_langs])
        _through(Institution.fields, inst_fields)
        _through(Programme.languages, [(programmes[i].pk, lang) for i, lang in prog_langs])
        _through(FacultyMember.fields, [(f.pk, code) for f, codes in zip(faculty, fac_fields, strict=True)
                                        for code in codes])
        _through(Facility.fields, [(f.pk, code) for f, codes in zip(facilities, facility_fields, strict=True)
                                   for code in codes])
        FacultyLanguage.objects.bulk_create(
            [FacultyLanguage(faculty_id=f.pk, language_id=lang, level=level)
             for f, spoken in zip(faculty, fac_langs, strict=True) for lang, level in spoken], batch_size=BATCH)

        projects = _projects(b, institutions, inst_meta, enterprises, countries, common)

    report.counts = {"institutions": len(institutions), "programmes": len(programmes), "faculty": len(faculty),
                     "facilities": len(facilities), "enterprises": len(enterprises), "projects": projects}
    return report


def _through(relation, pairs: list[tuple[Any, Any]]) -> None:
    through = relation.through
    src = relation.field.m2m_field_name() + "_id"
    dst = relation.field.m2m_reverse_field_name() + "_id"
    through.objects.bulk_create([through(**{src: a, dst: b}) for a, b in dict.fromkeys(pairs)], batch_size=BATCH)


def _projects(b: _Builder, institutions, inst_meta, enterprises, countries, common) -> int:
    rng = b.rng
    by_country: dict[str, list[Institution]] = {}
    for inst, meta in zip(institutions, inst_meta, strict=True):
        by_country.setdefault(meta[0], []).append(inst)
    ent_by_country: dict[str, list[Enterprise]] = {}
    for ent in enterprises:
        ent_by_country.setdefault(ent.country_id, []).append(ent)
    cn = by_country["CN"]
    hosts = ["KZ", "UZ", "TJ", "KG", "TM", "RU"]
    host_p = np.array([0.3, 0.25, 0.12, 0.12, 0.06, 0.15])
    kinds = list(PROJECT_KINDS)
    kind_p = np.array(list(PROJECT_KINDS.values()), dtype=float)
    n = max(10, round(400 * b.factor))
    statuses = ["proposed", "approved", "active", "active", "active", "completed", "suspended"]
    projects, links = [], {"chinese_institutions": [], "partner_institutions": [], "enterprises": [], "fields": []}
    for i in range(n):
        host = hosts[int(rng.choice(len(hosts), p=host_p))]
        kind = kinds[int(rng.choice(len(kinds), p=kind_p / kind_p.sum()))]
        partner = by_country[host][int(rng.integers(0, len(by_country[host])))]
        chinese = cn[int(rng.integers(0, len(cn)))]
        start = dt.date(2015, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 11)))
        status = statuses[int(rng.integers(0, len(statuses)))]
        end = start + dt.timedelta(days=int(rng.integers(365, 365 * 5))) if status == "completed" else None
        words = PROJECT_WORDS[kind]
        country = countries[host]
        names = (f"{words[0]} — {country.name_en} No. {i + 1}", f"{words[1]}（{country.name_zh_hans}）第{i + 1}号",
                 f"{words[2]} — {country.name_ru} № {i + 1}", f"{words[3]} — {country.name_kk} № {i + 1}")
        projects.append(CooperationProject(
            external_key=f"{PREFIX}proj-{i + 1:05d}", **_names(names), kind=kind, status=status, host_country_id=host,
            host_region_id=partner.region_id, start_date=start, end_date=end,
            target_trainees=int(rng.integers(20, 400)),
            target_employment_rate=Decimal(f"{rng.uniform(60, 95):.1f}"),
            **common))
        links["chinese_institutions"].append((i, chinese.pk))
        links["partner_institutions"].append((i, partner.pk))
        for ent in rng.choice(len(ent_by_country[host]), size=int(rng.integers(0, 3)), replace=False):
            links["enterprises"].append((i, ent_by_country[host][int(ent)].pk))
        for code in b.pick_fields(int(rng.integers(1, 3))):
            links["fields"].append((i, code))
    CooperationProject.objects.bulk_create(projects, batch_size=BATCH)
    for attr, pairs in links.items():
        _through(getattr(CooperationProject, attr), [(projects[i].pk, target) for i, target in pairs])
    return len(projects)
