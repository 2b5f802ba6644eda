"""The demo catalogue and its synthetic learning records.

Resources the seed documents name (the Jingshi project's curriculum and teaching standards and its
online library, Tianjin Vocational Institute's 135-module teaching standard system for Central Asia,
Tianjin Urban Construction's Chinese–Russian textbooks and videos, Karamay's drilling simulation,
Xinjiang Agricultural VTU's international digital courses and training standards) are loaded with
their source and ``is_synthetic=False``; their titles are ours, the facts are the seeds'. Modules and
courses the seeds do not name are marked synthetic.

The statements are synthetic (``tvetbridge-demo`` in their context, learners on a made-up home page)
and seeded, so the same seed gives the same usage: the Jingshi online library's "over a thousand
visits and over 1500 hours of learning" (002, ¶3) is reproduced by ``queries.usage_table`` over the
project's resources, and the demo trainee gets a learning record.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from tvetbridge.core.models import Language, Source
from tvetbridge.core.services import system_user
from tvetbridge.registry.models import CooperationProject, Institution

from . import records, services
from .engine.xapi import format_timestamp
from .models import Resource, Statement
from .xapi.services import store_statements

DEMO_HOMEPAGE = "https://learners.jingshi.example"  # synthetic learners of the project's own platform
ADL = "http://adlnet.gov/expapi/verbs/"

# key, kind, owner, partners, projects, content languages, source key (None: synthetic), ISCED, hours,
# titles (en, zh-hans, ru, kk), description (en)
CATALOGUE = [
    ("lib-jingshi-mech-curriculum", "curriculum_standard", "real-inst-xinjiang-applied", ["real-inst-kiuet"],
     ["real-proj-jingshi-school"], ["zh", "ru"], "s002-bridge", 5, None,
     ("Mechanical manufacturing curriculum standards for Kazakhstan", "面向哈萨克斯坦的机械制造课程标准",
      "Стандарты учебных программ по машиностроению для Казахстана",
      "Қазақстанға арналған машина жасау оқу бағдарламаларының стандарттары"),
     "Curriculum standards developed with Kazakhstan International University of Engineering and Technology "
     "from research on Kazakhstan's mechanical manufacturing industry."),
    ("lib-jingshi-mech-teaching", "teaching_standard", "real-inst-xinjiang-applied", ["real-inst-kiuet"],
     ["real-proj-jingshi-school"], ["zh", "ru"], "s002-bridge", 5, None,
     ("Professional teaching standard: mechanical manufacturing and automation",
      "专业教学标准：机械制造及自动化", "Профессиональный стандарт обучения: машиностроение и автоматизация",
      "Кәсіптік оқыту стандарты: машина жасау және автоматтандыру"),
     "Professional teaching standard in line with local realities, output by the Jingshi project."),
    ("lib-jingshi-cnc-course", "course", "real-inst-xinjiang-applied", ["real-inst-kiuet"],
     ["real-proj-jingshi-school"], ["zh", "ru", "kk"], None, 5, 72,
     ("CNC machining: bilingual digital course", "数控加工（双语数字课程）",
      "Обработка на станках с ЧПУ: двуязычный цифровой курс", "CNC өңдеу: қостілді цифрлық курс"),
     "Digital course of the Jingshi online resource library: programming and operating CNC lathes and "
     "milling machines, machining drawings and tolerances."),
    ("lib-jingshi-cnc-m1", "module", "real-inst-xinjiang-applied", [], ["real-proj-jingshi-school"], ["zh", "ru"],
     None, 5, 12,
     ("CNC module 1: reading technical drawings", "数控模块一：识读机械图样",
      "Модуль ЧПУ 1: чтение технических чертежей", "CNC 1-модулі: техникалық сызбаларды оқу"),
     "Technical drawing, dimensions and tolerances for machining."),
    ("lib-jingshi-cnc-m2", "module", "real-inst-xinjiang-applied", [], ["real-proj-jingshi-school"], ["zh", "ru"],
     None, 5, 16,
     ("CNC module 2: programming a CNC lathe", "数控模块二：数控车床编程", "Модуль ЧПУ 2: программирование токарного станка с ЧПУ",
      "CNC 2-модулі: CNC токарлық станогын бағдарламалау"),
     "G-code programming and setting up a CNC lathe."),
    ("lib-jingshi-welding", "textbook", "real-inst-xinjiang-applied", ["real-inst-kiuet"],
     ["real-proj-jingshi-school"], ["zh", "kk"], None, 4, None,
     ("Welding technology: a Chinese–Kazakh textbook", "焊接技术（中哈双语教材）",
      "Технология сварки: китайско-казахский учебник", "Дәнекерлеу технологиясы: қытай-қазақ оқулығы"),
     "Arc and gas welding, welding safety and quality inspection, with engineering cases from both countries."),
    ("lib-tianjin-135-modules", "teaching_standard", "real-inst-tianjin-vocational", [], [], ["zh", "ru"],
     "s001-ii-p2", 5, None,
     ("Teaching standard system of 135 course modules for Central Asia", "面向中亚的135个课程模块教学标准体系",
      "Система стандартов обучения из 135 модулей курсов для Центральной Азии",
      "Орталық Азияға арналған 135 курс модулінен тұратын оқыту стандарттары жүйесі"),
     "Developed by Tianjin Vocational Institute with the Five-Industry Linkage model and the EPIP teaching "
     "methodology."),
    ("lib-tucm-ru-textbooks", "textbook", "real-inst-tianjin-urban-construction", [],
     ["real-proj-tucm-bilingual-textbooks"], ["zh", "ru"], "s004-3-2", 5, None,
     ("Construction engineering: Chinese–Russian bilingual textbooks", "建筑工程技术中俄双语教材",
      "Строительная техника: двуязычные китайско-русские учебники",
      "Құрылыс инженериясы: қытай-орыс қостілді оқулықтары"),
     "Bilingual textbooks on building construction technology for Russian-speaking students."),
    ("lib-tucm-ru-videos", "video", "real-inst-tianjin-urban-construction", [],
     ["real-proj-tucm-bilingual-textbooks"], ["zh", "ru"], "s004-3-2", 5, 20,
     ("Construction site practice: Chinese–Russian videos", "建筑施工实操中俄双语视频",
      "Практика на строительной площадке: китайско-русские видео",
      "Құрылыс алаңындағы практика: қытай-орыс бейнелері"),
     "Video resources accompanying the bilingual construction textbooks."),
    ("lib-karamay-drilling-sim", "simulation", "real-inst-karamay-vtc", ["real-inst-atyrau-oil-gas"],
     ["real-proj-atyrau-visit-2025"], ["zh", "ru"], "s002-atyrau", 5, 10,
     ("Drilling accident handling: virtual simulation", "钻井事故处理虚拟仿真实训",
      "Ликвидация аварий при бурении: виртуальный тренажёр",
      "Бұрғылаудағы апаттарды жою: виртуалды симуляция"),
     "The virtual simulation training base where Atyrau students practised handling drilling accidents."),
    ("lib-xjavtu-cotton-course", "course", "real-inst-xinjiang-agri-vtu", ["real-inst-tajik-agrarian"],
     ["real-proj-ct-agri-college"], ["zh", "ru"], "s002-joining", 5, 48,
     ("Cotton cultivation and seed production: international digital course", "棉花栽培与良种繁育（国际数字课程）",
      "Выращивание хлопка и семеноводство: международный цифровой курс",
      "Мақта өсіру және тұқым шаруашылығы: халықаралық цифрлық курс"),
     "One of the 16 international digital course resources Xinjiang Agricultural VTU built with partners."),
    ("lib-xjavtu-training-standard", "teaching_standard", "real-inst-xinjiang-agri-vtu", [],
     ["real-proj-ct-agri-college"], ["zh", "ru"], "s002-joining", 5, None,
     ("International talent training standard: modern agricultural engineering",
      "国际人才培养标准：现代农业工程", "Международный стандарт подготовки кадров: современная агроинженерия",
      "Кадрларды даярлаудың халықаралық стандарты: заманауи агроинженерия"),
     "One of the three international talent training standards the university promoted."),
    ("lib-alt-logistics-course", "course", "real-inst-urumqi-vocational", ["real-inst-alt-university"],
     ["real-proj-lw-kazakhstan-alt"], ["zh", "ru", "kk"], None, 5, 64,
     ("Smart logistics: Chinese + vocational skills course", "智慧物流（中文+职业技能课程）",
      "Умная логистика: курс «Китайский язык + профессиональные навыки»",
      "Ақылды логистика: «қытай тілі + кәсіптік дағдылар» курсы"),
     "Warehouse operations, e-commerce fulfilment and logistics Chinese for the Luban Workshop at ALT."),
    ("lib-alt-logistics-m1", "module", "real-inst-urumqi-vocational", ["real-inst-alt-university"],
     ["real-proj-lw-kazakhstan-alt"], ["ru", "kk"], None, 5, 16,
     ("Smart logistics module 1: warehouse management systems", "智慧物流模块一：仓储管理系统",
      "Модуль 1: системы управления складом", "1-модуль: қойманы басқару жүйелері"),
     "Receiving, storing and picking goods with a warehouse management system."),
    ("lib-alt-logistics-m2", "module", "real-inst-urumqi-vocational", ["real-inst-alt-university"],
     ["real-proj-lw-kazakhstan-alt"], ["ru", "kk"], None, 5, 16,
     ("Smart logistics module 2: order fulfilment and last-mile delivery", "智慧物流模块二：订单履约与末端配送",
      "Модуль 2: выполнение заказов и доставка последней мили", "2-модуль: тапсырыстарды орындау және соңғы миль жеткізу"),
     "Order picking, packing and delivery planning."),
    ("lib-alt-logistics-assessment", "assessment", "real-inst-urumqi-vocational", ["real-inst-alt-university"],
     ["real-proj-lw-kazakhstan-alt"], ["ru", "kk", "zh"], None, 5, 2,
     ("Smart logistics: skills assessment", "智慧物流技能考核", "Умная логистика: оценка навыков",
      "Ақылды логистика: дағдыларды бағалау"),
     "Practical assessment of warehouse and delivery skills."),
    ("lib-railway-textbook", "textbook", "real-inst-xinjiang-railway", ["real-inst-tashkent-transport"],
     ["real-proj-silk-road-hsr-workshop"], ["zh", "ru"], None, 5, None,
     ("Railway signalling and operations: Chinese–Russian textbook", "铁道信号与运营（中俄双语教材）",
      "Железнодорожная сигнализация и эксплуатация: китайско-русский учебник",
      "Темір жол сигнализациясы және пайдалану: қытай-орыс оқулығы"),
     "For the China–Kyrgyzstan–Uzbekistan railway talent training base."),
]


def _source(key: str | None) -> Source | None:
    return Source.objects.filter(key=key).first() if key else None


@transaction.atomic
def load_catalogue() -> int:
    """Create or update the demo catalogue; every resource published, linked to its projects."""
    institutions = {i.external_key: i for i in Institution.objects.all()}
    projects = {p.external_key: p for p in CooperationProject.objects.all()}
    have_langs = set(Language.objects.values_list("code", flat=True))
    n = 0
    for key, kind, owner, partners, project_keys, langs, source, isced, hours, titles, description in CATALOGUE:
        if owner not in institutions:
            continue
        data = {"kind": kind, "institution": institutions[owner], "source": _source(source),
                "is_synthetic": source is None, "isced_level": isced, "hours": hours, "licence": "CC-BY-NC-4.0",
                "url": f"https://library.tvetbridge.example/{key}", "status": Resource.Status.PUBLISHED,
                "title": titles[0], "title_en": titles[0], "title_zh_hans": titles[1], "title_ru": titles[2],
                "title_kk": titles[3], "description": description, "description_en": description}
        resource, _ = Resource.objects.update_or_create(external_key=key, defaults=data)
        if resource.published is None:
            Resource.objects.filter(pk=resource.pk).update(published=dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
        resource.content_languages.set([c for c in langs if c in have_langs])
        resource.partner_institutions.set([institutions[p] for p in partners if p in institutions])
        resource.projects.set([projects[p] for p in project_keys if p in projects])
        n += 1
    for key, parent in (("lib-jingshi-cnc-m1", "lib-jingshi-cnc-course"), ("lib-jingshi-cnc-m2", "lib-jingshi-cnc-course"),
                        ("lib-alt-logistics-m1", "lib-alt-logistics-course"),
                        ("lib-alt-logistics-m2", "lib-alt-logistics-course")):
        Resource.objects.filter(external_key=key).update(parent=Resource.objects.filter(external_key=parent).first())
    _code_concepts()
    for resource in Resource.objects.filter(external_key__startswith="lib-"):
        services.reindex(resource)
    return n


# The ESCO occupations a demo resource teaches, by ISCO-08 unit group (confirmed as an owner would).
ISCO = {"lib-jingshi-cnc-course": "7223", "lib-jingshi-cnc-m1": "7223", "lib-jingshi-cnc-m2": "7223",
        "lib-jingshi-mech-curriculum": "7223", "lib-jingshi-mech-teaching": "7223", "lib-jingshi-welding": "7212",
        "lib-tucm-ru-textbooks": "7112", "lib-tucm-ru-videos": "7112", "lib-karamay-drilling-sim": "8113",
        "lib-xjavtu-cotton-course": "6111", "lib-xjavtu-training-standard": "6111",
        "lib-alt-logistics-course": "4321", "lib-alt-logistics-m1": "4321", "lib-alt-logistics-m2": "4321",
        "lib-alt-logistics-assessment": "4321", "lib-railway-textbook": "8311"}


def _code_concepts() -> None:
    from tvetbridge.taxonomy.models import Occupation, OccupationSkill

    from .models import ResourceOccupation, ResourceSkill

    for key, isco in ISCO.items():
        resource = Resource.objects.filter(external_key=key).first()
        occupation = Occupation.objects.filter(isco_group__code=isco).order_by("code").first()
        if resource is None or occupation is None:
            continue
        ResourceOccupation.objects.update_or_create(resource=resource, occupation=occupation,
                                                    defaults={"confirmed": True, "score": None})
        skill_ids = list(OccupationSkill.objects.filter(occupation=occupation, essential=True)
                         .order_by("skill_id").values_list("skill_id", flat=True)[:6])
        for sid in skill_ids:
            ResourceSkill.objects.update_or_create(resource=resource, skill_id=sid,
                                                   defaults={"confirmed": True, "score": None})


def _statement(actor: dict, verb: str, resource: Resource, when: dt.datetime, duration: float | None,
               lang: str) -> dict:
    st = {"actor": actor, "verb": {"id": ADL + verb, "display": {"en": verb}},
          "object": {"objectType": "Activity", "id": resource.activity_iri,
                     "definition": {"name": {"en": resource.title_en or resource.title}}},
          "context": {"platform": "tvetbridge-demo (synthetic)", "language": lang},
          "timestamp": format_timestamp(when)}
    if duration is not None:
        st["result"] = {"duration": f"PT{duration:.0f}S", "completion": verb == "completed"}
    return st


def generate_statements(*, seed: int = 42, learners: int = 320, trainee=None) -> int:
    """Synthetic learning records: learners of the Jingshi online library (a made-up home page) over
    2024–2025, and, when given, the demo trainee's work on the modules of their project."""
    if Statement.objects.filter(payload__context__platform="tvetbridge-demo (synthetic)").exists():
        return 0
    rng = random.Random(seed)
    client = services.platform_client()
    jingshi = list(Resource.objects.filter(projects__external_key="real-proj-jingshi-school").order_by("pk"))
    others = list(Resource.objects.filter(external_key__startswith="lib-").exclude(pk__in=[r.pk for r in jingshi]))
    batch: list[dict] = []
    n = 0
    start = dt.datetime(2024, 9, 1, 8, tzinfo=dt.UTC)
    for i in range(learners):
        actor = {"objectType": "Agent", "account": {"homePage": DEMO_HOMEPAGE, "name": f"learner-{seed}-{i:04d}"}}
        lang = rng.choice(["zh-CN", "ru-KZ", "kk-KZ", "ru-KZ"])
        for _session in range(rng.randint(2, 6)):
            pool = jingshi if rng.random() < 0.85 or not others else others
            resource = rng.choice(pool)
            when = start + dt.timedelta(days=rng.randint(0, 480), minutes=rng.randint(0, 12 * 60))
            minutes = rng.lognormvariate(4.3, 0.6)  # median about 74 minutes
            batch.append(_statement(actor, "launched", resource, when, None, lang))
            verb = "completed" if rng.random() < 0.6 else "terminated"
            batch.append(_statement(actor, verb, resource, when + dt.timedelta(minutes=minutes), minutes * 60, lang))
            if rng.random() < 0.1:  # a reload within seconds: the double-click rule drops it
                batch.append(_statement(actor, "launched", resource, when + dt.timedelta(seconds=8), None, lang))
            if len(batch) >= 100:
                n += len(store_statements(client, batch))
                batch = []
    if trainee is not None:
        n += _trainee_statements(client, trainee, rng, batch)
        batch = []
    if batch:
        n += len(store_statements(client, batch))
    return n


