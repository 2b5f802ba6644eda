"""A recognition world on top of the shared one: the shipped frameworks (those of China, Kazakhstan and
Tajikistan, plus the EQF), ESCO-coded modules for a Chinese and a Kazakh programme, a credential type
each, and a trainee with an account and a recorded award."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture
def cred(world, users, make_user):
    from tvetbridge.core.models import Language, Profile, Role, Source
    from tvetbridge.credentials import services
    from tvetbridge.credentials.reference import load_frameworks
    from tvetbridge.outcomes.models import Credential, Enrolment, Trainee
    from tvetbridge.registry.models import Programme
    from tvetbridge.taxonomy.models import Skill

    load_frameworks()
    source = Source.objects.create(key="esco-test", title="ESCO v1.1.1")
    skills = [Skill.objects.create(esco_id=f"skill-{i}", label=label, source=source)
              for i, label in enumerate(["manage warehouse operations", "plan freight transport", "operate forklift",
                                         "prepare customs documents", "manage inventory", "plan supply chain"])]
    Language.objects.get_or_create(code="en", defaults={"name": "English"})
    coordinator = users["coordinator"]
    cn_programme = Programme.objects.create(external_key="prog-cn", institution=world["urumqi"],
                                            name="Modern logistics management", field=world["logistics"],
                                            isced_level=5, duration_months=36, intake_capacity=60,
                                            expected_graduates=50)
    kz_programme = world["programme"]
    for programme, level, modules in (
            (cn_programme, "cn-vet:associate", [("CN-1", skills[0:3], 6), ("CN-2", skills[3:6], 6)]),
            (kz_programme, "kz-nqf:5", [("KZ-1", skills[0:2], 5), ("KZ-2", skills[3:5], 5), ("KZ-3", skills[5:6], 4)])):
        for code, module_skills, credits in modules:
            services.save_module(coordinator, programme, {"code": code, "name": {"en": f"Module {code}"}, "hours": 150,
                                                          "credits": Decimal(credits),
                                                          "level": services.level_by_key(level)},
                                 outcomes=[{"text": {"en": s.label}, "skill": s} for s in module_skills])
        services.save_programme_profile(coordinator, programme, levels=[services.level_by_key(level)], hours=3600,
                                        credits=Decimal("120"), language=Language.objects.get(code="ru"))
    cn_type = services.save_credential_type(coordinator, {
        "institution": world["urumqi"], "programme": cn_programme, "kind": "Diploma", "hours": 3600,
        "credits": Decimal("120"), "language": Language.objects.get(code="zh"),
        "name": {"en": "Diploma in modern logistics", "zh_hans": "现代物流管理专业毕业证书",
                 "ru": "Диплом по современной логистике", "kk": "Заманауи логистика дипломы"},
        "description": {"en": "Three-year higher vocational programme in logistics."},
        "criteria": {"en": "Passed all modules and the final examination."}},
        levels=[services.level_by_key("cn-vet:associate")],
        outcomes=[{"text": {"en": s.label}, "skill": s} for s in skills])
    trainee_user = make_user("trainee", username="trainee-user")
    trainee = Trainee.objects.create(external_key="tr-1", institution=world["urumqi"], user=trainee_user)
    enrolment = Enrolment.objects.create(external_key="en-1", trainee=trainee, programme=cn_programme,
                                         status="completed", start_date=dt.date(2022, 9, 1),
                                         end_date=dt.date(2025, 6, 30))
    award = Credential.objects.create(trainee=trainee, enrolment=enrolment, kind="diploma",
                                      name="Diploma in modern logistics", awarded=dt.date(2025, 6, 30))
    cn_staff = make_user("institution", institution=world["urumqi"], username="urumqi-staff")
    Profile.objects.filter(user=cn_staff).update(role=Role.INSTITUTION_STAFF)
    return {**world, "users": users, "skills": skills, "cn_programme": cn_programme, "kz_programme": kz_programme,
            "cn_type": cn_type, "trainee": trainee, "trainee_user": trainee_user, "award": award,
            "cn_staff": cn_staff, "alt_staff": users["institution"], "coordinator": coordinator}
