"""One exemplary case for the demo, on a project whose synthetic evidence supports it (an income
gain whose interval lies above zero). The narrative is an example written for the demo in the four
languages; the figures beside it are the project's own, read live like any case's."""

from __future__ import annotations

from django.db.models import Count, Q

from tvetbridge.core.services import system_user
from tvetbridge.opendata import queries, services
from tvetbridge.opendata.models import ExemplaryCase
from tvetbridge.outcomes.models import Enrolment
from tvetbridge.registry.models import CooperationProject

SLUG = "demo-luban-workshop"
PREFERRED = "real-proj-lw-kazakhstan-alt"
MAX_TRIED = 6

NARRATIVE = {
    "title": {
        "en": "%(name)s: from a shortage of technicians to better-paid jobs (demo example)",
        "zh_hans": "%(name)s：从技术人员短缺到收入更高的工作（演示示例）",
        "ru": "%(name)s: от нехватки техников к лучше оплачиваемой работе (демонстрационный пример)",
        "kk": "%(name)s: техниктер тапшылығынан жоғары жалақылы жұмысқа дейін (демонстрациялық мысал)",
    },
    "industry_gap": {
        "en": "Employers in the host region reported open positions for technicians trained on modern "
              "equipment, and no local programme taught it.",
        "zh_hans": "东道地区的雇主报告了对掌握现代设备的技术人员的空缺岗位，而当地没有相应的培训项目。",
        "ru": "Работодатели принимающего региона сообщали о вакансиях техников, обученных работе на "
              "современном оборудовании, а местных программ такого обучения не было.",
        "kk": "Қабылдаушы өңірдегі жұмыс берушілер заманауи жабдықта оқытылған техниктерге бос орындар "
              "бар екенін хабарлады, ал жергілікті бағдарламалар мұны оқытпады.",
    },
    "learning": {
        "en": "Trainees followed a practice-based programme in the workshop with Chinese partner teachers "
              "and took the skill certificates shown beside this text.",
        "zh_hans": "学员在工坊中与中方合作教师一起学习以实践为主的课程，并获得了旁边所列的技能证书。",
        "ru": "Слушатели прошли практико-ориентированную программу в мастерской вместе с китайскими "
              "преподавателями-партнёрами и получили указанные рядом свидетельства о квалификации.",
        "kk": "Білім алушылар шеберханада қытайлық серіктес оқытушылармен бірге практикаға негізделген "
              "бағдарламадан өтіп, осы мәтіннің жанында көрсетілген дағды сертификаттарын алды.",
    },
}


def _candidates():
    with_people = (CooperationProject.objects.filter(enrolments__isnull=False)
                   .annotate(n=Count("enrolments", filter=~Q(enrolments__status=Enrolment.Status.APPLIED)))
                   .order_by("-n", "pk"))
    preferred = list(with_people.filter(external_key=PREFERRED))
    return preferred + [p for p in with_people.exclude(external_key=PREFERRED)[:MAX_TRIED]]


def build() -> list[str]:
    if ExemplaryCase.objects.filter(slug=SLUG).exists():
        return ["exemplary case already present"]
    user = system_user()
    for project in _candidates():
        probe = ExemplaryCase(project=project)
        if queries.impact_figure(services.case_impact(probe))["state"] != "gain":
            continue
        data = {"project": project, "slug": SLUG}
        for field, texts in NARRATIVE.items():
            for suffix, text in texts.items():
                name = getattr(project, f"name_{suffix}", "") or project.name
                data[f"{field}_{suffix}"] = text % {"name": name} if "%(name)s" in text else text
        case = services.create_case(user, data)
        services.publish_case(user, case)
        return [f"exemplary case published: {project.external_key} at /open-data/cases/{SLUG}/"]
    return ["exemplary case skipped: no demo project's evidence shows a gain"]