def _trainee_statements(client, trainee, rng: random.Random, batch: list[dict]) -> int:
    """The demo trainee studies the modules of the ALT Luban Workshop's smart logistics course; the
    enrolment (synthetic) is added when the trainee has none in force."""
    from tvetbridge.outcomes import services as outcome_services

    project = CooperationProject.objects.filter(external_key="real-proj-lw-kazakhstan-alt").first()
    modules = list(Resource.objects.filter(kind=Resource.Kind.MODULE, projects=project).order_by("external_key"))
    enrolment = trainee.enrolments.filter(project=project).exclude(status="applied").first()
    if enrolment is None and project is not None:
        enrolment = outcome_services.record_enrolment(system_user(), {
            "external_key": f"syn-library-{trainee.external_key}", "trainee": trainee, "project": project,
            "status": "enrolled", "start_date": dt.date(2025, 2, 3), "is_synthetic": True})
    if enrolment is None or not modules:
        return len(store_statements(client, batch)) if batch else 0
    actor = records.actor_for(trainee)
    when = dt.datetime(2025, 2, 10, 9, tzinfo=dt.UTC)
    for i, resource in enumerate(modules):
        minutes = 45 + 20 * i
        batch.append(_statement(actor, "launched", resource, when, None, "ru-KZ"))
        batch.append(_statement(actor, "completed", resource, when + dt.timedelta(minutes=minutes), minutes * 60,
                                "ru-KZ"))
        when += dt.timedelta(days=2)
    return len(store_statements(client, batch))


def build(*, seed: int = 42, trainee=None) -> list[str]:
    n = load_catalogue()
    s = generate_statements(seed=seed, trainee=trainee)
    return [f"catalogue resources: {n}", f"synthetic statements: {s}"]
